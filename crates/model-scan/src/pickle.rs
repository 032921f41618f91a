//! A symbolic pickle machine (protocols 0–5). It reads opcodes from a stream, keeps a symbolic
//! stack, memo and metastack, and resolves every callable the real unpickler would import
//! (GLOBAL, STACK_GLOBAL through memo indirection, INST, extension codes). It never imports or
//! calls anything.
//!
//! Memory is bounded by [`Limits`]: containers live in an arena of bounded size (so deep nesting
//! cannot overflow the stack on drop), the memo is a hash map (a huge index does not allocate),
//! long strings and bytes keep a bounded prefix. Exceeding a limit is a finding.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read};
use std::rc::Rc;

use mlsec_findings::Severity;

use crate::globals::{self, Verdict};
use crate::input::Input;

/// Resource limits of one scan.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Values on the stack (all metastack frames together).
    pub max_stack: usize,
    /// Memo entries.
    pub max_memo: usize,
    /// Opcodes per pickle.
    pub max_ops: u64,
    /// Container nodes (tuples, lists, dicts, objects) kept with their contents.
    pub max_nodes: usize,
    /// Items kept inside containers, all containers together.
    pub max_items: usize,
    /// Bytes of string/bytes values kept, all values together (beyond it, short prefixes only).
    pub max_kept_bytes: usize,
    /// Bytes kept of one bytes value (a nested pickle larger than this is scanned as a prefix).
    pub max_value_bytes: usize,
    /// Depth of pickles nested in pickles.
    pub max_nesting: u32,
    /// Extra trusted globals (`module.name`, or `module.*` for every name of a module and its
    /// submodules): unknown globals they match are not reported. Never overrides the denylist.
    pub allow: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stack: 1 << 18,
            max_memo: 1 << 20,
            max_ops: 1 << 34,
            max_nodes: 1 << 20,
            max_items: 1 << 22,
            max_kept_bytes: 64 << 20,
            max_value_bytes: 16 << 20,
            max_nesting: 8,
            allow: Vec::new(),
        }
    }
}

/// What a hit is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HitKind {
    /// A denylisted global.
    DangerousGlobal,
    /// A global on neither list.
    UnknownGlobal,
    /// An extension-registry code (EXT1/2/4): resolves only through the loader's registry.
    UnknownExtension,
    /// A GLOBAL/STACK_GLOBAL whose names are not plain strings (computed at load time).
    DynamicGlobal,
    /// A call of something that is not an imported global (a gadget chain result).
    DynamicCall,
    /// The stream is not a valid pickle (truncated, bad opcode, stack underflow, bad memo).
    Malformed,
    /// A resource limit was reached.
    Limit,
}

/// One observation of the machine.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Byte offset of the opcode, from the start of the stream given to [`scan`].
    pub offset: u64,
    /// What it is.
    pub kind: HitKind,
    /// How bad.
    pub severity: Severity,
    /// The global (`module.name`) or opcode it is about.
    pub subject: String,
    /// One sentence.
    pub message: String,
    /// How many times it occurred in this pickle (reported once).
    pub count: u32,
}

/// A payload that a denylisted loader would unpickle (`pickle.loads(b"...")`): scan it too.
#[derive(Debug, Clone)]
pub struct Nested {
    /// Offset of the call.
    pub offset: u64,
    /// The payload (possibly a prefix, see `truncated`).
    pub data: Vec<u8>,
    /// Whether only a prefix was kept.
    pub truncated: bool,
    /// The loader (`pickle.loads`).
    pub via: String,
}

/// The result of running one pickle.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Findings, in order of first occurrence.
    pub hits: Vec<Hit>,
    /// Payloads handed to nested loaders.
    pub nested: Vec<Nested>,
    /// Opcodes executed.
    pub ops: u64,
    /// Every global imported (`module.name`, Python 3 spelling), sorted, with counts.
    pub globals: BTreeMap<String, u32>,
    /// Whether STOP was reached.
    pub complete: bool,
    /// The protocol (PROTO), 0 when absent.
    pub proto: u8,
    /// The value left by STOP was the legacy torch magic number.
    pub torch_magic: bool,
    /// Bytes of joblib array payloads skipped.
    pub skipped_array_bytes: u64,
    /// Offset just after STOP (or where parsing ended).
    pub end: u64,
}

