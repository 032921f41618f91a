//! Thin binary for `secret-scan`; see the library crate.

fn main() -> std::process::ExitCode {
    mlsec_cli::exit::placeholder_main(&secret_scan::not_implemented_message())
}
