//! SARIF: the findings file itself, under the mlsec profile (for code scanning upload).

use crate::RenderContext;

/// The SARIF JSON of the context's findings (redacted by the writer).
pub fn render(ctx: &RenderContext<'_>) -> String {
    mlsec_findings::sarif::to_json(ctx.file)
}
