//! A one-pass check that a record's bytes are canonical JSON (as `canonical` writes it),
//! reading out the two values the log needs — the subject's id and `recorded_at` — without
//! building a value or allocating (but for those two strings).
//!
//! Canonical: no white space; object keys in strictly ascending order of their bytes;
//! strings with exactly serde_json's escapes (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, and
//! `\u00xx` in lower-case hex for the other control characters; nothing else escaped);
//! integers as `-?(0|[1-9][0-9]*)` (not `-0`); no fractions or exponents; `true`, `false`,
//! `null`.

/// What the scan reads out of a canonical record.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Found {
    /// `transfer.data.individuals.one.id`.
    pub(crate) subject: Option<String>,
    /// `recorded_at`.
    pub(crate) recorded_at: Option<String>,
}

/// Where in the record a value is, as far as the scan cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Root,
    Transfer,
    Data,
    Individuals,
    One,
    SubjectId,
    Instant,
    Elsewhere,
}

impl At {
    fn child(self, key: &[u8]) -> At {
        match (self, key) {
            (At::Root, b"transfer") => At::Transfer,
            (At::Root, b"recorded_at") => At::Instant,
            (At::Transfer, b"data") => At::Data,
            (At::Data, b"individuals") => At::Individuals,
            (At::Individuals, b"one") => At::One,
            (At::One, b"id") => At::SubjectId,
            _ => At::Elsewhere,
        }
    }
}

/// Nesting deeper than this is refused (records nest a few levels).
const MAX_DEPTH: usize = 64;

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    found: Found,
}

/// Checks that `record` is one canonical JSON object and nothing else; what it found.
pub(crate) fn record(record: &[u8]) -> Result<Found, String> {
    if std::str::from_utf8(record).is_err() {
        return Err("not UTF-8".into());
    }
    let mut s = Scanner {
        b: record,
        i: 0,
        found: Found::default(),
    };
    if s.peek() != Some(b'{') {
        return Err("not a JSON object".into());
    }
    s.value(At::Root, 0)?;
    if s.i != record.len() {
        return Err(format!("bytes after the record at offset {}", s.i));
    }
    Ok(s.found)
}

/// The canonical JSON string starting at `b[i]`: its content, and where it ends.
pub(crate) fn string_at(b: &[u8], i: usize) -> Result<(String, usize), String> {
    let mut s = Scanner {
        b,
        i,
        found: Found::default(),
    };
    let mut out = Vec::new();
    s.string(Some(&mut out))?;
    let text = String::from_utf8(out).map_err(|_| "not UTF-8".to_owned())?;
    Ok((text, s.i))
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn fail<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at offset {}", self.i))
    }

    fn eat(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            self.fail(&format!("`{}` expected", char::from(c)))
        }
    }

    fn value(&mut self, at: At, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return self.fail("nesting too deep");
        }
        match self.peek() {
            Some(b'{') => self.object(at, depth),
            Some(b'[') => {
                self.i += 1;
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.value(At::Elsewhere, depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return self.fail("`,` or `]` expected"),
                    }
                }
            }
            Some(b'"') => {
                if matches!(at, At::SubjectId | At::Instant) {
                    let mut out = Vec::new();
                    self.string(Some(&mut out))?;
                    let text = String::from_utf8(out).map_err(|_| "not UTF-8".to_owned())?;
                    if at == At::SubjectId {
                        self.found.subject = Some(text);
                    } else {
                        self.found.recorded_at = Some(text);
                    }
                    Ok(())
                } else {
                    self.string(None)
                }
            }
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.integer(),
            _ => self.fail("a value expected"),
        }
    }

    fn object(&mut self, at: At, depth: usize) -> Result<(), String> {
        self.eat(b'{')?;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        let mut previous: Option<Vec<u8>> = None;
        loop {
            let mut key = Vec::new();
            self.string(Some(&mut key))?;
            if previous.as_ref().is_some_and(|p| *p >= key) {
                return self.fail("keys out of order, or repeated");
            }
            self.eat(b':')?;
            self.value(at.child(&key), depth + 1)?;
            previous = Some(key);
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return self.fail("`,` or `}` expected"),
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), String> {
        if self.b.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Ok(())
        } else {
            self.fail("`true`, `false` or `null` expected")
        }
    }

    fn integer(&mut self) -> Result<(), String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.i += 1;
                }
            }
            _ => return self.fail("a digit expected"),
        }
        if self.b.get(start..self.i) == Some(b"-0") {
            return self.fail("`-0` is not canonical");
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return self.fail("a fraction or exponent (records hold integers only)");
        }
        Ok(())
    }

    /// A string at `self.i`; its content (unescaped) into `out` when given.
    fn string(&mut self, mut out: Option<&mut Vec<u8>>) -> Result<(), String> {
        self.eat(b'"')?;
        loop {
            let Some(c) = self.peek() else {
                return self.fail("an unterminated string");
            };
            self.i += 1;
            let byte = match c {
                b'"' => return Ok(()),
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return self.fail("an unterminated escape");
                    };
                    self.i += 1;
                    match e {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            let hex = self.b.get(self.i..self.i + 4).unwrap_or_default();
                            let v = match hex {
                                [b'0', b'0', h, l] => {
                                    hex_digit(*h).zip(hex_digit(*l)).map(|(h, l)| h << 4 | l)
                                }
                                _ => None,
                            };
                            match v {
                                Some(v)
                                    if v < 0x20
                                        && !matches!(v, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) =>
                                {
                                    self.i += 4;
                                    v
                                }
                                _ => return self.fail("an escape serde_json would not write"),
                            }
                        }
                        _ => return self.fail("an escape serde_json would not write"),
                    }
                }
                c if c < 0x20 => return self.fail("an unescaped control character"),
                c => c,
            };
            if let Some(o) = out.as_deref_mut() {
                o.push(byte);
            }
        }
    }
}

/// A lower-case hex digit's value.
fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use serde_json::json;

    /// What the canonical writer writes, the scan accepts, reading the same values out.
    #[test]
    fn accepts_what_the_writer_writes_and_reads_out_the_subject() {
        let v = json!({
            "recorded_at": "2026-03-01T00:00:00Z",
            "transfer": {"data": {"individuals": {"one": {"id": "u-\"42\"\n\u{1}é"}}, "categories": ["a", "b"]}},
            "decision": {"n": -12, "z": 0, "t": true, "f": false, "x": null, "e": [], "o": {}}
        });
        let bytes = super::super::canonical::of_value(&v).unwrap();
        let found = record(&bytes).unwrap();
        assert_eq!(found.subject.as_deref(), Some("u-\"42\"\n\u{1}é"));
        assert_eq!(found.recorded_at.as_deref(), Some("2026-03-01T00:00:00Z"));
    }

    #[test]
    fn refuses_what_the_writer_would_not_write() {
        for bad in [
            r#"{"b":1,"a":2}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a": 1}"#,
            r#"{"a":1.0}"#,
            r#"{"a":01}"#,
            r#"{"a":-0}"#,
            r#"{"a":"\/"}"#,
            r#"{"a":"\u0041"}"#,
            r#"{"a":"\u000a"}"#,
            r#"{"a":"\u001F"}"#,
            r#"{"a":tru}"#,
            r#"{"a":1}x"#,
            r#"{"a":1"#,
            r#"["a"]"#,
            "{\"a\":\"\u{1}\"}",
        ] {
            assert!(record(bad.as_bytes()).is_err(), "{bad}");
        }
        assert!(record(br#"{"a":"\u001f","b":[1,-2,{}],"c":"\n"}"#).is_ok());
    }
}