#[derive(Debug, Clone, PartialEq)]
enum V {
    None,
    Bool(bool),
    Int(i64),
    BigInt,
    Float,
    Str(Rc<str>, bool),
    Bytes(Rc<[u8]>, bool),
    Global(Rc<(String, String)>),
    Node(u32),
    /// Something opaque (persistent ids, out-of-band buffers, things past a limit).
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeKind {
    Tuple,
    List,
    Dict,
    Set,
    /// The result of calling `callable` (REDUCE/NEWOBJ/OBJ/INST).
    Call,
}

#[derive(Debug)]
struct Node {
    kind: NodeKind,
    items: Vec<V>,
    /// For calls: the callable.
    callable: Option<V>,
    /// For calls: the BUILD state.
    state: Option<V>,
}

const SHORT_KEEP: usize = 256;
/// Python's legacy torch magic number, 0x1950a86a20f9469cfc6c, as LONG1 little-endian bytes.
pub(crate) const TORCH_MAGIC: [u8; 10] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

struct Vm<'l> {
    limits: &'l Limits,
    stack: Vec<V>,
    metastack: Vec<Vec<V>>,
    depth_items: usize,
    memo: HashMap<u64, V>,
    nodes: Vec<Node>,
    items: usize,
    kept: usize,
    proto: u8,
    out: Outcome,
    hit_index: HashMap<(HitKind, String), usize>,
    limit_hit: bool,
    torch_magic_candidate: bool,
}

enum Stop {
    Io(io::Error),
    Malformed(String),
    Limit(String),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            Stop::Malformed("truncated: the input ends inside an opcode or its argument".to_owned())
        } else {
            Stop::Io(e)
        }
    }
}

type R<T> = Result<T, Stop>;

fn bad<T>(msg: impl Into<String>) -> R<T> {
    Err(Stop::Malformed(msg.into()))
}

/// Run one pickle from the current position of `input` (which may hold more data after STOP).
///
/// `Err` only for real I/O errors of the underlying reader; everything about the content
/// (truncation, bad opcodes, limits) is a hit in the outcome.
pub fn scan<Rd: Read>(input: &mut Input<Rd>, limits: &Limits) -> io::Result<Outcome> {
    let mut vm = Vm {
        limits,
        stack: Vec::new(),
        metastack: Vec::new(),
        depth_items: 0,
        memo: HashMap::new(),
        nodes: Vec::new(),
        items: 0,
        kept: 0,
        proto: 0,
        out: Outcome::default(),
        hit_index: HashMap::new(),
        limit_hit: false,
        torch_magic_candidate: false,
    };
    let start = input.pos();
    match vm.run(input) {
        Ok(()) => vm.out.complete = true,
        Err(Stop::Io(e)) => return Err(e),
        Err(Stop::Malformed(m)) => {
            let off = input.pos();
            vm.hit(off, HitKind::Malformed, Severity::High, "pickle", format!("not a valid pickle: {m}"));
        }
        Err(Stop::Limit(m)) => {
            let off = input.pos();
            vm.hit(off, HitKind::Limit, Severity::High, "limit", format!("scan stopped at a resource limit: {m}"));
        }
    }
    vm.out.proto = vm.proto;
    vm.out.end = input.pos();
    let _ = start;
    Ok(vm.out)
}

