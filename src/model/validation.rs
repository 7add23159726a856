//! Contact validation state, computed at query time from a POC's validation record, the
//! policy profile and a date, so that it ages correctly between reloads.

use super::date::{DAY, Timestamp};

/// Which registry's validation rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyProfile {
    /// ARIN: unvalidated while a request is unanswered, invalid after 60 days.
    #[default]
    Arin,
    /// LACNIC abuse-mailbox validation: temporarily invalid after the initial period,
    /// invalid after the escalation period.
    Lacnic,
}

impl std::str::FromStr for PolicyProfile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "arin" => Ok(Self::Arin),
            "lacnic" => Ok(Self::Lacnic),
            other => Err(format!(
                "unknown policy profile '{other}' (expected 'arin' or 'lacnic')"
            )),
        }
    }
}

/// The profile and its periods (in days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub profile: PolicyProfile,
    /// ARIN: days an unanswered request leaves a contact unvalidated before it is invalid.
    pub arin_invalid_after_days: i64,
    /// LACNIC: initial validation period.
    pub lacnic_initial_days: i64,
    /// LACNIC: escalation period that follows the initial one.
    pub lacnic_escalation_days: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Self::new(PolicyProfile::Arin)
    }
}

/// The ARIN period: 60 days.
pub const DEFAULT_ARIN_INVALID_AFTER_DAYS: i64 = 60;
/// The LACNIC initial period: 15 days.
pub const DEFAULT_LACNIC_INITIAL_DAYS: i64 = 15;
/// The LACNIC escalation period: 15 days.
pub const DEFAULT_LACNIC_ESCALATION_DAYS: i64 = 15;

/// The state of a contact at a given date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationState {
    /// No validation record: no marker is shown.
    Unknown,
    /// Validated (LACNIC: valid); `since` is the last affirmative answer, if known.
    Validated { since: Option<Timestamp> },
    /// LACNIC: a request is out and the initial period has not passed; still valid.
    Pending { since: Timestamp },
    /// ARIN: a request has been unanswered since `since`, for less than the period.
    Unvalidated { since: Timestamp },
    /// LACNIC: unanswered past the initial period.
    TemporarilyInvalid { since: Timestamp },
    /// Unanswered past the period (or the escalation), or reported invalid.
    Invalid { since: Timestamp },
}

impl ValidationState {
    /// The word shown next to the contact (` (Unvalidated)`), or `None` for no marker.
    pub fn marker(&self) -> Option<&'static str> {
        match self {
            Self::Unvalidated { .. } => Some("Unvalidated"),
            Self::TemporarilyInvalid { .. } => Some("Temporarily Invalid"),
            Self::Invalid { .. } => Some("Invalid"),
            Self::Unknown | Self::Validated { .. } | Self::Pending { .. } => None,
        }
    }

    /// Since when the state holds, if known.
    pub fn since(&self) -> Option<Timestamp> {
        match *self {
            Self::Unknown => None,
            Self::Validated { since } => since,
            Self::Pending { since }
            | Self::Unvalidated { since }
            | Self::TemporarilyInvalid { since }
            | Self::Invalid { since } => Some(since),
        }
    }

    /// Validated, or (LACNIC) still within the initial period.
    pub fn is_good(&self) -> bool {
        matches!(self, Self::Validated { .. } | Self::Pending { .. })
    }
}

impl Policy {
    /// The profile with its default periods.
    pub fn new(profile: PolicyProfile) -> Self {
        Self {
            profile,
            arin_invalid_after_days: DEFAULT_ARIN_INVALID_AFTER_DAYS,
            lacnic_initial_days: DEFAULT_LACNIC_INITIAL_DAYS,
            lacnic_escalation_days: DEFAULT_LACNIC_ESCALATION_DAYS,
        }
    }

