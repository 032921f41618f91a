//! Jupyter notebooks: scan cell sources and text outputs unescaped, skip image/video payloads,
//! and map findings back to the line of the `.ipynb` file.
//!
//! A cell's source (and each text output) is decoded and scanned as one text, so that a secret
//! split over several source lines keeps its context. Each decoded line comes from one JSON string
//! element; the element is found in the raw file by its JSON encoding (searched forward from the
//! previous one, since serialisation keeps document order), which gives its file line.

use serde_json::Value;

use crate::engine::{Hit, Scanner};

/// Output MIME types scanned (text); everything else (images, video, widgets) is skipped.
fn is_text_mime(mime: &str) -> bool {
    mime.starts_with("text/") || mime == "application/json" || mime == "application/javascript"
}

/// Why a notebook could not be read as JSON.
#[derive(Debug, thiserror::Error)]
#[error("not a valid notebook (JSON error at line {line}, column {column}): {message}")]
pub struct NotebookError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// serde_json's message (never contains the file's content).
    pub message: String,
}

/// Scans a notebook's bytes. Hits carry the `.ipynb` file's line numbers; columns are those of
/// the decoded cell line (the raw line is JSON-escaped).
pub fn scan(scanner: &Scanner, path: &str, raw: &[u8]) -> Result<Vec<Hit>, NotebookError> {
    let nb: Value = serde_json::from_slice(raw).map_err(|e| NotebookError {
        line: e.line(),
        column: e.column(),
        message: e.classify().to_string_kind(),
    })?;
    let mut locator = Locator { raw, cursor: 0, cursor_line: 1 };
    let mut out = Vec::new();
    let cells = nb.get("cells").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    // nbformat writes keys sorted (`outputs` before `source`, `data` before `text`): visiting
    // them in that order keeps the locator's forward search in step with the file.
    for cell in cells {
        for output in cell.get("outputs").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            if let Some(data) = output.get("data").and_then(Value::as_object) {
                for (mime, v) in data {
                    if is_text_mime(mime) {
                        scan_text_value(scanner, path, v, &mut locator, &mut out);
                    }
                }
            }
            if let Some(text) = output.get("text") {
                scan_text_value(scanner, path, text, &mut locator, &mut out);
            }
            if let Some(tb) = output.get("traceback") {
                scan_text_value(scanner, path, tb, &mut locator, &mut out);
            }
        }
        if let Some(src) = cell.get("source") {
            scan_text_value(scanner, path, src, &mut locator, &mut out);
        }
    }
    Ok(out)
}

trait KindName {
    fn to_string_kind(self) -> String;
}

impl KindName for serde_json::error::Category {
    fn to_string_kind(self) -> String {
        match self {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "unexpected end of file",
        }
        .to_owned()
    }
}

struct Locator<'a> {
    raw: &'a [u8],
    cursor: usize,
    cursor_line: u32,
}

impl Locator<'_> {
    /// The file line of the next occurrence of `s` (JSON-encoded) at or after the cursor.
    fn line_of(&mut self, s: &str) -> u32 {
        let Ok(enc) = serde_json::to_string(s) else { return self.cursor_line };
        let hay = &self.raw[self.cursor..];
        match memfind(hay, enc.as_bytes()) {
            Some(p) => {
                let abs = self.cursor + p;
                self.cursor_line += newlines(&self.raw[self.cursor..abs]);
                self.cursor = abs + enc.len();
                let line = self.cursor_line;
                self.cursor_line += newlines(enc.as_bytes());
                line
            }
            // Keys in another order: the first occurrence anywhere, cursor unchanged.
            None => match memfind(self.raw, enc.as_bytes()) {
                Some(p) => newlines(&self.raw[..p]) + 1,
                // Serialised differently (e.g. `\/` escapes): the last known line.
                None => self.cursor_line,
            },
        }
    }
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..hay.len() - needle.len() + 1].iter().position(|&b| b == first) {
            Some(p) => {
                let at = i + p;
                if &hay[at..at + needle.len()] == needle {
                    return Some(at);
                }
                i = at + 1;
            }
            None => return None,
        }
    }
    None
}

fn newlines(b: &[u8]) -> u32 {
    u32::try_from(b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(u32::MAX)
}

/// A text field: a string or a list of strings (nbformat allows both).
fn scan_text_value(scanner: &Scanner, path: &str, v: &Value, loc: &mut Locator<'_>, out: &mut Vec<Hit>) {
    let parts: Vec<&str> = match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => return,
    };
    if parts.is_empty() {
        return;
    }
    // (first decoded line of the part, file line of the part)
    let mut map: Vec<(u32, u32)> = Vec::with_capacity(parts.len());
    let mut text = String::new();
    let mut decoded_line = 1u32;
    for p in &parts {
        map.push((decoded_line, loc.line_of(p)));
        text.push_str(p);
        decoded_line += newlines(p.as_bytes());
    }
    for mut hit in scanner.scan_text(path, text.as_bytes()) {
        let idx = map.partition_point(|&(first, _)| first <= hit.line).saturating_sub(1);
        hit.line = map[idx].1;
        out.push(hit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RULES;

    const NB: &str = r#"{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {},
   "outputs": [
    {
     "data": {
      "image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
      "text/plain": [
       "<Figure size 640x480>"
      ]
     },
     "metadata": {},
     "output_type": "display_data"
    }
   ],
   "source": [
    "import wandb\n",
    "from transformers import AutoTokenizer\n",
    "login(token=\"hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL\")\n",
    "tokenizer = AutoTokenizer.from_pretrained(\"bert-base-uncased\")"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 2,
   "metadata": {},
   "outputs": [
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "Using key for machine api.wandb.ai\n",
      "WANDB_API_KEY=eb26c57d21fa5d328263dfe574de739988b886e7\n"
     ]
    }
   ],
   "source": "!cat ~/.netrc"
  }
 ],
 "metadata": {},
 "nbformat": 4,
 "nbformat_minor": 5
}"#;

    #[test]
    fn notebook_findings_map_to_file_lines_and_skip_images() {
        let scanner = Scanner::new(RULES).unwrap();
        let hits = scan(&scanner, "train.ipynb", NB.as_bytes()).unwrap();
        let got: Vec<_> = hits.iter().map(|h| (h.rule.id, h.line)).collect();
        assert_eq!(got, [("huggingface-token", 22), ("wandb-api-key", 36)]);
        // The snippet is the decoded line (no JSON escapes), masked.
        assert!(hits[0].snippet.starts_with("login(token=\"hf_"), "{}", hits[0].snippet);
        assert!(!hits[0].snippet.contains("u8jzPde0IgxLd6"), "{}", hits[0].snippet);
    }

    #[test]
    fn invalid_notebook_is_an_error_with_a_position() {
        let scanner = Scanner::new(RULES).unwrap();
        let err = scan(&scanner, "bad.ipynb", b"{\n \"cells\": [\n").unwrap_err();
        assert_eq!(err.line, 3);
    }
}
