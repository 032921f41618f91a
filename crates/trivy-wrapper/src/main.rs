//! Thin binary for `trivy-wrapper`; see the library crate.

fn main() -> std::process::ExitCode {
    mlsec_cli::exit::placeholder_main(&trivy_wrapper::not_implemented_message())
}
