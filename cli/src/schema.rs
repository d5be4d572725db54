//! `crossborder schema`: the JSON Schema of a format, from the library's types.

use clap::Args;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use crossborder::schema::{Kind, generate};

use crate::{Exit, Outcome};

#[derive(Args, Debug)]
pub(crate) struct SchemaArgs {
    /// Which format.
    #[arg(value_parser = kinds())]
    kind: Kind,
}

/// The library's schema kinds as values of the argument, each with its description.
fn kinds() -> impl TypedValueParser<Value = Kind> {
    PossibleValuesParser::new(Kind::ALL.map(|k| PossibleValue::new(k.as_str()).help(k.describe())))
        .try_map(|s| s.parse::<Kind>())
}

pub(crate) fn run(args: &SchemaArgs) -> Outcome {
    crate::outln!(
        "{}",
        serde_json::to_string_pretty(&generate(args.kind)).unwrap_or_default()
    );
    Ok(Exit::Ok)
}
