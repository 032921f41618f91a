//! The matching engine: an Aho-Corasick prefilter over the rules' keywords, then each rule's regex
//! (bytes API) on small windows around the keyword hits, then entropy and allowlist checks.
//!
//! Text is scanned in bounded chunks ([`CHUNK`] bytes plus an [`OVERLAP`] carried over), so a
//! 1 GB file or a 10 MB single line costs bounded memory, and the regexes only ever see windows of
//! a few hundred bytes around a keyword.

use std::io::Read;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use mlsec_findings::{Category, fingerprint, redact};
use regex::bytes::Regex;

use crate::rules::RuleDef;

/// Bytes read per chunk.
pub const CHUNK: usize = 1 << 20;
/// Bytes of the previous chunk kept in front of the next one, so that a secret straddling a chunk
/// boundary is still seen whole (the longest rule match, a PEM key, is bounded by the window).
pub const OVERLAP: usize = 16 << 10;
/// Bytes looked at before a keyword hit.
const BEFORE: usize = 256;
/// Bytes looked at after a keyword hit (PEM keys get [`AFTER_LONG`]).
const AFTER: usize = 512;
const AFTER_LONG: usize = 8 << 10;
/// How far a window edge moves to reach a token delimiter, so that a window never starts or ends
/// in the middle of a token (a cut token could look like a shorter secret).
const EDGE: usize = 256;
/// Longest snippet context kept on each side of the masked value.
const SNIPPET_CONTEXT: usize = 80;
/// Values ending this close to the end of a non-final chunk are left to the next chunk.
const EDGE_MARGIN: usize = 1024;

/// Revision of the matching logic, part of the blob cache's key
/// ([`crate::history::ruleset_hash`]): bump it with any change to this module that can change what
/// a blob's scan finds, so that caches written by an older build are not reused.
pub const ENGINE_REVISION: u32 = 3;

/// Inline markers that suppress a finding on their line.
pub const INLINE_MARKERS: &[&str] = &["gitleaks:allow", "pragma: allowlist secret", "mlsec:allow"];

/// A compiled rule set.
#[derive(Debug)]
pub struct Scanner {
    rules: &'static [RuleDef],
    regexes: Vec<Regex>,
    prefilter: AhoCorasick,
    /// Prefilter pattern index -> rule index.
    pattern_rule: Vec<usize>,
    /// A gitleaks config's rules and allowlists ([`crate::gitleaks`]), if one is in use.
    gitleaks: Option<std::sync::Arc<crate::gitleaks::GitleaksConfig>>,
}

/// Why the rules could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A rule's regex is invalid.
    #[error("rule {rule}: invalid regex: {source}")]
    Regex {
        /// The rule id.
        rule: String,
        /// The regex error.
        source: regex::Error,
    },
    /// The keyword automaton could not be built.
    #[error("cannot build the keyword prefilter: {0}")]
    Prefilter(#[from] aho_corasick::BuildError),
}

/// One match, with everything needed for a finding and nothing that reveals the value.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The rule.
    pub rule: &'static RuleDef,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (bytes) of the value's start.
    pub column: u32,
    /// 1-based column after the value's end (on the value's first line).
    pub end_column: u32,
    /// [`fingerprint::secret_value_hash`] of the value.
    pub value_hash: String,
    /// The line, shortened around the value, with the value masked and redacted.
    pub snippet: String,
    /// The inline marker that suppresses it, if one is on the line.
    pub inline_suppression: Option<&'static str>,
    /// SHA-1 of the value in hex (detect-secrets baselines store `hashed_secret` this way).
    pub value_sha1: String,
}

