//! TensorFlow SavedModel and ONNX: a minimal streaming protobuf walker. Hand-written on purpose:
//! only a handful of fields matter (op names, external-data locations), the walk must stream
//! (ONNX files reach 2 GiB; tensor payloads are skipped, never read) and stay bounded, and
//! message structs for `prost` would be more code than this.

use std::io::{self, Read};

use mlsec_findings::Severity;

use crate::Check;
use crate::formats::Ctx;
use crate::input::Input;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Msg {
    SavedModel,
    MetaGraph,
    GraphDef,
    Library,
    FunctionDef,
    OpDef,
    NodeDef,
    Model,
    Graph,
    Node,
    Attribute,
    Tensor,
    SparseTensor,
    Entry,
    Function,
}

/// The sub-message type of `field` in `msg`, if the walk descends into it.
fn child(msg: Msg, field: u64) -> Option<Msg> {
    use Msg::*;
    Some(match (msg, field) {
        (SavedModel, 2) => MetaGraph,
        (MetaGraph, 2) => GraphDef,
        (GraphDef, 1) => NodeDef,
        (GraphDef, 2) => Library,
        (Library, 1) => FunctionDef,
        (FunctionDef, 1) => OpDef,
        (FunctionDef, 3) => NodeDef,
        (Model, 7) | (Attribute, 6 | 11) => Graph,
        (Model, 25) => Function,
        (Graph, 1) | (Function, 7) => Node,
        (Graph, 5) | (Attribute, 5 | 10) | (SparseTensor, 1 | 2) => Tensor,
        (Graph, 15) | (Attribute, 22 | 23) => SparseTensor,
        (Node, 5) => Attribute,
        (Tensor, 13) => Entry,
        _ => return None,
    })
}

/// String fields kept: (message, field).
fn captured(msg: Msg, field: u64) -> bool {
    matches!(
        (msg, field),
        (Msg::NodeDef, 1 | 2) | (Msg::OpDef, 1) | (Msg::Entry, 1 | 2) | (Msg::Tensor, 8) | (Msg::Node, 4)
    )
}

#[derive(Debug, Default)]
struct Fields {
    strings: Vec<(u64, String)>,
    locations: Vec<String>,
}

struct Walk<'c, 'l> {
    ctx: &'c mut Ctx<'l>,
    entry: String,
    function: Vec<String>,
}

fn varint<Rd: Read>(input: &mut Input<Rd>) -> io::Result<u64> {
    let mut v = 0u64;
    for shift in (0..70).step_by(7) {
        let [b] = input.array::<1>()?;
        if shift == 63 && b > 1 {
            break;
        }
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(io::Error::new(io::ErrorKind::InvalidData, "varint longer than 10 bytes"))
}

fn malformed(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData)
}

