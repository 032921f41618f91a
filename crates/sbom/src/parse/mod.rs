//! Native parsers for manifests and lockfiles (no package manager is run, nothing is fetched).

pub mod conda;
pub mod docker;
pub mod installed;
pub mod js;
pub mod locks;
pub mod requirements;