impl Vm<'_> {
    fn hit(&mut self, offset: u64, kind: HitKind, severity: Severity, subject: &str, message: String) {
        let key = (kind, subject.to_owned());
        if let Some(&i) = self.hit_index.get(&key) {
            let h = &mut self.out.hits[i];
            h.count = h.count.saturating_add(1);
            if severity.rank() > h.severity.rank() {
                h.severity = severity;
            }
            return;
        }
        self.hit_index.insert(key, self.out.hits.len());
        self.out.hits.push(Hit { offset, kind, severity, subject: subject.to_owned(), message, count: 1 });
    }

    fn limit(&mut self, offset: u64, what: &str) {
        if !self.limit_hit {
            self.limit_hit = true;
            self.hit(
                offset,
                HitKind::Limit,
                Severity::Medium,
                "limit",
                format!("{what}: contents past this point are tracked less precisely"),
            );
        }
    }

    fn push(&mut self, v: V) -> R<()> {
        if self.stack.len() + self.depth_items >= self.limits.max_stack {
            return Err(Stop::Limit(format!("more than {} values on the stack", self.limits.max_stack)));
        }
        self.stack.push(v);
        Ok(())
    }

    fn pop(&mut self) -> R<V> {
        match self.stack.pop() {
            Some(v) => Ok(v),
            None => bad("stack underflow"),
        }
    }

    fn top(&self) -> R<&V> {
        match self.stack.last() {
            Some(v) => Ok(v),
            None => bad("stack underflow"),
        }
    }

    fn pop_mark(&mut self) -> R<Vec<V>> {
        match self.metastack.pop() {
            Some(prev) => {
                self.depth_items -= prev.len();
                Ok(std::mem::replace(&mut self.stack, prev))
            }
            None => bad("no MARK on the stack"),
        }
    }

    fn node(&mut self, offset: u64, kind: NodeKind, items: Vec<V>, callable: Option<V>) -> V {
        if self.nodes.len() >= self.limits.max_nodes || self.items + items.len() > self.limits.max_items {
            self.limit(offset, "too many containers");
            return V::Other;
        }
        self.items += items.len();
        let id = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        self.nodes.push(Node { kind, items, callable, state: None });
        V::Node(id)
    }

    fn node_mut(&mut self, v: &V) -> Option<&mut Node> {
        match v {
            V::Node(i) => self.nodes.get_mut(*i as usize),
            _ => None,
        }
    }

    fn node_ref(&self, v: &V) -> Option<&Node> {
        match v {
            V::Node(i) => self.nodes.get(*i as usize),
            _ => None,
        }
    }

    fn extend(&mut self, offset: u64, target: &V, new: Vec<V>) {
        if self.items + new.len() > self.limits.max_items {
            self.limit(offset, "too many container items");
            return;
        }
        let n = new.len();
        if let Some(node) = self.node_mut(target) {
            node.items.extend(new);
            self.items += n;
        }
    }

    fn keep_str(&mut self, raw: Vec<u8>, truncated: bool) -> V {
        let text = String::from_utf8_lossy(&raw);
        let (s, cut) = self.budget(text.len(), truncated);
        let t: String = if cut { text.chars().take(s).collect() } else { text.into_owned() };
        V::Str(Rc::from(t), cut)
    }

    fn keep_bytes(&mut self, mut raw: Vec<u8>, truncated: bool) -> V {
        let (n, cut) = self.budget(raw.len(), truncated);
        raw.truncate(n);
        V::Bytes(Rc::from(raw), cut)
    }

    /// How many of `len` bytes to keep, and whether the value is cut.
    fn budget(&mut self, len: usize, truncated: bool) -> (usize, bool) {
        if len <= SHORT_KEEP {
            return (len, truncated);
        }
        if self.kept + len <= self.limits.max_kept_bytes {
            self.kept += len;
            (len, truncated)
        } else {
            (SHORT_KEEP, true)
        }
    }

    fn value_keep(&self) -> usize {
        if self.kept < self.limits.max_kept_bytes { self.limits.max_value_bytes } else { SHORT_KEEP }
    }

    fn read_len_value<Rd: Read>(&mut self, input: &mut Input<Rd>, len: u64, bytes: bool) -> R<V> {
        let keep = if bytes { self.value_keep() } else { self.value_keep().min(64 << 10) };
        let data = input.read_prefix(len, keep)?;
        let truncated = (data.len() as u64) < len;
        Ok(if bytes { self.keep_bytes(data, truncated) } else { self.keep_str(data, truncated) })
    }

    fn memo_put(&mut self, offset: u64, idx: u64, v: V) {
        if self.memo.len() >= self.limits.max_memo && !self.memo.contains_key(&idx) {
            self.limit(offset, "too many memo entries");
            return;
        }
        self.memo.insert(idx, v);
    }

    fn memo_get(&mut self, offset: u64, idx: u64) -> R<V> {
        match self.memo.get(&idx) {
            Some(v) => Ok(v.clone()),
            None if self.limit_hit => Ok(V::Other),
            None => {
                let _ = offset;
                bad(format!("memo key {idx} read before it was written"))
            }
        }
    }

    fn global(&mut self, offset: u64, module: &str, name: &str) -> V {
        let (m3, n3) = globals::python3_name(module, name, self.proto);
        let subject = format!("{m3}.{n3}");
        *self.out.globals.entry(subject.clone()).or_insert(0) += 1;
        match globals::classify(module, name, self.proto) {
            Verdict::Safe => {}
            Verdict::Dangerous(sev, why) => {
                let shown = if (m3.as_str(), n3.as_str()) == (module, name) {
                    subject.clone()
                } else {
                    format!("{subject} (written as {module}.{name})")
                };
                self.hit(offset, HitKind::DangerousGlobal, sev, &subject, format!("imports {shown}: {why}"));
            }
            Verdict::Unknown if allowed(&self.limits.allow, &m3, &n3) => {}
            Verdict::Unknown => self.hit(
                offset,
                HitKind::UnknownGlobal,
                Severity::Medium,
                &subject,
                format!("imports {subject}, which is on neither the allowlist nor the denylist"),
            ),
        }
        V::Global(Rc::new((m3, n3)))
    }

    /// A call of `callable` with `args`: the result node, plus nested-loader and `_codecs.encode`
    /// handling.
    fn call(&mut self, offset: u64, callable: V, args: V) -> V {
        match &callable {
            V::Global(g) => {
                let (m, n) = (g.0.as_str(), g.1.as_str());
                let first = self.node_ref(&args).and_then(|a| a.items.first().cloned());
                if globals::nested_loader(m, n) {
                    match &first {
                        Some(V::Bytes(data, truncated)) => self.out.nested.push(Nested {
                            offset,
                            data: data.to_vec(),
                            truncated: *truncated,
                            via: format!("{m}.{n}"),
                        }),
                        Some(V::Str(s, truncated)) => self.out.nested.push(Nested {
                            offset,
                            data: latin1(s),
                            truncated: *truncated,
                            via: format!("{m}.{n}"),
                        }),
                        _ => {}
                    }
                }
                // Protocols 0–2 write bytes as _codecs.encode(str, "latin1").
                if (m, n) == ("_codecs", "encode")
                    && let Some(V::Str(s, cut)) = first
                {
                    let data = latin1(&s);
                    return V::Bytes(Rc::from(data), cut);
                }
            }
            V::Other => {}
            _ => self.hit(
                offset,
                HitKind::DynamicCall,
                Severity::Medium,
                "call",
                "calls an object that is not an imported global (the result of another call): a gadget chain"
                    .to_owned(),
            ),
        }
        let items = match self.node_ref(&args) {
            Some(n) if n.kind == NodeKind::Tuple => n.items.clone(),
            _ => vec![args],
        };
        self.node(offset, NodeKind::Call, items, Some(callable))
    }

    fn run<Rd: Read>(&mut self, input: &mut Input<Rd>) -> R<()> {
        loop {
            let offset = input.pos();
            let Some(op) = input.byte()? else { return bad("ends before STOP") };
            self.out.ops += 1;
            if self.out.ops > self.limits.max_ops {
                return Err(Stop::Limit(format!("more than {} opcodes", self.limits.max_ops)));
            }
            match op {
                b'.' => {
                    // STOP
                    let v = self.pop()?;
                    self.out.torch_magic = self.torch_magic_candidate && matches!(v, V::BigInt);
                    return Ok(());
                }
                0x80 => {
                    let [p] = input.array::<1>()?;
                    if p > 5 {
                        return bad(format!("unsupported protocol {p}"));
                    }
                    self.proto = p;
                }
                0x95 => {
                    // FRAME: a length hint; the opcodes follow inline.
                    input.array::<8>()?;
                }
                b'(' => {
                    let prev = std::mem::take(&mut self.stack);
                    self.depth_items += prev.len();
                    if self.metastack.len() >= self.limits.max_stack {
                        return Err(Stop::Limit("too many nested MARKs".to_owned()));
                    }
                    self.metastack.push(prev);
                }
                b'0' => {
                    if self.stack.pop().is_none() {
                        // POP with an empty frame pops the MARK (CPython's behaviour).
                        self.pop_mark()?;
                    }
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let v = self.top()?.clone();
                    self.push(v)?;
                }
                b'N' => self.push(V::None)?,
                0x88 => self.push(V::Bool(true))?,
                0x89 => self.push(V::Bool(false))?,
                b'I' => {
                    let (l, _) = input.line(64)?;
                    let v = match &l[..] {
                        b"00" => V::Bool(false),
                        b"01" => V::Bool(true),
                        _ => std::str::from_utf8(&l)
                            .ok()
                            .and_then(|s| s.trim().parse::<i64>().ok())
                            .map_or(V::BigInt, V::Int),
                    };
                    self.push(v)?;
                }
                b'L' => {
                    let (l, _) = input.line(1 << 16)?;
                    let s = String::from_utf8_lossy(&l);
                    let v = s.trim().trim_end_matches('L').parse::<i64>().map_or(V::BigInt, V::Int);
                    self.push(v)?;
                }
                b'J' => {
                    let v = i32::from_le_bytes(input.array::<4>()?);
                    self.push(V::Int(i64::from(v)))?;
                }
                b'K' => {
                    let [v] = input.array::<1>()?;
                    self.push(V::Int(i64::from(v)))?;
                }
                b'M' => {
                    let v = u16::from_le_bytes(input.array::<2>()?);
                    self.push(V::Int(i64::from(v)))?;
                }
                0x8a => {
                    let [n] = input.array::<1>()?;
                    let data = input.read_prefix(u64::from(n), 16)?;
                    self.torch_magic_candidate = data == TORCH_MAGIC;
                    let v = if n == 0 {
                        V::Int(0)
                    } else if n <= 8 {
                        let neg = data[data.len() - 1] & 0x80 != 0;
                        let mut b = if neg { [0xffu8; 8] } else { [0u8; 8] };
                        b[..data.len()].copy_from_slice(&data);
                        V::Int(i64::from_le_bytes(b))
                    } else {
                        V::BigInt
                    };
                    self.push(v)?;
                }
                0x8b => {
                    let n = i32::from_le_bytes(input.array::<4>()?);
                    if n < 0 {
                        return bad("LONG4 with a negative length");
                    }
                    input.skip(n as u64)?;
                    self.push(V::BigInt)?;
                }
                b'F' => {
                    input.line(256)?;
                    self.push(V::Float)?;
                }
                b'G' => {
                    input.array::<8>()?;
                    self.push(V::Float)?;
                }
                b'S' => {
                    let (l, cut) = input.line(self.value_keep())?;
                    let l = strip_quotes(&l).ok_or(Stop::Malformed("STRING without quotes".to_owned()))?;
                    let v = self.keep_str(unescape(l), cut);
                    self.push(v)?;
                }
                b'V' => {
                    let (l, cut) = input.line(self.value_keep())?;
                    let v = self.keep_str(unescape_unicode(&l), cut);
                    self.push(v)?;
                }
                b'T' => {
                    let n = i32::from_le_bytes(input.array::<4>()?);
                    if n < 0 {
                        return bad("BINSTRING with a negative length");
                    }
                    let v = self.read_len_value(input, n as u64, false)?;
                    self.push(v)?;
                }
                b'U' => {
                    let [n] = input.array::<1>()?;
                    let v = self.read_len_value(input, u64::from(n), false)?;
                    self.push(v)?;
                }
                b'X' => {
                    let n = u32::from_le_bytes(input.array::<4>()?);
                    let v = self.read_len_value(input, u64::from(n), false)?;
                    self.push(v)?;
                }
                0x8c => {
                    let [n] = input.array::<1>()?;
                    let v = self.read_len_value(input, u64::from(n), false)?;
                    self.push(v)?;
                }
                0x8d => {
                    let n = u64::from_le_bytes(input.array::<8>()?);
                    let v = self.read_len_value(input, n, false)?;
                    self.push(v)?;
                }
                b'B' => {
                    let n = u32::from_le_bytes(input.array::<4>()?);
                    let v = self.read_len_value(input, u64::from(n), true)?;
                    self.push(v)?;
                }
                b'C' => {
                    let [n] = input.array::<1>()?;
                    let v = self.read_len_value(input, u64::from(n), true)?;
                    self.push(v)?;
                }
                0x8e | 0x96 => {
                    let n = u64::from_le_bytes(input.array::<8>()?);
                    let v = self.read_len_value(input, n, true)?;
                    self.push(v)?;
                }
                0x97 => self.push(V::Other)?,
                0x98 => {
                    self.top()?;
                }
                b')' => {
                    let v = self.node(offset, NodeKind::Tuple, Vec::new(), None);
                    self.push(v)?;
                }
                b't' => {
                    let items = self.pop_mark()?;
                    let v = self.node(offset, NodeKind::Tuple, items, None);
                    self.push(v)?;
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    if self.stack.len() < n {
                        return bad("stack underflow");
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    let v = self.node(offset, NodeKind::Tuple, items, None);
                    self.push(v)?;
                }
                b']' => {
                    let v = self.node(offset, NodeKind::List, Vec::new(), None);
                    self.push(v)?;
                }
                b'l' => {
                    let items = self.pop_mark()?;
                    let v = self.node(offset, NodeKind::List, items, None);
                    self.push(v)?;
                }
                b'}' => {
                    let v = self.node(offset, NodeKind::Dict, Vec::new(), None);
                    self.push(v)?;
                }
                b'd' => {
                    let items = self.pop_mark()?;
                    if items.len() % 2 != 0 {
                        return bad("DICT with an odd number of items");
                    }
                    let v = self.node(offset, NodeKind::Dict, items, None);
                    self.push(v)?;
                }
                0x8f => {
                    let v = self.node(offset, NodeKind::Set, Vec::new(), None);
                    self.push(v)?;
                }
                0x91 => {
                    let items = self.pop_mark()?;
                    let v = self.node(offset, NodeKind::Set, items, None);
                    self.push(v)?;
                }
                b'a' => {
                    let v = self.pop()?;
                    let target = self.top()?.clone();
                    self.extend(offset, &target, vec![v]);
                }
                b'e' | 0x90 => {
                    let items = self.pop_mark()?;
                    let target = self.top()?.clone();
                    self.extend(offset, &target, items);
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    let target = self.top()?.clone();
                    self.extend(offset, &target, vec![k, v]);
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    if items.len() % 2 != 0 {
                        return bad("SETITEMS with an odd number of items");
                    }
                    let target = self.top()?.clone();
                    self.extend(offset, &target, items);
                }
                b'p' => {
                    let (l, _) = input.line(64)?;
                    let idx = parse_index(&l)?;
                    let v = self.top()?.clone();
                    self.memo_put(offset, idx, v);
                }
                b'q' => {
                    let [i] = input.array::<1>()?;
                    let v = self.top()?.clone();
                    self.memo_put(offset, u64::from(i), v);
                }
                b'r' => {
                    let i = u32::from_le_bytes(input.array::<4>()?);
                    let v = self.top()?.clone();
                    self.memo_put(offset, u64::from(i), v);
                }
                0x94 => {
                    let v = self.top()?.clone();
                    let idx = self.memo.len() as u64;
                    self.memo_put(offset, idx, v);
                }
                b'g' => {
                    let (l, _) = input.line(64)?;
                    let idx = parse_index(&l)?;
                    let v = self.memo_get(offset, idx)?;
                    self.push(v)?;
                }
                b'h' => {
                    let [i] = input.array::<1>()?;
                    let v = self.memo_get(offset, u64::from(i))?;
                    self.push(v)?;
                }
                b'j' => {
                    let i = u32::from_le_bytes(input.array::<4>()?);
                    let v = self.memo_get(offset, u64::from(i))?;
                    self.push(v)?;
                }
                b'c' => {
                    let (m, n) = read_global_lines(input)?;
                    let v = self.global(offset, &m, &n);
                    self.push(v)?;
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let v = match (&module, &name) {
                        (V::Str(m, false), V::Str(n, false)) => {
                            let (m, n) = (m.to_string(), n.to_string());
                            self.global(offset, &m, &n)
                        }
                        _ => {
                            self.hit(
                                offset,
                                HitKind::DynamicGlobal,
                                Severity::High,
                                "STACK_GLOBAL",
                                "imports a global whose module or name is not a plain string (computed at load time)"
                                    .to_owned(),
                            );
                            V::Other
                        }
                    };
                    self.push(v)?;
                }
                b'i' => {
                    let (m, n) = read_global_lines(input)?;
                    let cls = self.global(offset, &m, &n);
                    let args = self.pop_mark()?;
                    let a = self.node(offset, NodeKind::Tuple, args, None);
                    let v = self.call(offset, cls, a);
                    self.push(v)?;
                }
                b'o' => {
                    let mut items = self.pop_mark()?;
                    if items.is_empty() {
                        return bad("OBJ without a class");
                    }
                    let cls = items.remove(0);
                    let a = self.node(offset, NodeKind::Tuple, items, None);
                    let v = self.call(offset, cls, a);
                    self.push(v)?;
                }
                b'R' | 0x81 => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let v = self.call(offset, callable, args);
                    self.push(v)?;
                }
                0x92 => {
                    let _kwargs = self.pop()?;
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    let v = self.call(offset, cls, args);
                    self.push(v)?;
                }
                b'b' => {
                    let state = self.pop()?;
                    let target = self.top()?.clone();
                    if let Some(n) = self.node_mut(&target) {
                        n.state = Some(state);
                    }
                    self.after_build(input, &target)?;
                }
                0x82..=0x84 => {
                    let code = match op {
                        0x82 => u32::from(input.array::<1>()?[0]),
                        0x83 => u32::from(u16::from_le_bytes(input.array::<2>()?)),
                        _ => u32::from_le_bytes(input.array::<4>()?),
                    };
                    self.hit(
                        offset,
                        HitKind::UnknownExtension,
                        Severity::Medium,
                        &format!("EXT {code}"),
                        format!(
                            "imports extension code {code}: it resolves only through the loading process's copyreg registry (empty by default)"
                        ),
                    );
                    self.push(V::Other)?;
                }
                b'P' => {
                    input.line(1 << 16)?;
                    self.push(V::Other)?;
                }
                b'Q' => {
                    self.pop()?;
                    self.push(V::Other)?;
                }
                other => return bad(format!("unknown opcode 0x{other:02x} at offset {offset}")),
            }
        }
    }

    /// joblib: after BUILD of a `NumpyArrayWrapper`, the array's bytes follow in the stream (or,
    /// for object arrays, a nested pickle). Skip them without loading, as `joblib.load` reads them.
    fn after_build<Rd: Read>(&mut self, input: &mut Input<Rd>, target: &V) -> R<()> {
        let Some(node) = self.node_ref(target) else { return Ok(()) };
        let is_wrapper =
            matches!(&node.callable, Some(V::Global(g)) if g.1 == "NumpyArrayWrapper" && g.0.ends_with("numpy_pickle"));
        if !is_wrapper {
            return Ok(());
        }
        let Some(state) = node.state.clone() else { return Ok(()) };
        let info = self
            .wrapper_info(&state)
            .ok_or(Stop::Malformed("joblib NumpyArrayWrapper state without a readable shape and dtype".to_owned()))?;
        let offset = input.pos();
        if info.has_object {
            // A nested pickle follows: run it with the same limits, findings merge into ours.
            let inner = scan(input, self.limits).map_err(Stop::Io)?;
            for h in inner.hits {
                let subject = h.subject.clone();
                self.hit(
                    h.offset,
                    h.kind,
                    h.severity,
                    &subject,
                    format!("{} (object array of a joblib file)", h.message),
                );
            }
            for (g, c) in inner.globals {
                *self.out.globals.entry(g).or_insert(0) += c;
            }
            self.out.nested.extend(inner.nested);
            if !inner.complete {
                return bad("the object array's pickle is incomplete");
            }
            return Ok(());
        }
        if info.aligned {
            let [pad] = input.array::<1>()?;
            input.skip(u64::from(pad))?;
        }
        let size = info.count.checked_mul(info.itemsize).ok_or(Stop::Malformed("array size overflows".to_owned()))?;
        input.skip(size).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                Stop::Malformed(format!("joblib array at offset {offset} needs {size} bytes; the file ends first"))
            } else {
                Stop::Io(e)
            }
        })?;
        self.out.skipped_array_bytes += size;
        Ok(())
    }

    fn dict_get(&self, dict: &V, key: &str) -> Option<V> {
        let n = self.node_ref(dict)?;
        if n.kind != NodeKind::Dict {
            return None;
        }
        n.items.chunks_exact(2).find(|kv| matches!(&kv[0], V::Str(k, _) if &**k == key)).map(|kv| kv[1].clone())
    }

    fn wrapper_info(&self, state: &V) -> Option<ArrayInfo> {
        let shape = self.dict_get(state, "shape")?;
        let shape = self.node_ref(&shape)?;
        let mut count: u64 = 1;
        for d in &shape.items {
            let V::Int(d) = d else { return None };
            count = count.checked_mul(u64::try_from(*d).ok()?)?;
        }
        let dtype = self.dict_get(state, "dtype")?;
        let dnode = self.node_ref(&dtype)?;
        let V::Str(code, _) = dnode.items.first()? else { return None };
        let dstate = dnode.state.as_ref().and_then(|s| self.node_ref(s));
        let elsize = dstate.and_then(|s| match s.items.get(5) {
            Some(V::Int(n)) if *n > 0 => u64::try_from(*n).ok(),
            _ => None,
        });
        let flags = dstate.and_then(|s| match s.items.get(7) {
            Some(V::Int(n)) => Some(*n),
            _ => None,
        });
        let has_object = code.starts_with('O') || flags.is_some_and(|f| f & 1 != 0);
        let digits: String =
            code.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
        let itemsize = elsize.or_else(|| digits.parse::<u64>().ok()).unwrap_or(if has_object { 8 } else { 0 });
        if itemsize == 0 && !has_object {
            return None;
        }
        let aligned = matches!(self.dict_get(state, "numpy_array_alignment_bytes"), Some(V::Int(_)));
        Some(ArrayInfo { count, itemsize, has_object, aligned })
    }
}

