//! The POC validation CSV → [`ValidationRecord`]s.
//!
//! Header `handle,requested,validated,reported_invalid` (case and surrounding spaces do not
//! matter), then one row per POC with ISO 8601 dates; an empty date is "never". Blank lines
//! are ignored. A row that cannot be used is reported with its line and handle and left out.

use csv::{ReaderBuilder, StringRecord, Trim};

use super::{Ingest, Located, Location, Reason};
use crate::model::{Timestamp, ValidationRecord, parse_date};

/// The columns, in order.
const COLUMNS: [&str; 4] = ["handle", "requested", "validated", "reported_invalid"];

/// Parses one validation CSV file into `out`.
pub(super) fn parse(file: &str, text: &str, out: &mut Ingest) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(Trim::All)
        .from_reader(text.as_bytes());
    let mut header_seen = false;
    let mut record = StringRecord::new();
    loop {
        let line = line_of(reader.position().line());
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| line_of(p.line()));
                out.problem(
                    Location::new(file, line),
                    "",
                    Reason::MalformedCsv,
                    format!("unreadable CSV, the rest of the file is skipped: {e}"),
                );
                return;
            }
        }
        let line = record
            .position()
            .map_or(line, |p| record_line(text, p.byte(), p.line()));
        // A line of spaces reads as one empty field.
        if record.len() == 1 && record.get(0) == Some("") {
            continue;
        }
        if !header_seen {
            header_seen = true;
            let found: Vec<String> = record.iter().map(str::to_ascii_lowercase).collect();
            if found != COLUMNS {
                out.problem(
                    Location::new(file, line),
                    "",
                    Reason::MalformedCsv,
                    format!(
                        "header must be '{}', found '{}'; the file is skipped",
                        COLUMNS.join(","),
                        record.iter().collect::<Vec<_>>().join(",")
                    ),
                );
                return;
            }
            continue;
        }
        out.read += 1;
        match row(&record) {
            Ok(obj) => out.validations.push(Located {
                at: Location::new(file, line),
                obj,
            }),
            Err((reason, message)) => out.problem(
                Location::new(file, line),
                record.get(0).unwrap_or(""),
                reason,
                message,
            ),
        }
    }
    if !header_seen {
        out.problem(
            Location::new(file, 1),
            "",
            Reason::MalformedCsv,
            format!("no header (expected '{}')", COLUMNS.join(",")),
        );
    }
}

fn line_of(line: u64) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

/// The line where a record starts: csv reports where reading began, before the empty lines
/// it skipped.
fn record_line(text: &str, byte: u64, line: u64) -> u32 {
    let start = usize::try_from(byte).unwrap_or(usize::MAX);
    let skipped = text.as_bytes().get(start..).map_or(0, |rest| {
        rest.iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .filter(|&&b| b == b'\n')
            .count()
    });
    line_of(line.saturating_add(u64::try_from(skipped).unwrap_or(0)))
}

/// One data row.
fn row(record: &StringRecord) -> Result<ValidationRecord, (Reason, String)> {
    let (Some(handle), Some(requested), Some(validated), Some(reported_invalid), None) = (
        record.get(0),
        record.get(1),
        record.get(2),
        record.get(3),
        record.get(4),
    ) else {
        return Err((
            Reason::MalformedCsv,
            format!("{} columns, expected {}", record.len(), COLUMNS.len()),
        ));
    };
    if handle.is_empty() {
        return Err((Reason::MissingField, "empty handle".to_string()));
    }
    Ok(ValidationRecord {
        handle: handle.to_string(),
        requested: date(COLUMNS[1], requested)?,
        validated: date(COLUMNS[2], validated)?,
        reported_invalid: date(COLUMNS[3], reported_invalid)?,
    })
}