impl Walk<'_, '_> {
    fn message<Rd: Read>(&mut self, input: &mut Input<Rd>, msg: Msg, end: u64, depth: u32) -> io::Result<Fields> {
        if depth > 64 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "messages nested more than 64 deep"));
        }
        let mut fields = Fields::default();
        while input.pos() < end {
            let tag = varint(input)?;
            let (field, wire) = (tag >> 3, tag & 7);
            match wire {
                0 => {
                    varint(input)?;
                }
                1 => input.skip(8)?,
                5 => input.skip(4)?,
                2 => {
                    let len = varint(input)?;
                    if len > end.saturating_sub(input.pos()) {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("field {field} length {len} runs past its message"),
                        ));
                    }
                    let sub_end = input.pos() + len;
                    if let Some(sub) = child(msg, field) {
                        if sub == Msg::FunctionDef {
                            self.function.push(String::new());
                        }
                        let f = self.message(input, sub, sub_end, depth + 1)?;
                        if input.pos() != sub_end {
                            return Err(io::Error::new(io::ErrorKind::InvalidData, "sub-message overran its length"));
                        }
                        self.finish(sub, &f, sub_end - len, &mut fields);
                        if sub == Msg::FunctionDef {
                            self.function.pop();
                        }
                    } else if captured(msg, field) {
                        let s = input.read_prefix(len, 4096)?;
                        fields.strings.push((field, String::from_utf8_lossy(&s).into_owned()));
                        if msg == Msg::OpDef
                            && let Some(f) = self.function.last_mut()
                        {
                            *f = String::from_utf8_lossy(&s).into_owned();
                        }
                    } else {
                        input.skip(len)?;
                    }
                }
                w => {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, format!("unsupported wire type {w}")));
                }
            }
        }
        if input.pos() > end {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "field overran its message"));
        }
        Ok(fields)
    }

    fn finish(&mut self, msg: Msg, f: &Fields, offset: u64, parent: &mut Fields) {
        let get = |n: u64| f.strings.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        match msg {
            Msg::NodeDef => {
                let (name, op) = (get(1).unwrap_or(""), get(2).unwrap_or(""));
                let in_saver = self.function.last().is_some_and(|f| f.to_ascii_lowercase().contains("save"))
                    || name.to_ascii_lowercase().contains("save");
                let verdict = match op {
                    "PyFunc" | "PyFuncStateless" | "EagerPyFunc" => {
                        Some((Severity::Critical, "calls a Python function"))
                    }
                    "WriteFile" | "DeleteFile" | "ReadFile" | "MatchingFiles" | "ImmutableConst" | "LoadLibrary" => {
                        Some((Severity::High, "reads, writes or lists files on the host"))
                    }
                    "Save" | "SaveV2" | "SaveSlices" | "MergeV2Checkpoints" if !in_saver => {
                        Some((Severity::High, "writes files outside the model's saver"))
                    }
                    _ => None,
                };
                if let Some((sev, why)) = verdict {
                    let func = self
                        .function
                        .last()
                        .filter(|f| !f.is_empty())
                        .map(|f| format!(" in function {f}"))
                        .unwrap_or_default();
                    let entry = self.entry.clone();
                    self.ctx.issues.push(crate::Issue {
                        check: Check::UnsafeOp,
                        severity: sev,
                        entry,
                        offset: Some(offset),
                        subject: op.to_owned(),
                        message: format!("graph node {name:?}{func} uses op {op}: {why}"),
                    });
                }
            }
            Msg::Entry => {
                if get(1) == Some("location")
                    && let Some(v) = get(2)
                {
                    parent.locations.push(v.to_owned());
                }
            }
            Msg::Tensor => {
                let name = get(8).unwrap_or("?");
                for loc in &f.locations {
                    let escapes = loc.starts_with('/')
                        || loc.starts_with('\\')
                        || loc.get(1..2) == Some(":")
                        || loc.split(['/', '\\']).any(|s| s == "..");
                    if escapes {
                        let entry = self.entry.clone();
                        self.ctx.issues.push(crate::Issue {
                            check: Check::ExternalData,
                            severity: Severity::High,
                            entry,
                            offset: Some(offset),
                            subject: loc.clone(),
                            message: format!(
                                "tensor {name:?} loads external data from {loc:?}, outside the model's directory: loading it reads an arbitrary file"
                            ),
                        });
                    }
                }
            }
            _ => {}
        }
    }
}

fn scan<Rd: Read>(
    ctx: &mut Ctx<'_>,
    mut input: Input<Rd>,
    entry: &str,
    len: u64,
    root: Msg,
    what: &str,
) -> io::Result<()> {
    let mut walk = Walk { ctx, entry: entry.to_owned(), function: Vec::new() };
    match walk.message(&mut input, root, len, 0) {
        Ok(_) => Ok(()),
        Err(e) if malformed(&e) => {
            let pos = input.pos();
            walk.ctx.issues.push(crate::Issue {
                check: Check::MalformedHeader,
                severity: Severity::Medium,
                entry: entry.to_owned(),
                offset: Some(pos),
                subject: what.to_owned(),
                message: format!("not a valid {what} protobuf: {e}"),
            });
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// TensorFlow `saved_model.pb`: op names of the graph and its function library.
pub(crate) fn scan_saved_model<Rd: Read>(ctx: &mut Ctx<'_>, input: Input<Rd>, entry: &str, len: u64) -> io::Result<()> {
    scan(ctx, input, entry, len, Msg::SavedModel, "SavedModel")
}

/// ONNX ModelProto: external-data locations of initializers and attribute tensors.
pub(crate) fn scan_onnx<Rd: Read>(ctx: &mut Ctx<'_>, input: Input<Rd>, entry: &str, len: u64) -> io::Result<()> {
    scan(ctx, input, entry, len, Msg::Model, "ONNX")
}
