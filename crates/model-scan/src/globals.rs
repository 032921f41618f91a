//! Verdicts on the callables a pickle would import: an allowlist of known-safe constructors, a
//! denylist with severities, and everything else "unknown". The lists are documented in
//! `docs/model-scan.md`; keep the two in sync.

use mlsec_findings::Severity;

/// What importing `module.name` means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A known-safe constructor (numpy/torch reconstructors, containers, sklearn classes).
    Safe,
    /// A callable that runs code, touches files, processes or the network, or a gadget for that.
    Dangerous(Severity, &'static str),
    /// Neither list knows it.
    Unknown,
}

/// Python 2 module names that the unpickler renames for protocols 0–2 (`_compat_pickle`), the
/// subset that matters for verdicts.
pub fn rename_module(module: &str) -> Option<&'static str> {
    Some(match module {
        "__builtin__" | "exceptions" => "builtins",
        "copy_reg" => "copyreg",
        "cPickle" => "pickle",
        "commands" => "subprocess",
        "UserDict" | "UserList" | "UserString" => "collections",
        "StringIO" | "cStringIO" => "io",
        "urllib2" => "urllib.request",
        "urlparse" => "urllib.parse",
        "httplib" => "http.client",
        "thread" => "_thread",
        "Queue" => "queue",
        "SocketServer" => "socketserver",
        "BaseHTTPServer" | "SimpleHTTPServer" | "CGIHTTPServer" => "http.server",
        "xmlrpclib" => "xmlrpc.client",
        "SimpleXMLRPCServer" => "xmlrpc.server",
        "_winreg" => "winreg",
        "repr" => "reprlib",
        "ConfigParser" => "configparser",
        "cookielib" => "http.cookiejar",
        "anydbm" | "whichdb" => "dbm",
        _ => return None,
    })
}

/// `_compat_pickle.NAME_MAPPING`, the entries that matter for verdicts.
pub fn rename_name(module: &str, name: &str) -> Option<(&'static str, &'static str)> {
    Some(match (module, name) {
        ("__builtin__", "xrange") => ("builtins", "range"),
        ("__builtin__", "reduce") => ("functools", "reduce"),
        ("__builtin__", "intern") => ("sys", "intern"),
        ("__builtin__", "unichr") => ("builtins", "chr"),
        ("__builtin__", "unicode") => ("builtins", "str"),
        ("__builtin__", "long") => ("builtins", "int"),
        ("itertools", "izip") => ("builtins", "zip"),
        ("itertools", "imap") => ("builtins", "map"),
        ("itertools", "ifilter") => ("builtins", "filter"),
        ("_socket", "fromfd") => ("socket", "fromfd"),
        ("multiprocessing.forking", "Popen") => ("multiprocessing.popen_fork", "Popen"),
        ("multiprocessing.process", "Process") => ("multiprocessing.context", "Process"),
        _ => return None,
    })
}

/// The module and name Python 3 would import for a global read at `proto` (renames apply below
/// protocol 3, as `fix_imports` does).
pub fn python3_name(module: &str, name: &str, proto: u8) -> (String, String) {
    if proto < 3 {
        if let Some((m, n)) = rename_name(module, name) {
            return (m.to_owned(), n.to_owned());
        }
        if let Some(m) = rename_module(module) {
            return (m.to_owned(), name.to_owned());
        }
    }
    (module.to_owned(), name.to_owned())
}

const NUMPY_SAFE: &[&str] = &[
    "dtype",
    "ndarray",
    "bool_",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "longdouble",
    "complex64",
    "complex128",
    "clongdouble",
    "str_",
    "bytes_",
    "void",
    "datetime64",
    "timedelta64",
    "intc",
    "uintc",
    "int_",
    "uint",
    "longlong",
    "ulonglong",
    "half",
    "single",
    "double",
    "matrix",
];

const TORCH_UTILS_SAFE: &[&str] = &[
    "_rebuild_tensor",
    "_rebuild_tensor_v2",
    "_rebuild_tensor_v3",
    "_rebuild_parameter",
    "_rebuild_parameter_with_state",
    "_rebuild_qtensor",
    "_rebuild_sparse_tensor",
    "_rebuild_nested_tensor",
    "_rebuild_device_tensor_from_numpy",
    "_rebuild_meta_tensor_no_storage",
    "_rebuild_wrapper_subclass",
    "_rebuild_device_tensor_from_cpu_tensor",
];