    /// The state of a contact with this record at `as_of`. Events dated after `as_of` have
    /// not happened yet and are ignored.
    pub fn state(
        &self,
        requested: Option<Timestamp>,
        validated: Option<Timestamp>,
        reported_invalid: Option<Timestamp>,
        as_of: Timestamp,
    ) -> ValidationState {
        let seen = |t: Option<Timestamp>| t.filter(|&t| t <= as_of);
        let (requested, validated, reported) =
            (seen(requested), seen(validated), seen(reported_invalid));
        if let Some(r) = reported
            && validated.is_none_or(|v| r > v)
        {
            return ValidationState::Invalid { since: r };
        }
        let Some(req) = requested else {
            return match validated {
                Some(v) => ValidationState::Validated { since: Some(v) },
                None => ValidationState::Unknown,
            };
        };
        if let Some(v) = validated
            && v >= req
        {
            return ValidationState::Validated { since: Some(v) };
        }
        let elapsed = as_of - req;
        match self.profile {
            PolicyProfile::Arin => {
                let period = self.arin_invalid_after_days * DAY;
                if elapsed < period {
                    ValidationState::Unvalidated { since: req }
                } else {
                    ValidationState::Invalid {
                        since: req + period,
                    }
                }
            }
            PolicyProfile::Lacnic => {
                let initial = self.lacnic_initial_days * DAY;
                let escalation = self.lacnic_escalation_days * DAY;
                if elapsed < initial {
                    ValidationState::Pending { since: req }
                } else if elapsed < initial + escalation {
                    ValidationState::TemporarilyInvalid {
                        since: req + initial,
                    }
                } else {
                    ValidationState::Invalid {
                        since: req + initial + escalation,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_date;

    fn d(s: &str) -> Timestamp {
        parse_date(s).unwrap()
    }

    #[test]
    fn arin_sixty_day_boundary() {
        let p = Policy::new(PolicyProfile::Arin);
        let req = Some(d("2026-01-01"));
        // Day 59: still unvalidated. Day 60: invalid.
        assert_eq!(
            p.state(req, None, None, d("2026-01-01") + 59 * DAY),
            ValidationState::Unvalidated {
                since: d("2026-01-01")
            }
        );
        assert_eq!(
            p.state(req, None, None, d("2026-01-01") + 60 * DAY - 1),
            ValidationState::Unvalidated {
                since: d("2026-01-01")
            }
        );
        assert_eq!(
            p.state(req, None, None, d("2026-01-01") + 60 * DAY),
            ValidationState::Invalid {
                since: d("2026-03-02")
            }
        );
    }

    #[test]
    fn arin_validated_and_reported() {
        let p = Policy::default();
        let as_of = d("2026-06-01");
        assert_eq!(
            p.state(Some(d("2026-01-01")), Some(d("2026-01-05")), None, as_of),
            ValidationState::Validated {
                since: Some(d("2026-01-05"))
            }
        );
        // An answer older than the request does not count.
        assert!(matches!(
            p.state(Some(d("2026-05-01")), Some(d("2025-05-05")), None, as_of),
            ValidationState::Unvalidated { .. }
        ));
        // Reported invalid after the last validation.
        assert_eq!(
            p.state(
                Some(d("2026-01-01")),
                Some(d("2026-01-05")),
                Some(d("2026-02-01")),
                as_of
            ),
            ValidationState::Invalid {
                since: d("2026-02-01")
            }
        );
        // Validated again after the report.
        assert!(matches!(
            p.state(None, Some(d("2026-03-01")), Some(d("2026-02-01")), as_of),
            ValidationState::Validated { .. }
        ));
        assert_eq!(p.state(None, None, None, as_of), ValidationState::Unknown);
        // A record from the future is not yet known.
        assert_eq!(
            p.state(Some(d("2027-01-01")), None, None, as_of),
            ValidationState::Unknown
        );
    }

    #[test]
    fn lacnic_fifteen_day_boundaries() {
        let p = Policy::new(PolicyProfile::Lacnic);
        let r = d("2026-01-01");
        let at = |days: i64| p.state(Some(r), None, None, r + days * DAY);
        assert_eq!(at(14), ValidationState::Pending { since: r });
        assert_eq!(
            at(15),
            ValidationState::TemporarilyInvalid {
                since: r + 15 * DAY
            }
        );
        assert_eq!(
            at(29),
            ValidationState::TemporarilyInvalid {
                since: r + 15 * DAY
            }
        );
        assert_eq!(
            at(30),
            ValidationState::Invalid {
                since: r + 30 * DAY
            }
        );
        // A later validation makes it valid again.
        assert!(
            p.state(Some(r), Some(r + 40 * DAY), None, r + 41 * DAY)
                .is_good()
        );
        assert_eq!(at(20).marker(), Some("Temporarily Invalid"));
        assert_eq!(at(1).marker(), None);
    }

    #[test]
    fn profile_names() {
        assert_eq!("ARIN".parse(), Ok(PolicyProfile::Arin));
        assert_eq!("lacnic".parse(), Ok(PolicyProfile::Lacnic));
        assert!("ripe".parse::<PolicyProfile>().is_err());
    }
}