impl Scanner {
    /// Compiles `rules`.
    pub fn new(rules: &'static [RuleDef]) -> Result<Scanner, EngineError> {
        let regexes = rules
            .iter()
            .map(|r| {
                // ASCII classes, `\b` and case folding: the values are ASCII, and the Unicode
                // versions make the automata many times larger (the capture engine then falls
                // back from the backtracker to the much slower PikeVM).
                regex::bytes::RegexBuilder::new(r.regex)
                    .unicode(false)
                    .size_limit(16 << 20)
                    .build()
                    .map_err(|source| EngineError::Regex { rule: r.id.to_owned(), source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut patterns = Vec::new();
        let mut pattern_rule = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for k in r.keywords {
                patterns.push(*k);
                pattern_rule.push(i);
            }
        }
        let prefilter = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // A full DFA: a few hundred short keywords, searched over every byte scanned (the
            // contiguous NFA is ~2x slower here; the memory is a few MB).
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&patterns)?;
        Ok(Scanner { rules, regexes, prefilter, pattern_rule, gitleaks: None })
    }

    /// Adds a gitleaks config: its rules run next to `rules`, and its allowlists apply to all.
    pub fn with_gitleaks(mut self, config: std::sync::Arc<crate::gitleaks::GitleaksConfig>) -> Scanner {
        self.gitleaks = Some(config);
        self
    }

    /// The gitleaks config in use, if any.
    pub fn gitleaks(&self) -> Option<&crate::gitleaks::GitleaksConfig> {
        self.gitleaks.as_deref()
    }

    /// The rules.
    pub fn rules(&self) -> &'static [RuleDef] {
        self.rules
    }

    /// Scans an in-memory text (tests, notebook cells).
    pub fn scan_text(&self, path: &str, text: &[u8]) -> Vec<Hit> {
        let mut out = Vec::new();
        self.scan_buffer(path, text, (0, usize::MAX), (1, 0), &mut out);
        out
    }

    /// Scans a stream in bounded chunks. Returns the hits; an I/O error mid-way returns what was
    /// found so far with the error.
    pub fn scan_reader(&self, path: &str, mut reader: impl Read) -> (Vec<Hit>, Option<std::io::Error>) {
        let mut out = Vec::new();
        let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + OVERLAP);
        // Line number of buf[0], and the lowest value end offset not yet reported in buf.
        let mut line_at_start: u32 = 1;
        let mut lo = 0usize;
        // Bytes of buf[0]'s line that came before buf[0] (a long line cut by a chunk).
        let mut col_at_start = 0usize;
        let mut chunk = vec![0u8; CHUNK];
        loop {
            let n = match read_full(&mut reader, &mut chunk) {
                Ok(n) => n,
                Err(e) => return (out, Some(e)),
            };
            buf.extend_from_slice(&chunk[..n]);
            let last = n < CHUNK;
            // A value that ends near the end of a non-final buffer may be cut: leave it to the
            // next buffer, which sees it whole (it starts with the kept tail).
            let hi = if last { usize::MAX } else { buf.len() - EDGE_MARGIN };
            self.scan_buffer(path, &buf, (lo, hi), (line_at_start, col_at_start), &mut out);
            if last {
                break;
            }
            let keep = buf.len().min(OVERLAP);
            let drop = buf.len() - keep;
            line_at_start = line_at_start.saturating_add(count_newlines(&buf[..drop]));
            col_at_start = match buf[..drop].iter().rposition(|&b| b == b'\n') {
                Some(p) => drop - p - 1,
                None => col_at_start + drop,
            };
            buf.drain(..drop);
            lo = hi - drop;
        }
        (out, None)
    }

