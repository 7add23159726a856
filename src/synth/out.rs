//! A buffered output file with the few formatting primitives the writers need (numbers,
//! addresses, dates, XML escaping), written straight into the buffer: no `String` per object.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::GenError;

/// Flush the buffer to the file once it holds this many bytes.
const FLUSH_AT: usize = 1 << 20;

/// One output file.
pub(super) struct Out {
    path: PathBuf,
    file: File,
    buf: Vec<u8>,
    written: u64,
}

impl Out {
    /// Creates (truncates) `path`, creating its directory if needed.
    pub(super) fn create(path: &Path) -> Result<Self, GenError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| GenError::io(dir, e))?;
        }
        let file = File::create(path).map_err(|e| GenError::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            buf: Vec::with_capacity(FLUSH_AT + (64 << 10)),
            written: 0,
        })
    }

    /// Writes the buffer out when it is full; call between objects.
    pub(super) fn end_object(&mut self) -> Result<(), GenError> {
        if self.buf.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), GenError> {
        self.file
            .write_all(&self.buf)
            .map_err(|e| GenError::io(&self.path, e))?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Flushes and closes the file; returns its path and size.
    pub(super) fn finish(mut self) -> Result<(PathBuf, u64), GenError> {
        self.flush()?;
        self.file.flush().map_err(|e| GenError::io(&self.path, e))?;
        Ok((self.path, self.written))
    }

    pub(super) fn s(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    pub(super) fn c(&mut self, c: u8) {
        self.buf.push(c);
    }

    /// Text with the XML special characters escaped.
    pub(super) fn xml(&mut self, s: &str) {
        for &b in s.as_bytes() {
            match b {
                b'&' => self.s("&amp;"),
                b'<' => self.s("&lt;"),
                b'>' => self.s("&gt;"),
                b'"' => self.s("&quot;"),
                _ => self.buf.push(b),
            }
        }
    }

    /// Letters and digits of `s` only, lower case (for mail domains and local parts).
    pub(super) fn lower_alnum(&mut self, s: &str) {
        for &b in s.as_bytes() {
            if b.is_ascii_alphanumeric() {
                self.buf.push(b.to_ascii_lowercase());
            }
        }
    }

    /// Letters and digits of `s` only, upper case (for net and AS names).
    pub(super) fn upper_alnum(&mut self, s: &str) {
        for &b in s.as_bytes() {
            if b.is_ascii_alphanumeric() {
                self.buf.push(b.to_ascii_uppercase());
            }
        }
    }

    /// A decimal number.
    pub(super) fn u(&mut self, mut n: u64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[i..]);
    }

    /// A decimal number left-padded with zeros to `width` digits.
    pub(super) fn u_pad(&mut self, n: u64, width: usize) {
        let mut tmp = [b'0'; 20];
        let mut i = tmp.len();
        let mut n = n;
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let start = tmp.len().saturating_sub(width).min(i);
        self.buf.extend_from_slice(&tmp[start..]);
    }

    /// A number in hexadecimal without leading zeros.
    pub(super) fn hex(&mut self, n: u64, upper: bool) {
        let digits: &[u8; 16] = if upper {
            b"0123456789ABCDEF"
        } else {
            b"0123456789abcdef"
        };
        let mut started = false;
        for shift in (0..16).rev() {
            let d = ((n >> (shift * 4)) & 0xf) as usize;
            if d != 0 || started || shift == 0 {
                started = true;
                self.buf.push(digits[d]);
            }
        }
    }

    /// Exactly `nibbles` hex digits of `n`, upper case.
    pub(super) fn hex_fixed(&mut self, n: u64, nibbles: u32) {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        for shift in (0..nibbles).rev() {
            self.buf.push(DIGITS[((n >> (shift * 4)) & 0xf) as usize]);
        }
    }

    /// `23.1.2.0`, or `023.001.002.000` zero-padded.
    pub(super) fn ip4(&mut self, a: u32, padded: bool) {
        for (i, shift) in [24u32, 16, 8, 0].into_iter().enumerate() {
            if i > 0 {
                self.buf.push(b'.');
            }
            let octet = u64::from((a >> shift) & 0xff);
            if padded {
                self.u_pad(octet, 3);
            } else {
                self.u(octet);
            }
        }
    }

    /// IPv6 in RFC 5952 form (`2600:1004:a000::`).
    pub(super) fn ip6(&mut self, a: u128) {
        let groups: [u64; 8] = std::array::from_fn(|i| ((a >> (112 - 16 * i)) & 0xffff) as u64);
        // The longest run of two or more zero groups (first one on ties) becomes "::".
        let (mut best, mut best_len, mut i) = (8usize, 0usize, 0usize);
        while i < 8 {
            if groups[i] == 0 {
                let start = i;
                while i < 8 && groups[i] == 0 {
                    i += 1;
                }
                if i - start > best_len && i - start >= 2 {
                    best = start;
                    best_len = i - start;
                }
            } else {
                i += 1;
            }
        }
        let mut i = 0;
        while i < 8 {
            if i == best {
                self.s("::");
                i += best_len;
                continue;
            }
            if i > 0 && i != best + best_len {
                self.buf.push(b':');
            }
            self.hex(groups[i], false);
            i += 1;
        }
    }

    /// IPv6 with all eight groups, four upper-case digits each (as ARIN returns them).
    pub(super) fn ip6_full(&mut self, a: u128) {
        for i in 0..8 {
            if i > 0 {
                self.buf.push(b':');
            }
            self.hex_fixed(((a >> (112 - 16 * i)) & 0xffff) as u64, 4);
        }
    }

    /// `2011-11-07`.
    pub(super) fn date(&mut self, ts: i64) {
        let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
        self.u_pad(y as u64, 4);
        self.c(b'-');
        self.u_pad(u64::from(m), 2);
        self.c(b'-');
        self.u_pad(u64::from(d), 2);
    }

    fn time(&mut self, secs_of_day: i64) {
        self.u_pad((secs_of_day / 3600) as u64, 2);
        self.c(b':');
        self.u_pad((secs_of_day / 60 % 60) as u64, 2);
        self.c(b':');
        self.u_pad((secs_of_day % 60) as u64, 2);
    }

    /// `2011-11-07T19:04:28Z`.
    pub(super) fn datetime_utc(&mut self, ts: i64) {
        self.date(ts);
        self.c(b'T');
        self.time(ts.rem_euclid(86_400));
        self.c(b'Z');
    }

    /// `2011-11-07T14:04:28-05:00` (the instant shown at UTC-5).
    pub(super) fn datetime_est(&mut self, ts: i64) {
        let local = ts - 5 * 3600;
        self.date(local);
        self.c(b'T');
        self.time(local.rem_euclid(86_400));
        self.s("-05:00");
    }

    /// `Mon Nov 07 14:04:28 EST 2011`, the Reg-RWS payload style (the instant at UTC-5).
    pub(super) fn datetime_regrws(&mut self, ts: i64) {
        const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let local = ts - 5 * 3600;
        let days = local.div_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        self.s(WEEKDAYS[days.rem_euclid(7) as usize]);
        self.c(b' ');
        self.s(MONTHS[(m - 1) as usize]);
        self.c(b' ');
        self.u_pad(u64::from(d), 2);
        self.c(b' ');
        self.time(local.rem_euclid(86_400));
        self.s(" EST ");
        self.u(y as u64);
    }
}

/// The civil date of a day number (days since 1970-01-01), proleptic Gregorian.
pub(super) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}
