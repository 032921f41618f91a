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

/// Scans a notebook's bytes. Hits carry the `.ipynb` file's line and column (bytes, counting the
/// JSON escapes as they are in the file); the column is 0 when a string could not be found
/// verbatim in the file (its line is then the last known one).
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

/// Finds JSON strings of the notebook in its raw bytes, moving forward.
struct Locator<'a> {
    raw: &'a [u8],
    cursor: usize,
    cursor_line: u32,
}

/// Where a decoded string starts in the raw file.
#[derive(Clone, Copy)]
struct Place {
    /// 1-based file line of the opening quote.
    line: u32,
    /// 1-based column (bytes) of the first character after the opening quote, or 0 when the
    /// string was not found verbatim (columns are then those of the decoded line).
    column: u32,
}

impl Locator<'_> {
    /// The place of the next occurrence of `s` (JSON-encoded) at or after the cursor.
    fn place_of(&mut self, s: &str) -> Place {
        let unknown = Place { line: self.cursor_line, column: 0 };
        let Ok(enc) = serde_json::to_string(s) else { return unknown };
        let enc = enc.as_bytes();
        let at = match memchr::memmem::find(&self.raw[self.cursor..], enc) {
            Some(p) => {
                let abs = self.cursor + p;
                self.cursor_line += newlines(&self.raw[self.cursor..abs]);
                self.cursor = abs + enc.len();
                let line = self.cursor_line;
                self.cursor_line += newlines(enc);
                (abs, line)
            }
            // Keys in another order: the first occurrence anywhere, cursor unchanged.
            None => match memchr::memmem::find(self.raw, enc) {
                Some(p) => (p, newlines(&self.raw[..p]) + 1),
                // Serialised differently (e.g. `\/` escapes): the last known line.
                None => return unknown,
            },
        };
        let line_start = memchr::memrchr(b'\n', &self.raw[..at.0]).map_or(0, |i| i + 1);
        Place { line: at.1, column: u32::try_from(at.0 - line_start + 2).unwrap_or(u32::MAX) }
    }
}

fn newlines(b: &[u8]) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', b).count()).unwrap_or(u32::MAX)
}

/// Length of `s` once JSON-encoded, without the quotes.
fn encoded_len(s: &str) -> usize {
    serde_json::to_string(s).map_or(s.len(), |e| e.len() - 2)
}

/// A text field: a string or a list of strings (nbformat allows both).
///
/// The decoded text is scanned first; only the strings that hold a finding are then looked up
/// in the raw file (most cells hold none), which gives the finding's file line and column. The
/// lookup moves forward through the file, so a finding's string is found after the previous
/// finding's (an identical line earlier in a cell without findings could only shift a finding to
/// that earlier copy of the same line).
fn scan_text_value(scanner: &Scanner, path: &str, v: &Value, loc: &mut Locator<'_>, out: &mut Vec<Hit>) {
    let single;
    let parts: Vec<&str> = match v {
        Value::String(s) => {
            single = [s.as_str()];
            single.to_vec()
        }
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => return,
    };
    if parts.is_empty() {
        return;
    }
    let text: String = parts.concat();
    let hits = scanner.scan_text(path, text.as_bytes());
    if hits.is_empty() {
        return;
    }
    // Byte offset of each part in `text`, and of each decoded line.
    let mut starts = Vec::with_capacity(parts.len());
    let mut off = 0usize;
    for p in &parts {
        starts.push(off);
        off += p.len();
    }
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1)).collect();
    let mut placed: Vec<Option<Place>> = vec![None; parts.len()];
    for mut hit in hits {
        let line_idx = usize::try_from(hit.line).unwrap_or(1).saturating_sub(1).min(line_starts.len() - 1);
        let value_at = line_starts[line_idx] + usize::try_from(hit.column).unwrap_or(1).saturating_sub(1);
        let value_at = value_at.min(text.len());
        let idx = starts.partition_point(|&s| s <= value_at).saturating_sub(1);
        let place = *placed[idx].get_or_insert_with(|| loc.place_of(parts[idx]));
        let part = parts[idx];
        let within = value_at - starts[idx];
        hit.line = place.line;
        if place.column > 0 && part.is_char_boundary(within) {
            let value_len = usize::try_from(hit.end_column.saturating_sub(hit.column)).unwrap_or(0);
            let value_end = (within + value_len).min(part.len());
            let col = place.column as usize + encoded_len(&part[..within]);
            let end = col + part.get(within..value_end).map_or(value_len, encoded_len);
            hit.column = u32::try_from(col).unwrap_or(u32::MAX);
            hit.end_column = u32::try_from(end).unwrap_or(u32::MAX);
        } else {
            // The decoded line's column would not point into the file: no column.
            hit.column = 0;
            hit.end_column = 0;
        }
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
        // Columns are the file's: `    "login(token=\"hf_` puts the value at byte 20 of line 22.
        let line22 = NB.lines().nth(21).unwrap();
        let col = line22.find("hf_").unwrap() + 1;
        assert_eq!((hits[0].column as usize, hits[0].end_column as usize), (col, col + 37), "{line22}");
        let line36 = NB.lines().nth(35).unwrap();
        let col = line36.find("eb26").unwrap() + 1;
        assert_eq!((hits[1].column as usize, hits[1].end_column as usize), (col, col + 40), "{line36}");
        // The snippet is the decoded line (no JSON escapes), masked.
        assert!(hits[0].snippet.starts_with("login(token=\"hf_"), "{}", hits[0].snippet);
        assert!(!hits[0].snippet.contains("u8jzPde0IgxLd6"), "{}", hits[0].snippet);
    }

    #[test]
    fn a_single_string_source_maps_to_its_file_column_with_escapes() {
        let nb = concat!(
            "{\"cells\": [{\"cell_type\": \"code\", \"outputs\": [],\n",
            "  \"source\": \"import os\\nos.environ[\\\"HF_TOKEN\\\"] = \\\"hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL\\\"\\n\"}]}\n"
        );
        let scanner = Scanner::new(RULES).unwrap();
        let hits = scan(&scanner, "a.ipynb", nb.as_bytes()).unwrap();
        assert_eq!(hits.len(), 1, "{hits:?}");
        let line2 = nb.lines().nth(1).unwrap();
        let col = line2.find("hf_").unwrap() + 1;
        assert_eq!((hits[0].line, hits[0].column as usize, hits[0].end_column as usize), (2, col, col + 37));
    }

    #[test]
    fn a_cell_line_repeated_without_findings_does_not_move_later_findings() {
        let scanner = Scanner::new(RULES).unwrap();
        let nb = NB.replacen("\"import wandb\\n\",", "\"import wandb\\n\", \"x = 1\\n\",", 1);
        let hits = scan(&scanner, "b.ipynb", nb.as_bytes()).unwrap();
        let got: Vec<_> = hits.iter().map(|h| h.line).collect();
        assert_eq!(got, [22, 36]);
    }

    #[test]
    fn invalid_notebook_is_an_error_with_a_position() {
        let scanner = Scanner::new(RULES).unwrap();
        let err = scan(&scanner, "bad.ipynb", b"{\n \"cells\": [\n").unwrap_err();
        assert_eq!(err.line, 3);
    }
}
