//! The `mlsec` binary: parse, run, map to an exit code. Everything else is in the library.

fn main() -> std::process::ExitCode {
    let (cli, matches) = mlsec_cli::args::parse::<mlsec::cli::Cli>();
    mlsec_cli::exit::finish(mlsec::run(&cli, &matches))
}
