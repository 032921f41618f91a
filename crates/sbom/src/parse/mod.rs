//! Native parsers for manifests and lockfiles (no package manager is run, nothing is fetched).

pub mod docker;
pub mod locks;
pub mod requirements;
