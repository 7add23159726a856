//! Dates as Unix seconds (UTC), parsed from every style the sources use.

use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};

/// Seconds since 1970-01-01T00:00:00Z.
pub type Timestamp = i64;

/// Seconds in a day.
pub const DAY: Timestamp = 86_400;

/// Why a date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a date (expected ISO 8601 such as 2011-11-07 or 2011-11-07T14:04:28Z, or 'Mon Nov 07 14:04:28 EST 2011')"
)]
pub struct DateError(pub String);

/// North American and universal zone abbreviations found in ARIN payload dates.
fn abbreviation_offset(abbr: &str) -> Option<i8> {
    Some(match abbr {
        "UTC" | "GMT" | "Z" | "UT" => 0,
        "EST" => -5,
        "EDT" => -4,
        "CST" => -6,
        "CDT" => -5,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        "AKST" => -9,
        "AKDT" => -8,
        "HST" => -10,
        _ => return None,
    })
}

fn utc(dt: DateTime) -> Option<Timestamp> {
    dt.to_zoned(TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// Parses a date or date-time:
/// - ISO 8601 / RFC 3339: `2011-11-07`, `2011-11-07T14:04:28Z`, `2011-11-07T14:04:28-05:00`,
///   `2011-11-07 14:04:28` (UTC assumed when no offset is given);
/// - the Reg-RWS style `Mon Nov 07 14:04:28 EST 2011`;
/// - the compact `20111107` of RPSL `changed:` lines.
pub fn parse_date(s: &str) -> Result<Timestamp, DateError> {
    let t = s.trim();
    let err = || DateError(t.to_string());
    if t.is_empty() {
        return Err(err());
    }
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        let y: i16 = t[0..4].parse().map_err(|_| err())?;
        let m: i8 = t[4..6].parse().map_err(|_| err())?;
        let d: i8 = t[6..8].parse().map_err(|_| err())?;
        let date = Date::new(y, m, d).map_err(|_| err())?;
        return utc(date.to_datetime(jiff::civil::Time::midnight())).ok_or_else(err);
    }
    if t.as_bytes()[0].is_ascii_alphabetic() {
        // "Mon Nov 07 14:04:28 EST 2011"
        let parts: Vec<&str> = t.split_whitespace().collect();
        if parts.len() != 6 {
            return Err(err());
        }
        let hours = abbreviation_offset(parts[4]).ok_or_else(err)?;
        let rest = format!(
            "{} {} {} {} {}",
            parts[0], parts[1], parts[2], parts[3], parts[5]
        );
        let dt = jiff::fmt::strtime::parse("%a %b %d %H:%M:%S %Y", &rest)
            .and_then(|p| p.to_datetime())
            .map_err(|_| err())?;
        let offset = Offset::from_hours(hours).map_err(|_| err())?;
        return dt
            .to_zoned(TimeZone::fixed(offset))
            .map(|z| z.timestamp().as_second())
            .map_err(|_| err());
    }
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Ok(ts.as_second());
    }
    if let Ok(dt) = t.parse::<DateTime>() {
        return utc(dt).ok_or_else(err);
    }
    if let Ok(date) = t.parse::<Date>() {
        return utc(date.to_datetime(jiff::civil::Time::midnight())).ok_or_else(err);
    }
    Err(err())
}

fn to_utc(ts: Timestamp) -> jiff::Zoned {
    jiff::Timestamp::from_second(ts)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(TimeZone::UTC)
}

/// `2011-11-07`.
pub fn format_date(ts: Timestamp) -> String {
    to_utc(ts).date().to_string()
}

/// `2011-11-07T19:04:28Z`.
pub fn format_datetime(ts: Timestamp) -> String {
    to_utc(ts).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The wall clock.
pub fn now() -> Timestamp {
    jiff::Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_forms() {
        let day = parse_date("2011-11-07").unwrap();
        assert_eq!(format_datetime(day), "2011-11-07T00:00:00Z");
        assert_eq!(
            parse_date("2011-11-07T14:04:28-05:00").unwrap(),
            parse_date("2011-11-07T19:04:28Z").unwrap()
        );
        assert_eq!(
            parse_date("2011-11-07 19:04:28").unwrap(),
            parse_date("2011-11-07T19:04:28Z").unwrap()
        );
        assert_eq!(parse_date("20111107").unwrap(), day);
    }

    #[test]
    fn regrws_form() {
        let ts = parse_date("Mon Nov 07 14:04:28 EST 2011").unwrap();
        assert_eq!(format_datetime(ts), "2011-11-07T19:04:28Z");
        let ts = parse_date("Tue Jan 25 16:17:18 EST 2011").unwrap();
        assert_eq!(format_date(ts), "2011-01-25");
    }

    #[test]
    fn bad_dates() {
        for bad in [
            "",
            "yesterday",
            "2011-13-01",
            "2011-02-30",
            "Mon Nov 07 14:04:28 XYZ 2011",
            "20111332",
        ] {
            assert!(parse_date(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(
            parse_date("soon")
                .unwrap_err()
                .to_string()
                .contains("'soon' is not a date")
        );
    }
}