const TORCH_STORAGES: &[&str] = &[
    "FloatStorage",
    "DoubleStorage",
    "HalfStorage",
    "BFloat16Storage",
    "LongStorage",
    "IntStorage",
    "ShortStorage",
    "CharStorage",
    "ByteStorage",
    "BoolStorage",
    "ComplexFloatStorage",
    "ComplexDoubleStorage",
    "QUInt8Storage",
    "QInt8Storage",
    "QInt32Storage",
    "QUInt4x2Storage",
    "QUInt2x4Storage",
    "UntypedStorage",
    "Size",
    "device",
    "dtype",
    "layout",
    "memory_format",
    "float32",
    "float64",
    "float16",
    "bfloat16",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
    "complex64",
    "complex128",
    "strided",
    "sparse_coo",
    "contiguous_format",
    "channels_last",
    "preserve_format",
];

/// Whether `module.name` (Python 3 spelling, no dots in `name`) is on the allowlist.
fn is_safe(module: &str, name: &str) -> bool {
    match module {
        "builtins" => matches!(
            name,
            "set"
                | "frozenset"
                | "bytearray"
                | "bytes"
                | "slice"
                | "complex"
                | "list"
                | "dict"
                | "tuple"
                | "int"
                | "float"
                | "str"
                | "bool"
                | "range"
                | "object"
                | "NoneType"
                | "Ellipsis"
                | "NotImplemented"
        ),
        "collections" => matches!(name, "OrderedDict" | "defaultdict" | "deque" | "Counter" | "namedtuple"),
        "copyreg" => matches!(name, "_reconstructor"),
        "_codecs" | "codecs" => matches!(name, "encode"),
        "datetime" => matches!(name, "datetime" | "date" | "time" | "timedelta" | "timezone"),
        "decimal" => name == "Decimal",
        "fractions" => name == "Fraction",
        "uuid" => name == "UUID",
        "array" => matches!(name, "array" | "_array_reconstructor"),
        "numpy" => NUMPY_SAFE.contains(&name),
        "numpy.core.multiarray" | "numpy._core.multiarray" => matches!(name, "_reconstruct" | "scalar"),
        "numpy.core.numeric" | "numpy._core.numeric" => name == "_frombuffer",
        "numpy.ma.core" => name == "_mareconstruct",
        "numpy.random._pickle" => {
            matches!(name, "__randomstate_ctor" | "__generator_ctor" | "__bit_generator_ctor")
        }
        "numpy.random.mtrand" => name == "RandomState",
        "numpy.matrixlib.defmatrix" => name == "matrix",
        "numpy.random._mt19937" => name == "MT19937",
        "numpy.random._pcg64" => matches!(name, "PCG64" | "PCG64DXSM"),
        "numpy.random._philox" => name == "Philox",
        "numpy.random._sfc64" => name == "SFC64",
        "numpy.random._generator" => name == "Generator",
        "numpy.dtypes" => name.ends_with("DType"),
        "torch._utils" => TORCH_UTILS_SAFE.contains(&name),
        "torch" => TORCH_STORAGES.contains(&name),
        "torch._tensor" => name == "_rebuild_from_type_v2",
        "torch.storage" => matches!(name, "UntypedStorage" | "TypedStorage"),
        "torch.nn.parameter" => matches!(name, "Parameter" | "Buffer"),
        "joblib.numpy_pickle" => matches!(name, "NumpyArrayWrapper" | "NDArrayWrapper" | "ZNDArrayWrapper"),
        "joblib.numpy_pickle_compat" => matches!(name, "NDArrayWrapper" | "ZNDArrayWrapper"),
        "sklearn.externals.joblib.numpy_pickle" => name == "NumpyArrayWrapper",
        m if m.starts_with("torch.nn.modules.") => starts_upper(name),
        m if m == "sklearn" || m.starts_with("sklearn.") => starts_upper(name) || sklearn_function(m, name),
        m if m.starts_with("scipy.sparse.") => {
            (name.ends_with("_matrix") || name.ends_with("_array")) && !name.contains('.')
        }
        _ => false,
    }
}

fn starts_upper(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase) && !name.contains('.')
}

/// Module-level functions scikit-learn pickles as constructors (the tree and loss internals).
fn sklearn_function(module: &str, name: &str) -> bool {
    matches!((module, name), ("sklearn.utils._bunch", "Bunch"))
        || (module.starts_with("sklearn.") && name.starts_with("_") && name.ends_with("_reconstruct"))
}