/// Whether `module.name` matches an entry of the extra allowlist.
pub(crate) fn allowed(allow: &[String], module: &str, name: &str) -> bool {
    allow.iter().any(|a| match a.strip_suffix(".*") {
        Some(prefix) => module == prefix || module.strip_prefix(prefix).is_some_and(|r| r.starts_with('.')),
        None => a.strip_prefix(module).and_then(|r| r.strip_prefix('.')) == Some(name),
    })
}

struct ArrayInfo {
    count: u64,
    itemsize: u64,
    has_object: bool,
    aligned: bool,
}

fn read_global_lines<Rd: Read>(input: &mut Input<Rd>) -> R<(String, String)> {
    let (m, cut_m) = input.line(1024)?;
    let (n, cut_n) = input.line(1024)?;
    if cut_m || cut_n {
        return bad("GLOBAL name longer than 1024 bytes");
    }
    let m = String::from_utf8(m).map_err(|_| Stop::Malformed("GLOBAL module is not UTF-8".to_owned()))?;
    let n = String::from_utf8(n).map_err(|_| Stop::Malformed("GLOBAL name is not UTF-8".to_owned()))?;
    Ok((m.trim_end_matches('\r').to_owned(), n.trim_end_matches('\r').to_owned()))
}

fn parse_index(l: &[u8]) -> R<u64> {
    std::str::from_utf8(l)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .ok_or(Stop::Malformed("memo index is not a number".to_owned()))
}