fn date(column: &str, value: &str) -> Result<Option<Timestamp>, (Reason, String)> {
    if value.is_empty() {
        return Ok(None);
    }
    parse_date(value)
        .map(Some)
        .map_err(|e| (Reason::BadDate, format!("{column}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Ingest {
        let mut out = Ingest::default();
        parse("v.csv", text, &mut out);
        out
    }

    fn day(s: &str) -> Option<Timestamp> {
        Some(parse_date(s).unwrap())
    }

    #[test]
    fn reads_rows() {
        let out = run("handle,requested,validated,reported_invalid\n\
             DOEJ-ARIN,2024-01-10,2024-01-12,\n\
             \n\
             ABUSE-ARIN, 2024-02-01T10:00:00Z ,,2024-03-01\n\
             QUIET-ARIN,,,\n");
        assert!(out.problems.is_empty(), "{:#?}", out.problems);
        assert_eq!(out.read, 3);
        let v: Vec<_> = out
            .validations
            .iter()
            .map(|l| (&l.obj, l.at.line))
            .collect();
        assert_eq!(
            v[0],
            (
                &ValidationRecord {
                    handle: "DOEJ-ARIN".into(),
                    requested: day("2024-01-10"),
                    validated: day("2024-01-12"),
                    reported_invalid: None,
                },
                2
            )
        );
        assert_eq!(v[1].1, 4, "the blank line is skipped but counted");
        assert_eq!(v[1].0.requested, day("2024-02-01T10:00:00Z"));
        assert_eq!(v[1].0.reported_invalid, day("2024-03-01"));
        assert_eq!(
            v[2].0,
            &ValidationRecord {
                handle: "QUIET-ARIN".into(),
                ..ValidationRecord::default()
            }
        );
        assert_eq!(out.validations[0].at.file, "v.csv");
    }

    #[test]
    fn header_is_case_and_space_insensitive() {
        let out = run("\u{feff}Handle , REQUESTED,validated,Reported_Invalid\r\nX,,,\r\n");
        assert!(out.problems.is_empty(), "{:#?}", out.problems);
        assert_eq!(out.validations.len(), 1);
    }

    #[test]
    fn wrong_header() {
        let out = run("handle,requested,validated\nX,,\n");
        assert_eq!(out.problems.len(), 1);
        let p = &out.problems[0];
        assert_eq!((p.reason, p.location.line), (Reason::MalformedCsv, 1));
        assert!(
            p.message.contains("found 'handle,requested,validated'"),
            "{}",
            p.message
        );
        assert!(out.validations.is_empty());
        assert_eq!(out.read, 0);

        let out = run("handle,requested,validated,reported_invalid,extra\n");
        assert_eq!(out.problems[0].reason, Reason::MalformedCsv);
        let out = run("");
        assert_eq!(out.problems[0].reason, Reason::MalformedCsv);
    }

    #[test]
    fn bad_rows_are_reported_and_skipped() {
        let out = run("handle,requested,validated,reported_invalid\n\
             GOOD-1,2024-01-01,,\n\
             SHORT,2024-01-01\n\
             LONG,,,,\n\
             ,2024-01-01,,\n\
             BADDATE,2024-01-01,someday,\n\
             GOOD-2,,,\n");
        assert_eq!(out.read, 6);
        let kept: Vec<&str> = out
            .validations
            .iter()
            .map(|v| v.obj.handle.as_str())
            .collect();
        assert_eq!(kept, ["GOOD-1", "GOOD-2"]);
        let got: Vec<(Reason, u32, &str)> = out
            .problems
            .iter()
            .map(|p| (p.reason, p.location.line, p.handle.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Reason::MalformedCsv, 3, "SHORT"),
                (Reason::MalformedCsv, 4, "LONG"),
                (Reason::MissingField, 5, ""),
                (Reason::BadDate, 6, "BADDATE"),
            ]
        );
        let bad = &out.problems[3].message;
        assert!(
            bad.starts_with("validated:") && bad.contains("someday"),
            "{bad}"
        );
    }

    #[test]
    fn quoted_fields_and_odd_input() {
        let out = run("handle,requested,validated,reported_invalid\n\"Q-ARIN\",\"2024-01-01\",,\n");
        assert_eq!(out.validations[0].obj.handle, "Q-ARIN");
        // Never panics on damaged input.
        for text in [
            "handle,requested,validated,reported_invalid\n\"unclosed,,,\n",
            "\"",
            ",,,\n,,,",
            "\n\n  \n",
        ] {
            run(text);
        }
    }
}
