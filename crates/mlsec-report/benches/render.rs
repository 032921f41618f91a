//! Rendering benchmark: a merged file of 7 tools x 5,000 findings (35,000) into every format.
//! The target (issue #2): all formats together in under 1 s.
//!
//! `cargo bench -p mlsec-report --bench render`

use divan::Bencher;
use mlsec_findings::gate::GatePolicy;
use mlsec_findings::{FindingsFile, Severity};
use mlsec_report::{RenderContext, ReportOptions};

// The same allocator as the `mlsec` binary, so the numbers are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

fn big() -> FindingsFile {
    mlsec_findings::sample::scaled(5_000)
}

fn policy() -> GatePolicy {
    GatePolicy {
        fail_on: Some(Severity::High),
        new_only: false,
        max_findings: None,
        today: time::macros::date!(2026 - 12 - 02),
    }
}

fn all_formats(ctx: &RenderContext<'_>) -> usize {
    let mut n = mlsec_report::sarif::render(ctx).len();
    n += mlsec_report::gitlab::render(ctx).iter().map(|r| r.json.len()).sum::<usize>();
    n += mlsec_report::codequality::render(ctx).len();
    n += mlsec_report::junit::render(ctx).len();
    n += mlsec_report::markdown::render(ctx).len();
    n += mlsec_report::html::render(ctx).len();
    n += mlsec_report::annotations::render(ctx).len();
    n
}

/// Gate + every renderer, the whole `mlsec report` work after reading.
#[divan::bench(sample_count = 10)]
fn every_format_35k(bencher: Bencher<'_, '_>) {
    let file = big();
    bencher.bench(|| {
        let ctx = RenderContext::new(&file, policy(), ReportOptions::default());
        divan::black_box(all_formats(&ctx))
    });
}

macro_rules! one {
    ($name:ident, $body:expr) => {
        #[divan::bench(sample_count = 10)]
        fn $name(bencher: Bencher<'_, '_>) {
            let file = big();
            let ctx = RenderContext::new(&file, policy(), ReportOptions::default());
            #[allow(clippy::redundant_closure_call)]
            bencher.bench(|| divan::black_box(($body)(&ctx)));
        }
    };
}

one!(sarif_35k, |c| mlsec_report::sarif::render(c).len());
one!(gitlab_35k, |c| mlsec_report::gitlab::render(c).len());
one!(codequality_35k, |c| mlsec_report::codequality::render(c).len());
one!(junit_35k, |c| mlsec_report::junit::render(c).len());
one!(markdown_35k, |c| mlsec_report::markdown::render(c).len());
one!(html_35k, |c| mlsec_report::html::render(c).len());
one!(annotations_35k, |c| mlsec_report::annotations::render(c).len());

/// Reading the merged SARIF back (what `mlsec report` does first).
#[divan::bench(sample_count = 10)]
fn read_sarif_35k(bencher: Bencher<'_, '_>) {
    let json = mlsec_findings::sarif::to_json(&big());
    bencher.bench(|| {
        divan::black_box(
            mlsec_findings::sarif::from_slice(json.as_bytes(), std::path::Path::new("b.sarif")).map(|f| f.len()),
        )
    });
}
