//! Thin binary for `fairness-gate`; see the library crate.

fn main() -> std::process::ExitCode {
    mlsec_cli::exit::placeholder_main(&fairness_gate::not_implemented_message())
}
