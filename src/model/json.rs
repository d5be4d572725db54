//! Reading model values from JSON with located errors: the path of the offending value
//! (`data.individuals.one.residence`), its line and column, and the closest name for an unknown
//! field or variant.

use serde::de::DeserializeOwned;

use super::hint_unknown_name;
use crate::error::{Location, ModelError, ModelErrorKind};

/// `T` from JSON text, or a [`ModelErrorKind::InvalidJson`] error located in it.
pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, ModelError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        // serde_path_to_error writes `?` for a segment it does not know yet (input that ends
        // inside a map): the path is what comes before it.
        let path = e.path().to_string();
        let known = path.split(".?").next().unwrap_or_default();
        let path = if known == "." || known == "?" {
            String::new()
        } else {
            known.to_owned()
        };
        located(e.into_inner(), path)
    })?;
    de.end().map_err(|e| located(e, String::new()))?;
    Ok(value)
}

fn located(e: serde_json::Error, path: String) -> ModelError {
    let line_col = (e.line() > 0).then(|| (e.line(), e.column()));
    let mut message = e.to_string();
    // serde_json appends " at line L column C"; the location carries it.
    if let Some(i) = message.rfind(" at line ") {
        message.truncate(i);
    }
    ModelError::new(ModelErrorKind::InvalidJson, hint_unknown_name(&message)).at(Location {
        file: None,
        line_col,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Consent, TransferBuilder};

    #[test]
    fn errors_name_the_path_line_and_column() {
        let e = from_json::<TransferBuilder>(
            r#"{"data": {"categories": ["personal"], "collected_in": "CN", "individuals": {"one": {"id": "u", "residence": "UK"}}}}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ModelErrorKind::InvalidJson);
        let l = e.location().unwrap();
        assert_eq!(l.path(), "data.individuals.one.residence");
        assert_eq!((l.line(), l.column()), (Some(1), Some(113)));
        assert!(e.message().ends_with("did you mean `GB`?"), "{e}");
        let e = from_json::<Consent>(r#"{"id": "c", "subjct": "u"}"#).unwrap_err();
        assert_eq!(e.location().unwrap().path(), "subjct");
        assert!(e.message().contains("did you mean `subject`?"), "{e}");
        // Input that ends inside a map: no `?` for the segment that never came.
        let e = from_json::<Consent>(r#"{"id": "c-3""#).unwrap_err();
        assert_eq!(e.location().unwrap().path(), "");
        assert!(!e.to_string().contains('?'), "{e}");
        let e = from_json::<TransferBuilder>(r#"{"at": "2026-03-01"}"#).unwrap_err();
        assert_eq!(e.location().unwrap().path(), "at");
        assert!(
            e.message().contains("such as `2026-03-01T00:00:00Z`"),
            "{e}"
        );
        let e = from_json::<TransferBuilder>("{} []").unwrap_err();
        assert_eq!(e.to_string(), "1:4: trailing characters");
    }
}
