//! Writes every default rule's positive and negative examples as files, one example per file
//! (`pos-<rule>-<n>.txt`, `neg-<rule>-<n>.txt`), so that other scanners can be run on them
//! (`bench/secret-scan-accuracy.sh`). Usage: `cargo run --example export_rule_examples -- DIR`.

use std::io::Write;

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args_os().nth(1) else {
        writeln!(std::io::stderr().lock(), "usage: export_rule_examples DIR")?;
        std::process::exit(2);
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir)?;
    let mut n = 0usize;
    for rule in secret_scan::rules::RULES {
        // Manifests keep their extension: some scanners only look for them in YAML files.
        let ext = if rule.id.starts_with("kubernetes-") { "yaml" } else { "txt" };
        for (label, examples) in [("pos", rule.positives), ("neg", rule.negatives)] {
            for (i, text) in examples.iter().enumerate() {
                std::fs::write(dir.join(format!("{label}-{}-{}.{ext}", rule.id, i + 1)), format!("{text}\n"))?;
                n += 1;
            }
        }
    }
    writeln!(std::io::stderr().lock(), "{n} examples written to {}", dir.display())?;
    Ok(())
}
