//! The `mlsec` binary: parse, run, map to an exit code. Everything else is in the library.

// mimalloc: rendering 35,000 findings is allocation-bound, and glibc malloc spends a fifth of
// that time consolidating freed chunks (measured with perf; see docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let (cli, matches) = mlsec_cli::args::parse::<mlsec::cli::Cli>();
    mlsec_cli::exit::finish(mlsec::run(&cli, &matches))
}
