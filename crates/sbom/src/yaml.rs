//! YAML loading with a bound on alias expansion.
//!
//! yaml-rust2 resolves an alias by cloning the anchored node, so a few lines of nested aliases
//! (a "billion laughs" file) would expand to billions of nodes. Model cards, lockfiles and DVC
//! files are untrusted repository content: the event stream is measured first (the expanded
//! node count, aliases included) and a document over [`MAX_NODES`] is refused before it is built.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, EventReceiver, Parser};
use yaml_rust2::{Yaml, YamlLoader};

/// Most nodes a document may expand to.
pub const MAX_NODES: u64 = 2_000_000;

#[derive(Default)]
struct Sizer {
    stack: Vec<(usize, u64)>,
    anchors: HashMap<usize, u64>,
    total: u64,
}

impl Sizer {
    fn add(&mut self, n: u64) {
        match self.stack.last_mut() {
            Some((_, c)) => *c = c.saturating_add(n),
            None => self.total = self.total.saturating_add(n),
        }
    }
}

impl EventReceiver for Sizer {
    fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Scalar(_, _, aid, _) => {
                if aid > 0 {
                    self.anchors.insert(aid, 1);
                }
                self.add(1);
            }
            Event::SequenceStart(aid, _) | Event::MappingStart(aid, _) => self.stack.push((aid, 1)),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((aid, c)) = self.stack.pop() {
                    if aid > 0 {
                        self.anchors.insert(aid, c);
                    }
                    self.add(c);
                }
            }
            Event::Alias(id) => {
                let n = self.anchors.get(&id).copied().unwrap_or(1);
                self.add(n);
            }
            _ => {}
        }
        // Nodes still open count too (a huge alias inside an unfinished mapping).
        let open: u64 = self.stack.iter().fold(0u64, |a, (_, c)| a.saturating_add(*c));
        if self.total.saturating_add(open) > MAX_NODES {
            self.total = u64::MAX;
        }
    }
}

/// Load the first document of `text`; an error names the problem (syntax, or expansion size).
pub fn load(text: &str) -> Result<Yaml, String> {
    let mut sizer = Sizer::default();
    Parser::new_from_str(text).load(&mut sizer, true).map_err(|e| format!("invalid YAML: {e}"))?;
    if sizer.total > MAX_NODES {
        return Err(format!("YAML expands to more than {MAX_NODES} nodes (aliases); refused"));
    }
    let mut docs = YamlLoader::load_from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
    if docs.is_empty() {
        return Err("empty YAML document".into());
    }
    Ok(docs.swap_remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billion_laughs_is_refused_and_small_aliases_load() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = load(&text).expect_err("10^12 nodes");
        assert!(err.contains("refused"), "{err}");
        let ok = load("base: &b {k: 1}\nother: *b\n").expect("small alias");
        assert_eq!(ok["other"]["k"].as_i64(), Some(1));
        assert!(load("a: [unclosed\n").expect_err("syntax").starts_with("invalid YAML"));
        assert!(load("").is_err());
    }
}
