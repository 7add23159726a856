//! A small JSON writer for RDAP answers: values are appended to one `String`, commas are
//! placed by looking at the last byte written, and strings are escaped as RFC 8259 asks.
//! Answers are written straight from the borrowed snapshot objects, without building a
//! `serde_json::Value` tree first.

use std::fmt::Write;

/// An output buffer that knows where commas go.
#[derive(Debug, Default)]
pub(crate) struct Json {
    buf: String,
}

impl Json {
    pub(crate) fn with_capacity(n: usize) -> Json {
        Json {
            buf: String::with_capacity(n),
        }
    }

    /// A comma unless the last thing written opens an object or array or is a key.
    #[inline]
    fn sep(&mut self) {
        match self.buf.as_bytes().last() {
            None | Some(b'{' | b'[' | b':') => {}
            _ => self.buf.push(','),
        }
    }

    pub(crate) fn obj(&mut self) {
        self.sep();
        self.buf.push('{');
    }

    pub(crate) fn end_obj(&mut self) {
        self.buf.push('}');
    }

    pub(crate) fn arr(&mut self) {
        self.sep();
        self.buf.push('[');
    }

    pub(crate) fn end_arr(&mut self) {
        self.buf.push(']');
    }

    /// A member name. Names are literals of this crate and need no escaping.
    pub(crate) fn key(&mut self, k: &str) {
        debug_assert!(!k.bytes().any(is_special), "{k}");
        self.sep();
        self.buf.push('"');
        self.buf.push_str(k);
        self.buf.push_str("\":");
    }

    /// Appends text as is, with no separator (the middle of a value being written).
    pub(crate) fn push_raw(&mut self, v: &str) {
        self.buf.push_str(v);
    }

    /// Opens a string value written with [`Json::str_part`] and [`Json::str_close`].
    pub(crate) fn str_open(&mut self) {
        self.sep();
        self.buf.push('"');
    }

    /// Appends `part`, escaped, to the string value being written.
    pub(crate) fn str_part(&mut self, part: &str) {
        escape_body(&mut self.buf, part);
    }

    pub(crate) fn str_close(&mut self) {
        self.buf.push('"');
    }

    /// A string value that is already JSON-safe (made of escaped or plain URL parts,
    /// addresses, dates), written from parts without escaping.
    pub(crate) fn str_raw(&mut self, parts: &[&str]) {
        self.sep();
        self.buf.push('"');
        for p in parts {
            debug_assert!(!p.bytes().any(is_special), "{p}");
            self.buf.push_str(p);
        }
        self.buf.push('"');
    }

    /// `"k":"<parts>"`, see [`Json::str_raw`].
    pub(crate) fn kv_raw(&mut self, k: &str, parts: &[&str]) {
        self.key(k);
        self.str_raw(parts);
    }

    /// The bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// What was written from `start` on.
    pub(crate) fn since(&self, start: usize) -> &str {
        &self.buf[start..]
    }

    pub(crate) fn str(&mut self, v: &str) {
        self.sep();
        escape_into(&mut self.buf, v);
    }

    pub(crate) fn num(&mut self, v: i64) {
        self.sep();
        let _ = write!(self.buf, "{v}");
    }

    pub(crate) fn bool(&mut self, v: bool) {
        self.sep();
        self.buf.push_str(if v { "true" } else { "false" });
    }

    /// Stands in for a value written elsewhere whose last byte is `last` (an ASCII
    /// closing bracket): writes the separator and that one byte, and returns where the byte
    /// is. Whoever joins the text later puts the value in place of the byte; what follows
    /// is separated as it would be after the value.
    pub(crate) fn placeholder(&mut self, last: u8) -> usize {
        self.sep();
        let at = self.buf.len();
        self.buf.push(char::from(last));
        at
    }

    /// Already-encoded JSON (a value or members), written as is after a separator.
    pub(crate) fn raw(&mut self, v: &str) {
        if v.is_empty() {
            return;
        }
        self.sep();
        self.buf.push_str(v);
    }

    pub(crate) fn kv(&mut self, k: &str, v: &str) {
        self.key(k);
        self.str(v);
    }

    pub(crate) fn kv_num(&mut self, k: &str, v: i64) {
        self.key(k);
        self.num(v);
    }

    /// `"k":[` … the caller closes it with [`Json::end_arr`].
    pub(crate) fn key_arr(&mut self, k: &str) {
        self.key(k);
        self.buf.push('[');
    }

    /// `"k":{` … the caller closes it with [`Json::end_obj`].
    pub(crate) fn key_obj(&mut self, k: &str) {
        self.key(k);
        self.buf.push('{');
    }

    /// `"k":["a","b"]`
    pub(crate) fn kv_strs<'a>(&mut self, k: &str, vs: impl IntoIterator<Item = &'a str>) {
        self.key_arr(k);
        for v in vs {
            self.str(v);
        }
        self.end_arr();
    }

    /// `["a","b"]` as a value.
    pub(crate) fn strs<'a>(&mut self, vs: impl IntoIterator<Item = &'a str>) {
        self.arr();
        for v in vs {
            self.str(v);
        }
        self.end_arr();
    }

    #[cfg(test)]
    pub(crate) fn as_str(&self) -> &str {
        &self.buf
    }

    pub(crate) fn into_string(self) -> String {
        self.buf
    }
}

/// Whether any byte of the 8 in `w` is a control character, `"` or `\\`.
#[inline]
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    below_space | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) != 0
}

#[inline]
fn is_special(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Appends `s` as a JSON string literal. Clean stretches are copied eight bytes at a time.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    if is_json_safe(s) {
        // Most values: copied whole.
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    out.push('"');
    escape_body(out, s);
    out.push('"');
}

/// Whether `s` can go inside a JSON string as it is.
pub(crate) fn is_json_safe(s: &str) -> bool {
    // No early exit, so that the compiler can check many bytes at once.
    !s.bytes().fold(false, |special, b| {
        special | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

/// Appends `s` escaped, without quotes.
fn escape_body(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if i + 8 <= bytes.len() {
            let w = u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8]));
            if !needs_escape(w) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if !is_special(b) {
            i += 1;
            continue;
        }
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        i += 1;
        start = i;
    }
    out.push_str(&s[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_and_nesting() {
        let mut j = Json::default();
        j.obj();
        j.kv("a", "x");
        j.key_arr("b");
        j.num(1);
        j.num(-2);
        j.obj();
        j.end_obj();
        j.end_arr();
        j.key_obj("c");
        j.kv_num("d", 3);
        j.end_obj();
        j.key("e");
        j.bool(true);
        j.kv_strs("f", ["p", "q"]);
        j.end_obj();
        let v: serde_json::Value = serde_json::from_str(j.as_str()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"a":"x","b":[1,-2,{}],"c":{"d":3},"e":true,"f":["p","q"]})
        );
    }

    #[test]
    fn escapes_round_trip() {
        for s in [
            "plain",
            "quote \" and \\ back",
            "line\nbreak\ttab\r\u{8}\u{c}",
            "\u{1}\u{1f} control",
            "ünïcødé ✓ 漢字",
            "ends with colon:",
            "sixteen clean bytes, then a quote \" here",
            "0123456789abcdef0123456789abcdef\u{1f}",
            "x\\",
        ] {
            let mut out = String::new();
            escape_into(&mut out, s);
            let back: String = serde_json::from_str(&out).unwrap();
            assert_eq!(back, s);
        }
    }
}
