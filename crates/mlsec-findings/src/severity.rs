//! Severity and confidence scales, and normalisation from the scales of the tools we wrap.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The normalised severity of a finding (DESIGN.md §4.4).
///
/// Ordering is by urgency: `Info < Low < Unknown < Medium < High < Critical`. `Unknown` never sorts
/// below `Low`: a finding whose tool did not say how bad it is must not hide under the noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational; never a reason to fail on its own.
    Info,
    /// Low.
    Low,
    /// The tool gave no severity, or one we could not map.
    Unknown,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Every severity, most urgent first (the order reports list them in).
    pub const ALL_DESC: [Severity; 6] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Unknown, Severity::Low, Severity::Info];

    /// Rank used for ordering (higher is more urgent).
    pub const fn rank(self) -> u8 {
        match self {
            Severity::Info => 0,
            Severity::Low => 1,
            Severity::Unknown => 2,
            Severity::Medium => 3,
            Severity::High => 4,
            Severity::Critical => 5,
        }
    }

    /// The profile's spelling (`critical`, `high`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Unknown => "unknown",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Capitalised label for humans and for GitLab reports (`Critical`, `High`, ...).
    pub const fn label(self) -> &'static str {
        match self {
            Severity::Info => "Info",
            Severity::Low => "Low",
            Severity::Unknown => "Unknown",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
        }
    }

    /// The SARIF `level` derived from the severity (critical/high -> error, medium/unknown ->
    /// warning, low/info -> note).
    pub const fn sarif_level(self) -> &'static str {
        match self {
            Severity::Critical | Severity::High => "error",
            Severity::Medium | Severity::Unknown => "warning",
            Severity::Low | Severity::Info => "note",
        }
    }

    /// The default `security-severity` score when no CVSS score is known.
    pub const fn default_score(self) -> f64 {
        match self {
            Severity::Critical => 9.5,
            Severity::High => 8.0,
            Severity::Medium | Severity::Unknown => 5.5,
            Severity::Low => 2.0,
            Severity::Info => 0.0,
        }
    }

    /// Severity from a CVSS v3/v4 base score (the FIRST qualitative rating scale).
    ///
    /// Returns `None` for scores outside 0.0..=10.0 or NaN.
    pub fn from_cvss(score: f64) -> Option<Severity> {
        if !(0.0..=10.0).contains(&score) {
            return None;
        }
        Some(if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score >= 0.1 {
            Severity::Low
        } else {
            Severity::Info
        })
    }

    /// Severity from Trivy's scale (`CRITICAL`, `HIGH`, `MEDIUM`, `LOW`, `UNKNOWN`).
    pub fn from_trivy(s: &str) -> Severity {
        match s.trim().to_ascii_uppercase().as_str() {
            "CRITICAL" => Severity::Critical,
            "HIGH" => Severity::High,
            "MEDIUM" => Severity::Medium,
            "LOW" => Severity::Low,
            _ => Severity::Unknown,
        }
    }

    /// Severity from Bandit's `issue_severity` (`HIGH`, `MEDIUM`, `LOW`, `UNDEFINED`).
    pub fn from_bandit(s: &str) -> Severity {
        match s.trim().to_ascii_uppercase().as_str() {
            "HIGH" => Severity::High,
            "MEDIUM" => Severity::Medium,
            "LOW" => Severity::Low,
            _ => Severity::Unknown,
        }
    }

    /// Severity for a gitleaks finding. Gitleaks has no severity field: a leaked credential is
    /// `High` unless the rule's tags say it is a low-value one (`tags` containing `low`).
    pub fn from_gitleaks(tags: &[&str]) -> Severity {
        if tags.iter().any(|t| t.eq_ignore_ascii_case("low")) { Severity::Low } else { Severity::High }
    }

    /// Severity from a SARIF `level` (`error`, `warning`, `note`, `none`).
    pub fn from_sarif_level(level: &str) -> Severity {
        match level {
            "error" => Severity::High,
            "warning" => Severity::Medium,
            "note" => Severity::Low,
            "none" => Severity::Info,
            _ => Severity::Unknown,
        }
    }

    /// Severity from a `security-severity` property string as GitHub reads it (`"7.5"`).
    pub fn from_security_severity(s: &str) -> Option<Severity> {
        s.trim().parse::<f64>().ok().and_then(Severity::from_cvss)
    }
}

impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Severity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a severity or confidence name that is not on the scale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {scale} `{value}` (expected one of: {expected})")]
pub struct ParseScaleError {
    scale: &'static str,
    value: String,
    expected: &'static str,
}