    /// Scans `buf`; reports values whose end offset is in `lo..hi` (the others were or will be
    /// reported from a neighbouring chunk). `first_line` is the line number of `buf[0]`, `first_col`
    /// the bytes of its line before it.
    fn scan_buffer(
        &self,
        path: &str,
        buf: &[u8],
        (lo, hi): (usize, usize),
        (first_line, first_col): (u32, usize),
        out: &mut Vec<Hit>,
    ) {
        if let Some(g) = &self.gitleaks {
            if g.skips_file(path, None) {
                return;
            }
            g.scan_buffer(path, buf, (lo, hi), (first_line, first_col), out);
        }
        // (rule, window start, window end) per keyword hit, merged per rule.
        let mut windows: Vec<(usize, usize, usize)> = Vec::new();
        let search_from = lo.saturating_sub(AFTER_LONG + EDGE);
        for m in self.prefilter.find_overlapping_iter(&buf[search_from..]) {
            let rule = self.pattern_rule[m.pattern().as_usize()];
            let after = if self.rules[rule].id == "private-key" { AFTER_LONG } else { AFTER };
            let s = search_from + m.start();
            let e = search_from + m.end();
            let ws = widen_back(buf, s.saturating_sub(if self.rules[rule].id == "private-key" { 64 } else { BEFORE }));
            let we = widen_fwd(buf, (e + after).min(buf.len()));
            windows.push((rule, ws, we));
        }
        if windows.is_empty() {
            return;
        }
        windows.sort_unstable();
        let mut merged: Vec<(usize, usize, usize)> = Vec::with_capacity(windows.len());
        for w in windows {
            match merged.last_mut() {
                Some(last) if last.0 == w.0 && w.1 <= last.2 => last.2 = last.2.max(w.2),
                _ => merged.push(w),
            }
        }
        let generic_path_skip = is_lockfile(path);
        // (rule, value start, value end) found in this buffer.
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for (rule_idx, ws, we) in merged {
            let rule = &self.rules[rule_idx];
            if rule.id == "generic-secret-assignment" && generic_path_skip {
                continue;
            }
            let window = &buf[ws..we];
            for caps in self.regexes[rule_idx].captures_iter(window) {
                let Some(v) = caps.iter().skip(1).flatten().next() else { continue };
                let (vs, ve) = (ws + v.start(), ws + v.end());
                if ve < lo || ve >= hi {
                    continue;
                }
                let value = v.as_bytes();
                // `tokenizer = "..."`, `tokenizers: "..."`: a class or package name after a
                // name that merely contains "token" (the commonest generic false positive in ML code).
                if rule.id == "generic-secret-assignment"
                    && caps.get(0).is_some_and(|m| contains(&m.as_bytes()[..v.start() - m.start()], b"tokeniz"))
                {
                    continue;
                }
                // `load_textual_inversion(..., token="<concept>")`: the placeholder word of a
                // textual-inversion embedding (diffusers), not a credential.
                if rule.id == "generic-secret-assignment" && contains(line_of(window, v.start()), b"textual_inversion")
                {
                    continue;
                }
                if !accept(rule, value) {
                    continue;
                }
                // Rules keyed on a variable name: the name and the quoting decide too.
                if matches!(rule.id, "generic-secret-assignment" | "service-credential") {
                    let full = caps.get(0).map_or(value, |m| m.as_bytes());
                    let prefix = &full[..full.len().min(v.start() - caps.get(0).map_or(0, |m| m.start()))];
                    let name = assigned_name(prefix);
                    // `("NAME", "value")`: a quoted name then the value as the next argument
                    // (`setProperty`) is only taken for constant-style names, not for tuples of strings.
                    let comma =
                        prefix.contains(&b',') && !prefix.iter().any(|b| matches!(b, b'=' | b':' | b'>' | b'('));
                    if comma && name.iter().any(u8::is_ascii_lowercase) {
                        continue;
                    }
                    let quoted = v.start() > 0 && matches!(window[v.start() - 1], b'"' | b'\'' | b'`');
                    if !named_value_ok(rule.id, name, value, quoted) {
                        continue;
                    }
                }
                if let Some(g) = &self.gitleaks
                    && g.allows_default(
                        rule.id,
                        path,
                        value,
                        caps.get(0).map_or(value, |m| m.as_bytes()),
                        line_of(window, v.start()),
                    )
                {
                    continue;
                }
                if !found.iter().any(|&(r, s, _)| r == rule_idx && s == vs) {
                    found.push((rule_idx, vs, ve));
                }
            }
        }
        // A generic hit whose value a specific rule also found is the same secret.
        let specific: Vec<(usize, usize)> = found
            .iter()
            .filter(|(r, _, _)| self.rules[*r].id != "generic-secret-assignment")
            .map(|&(_, s, e)| (s, e))
            .collect();
        found.retain(|&(r, s, e)| {
            self.rules[r].id != "generic-secret-assignment" || !specific.iter().any(|&(a, b)| s < b && a < e)
        });
        found.sort_unstable_by_key(|&(_, s, _)| s);
        let mut line = first_line;
        let mut counted_to = 0usize;
        for (rule_idx, vs, ve) in found {
            line = line.saturating_add(count_newlines(&buf[counted_to..vs]));
            counted_to = vs;
            let line_start = buf[..vs].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let col_base = if line_start == 0 { first_col } else { 0 };
            let line_end = buf[ve..].iter().position(|&b| b == b'\n').map_or(buf.len(), |p| ve + p);
            let value = &buf[vs..ve];
            let first_value_line_end = value.iter().position(|&b| b == b'\n').map_or(ve, |p| vs + p);
            let line_text = &buf[line_start..line_end];
            let inline_suppression = INLINE_MARKERS.iter().copied().find(|m| contains(line_text, m.as_bytes()));
            out.push(Hit {
                rule: &self.rules[rule_idx],
                line,
                column: u32::try_from(col_base + vs - line_start + 1).unwrap_or(u32::MAX),
                end_column: u32::try_from(col_base + first_value_line_end - line_start + 1).unwrap_or(u32::MAX),
                value_hash: fingerprint::secret_value_hash(value),
                value_sha1: sha1_hex(value),
                snippet: snippet(buf, line_start, vs, ve, line_end),
                inline_suppression,
            });
        }
    }
}

