//! [`FailOn`]: the gate threshold of `--fail-on`, `MLSEC_FAIL_ON` and `fail-on`.

use std::fmt;
use std::str::FromStr;

use crate::Severity;

/// The gate threshold: the lowest severity that makes a tool exit 1, or `None` for report-only.
///
/// Parsed from `critical`, `high`, `medium`, `unknown`, `low`, `info` (any case) or `none` / `off`.
/// Severities order as `info < low < unknown < medium < high < critical`, so `--fail-on unknown`
/// fails on unknown, medium, high and critical findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailOn {
    /// Fail when a finding has this severity or a more urgent one.
    Severity(Severity),
    /// Never fail because of findings (report-only). Errors still exit 2.
    None,
}

impl FailOn {
    /// The built-in default threshold: `high`.
    pub const DEFAULT: FailOn = FailOn::Severity(Severity::High);

    /// Every value, most urgent threshold first, then `none` (the order `--help` lists them in).
    pub const ALL: [FailOn; 7] = [
        FailOn::Severity(Severity::Critical),
        FailOn::Severity(Severity::High),
        FailOn::Severity(Severity::Medium),
        FailOn::Severity(Severity::Unknown),
        FailOn::Severity(Severity::Low),
        FailOn::Severity(Severity::Info),
        FailOn::None,
    ];

    /// The threshold severity, or `None` when the gate is report-only.
    pub const fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Severity(s) => Some(s),
            FailOn::None => None,
        }
    }

    /// Whether a finding of `severity` is at or above the threshold (never for [`FailOn::None`]).
    pub fn fails_on(self, severity: Severity) -> bool {
        match self {
            FailOn::Severity(threshold) => severity >= threshold,
            FailOn::None => false,
        }
    }

    /// The spelling used on the command line and in `mlsec.toml`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FailOn::Severity(s) => s.as_str(),
            FailOn::None => "none",
        }
    }
}

impl Default for FailOn {
    fn default() -> Self {
        FailOn::DEFAULT
    }
}

impl From<Severity> for FailOn {
    fn from(severity: Severity) -> Self {
        FailOn::Severity(severity)
    }
}

impl fmt::Display for FailOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a `fail-on` value that is neither a severity nor `none`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{value}` is neither a severity nor `none` (expected one of: critical, high, medium, unknown, low, info, none)"
)]
pub struct ParseFailOnError {
    value: String,
}

impl FromStr for FailOn {
    type Err = ParseFailOnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        // `none` must be checked first: the severity scale reads `none` as `info`.
        if trimmed.eq_ignore_ascii_case("none") || trimmed.eq_ignore_ascii_case("off") {
            return Ok(FailOn::None);
        }
        trimmed.parse::<Severity>().map(FailOn::Severity).map_err(|_| ParseFailOnError { value: s.to_owned() })
    }
}

impl clap::ValueEnum for FailOn {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let value = clap::builder::PossibleValue::new(self.as_str());
        Some(match self {
            FailOn::None => value.alias("off"),
            FailOn::Severity(_) => value,
        })
    }
}

impl serde::Serialize for FailOn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for FailOn {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = FailOn;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a severity (critical, high, medium, unknown, low, info) or \"none\"")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FailOn, E> {
                v.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_severities_and_none() {
        assert_eq!("high".parse(), Ok(FailOn::Severity(Severity::High)));
        assert_eq!(" CRITICAL ".parse(), Ok(FailOn::Severity(Severity::Critical)));
        assert_eq!("Unknown".parse(), Ok(FailOn::Severity(Severity::Unknown)));
        assert_eq!("info".parse(), Ok(FailOn::Severity(Severity::Info)));
        // The severity scale maps `none` to info; the gate must not.
        assert_eq!("none".parse(), Ok(FailOn::None));
        assert_eq!("NONE".parse(), Ok(FailOn::None));
        assert_eq!("off".parse(), Ok(FailOn::None));
        let err = "severe".parse::<FailOn>().unwrap_err();
        assert!(err.to_string().contains("`severe`"), "{err}");
        assert!("".parse::<FailOn>().is_err());
    }

    #[test]
    fn display_round_trips() {
        for value in FailOn::ALL {
            assert_eq!(value.to_string().parse(), Ok(value));
        }
    }

    #[test]
    fn threshold_uses_severity_order() {
        let medium = FailOn::Severity(Severity::Medium);
        assert!(medium.fails_on(Severity::Critical));
        assert!(medium.fails_on(Severity::Medium));
        assert!(!medium.fails_on(Severity::Unknown));
        assert!(!medium.fails_on(Severity::Info));
        let unknown = FailOn::Severity(Severity::Unknown);
        assert!(unknown.fails_on(Severity::Unknown));
        assert!(!unknown.fails_on(Severity::Low));
        for severity in Severity::ALL_DESC {
            assert!(!FailOn::None.fails_on(severity));
        }
        assert_eq!(FailOn::default(), FailOn::Severity(Severity::High));
    }

    #[test]
    fn clap_accepts_every_value_and_the_off_alias() {
        use clap::ValueEnum;
        for value in FailOn::ALL {
            assert_eq!(<FailOn as ValueEnum>::from_str(value.as_str(), false), Ok(value));
        }
        assert_eq!(<FailOn as ValueEnum>::from_str("off", false), Ok(FailOn::None));
        assert_eq!(<FailOn as ValueEnum>::from_str("HIGH", true), Ok(FailOn::Severity(Severity::High)));
    }
}
