//! Thin binary for `model-sign`; see the library crate.

fn main() -> std::process::ExitCode {
    mlsec_cli::exit::placeholder_main(&model_sign::not_implemented_message())
}
