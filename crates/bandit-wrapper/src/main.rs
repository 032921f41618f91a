//! Thin binary for `bandit-wrapper`; see the library crate.

fn main() -> std::process::ExitCode {
    mlsec_cli::exit::placeholder_main(&bandit_wrapper::not_implemented_message())
}