/// SHA-1 of `value` in hex.
pub(crate) fn sha1_hex(value: &[u8]) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(value).iter().map(|b| format!("{b:02x}")).collect()
}

/// The line of `buf` that holds byte `at`.
fn line_of(buf: &[u8], at: usize) -> &[u8] {
    let start = buf[..at].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let end = buf[at..].iter().position(|&b| b == b'\n').map_or(buf.len(), |p| at + p);
    &buf[start..end]
}

/// The snippet: the value's line, cut to [`SNIPPET_CONTEXT`] bytes around the value, the value
/// masked (a short prefix at most) and the rest passed through the profile's redaction.
pub(crate) fn snippet(buf: &[u8], line_start: usize, vs: usize, ve: usize, line_end: usize) -> String {
    let from = vs.saturating_sub(SNIPPET_CONTEXT).max(line_start);
    let value_line_end = buf[vs..ve].iter().position(|&b| b == b'\n').map_or(ve, |p| vs + p);
    let to = (value_line_end + SNIPPET_CONTEXT).min(line_end.max(value_line_end));
    let before = String::from_utf8_lossy(&buf[from..vs]);
    let value = String::from_utf8_lossy(&buf[vs..value_line_end]);
    let after = String::from_utf8_lossy(&buf[value_line_end..to]);
    let masked = format!(
        "{}{before}{}{after}{}",
        if from > line_start { "…" } else { "" },
        redact::mask_value(&value),
        if to < line_end { "…" } else { "" }
    );
    redact::redact_snippet(Category::Secret, masked.trim_end_matches('\r'))
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn count_newlines(b: &[u8]) -> u32 {
    u32::try_from(b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(u32::MAX)
}

fn is_delim(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\'' | b'`' | b',' | b';' | b'(' | b')' | b'{' | b'}')
}

fn widen_back(buf: &[u8], mut s: usize) -> usize {
    let limit = s.saturating_sub(EDGE);
    while s > limit && !is_delim(buf[s - 1]) {
        s -= 1;
    }
    // Without a delimiter within reach the window starts mid-token; the rules' `\b` anchors and
    // minimum lengths still apply.
    s
}

fn widen_fwd(buf: &[u8], mut e: usize) -> usize {
    let limit = (e + EDGE).min(buf.len());
    while e < limit && !is_delim(buf[e]) {
        e += 1;
    }
    e
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// Shannon entropy in bits per byte.
pub fn entropy(value: &[u8]) -> f64 {
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in value {
        counts[usize::from(b)] += 1;
    }
    let len = value.len() as f64;
    counts.iter().filter(|&&c| c > 0).map(|&c| f64::from(c) / len).map(|p| -p * p.log2()).sum()
}

/// Lockfiles and checksum files: full of hashes next to `key`-like names.
fn is_lockfile(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    matches!(
        name,
        "poetry.lock"
            | "uv.lock"
            | "Pipfile.lock"
            | "pdm.lock"
            | "Cargo.lock"
            | "package-lock.json"
            | "yarn.lock"
            | "pnpm-lock.yaml"
            | "go.sum"
            | "conda-lock.yml"
            | "composer.lock"
            | "Gemfile.lock"
    ) || name.ends_with(".sha256")
}

/// Substrings of placeholder values (compared lower-case).
const PLACEHOLDERS: &[&str] = &[
    "xxxx",
    "****",
    "....",
    "example",
    "your",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "dummy",
    "redacted",
    "insert",
    "replace",
    "fake",
    "sample",
    "<",
    ">",
    "${",
    "{{",
    "$(",
    "%(",
    "_here",
    "-here",
    "todo",
    "secrets.",
    "env.",
    "environ",
    "getenv",
    "0000000000",
];

/// Whole values that are words, not secrets.
const STOPWORDS: &[&str] =
    &["password", "passwd", "secret", "admin", "root", "user", "postgres", "mysql", "guest", "test", "pass", "token"];

/// The value-level checks: entropy, allowlists, and the generic rule's ML-aware negatives.
fn accept(rule: &RuleDef, value: &[u8]) -> bool {
    if rule.min_entropy > 0.0 && entropy(value) < rule.min_entropy {
        return false;
    }
    if value.windows(2).all(|w| w[0] == w[1]) {
        return false;
    }
    if rule.allowlist {
        let lower = value.to_ascii_lowercase();
        if PLACEHOLDERS.iter().any(|p| contains(&lower, p.as_bytes())) {
            return false;
        }
        if STOPWORDS.iter().any(|s| lower == s.as_bytes()) {
            return false;
        }
    }
    if rule.id == "generic-secret-assignment" {
        return generic_value_ok(value);
    }
    true
}

/// The variable name at the start of an assignment match (`os.environ["X_TOKEN"] = ` -> `X_TOKEN`).
fn assigned_name(prefix: &[u8]) -> &[u8] {
    let start = prefix.iter().position(|b| !matches!(b, b'[' | b']' | b'"' | b'\'' | b'$' | b'@')).unwrap_or(0);
    let rest = &prefix[start..];
    let end =
        rest.iter().position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))).unwrap_or(rest.len());
    &rest[..end]
}

