use super::*;

fn run_with(bytes: &[u8], limits: &Limits) -> Outcome {
    let mut input = Input::new(bytes);
    scan(&mut input, limits).expect("in-memory reads do not fail")
}

fn run(bytes: &[u8]) -> Outcome {
    run_with(bytes, &Limits::default())
}

fn worst(o: &Outcome) -> Option<Severity> {
    o.hits.iter().map(|h| h.severity).max_by_key(|s| s.rank())
}

fn kinds(o: &Outcome) -> Vec<HitKind> {
    o.hits.iter().map(|h| h.kind).collect()
}

#[test]
fn protocol0_os_system_is_critical() {
    let o = run(b"cos\nsystem\n(S'echo pwned'\ntR.");
    assert!(o.complete);
    assert_eq!(kinds(&o), vec![HitKind::DangerousGlobal]);
    assert_eq!(o.hits[0].subject, "os.system");
    assert_eq!(o.hits[0].severity, Severity::Critical);
    assert_eq!(o.hits[0].offset, 0);
}

#[test]
fn stack_global_through_memo_indirection_is_resolved() {
    // PROTO 4; "os" MEMOIZE POP; "system" MEMOIZE POP; BINGET 0; BINGET 1; STACK_GLOBAL; "id"; TUPLE1; REDUCE; STOP
    let mut p = vec![0x80, 4];
    p.extend([0x8c, 2]);
    p.extend(b"os");
    p.extend([0x94, b'0', 0x8c, 6]);
    p.extend(b"system");
    p.extend([0x94, b'0', b'h', 0, b'h', 1, 0x93, 0x8c, 2]);
    p.extend(b"id");
    p.extend([0x85, b'R', b'.']);
    let o = run(&p);
    assert!(o.complete, "{o:?}");
    assert_eq!(o.hits.len(), 1, "{:?}", o.hits);
    assert_eq!(o.hits[0].subject, "os.system");
    assert_eq!(o.hits[0].severity, Severity::Critical);
    assert_eq!(o.proto, 4);
}

#[test]
fn protocol2_module_renames_are_applied() {
    let o = run(b"\x80\x02c__builtin__\neval\nq\x00X\x0b\x00\x00\x00__import__()q\x01\x85q\x02Rq\x03.");
    assert!(o.complete);
    assert_eq!(o.hits[0].subject, "builtins.eval");
    assert_eq!(o.hits[0].severity, Severity::Critical);
    assert!(o.hits[0].message.contains("written as __builtin__.eval"), "{}", o.hits[0].message);
    // copy_reg._reconstructor is the allowlisted copyreg one after the rename.
    let o = run(b"ccopy_reg\n_reconstructor\n(c__builtin__\nobject\nc__builtin__\nobject\nNtR.");
    assert!(o.complete && o.hits.is_empty(), "{:?}", o.hits);
}

#[test]
fn dotted_names_reach_the_denylist() {
    let mut p = vec![0x80, 4, 0x8c, 12];
    p.extend(b"torch._utils");
    p.extend([0x8c, 9]);
    p.extend(b"os.system");
    p.extend([0x93, b'.']);
    let o = run(&p);
    assert_eq!(worst(&o), Some(Severity::Critical), "{:?}", o.hits);
}

#[test]
fn nested_pickle_payload_is_collected() {
    let inner: &[u8] = b"cos\nsystem\n(S'id'\ntR.";
    let mut p = b"cpickle\nloads\n(C".to_vec();
    p.push(u8::try_from(inner.len()).expect("short"));
    p.extend(inner);
    p.extend(b"tR.");
    let o = run(&p);
    assert!(o.complete);
    assert_eq!(o.hits[0].subject, "pickle.loads");
    assert_eq!(o.hits[0].severity, Severity::High);
    assert_eq!(o.nested.len(), 1);
    assert_eq!(o.nested[0].data, inner);
    assert_eq!(o.nested[0].via, "pickle.loads");
}

#[test]
fn codecs_encode_bytes_feed_nested_loaders() {
    // protocol 2 writes bytes as _codecs.encode(u"...", "latin1")
    let o = run(b"\x80\x02c_pickle\nloads\nc_codecs\nencode\nX\x02\x00\x00\x00N.X\x06\x00\x00\x00latin1\x86R\x85R.");
    assert_eq!(o.nested.len(), 1, "{o:?}");
    assert_eq!(o.nested[0].data, b"N.");
}

#[test]
fn benign_containers_have_no_hits() {
    // {'a': [1, 2, 3], 'b': (1.5, None, True)} at protocol 2, and an OrderedDict
    let o = run(b"\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01]q\x02(K\x01K\x02K\x03eX\x01\x00\x00\x00bq\x03G?\xf8\x00\x00\x00\x00\x00\x00N\x88\x87q\x04u.");
    assert!(o.complete);
    assert!(o.hits.is_empty(), "{:?}", o.hits);
    let o = run(
        b"\x80\x04\x95\x1f\x00\x00\x00\x00\x00\x00\x00\x8c\x0bcollections\x94\x8c\x0bOrderedDict\x94\x93\x94)R\x94.",
    );
    assert!(o.complete);
    assert!(o.hits.is_empty(), "{:?}", o.hits);
    assert_eq!(o.globals.get("collections.OrderedDict"), Some(&1));
}

#[test]
fn unknown_global_is_medium() {
    let o = run(b"cmypkg.models\nNet\n)R.");
    assert_eq!(o.hits[0].kind, HitKind::UnknownGlobal);
    assert_eq!(o.hits[0].severity, Severity::Medium);
}