impl ParseScaleError {
    pub(crate) fn new(scale: &'static str, value: &str, expected: &'static str) -> Self {
        ParseScaleError { scale, value: value.to_owned(), expected }
    }
}

impl FromStr for Severity {
    type Err = ParseScaleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            "info" | "informational" | "none" | "note" => Severity::Info,
            "unknown" => Severity::Unknown,
            _ => {
                return Err(ParseScaleError {
                    scale: "severity",
                    value: s.to_owned(),
                    expected: "critical, high, medium, low, info, unknown",
                });
            }
        })
    }
}

/// How sure the tool is that a finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The tool gave no confidence.
    Unknown,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

impl Confidence {
    /// The profile's spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Confidence::Unknown => "unknown",
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// Confidence from Bandit's `issue_confidence` (`HIGH`, `MEDIUM`, `LOW`, `UNDEFINED`).
    pub fn from_bandit(s: &str) -> Confidence {
        s.parse().unwrap_or(Confidence::Unknown)
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Confidence {
    type Err = ParseScaleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "high" => Confidence::High,
            "medium" => Confidence::Medium,
            "low" => Confidence::Low,
            "unknown" | "undefined" => Confidence::Unknown,
            _ => {
                return Err(ParseScaleError {
                    scale: "confidence",
                    value: s.to_owned(),
                    expected: "high, medium, low, unknown",
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_never_sorts_below_low() {
        assert!(Severity::Unknown > Severity::Low);
        assert!(Severity::Unknown > Severity::Info);
        assert!(Severity::Unknown < Severity::Medium);
        let mut v = vec![Severity::Low, Severity::Critical, Severity::Unknown, Severity::Info];
        v.sort();
        assert_eq!(v, [Severity::Info, Severity::Low, Severity::Unknown, Severity::Critical]);
    }

    #[test]
    fn cvss_bands_follow_first_scale() {
        assert_eq!(Severity::from_cvss(10.0), Some(Severity::Critical));
        assert_eq!(Severity::from_cvss(9.0), Some(Severity::Critical));
        assert_eq!(Severity::from_cvss(8.9), Some(Severity::High));
        assert_eq!(Severity::from_cvss(7.0), Some(Severity::High));
        assert_eq!(Severity::from_cvss(6.9), Some(Severity::Medium));
        assert_eq!(Severity::from_cvss(4.0), Some(Severity::Medium));
        assert_eq!(Severity::from_cvss(3.9), Some(Severity::Low));
        assert_eq!(Severity::from_cvss(0.1), Some(Severity::Low));
        assert_eq!(Severity::from_cvss(0.0), Some(Severity::Info));
        assert_eq!(Severity::from_cvss(10.1), None);
        assert_eq!(Severity::from_cvss(f64::NAN), None);
        assert_eq!(Severity::from_security_severity(" 7.5"), Some(Severity::High));
        assert_eq!(Severity::from_security_severity("high"), None);
    }

    #[test]
    fn tool_scales() {
        assert_eq!(Severity::from_trivy("critical"), Severity::Critical);
        assert_eq!(Severity::from_trivy("UNKNOWN"), Severity::Unknown);
        assert_eq!(Severity::from_trivy("bogus"), Severity::Unknown);
        assert_eq!(Severity::from_bandit("MEDIUM"), Severity::Medium);
        assert_eq!(Severity::from_bandit("UNDEFINED"), Severity::Unknown);
        assert_eq!(Severity::from_gitleaks(&[]), Severity::High);
        assert_eq!(Severity::from_gitleaks(&["key", "LOW"]), Severity::Low);
        assert_eq!(Severity::from_sarif_level("error"), Severity::High);
        assert_eq!(Severity::from_sarif_level("note"), Severity::Low);
        assert_eq!(Confidence::from_bandit("HIGH"), Confidence::High);
        assert_eq!(Confidence::from_bandit("UNDEFINED"), Confidence::Unknown);
    }

    #[test]
    fn levels_and_scores_follow_the_profile() {
        for (s, level, score) in [
            (Severity::Critical, "error", 9.5),
            (Severity::High, "error", 8.0),
            (Severity::Medium, "warning", 5.5),
            (Severity::Unknown, "warning", 5.5),
            (Severity::Low, "note", 2.0),
            (Severity::Info, "note", 0.0),
        ] {
            assert_eq!(s.sarif_level(), level, "{s}");
            assert!((s.default_score() - score).abs() < f64::EPSILON, "{s}");
            assert_eq!(s.as_str().parse::<Severity>(), Ok(s));
        }
        assert!("severe".parse::<Severity>().is_err());
    }
}