/// The denylist: `None` when `module.name` is not on it.
fn denied(module: &str, name: &str) -> Option<(Severity, &'static str)> {
    use Severity::{Critical, High};
    let top = module.split('.').next().unwrap_or(module);
    let hit = match (top, module, name) {
        ("os" | "posix" | "nt" | "posixpath" | "ntpath", _, _) => {
            (Critical, "operating-system call (process, file or environment)")
        }
        ("subprocess" | "_posixsubprocess" | "pty" | "popen2" | "commands" | "_winapi" | "msvcrt", _, _) => {
            (Critical, "runs a process")
        }
        ("runpy" | "importlib" | "imp" | "zipimport" | "pkgutil" | "code" | "codeop" | "ctypes" | "_ctypes", _, _) => {
            (Critical, "imports or runs arbitrary code")
        }
        ("socket" | "_socket" | "ssl" | "socketserver" | "asyncio" | "selectors", _, _) => {
            (Critical, "opens network connections")
        }
        ("webbrowser" | "pip" | "ensurepip" | "setuptools" | "distutils" | "venv" | "site", _, _) => {
            (Critical, "runs installers, browsers or site hooks")
        }
        ("shutil", _, _) => (Critical, "copies, moves or deletes files"),
        ("pdb" | "bdb" | "timeit" | "cProfile" | "profile" | "trace" | "doctest" | "idlelib", _, _) => {
            (Critical, "evaluates code strings")
        }
        ("marshal", _, _) => (Critical, "loads code objects"),
        ("sys", _, _) => (Critical, "manipulates the interpreter (sys.modules, exit, hooks)"),
        ("builtins", _, "eval" | "exec" | "execfile" | "compile" | "__import__" | "open" | "input" | "breakpoint") => {
            (Critical, "evaluates code, imports modules or opens files")
        }
        (
            "builtins",
            _,
            "getattr" | "setattr" | "delattr" | "globals" | "locals" | "vars" | "__loader__" | "__spec__" | "help"
            | "memoryview" | "type" | "super" | "classmethod" | "staticmethod" | "property",
        ) => (High, "attribute access or introspection gadget"),
        ("io" | "_io" | "tempfile" | "fileinput" | "glob" | "pathlib", _, _) => (High, "opens, lists or creates files"),
        (
            "urllib" | "http" | "ftplib" | "smtplib" | "telnetlib" | "xmlrpc" | "requests" | "httpx" | "urllib3"
            | "poplib" | "imaplib",
            _,
            _,
        ) => (Critical, "network access"),
        ("multiprocessing" | "concurrent" | "threading" | "_thread" | "signal", _, _) => {
            (High, "starts processes or threads")
        }
        ("operator", _, "attrgetter" | "methodcaller") => (High, "attribute-access gadget"),
        ("functools", _, "partial" | "reduce" | "partialmethod") => (High, "call-chaining gadget"),
        ("types", _, "CodeType" | "FunctionType" | "LambdaType" | "MethodType" | "ModuleType") => {
            (High, "builds code or function objects")
        }
        ("pickle" | "_pickle" | "cPickle" | "dill" | "cloudpickle" | "shelve", _, _) => {
            (High, "unpickles nested data (a second, hidden pickle)")
        }
        ("joblib", _, "load") | ("numpy", _, "load" | "loads" | "fromfile") => (High, "loads a nested model or pickle"),
        ("numpy", "numpy.testing._private.utils" | "numpy.testing", "runstring") => {
            (Critical, "evaluates a code string")
        }
        ("numpy", m, _) if m.starts_with("numpy.f2py") || m.starts_with("numpy.distutils") => {
            (Critical, "runs compilers or processes")
        }
        ("torch", "torch" | "torch.serialization", "load") => (High, "torch.load of nested data"),
        ("torch", "torch.storage", "_load_from_bytes") => (High, "torch.load of embedded bytes"),
        ("torch", "torch.hub", _) => (Critical, "downloads and runs code"),
        ("torch", m, _)
            if m.starts_with("torch.jit")
                || m.starts_with("torch._dynamo")
                || m.starts_with("torch.utils.cpp_extension") =>
        {
            (High, "compiles or loads code")
        }
        ("uuid", _, "_get_command_stdout")
        | ("_osx_support", _, _)
        | ("_aix_support", _, _)
        | ("platform", _, "popen" | "_syscmd_ver" | "_syscmd_file") => (Critical, "runs a process"),
        ("pydoc", _, "pipepager" | "tempfilepager" | "locate") => (Critical, "runs a pager or imports by name"),
        ("logging", "logging.config", _) => (High, "logging config can import and call objects"),
        ("winreg" | "_winreg", _, _) => (Critical, "native calls or registry access"),
        ("keras" | "tensorflow" | "tf_keras", _, _) if name.contains("load") || name.contains("exec") => {
            (High, "loads a nested model")
        }
        ("torch", "torch", "from_file") => (High, "maps a file"),
        ("bz2" | "gzip" | "lzma" | "zipfile" | "tarfile", _, "open" | "extractall" | "ZipFile" | "TarFile") => {
            (High, "opens or extracts archives")
        }
        ("sqlite3" | "dbm", _, _) => (High, "opens a database file"),
        _ => return None,
    };
    Some(hit)
}

