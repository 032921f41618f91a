//! Render benchmark: 7 tools x 5,000 findings into every format.
fn main() {}
