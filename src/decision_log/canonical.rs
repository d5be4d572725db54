//! The canonical JSON of a log record: the bytes its leaf hash is computed over.
//!
//! Objects' keys in ascending order of their UTF-8 bytes, no white space anywhere, strings
//! escaped as `serde_json` writes them (`"` `\` and control characters escaped, everything
//! else as UTF-8), integers in decimal. Records hold no floating-point numbers. The same value
//! always gives the same bytes, whoever writes it.

use serde::Serialize;
use serde_json::Value;

/// The canonical bytes of `value`.
pub(crate) fn to_canonical<T: Serialize>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let v = serde_json::to_value(value)?;
    let mut out = Vec::with_capacity(512);
    write(&v, &mut out)?;
    Ok(out)
}

/// The canonical bytes of an already parsed value.
#[cfg(test)]
pub(crate) fn of_value(value: &Value) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(512);
    write(value, &mut out)?;
    Ok(out)
}

fn write(v: &Value, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, k)?;
                out.push(b':');
                write(v, out)?;
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(v, out)?;
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn keys_sorted_no_space_same_bytes_for_the_same_value() {
        let a: Value =
            serde_json::from_str(r#"{ "b": [1, {"z": "é\n", "a": null}], "a": true }"#).unwrap();
        let bytes = of_value(&a).unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"a":true,"b":[1,{"a":null,"z":"é\n"}]}"#
        );
        let again: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(of_value(&again).unwrap(), bytes);
    }
}