#[test]
fn extra_allowlist_trusts_unknown_globals_only() {
    for allow in ["mypkg.models.Net", "mypkg.*", "mypkg.models.*"] {
        let limits = Limits { allow: vec![allow.to_owned()], ..Limits::default() };
        let o = run_with(b"cmypkg.models\nNet\n)R.", &limits);
        assert!(o.complete && o.hits.is_empty(), "{allow}: {:?}", o.hits);
    }
    for allow in ["mypkg.models.Ne", "mypkg.model.*", "mypkgx.*"] {
        let limits = Limits { allow: vec![allow.to_owned()], ..Limits::default() };
        assert_eq!(kinds(&run_with(b"cmypkg.models\nNet\n)R.", &limits)), vec![HitKind::UnknownGlobal], "{allow}");
    }
    // The denylist wins.
    let limits = Limits { allow: vec!["os.*".to_owned(), "os.system".to_owned()], ..Limits::default() };
    assert_eq!(kinds(&run_with(b"cos\nsystem\n(S'id'\ntR.", &limits)), vec![HitKind::DangerousGlobal]);
}

#[test]
fn truncated_and_garbage_inputs_are_malformed() {
    for bad in [
        &b"\x80\x04\x8c\x05ab"[..],
        b"cos\nsys",
        b"\x80\x09N.",
        b"\xff",
        b"",
        b"N",
        b"t.",
        b"\x80\x02X\xff\xff\xff\xffab",
    ] {
        let o = run(bad);
        assert!(!o.complete, "{bad:?}");
        assert!(
            o.hits.iter().any(|h| h.kind == HitKind::Malformed && h.severity == Severity::High),
            "{bad:?}: {:?}",
            o.hits
        );
    }
}

#[test]
fn huge_memo_indices_do_not_allocate() {
    // LONG_BINPUT 0xffffffff then LONG_BINGET of it: fine; a missing one: malformed.
    let o = run(b"N\x72\xff\xff\xff\xff\x6a\xff\xff\xff\xff0.");
    assert!(o.complete && o.hits.is_empty(), "{o:?}");
    let o = run(b"\x6a\xfe\xff\xff\xff.");
    assert_eq!(kinds(&o), vec![HitKind::Malformed]);
    let o = run(b"g99999999999999999999\n.");
    assert_eq!(kinds(&o), vec![HitKind::Malformed]);
}

#[test]
fn extension_codes_are_findings() {
    let o = run(b"\x80\x02\x82\x01)R.");
    assert_eq!(kinds(&o), vec![HitKind::UnknownExtension]);
    assert_eq!(o.hits[0].subject, "EXT 1");
}

#[test]
fn deep_nesting_is_bounded() {
    // A million nested one-tuples and a million MARKs: no recursion, no panic.
    let mut p = vec![b'N'];
    p.extend(std::iter::repeat_n(0x85u8, 1_000_000));
    p.push(b'.');
    let o = run(&p);
    assert!(o.complete);
    let limits = Limits { max_stack: 1000, ..Limits::default() };
    let p: Vec<u8> = std::iter::repeat_n(b'(', 1_000_000).collect();
    let o = run_with(&p, &limits);
    assert_eq!(kinds(&o), vec![HitKind::Limit]);
    let o = run_with(&vec![b'N'; 5000], &limits);
    assert_eq!(kinds(&o), vec![HitKind::Limit]);
}

#[test]
fn opcode_and_node_limits_are_findings() {
    let limits = Limits { max_ops: 10, ..Limits::default() };
    let mut p = vec![b'N'; 20];
    p.push(b'.');
    assert_eq!(kinds(&run_with(&p, &limits)), vec![HitKind::Limit]);
    let limits = Limits { max_nodes: 2, ..Limits::default() };
    let o = run_with(b"]]]]000.", &limits);
    assert!(o.complete);
    assert_eq!(kinds(&o), vec![HitKind::Limit]);
    assert_eq!(o.hits[0].severity, Severity::Medium);
}

#[test]
fn huge_length_prefixes_do_not_allocate() {
    // BINBYTES8 claiming 2^62 bytes: truncated, never allocated.
    let o = run(b"\x80\x04\x8e\x00\x00\x00\x00\x00\x00\x00\x40abc");
    assert_eq!(kinds(&o), vec![HitKind::Malformed]);
}

#[test]
fn dynamic_global_and_call_are_findings() {
    // STACK_GLOBAL on a non-string (the result of a call)
    let o = run(b"\x80\x04cbuiltins\nstr\n)R\x8c\x06system\x93.");
    assert!(o.hits.iter().any(|h| h.kind == HitKind::DynamicGlobal && h.severity == Severity::High), "{:?}", o.hits);
    // calling the result of getattr(...)
    let o = run(b"cbuiltins\ngetattr\n(cbuiltins\nstr\nS'join'\ntR(S','\n]tR.");
    assert!(o.hits.iter().any(|h| h.kind == HitKind::DynamicCall), "{:?}", o.hits);
}

#[test]
fn legacy_torch_magic_is_recognised() {
    let mut p = vec![0x80, 2, 0x8a, 10];
    p.extend(TORCH_MAGIC);
    p.push(b'.');
    let o = run(&p);
    assert!(o.complete && o.torch_magic);
}

#[test]
fn protocol5_buffers_and_frames() {
    let o = run(b"\x80\x05\x95\x05\x00\x00\x00\x00\x00\x00\x00\x97\x98N0.");
    assert!(o.complete && o.hits.is_empty(), "{o:?}");
}
