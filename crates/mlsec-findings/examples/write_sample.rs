//! Writes the realistic sample findings set as one SARIF file per tool, as the tools themselves
//! would: `cargo run -p mlsec-findings --example write_sample -- examples/findings`.
//! The files under `examples/findings/` are made by this; a test checks they are current.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "examples/findings".to_owned()));
    // Outputs never create directories (`sarif::write_file`); this tool makes its own.
    std::fs::create_dir_all(&dir)?;
    for (name, file) in mlsec_findings::sample::per_tool() {
        mlsec_findings::sarif::write_file(&dir.join(format!("{name}.sarif")), &file)?;
    }
    Ok(())
}