fn latin1(s: &str) -> Vec<u8> {
    s.chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect()
}

fn strip_quotes(l: &[u8]) -> Option<&[u8]> {
    let l = l.strip_suffix(b"\r").unwrap_or(l);
    if l.len() >= 2 && (l[0] == b'\'' || l[0] == b'"') && l[l.len() - 1] == l[0] {
        Some(&l[1..l.len() - 1])
    } else {
        None
    }
}

/// Python `string_escape` for protocol-0 STRING (the common escapes; enough for names and
/// payload bytes).
fn unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && i + 1 < s.len() {
            let c = s[i + 1];
            i += 2;
            match c {
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'0' => out.push(0),
                b'\\' => out.push(b'\\'),
                b'\'' => out.push(b'\''),
                b'"' => out.push(b'"'),
                b'x' if i + 2 <= s.len() => {
                    if let Some(b) = std::str::from_utf8(&s[i..i + 2]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
                    {
                        out.push(b);
                        i += 2;
                    }
                }
                other => {
                    out.push(b'\\');
                    out.push(other);
                }
            }
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// `raw-unicode-escape` for protocol-0 UNICODE: `\uXXXX` and `\UXXXXXXXX`, bytes as latin-1.
fn unescape_unicode(s: &[u8]) -> Vec<u8> {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let width = match (s[i], s.get(i + 1)) {
            (b'\\', Some(b'u')) => 4,
            (b'\\', Some(b'U')) => 8,
            _ => 0,
        };
        if width > 0
            && i + 2 + width <= s.len()
            && let Some(c) = std::str::from_utf8(&s[i + 2..i + 2 + width])
                .ok()
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
        {
            out.push(c);
            i += 2 + width;
            continue;
        }
        out.push(char::from(s[i]));
        i += 1;
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests;