/// The verdict for `module.name` as read from the pickle (`proto` decides the Python 2 renames).
///
/// Dotted names (`name = "a.b.c"`, resolved attribute by attribute from protocol 4 on) are never
/// on the allowlist, and every suffix `x.y` of the full path is checked against the denylist, so
/// `torch._utils` + `os.system` is as dangerous as `os.system`.
pub fn classify(module: &str, name: &str, proto: u8) -> Verdict {
    let (m3, n3) = python3_name(module, name, proto);
    // Deny checks also see the Python 2 renames at any protocol (a Python 2 loader, or a loader
    // with its own mapping, would resolve them).
    let (mr, nr) = python3_name(module, name, 0);
    let mut worst: Option<(Severity, &'static str)> = None;
    let mut consider = |hit: Option<(Severity, &'static str)>| {
        if let Some(h) = hit
            && worst.is_none_or(|w| h.0.rank() > w.0.rank())
        {
            worst = Some(h);
        }
    };
    for (m, n) in [(module, name), (m3.as_str(), n3.as_str()), (mr.as_str(), nr.as_str())] {
        consider(denied(m, n));
        // A dotted name (`x.os.system`) walks attributes from the module: every split of the
        // path into (module suffix, last name), and the intermediate names as modules.
        if n.contains('.') {
            let path: Vec<&str> = m.split('.').chain(n.split('.')).collect();
            let last = path.len() - 1;
            for start in 0..last {
                let module_part = path[start..last].join(".");
                consider(denied(&module_part, path[last]));
            }
            for seg in &path[..last] {
                consider(denied(seg, ""));
            }
        }
    }
    if let Some((sev, why)) = worst {
        return Verdict::Dangerous(sev, why);
    }
    if !n3.contains('.') && is_safe(&m3, &n3) { Verdict::Safe } else { Verdict::Unknown }
}

/// Callables whose first argument is itself a serialized payload that gets loaded.
pub fn nested_loader(module: &str, name: &str) -> bool {
    matches!(
        (module, name),
        ("pickle" | "_pickle" | "cPickle" | "dill" | "cloudpickle", "loads" | "_loads")
            | ("torch.storage", "_load_from_bytes")
            | ("numpy", "loads")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denylist_and_allowlist() {
        assert_eq!(
            classify("os", "system", 4),
            Verdict::Dangerous(Severity::Critical, "operating-system call (process, file or environment)")
        );
        assert!(matches!(classify("posix", "system", 2), Verdict::Dangerous(Severity::Critical, _)));
        assert!(matches!(classify("__builtin__", "eval", 2), Verdict::Dangerous(Severity::Critical, _)));
        assert!(matches!(classify("builtins", "getattr", 4), Verdict::Dangerous(Severity::High, _)));
        assert!(matches!(classify("subprocess", "Popen", 4), Verdict::Dangerous(Severity::Critical, _)));
        assert!(matches!(classify("commands", "getoutput", 0), Verdict::Dangerous(Severity::Critical, _)));
        assert!(matches!(classify("__builtin__", "reduce", 2), Verdict::Dangerous(Severity::High, _)));
        assert!(matches!(classify("torch._utils", "os.system", 4), Verdict::Dangerous(Severity::Critical, _)));
        assert!(matches!(
            classify("numpy.testing._private.utils", "runstring", 4),
            Verdict::Dangerous(Severity::Critical, _)
        ));
        assert_eq!(classify("numpy.core.multiarray", "_reconstruct", 2), Verdict::Safe);
        assert_eq!(classify("numpy._core.multiarray", "_reconstruct", 2), Verdict::Safe);
        assert_eq!(classify("torch._utils", "_rebuild_tensor_v2", 2), Verdict::Safe);
        assert_eq!(classify("collections", "OrderedDict", 2), Verdict::Safe);
        assert_eq!(classify("__builtin__", "set", 2), Verdict::Safe);
        assert_eq!(classify("copy_reg", "_reconstructor", 0), Verdict::Safe);
        assert_eq!(classify("sklearn.linear_model._logistic", "LogisticRegression", 4), Verdict::Safe);
        assert_eq!(classify("torch._utils", "_rebuild_tensor_v2.x", 4), Verdict::Unknown);
        assert_eq!(classify("mymodule", "MyClass", 4), Verdict::Unknown);
        // A submodule named like a denied module is not the denied module.
        assert_eq!(classify("numpy.random._pickle", "__generator_ctor", 4), Verdict::Safe);
        // __builtin__ is only renamed below protocol 3; either way eval is denied.
        assert!(matches!(classify("__builtin__", "eval", 4), Verdict::Dangerous(Severity::Critical, _)));
    }
}
