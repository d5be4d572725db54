//! JSON Schemas of the model's hand-serialised values (feature `schema`): names and ids as
//! patterned strings, jurisdictions as assigned ISO 3166 codes, sets as arrays.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::jurisdiction::ASSIGNED;
use super::{Jurisdiction, JurisdictionSet, MAX_ID_LEN, MAX_NAME_LEN, Operation, OperationSet};

/// The schema of a name or id type, by what it names (the `what` of `string_type!`).
pub(super) fn string_schema(what: &str) -> Schema {
    let (pattern, max, description) = match what {
        "subject" | "party" | "evidence" => (
            r"^\S+$",
            MAX_ID_LEN,
            "an identifier: no white space or control characters",
        ),
        "category" => (
            r"^[a-z0-9_]+(\.[a-z0-9_]+)*$",
            MAX_NAME_LEN,
            "a data category: dotted segments of lower-case letters, digits and `_` (`personal.sensitive.health`)",
        ),
        "authority" => (
            r"^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?$",
            MAX_NAME_LEN,
            "a name of ASCII letters, digits, `_` and `-`",
        ),
        _ => (
            r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$",
            MAX_NAME_LEN,
            "a name of lower-case ASCII letters, digits, `_` and `-`",
        ),
    };
    json_schema!({
        "type": "string",
        "minLength": 1,
        "maxLength": max,
        "pattern": pattern,
        "description": description,
    })
}

impl JsonSchema for Jurisdiction {
    fn schema_name() -> Cow<'static, str> {
        "Jurisdiction".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let pattern = format!("^({})(-[A-Z0-9]{{1,3}})?$", ASSIGNED.join("|"));
        json_schema!({
            "type": "string",
            "pattern": pattern,
            "description": "an assigned ISO 3166-1 alpha-2 code (`CN`), optionally with a division (`AU-NSW`)",
        })
    }
}

impl JsonSchema for JurisdictionSet {
    fn schema_name() -> Cow<'static, str> {
        "JurisdictionSet".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "array",
            "items": generator.subschema_for::<Jurisdiction>(),
            "uniqueItems": true,
            "description": "countries (ISO 3166-1 alpha-2 codes, no divisions)",
        })
    }
}

impl JsonSchema for OperationSet {
    fn schema_name() -> Cow<'static, str> {
        "OperationSet".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "array",
            "items": generator.subschema_for::<Operation>(),
            "uniqueItems": true,
        })
    }
}
