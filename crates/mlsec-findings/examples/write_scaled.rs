//! Writes the scaled benchmark set (7 tool runs x N findings) as one SARIF file per run, the way
//! the tools would leave them for `mlsec merge`:
//! `cargo run -p mlsec-findings --release --example write_scaled -- OUT_DIR [N]`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "scaled".to_owned()));
    let n: usize = args.next().map_or(Ok(5_000), |s| s.parse())?;
    // Outputs never create directories (`sarif::write_file`); this tool makes its own.
    std::fs::create_dir_all(&dir)?;
    for (i, run) in mlsec_findings::sample::scaled(n).runs.into_iter().enumerate() {
        let name = format!("{i}-{}.sarif", run.short_name());
        let file = mlsec_findings::FindingsFile { runs: vec![run] };
        mlsec_findings::sarif::write_file(&dir.join(name), &file)?;
    }
    Ok(())
}