fn is_uuid(v: &[u8]) -> bool {
    v.len() == 36
        && v.iter()
            .enumerate()
            .all(|(i, &b)| if matches!(i, 8 | 13 | 18 | 23) { b == b'-' } else { b.is_ascii_hexdigit() })
}

/// Words in a variable name that say its value is not a credential (an id, a location, a
/// digest, a setting).
const NOT_SECRET_NAMES: &[&str] = &[
    "url",
    "uri",
    "host",
    "endpoint",
    "domain",
    "region",
    "version",
    "email",
    "username",
    "user_name",
    "zone",
    "project",
    "channel",
    "path",
    "file",
    "dir",
    "name",
    "type",
    "model",
    "account",
    "tenant",
    "workspace",
    "public",
    "schedule",
    "checksum",
    "hash",
    "sha",
    "digest",
    "commit",
    "revision",
    "etag",
    "md5",
    "nonce",
    "salt",
    "length",
    "size",
    "count",
    "class",
    "format",
    "prefix",
    "suffix",
    "header",
    "field",
    "timeout",
    "expir",
];

/// Words that mark a name as holding a credential (`service-credential` needs one, or a name that
/// is only the provider).
const SECRET_NAME_WORDS: &[&str] = &[
    "key", "secret", "token", "pass", "pwd", "auth", "cred", "client", "access", "sid", "dsn", "login", "api", "pat",
    "bearer",
];

