//! Thin binary for `sbom`; see the library crate.

fn main() -> std::process::ExitCode {
    mlsec_cli::exit::placeholder_main(&sbom::not_implemented_message())
}
