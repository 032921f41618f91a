//! `[secret-scan] paths` / `exclude` in mlsec.toml: globs over repository-relative paths (`/`
//! separators) choosing which files are scanned, in every mode.

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Which files to scan.
#[derive(Debug, Clone, Default)]
pub struct PathFilter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

/// A glob that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("invalid glob {glob:?} in [secret-scan] {key}: {source}")]
pub struct FilterError {
    /// `paths` or `exclude`.
    pub key: &'static str,
    /// The glob.
    pub glob: String,
    /// Why.
    pub source: globset::Error,
}

fn build(key: &'static str, globs: &[String]) -> Result<Option<GlobSet>, FilterError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for g in globs {
        // `dir/` means the directory and everything under it.
        let patterns = match g.strip_suffix('/') {
            Some(dir) => vec![dir.to_owned(), format!("{dir}/**")],
            None => vec![g.clone()],
        };
        for p in patterns {
            b.add(Glob::new(&p).map_err(|source| FilterError { key, glob: g.clone(), source })?);
        }
    }
    b.build().map(Some).map_err(|source| FilterError { key, glob: globs.join(", "), source })
}

impl PathFilter {
    /// `paths`: only files matching one of them are scanned (none: all); `exclude`: files
    /// matching one of them are not.
    pub fn new(paths: &[String], exclude: &[String]) -> Result<PathFilter, FilterError> {
        Ok(PathFilter { include: build("paths", paths)?, exclude: build("exclude", exclude)? })
    }

    /// Whether it filters nothing.
    pub fn is_empty(&self) -> bool {
        self.include.is_none() && self.exclude.is_none()
    }

    /// Whether the file at `rel` is scanned.
    pub fn allows_file(&self, rel: &str) -> bool {
        self.include.as_ref().is_none_or(|g| g.is_match(rel)) && !self.excludes_dir(rel)
    }

    /// Whether `rel` (a directory, or a file) is excluded.
    pub fn excludes_dir(&self, rel: &str) -> bool {
        self.exclude.as_ref().is_some_and(|g| g.is_match(rel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_and_exclude_globs() {
        let f =
            PathFilter::new(&["src/**".into(), "*.env".into()], &["src/vendor/".into(), "**/*.min.js".into()]).unwrap();
        assert!(f.allows_file("src/a.py"));
        assert!(f.allows_file("prod.env"));
        assert!(!f.allows_file("docs/a.py"));
        assert!(!f.allows_file("src/vendor/x.py"));
        assert!(!f.allows_file("src/app.min.js"));
        assert!(f.excludes_dir("src/vendor"));
        assert!(PathFilter::new(&[], &[]).unwrap().is_empty());
        assert!(PathFilter::new(&["a[".into()], &[]).is_err());
    }
}