/// Checks on the variable name and the value's quoting, for the rules keyed on a name.
fn named_value_ok(rule_id: &str, name: &[u8], value: &[u8], quoted: bool) -> bool {
    let lower = name.to_ascii_lowercase();
    if NOT_SECRET_NAMES.iter().any(|w| contains(&lower, w.as_bytes())) {
        return false;
    }
    // `credentialId`, `token_id`: an identifier, unless it is an OAuth client/app/access id.
    if (lower.ends_with(b"id") || lower.ends_with(b"ids"))
        && !["client", "access", "app", "key"].iter().any(|w| contains(&lower, w.as_bytes()))
    {
        return false;
    }
    let ident = |p: &[u8]| {
        p.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            && p.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    // A word identifier: digits only at its end (`linear_1`, `api_key_v2`, not `QbBW8xk2`), or
    // a number (`blocks.0.norm1`).
    let word = |p: &[u8]| {
        (!p.is_empty() && p.iter().all(u8::is_ascii_digit))
            || ident(p) && {
                let letters = p.iter().rposition(|b| !b.is_ascii_digit()).map_or(0, |i| i + 1);
                !p[..letters].iter().any(u8::is_ascii_digit)
            }
    };
    // Names of things (`time_text_embed.linear_1`, `config.api_key_v2`, `MiniMaxText01`), quoted
    // or not.
    if value.split(|&b| b == b'.').all(word) && value.iter().any(u8::is_ascii_alphabetic) {
        return false;
    }
    // `block_state.x0_tokens`: a dotted chain of identifiers with a snake_case part.
    let snake = |p: &[u8]| {
        p.len() >= 4
            && p.contains(&b'_')
            && p.iter().all(|b| b.is_ascii_lowercase() || *b == b'_' || b.is_ascii_digit())
    };
    if value.contains(&b'.') && value.split(|&b| b == b'.').all(ident) && value.split(|&b| b == b'.').any(snake) {
        return false;
    }
    // Unquoted `SOME_CONSTANT`, `snake_case_name`: code, not a value.
    if !quoted
        && ident(value)
        && value.contains(&b'_')
        && (!value.iter().any(u8::is_ascii_lowercase) || !value.iter().any(u8::is_ascii_uppercase))
    {
        return false;
    }
    if rule_id == "service-credential" {
        let alnum: Vec<u8> = lower.iter().copied().filter(u8::is_ascii_alphanumeric).collect();
        let only_provider = crate::rules::SERVICES
            .iter()
            .filter(|s| !crate::rules::WEAK_SERVICES.contains(s))
            .any(|s| s.bytes().filter(u8::is_ascii_alphanumeric).eq(alnum.iter().copied()));
        if !only_provider && !SECRET_NAME_WORDS.iter().any(|w| contains(&lower, w.as_bytes())) {
            return false;
        }
        // A number with a fraction or exponent (`0.0123456789`) is a setting; a long run of
        // digits alone is an id (Discord, Asana client ids).
        let digits_only = value.iter().all(u8::is_ascii_digit);
        if !value.iter().any(u8::is_ascii_digit)
            || (!digits_only && !value.iter().any(u8::is_ascii_alphabetic))
            || (digits_only && value.len() < 16)
            // The rule's entropy floor (2.5) is for digit-only ids; other values need 3.0.
            || (!digits_only && entropy(value) < 3.0)
        {
            return false;
        }
        let lower_v = value.to_ascii_lowercase();
        return !(lower_v.starts_with(b"http") || value.starts_with(b"/") || value.starts_with(b"."));
    }
    true
}

fn generic_value_ok(v: &[u8]) -> bool {
    // Hex strings of hash length are accepted: the name says "token", "secret", "password" or
    // "key", and names that say "hash", "checksum" or "commit" are rejected ([`named_value_ok`]).
    // UUIDs.
    if is_uuid(v) {
        return false;
    }
    // Paths, URLs, data URIs, digests with an algorithm prefix, templating.
    const PREFIXES: &[&[u8]] = &[
        b"/", b"./", b"../", b"~/", b"data:", b"sha256:", b"sha512", b"sha1", b"md5:", b"http", b"file:", b"s3:",
        b"gs:",
    ];
    let lower = v.to_ascii_lowercase();
    if PREFIXES.iter().any(|p| lower.starts_with(p)) || contains(v, b"://") {
        return false;
    }
    // Identifiers and class names (`AutoTokenizer`, `bert-base-uncased`, `module.Class`) have no
    // digits; real secrets of 10+ characters almost always do.
    if !v.iter().any(u8::is_ascii_digit) {
        return false;
    }
    // Model ids and versions: `org/model-7b`, `v1.2.3`.
    if v.contains(&b'/') && !v.contains(&b'+') {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RULES;

    fn scanner() -> Scanner {
        Scanner::new(RULES).unwrap()
    }

    #[test]
    fn entropy_of_uniform_and_constant_values() {
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn line_and_column_are_reported() {
        let text = b"line one\nline two\n  HF_TOKEN=hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL\n";
        let hits = scanner().scan_text("x.env", text);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].line, 3);
        assert_eq!(hits[0].column, 12);
        assert!(!hits[0].snippet.contains("u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL"), "{}", hits[0].snippet);
    }

    #[test]
    fn generic_is_folded_into_a_specific_rule() {
        let hits = scanner().scan_text("a.py", b"api_key = \"hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL\"\n");
        let ids: Vec<_> = hits.iter().map(|h| h.rule.id).collect();
        assert_eq!(ids, ["huggingface-token"]);
    }

    #[test]
    fn inline_markers_are_noticed() {
        let hits = scanner().scan_text("a.py", b"HF_TOKEN=hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL  # gitleaks:allow\n");
        assert_eq!(hits[0].inline_suppression, Some("gitleaks:allow"));
        let hits =
            scanner().scan_text("a.py", b"x = 'hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL'  # pragma: allowlist secret\n");
        assert_eq!(hits[0].inline_suppression, Some("pragma: allowlist secret"));
    }

    #[test]
    fn lockfile_hashes_are_not_generic_secrets() {
        let text = b"[[package]]\nname = \"torch\"\nauth_token = \"a1b2c3d4e5f6a7b8c9d0XyZ\"\n";
        assert!(scanner().scan_text("poetry.lock", text).is_empty());
        assert_eq!(scanner().scan_text("settings.py", text).len(), 1);
    }

    #[test]
    fn a_secret_across_a_chunk_boundary_is_found_once() {
        let token = b"hf_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL";
        for shift in [0usize, 5, 20, 36, 40] {
            let mut data = vec![b'a'; CHUNK - shift];
            data.push(b'\n');
            data.extend_from_slice(b"HF_TOKEN=");
            data.extend_from_slice(token);
            data.extend_from_slice(b"\nmore\n");
            let (hits, err) = scanner().scan_reader("big.txt", &data[..]);
            assert!(err.is_none());
            assert_eq!(hits.len(), 1, "shift {shift}: {hits:?}");
            assert_eq!(hits[0].line, 2);
        }
    }

    #[test]
    fn a_huge_single_line_is_scanned_in_bounded_windows() {
        let mut data = vec![b'Q'; 10 << 20];
        let token = b" 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 ";
        let at = 7 << 20;
        data[at..at + token.len()].copy_from_slice(token);
        let (hits, err) = scanner().scan_reader("one-line.txt", &data[..]);
        assert!(err.is_none());
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].line, 1);
        assert_eq!(hits[0].column as usize, at + 2);
    }
}
