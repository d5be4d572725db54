//! crossborder's decisions inside SQL: the `crossborder_decide` scalar function for
//! [DataFusion](https://datafusion.apache.org).
//!
//! ```sql
//! SELECT transfer_id, d.effect, d.rules
//! FROM (SELECT transfer_id, crossborder_decide(operation, destination, categories,
//!                                              collected_in, subject, exporter, at) AS d
//!       FROM 'access_log.parquet')
//! WHERE d.effect = 'deny'
//! ```
//!
//! [`register`] adds the function to a [`SessionContext`], bound to one compiled [`Engine`] and
//! one evidence snapshot (shared, never copied per batch). Build the context from
//! [`session_state`] when a query reads several fields of the result (`d['effect']` and
//! `d['rules']`): DataFusion 55's default optimizer copies the call once per field read, and
//! each copy decides every row again (the example's audit query: 11 s rather than 30 s over ten
//! million acts). Every batch DataFusion hands the
//! function is decided by [`crossborder::arrow::evaluate_batch`]: the same code, so the same
//! decisions, as the Arrow path in Rust and `Engine.evaluate_arrow` in Python.
//!
//! # Arguments
//!
//! Two forms:
//!
//! - **seven arguments**, the required columns in this order: `operation`, `destination`,
//!   `categories`, `collected_in`, `subject`, `exporter`, `at` (strings, dictionary-encoded or
//!   not; `at` a timestamp, or a string DataFusion casts to one, such as
//!   `'2026-03-01T00:00:00Z'`);
//! - **one struct** whose field names are the columns of [`crossborder::arrow`]'s input schema,
//!   built with `named_struct`, so that the optional columns (subject facts, recipient,
//!   purposes, tags, transfer id, `explain`) can be given too:
//!   `crossborder_decide(named_struct('operation', operation, …, 'recipient', recipient))`.
//!   A field the schema does not name is refused at planning (a misspelt optional column would
//!   otherwise be ignored silently).
//!
//! # Result
//!
//! A struct with the fields `effect`, `rules`, `explanation` and `error` (all strings, the
//! columns [`crossborder::arrow::evaluate_batch`] documents): `d.effect` is `'allow'` or
//! `'deny'`, or null with `d.error` saying why the row could not be decided. A row that cannot
//! be decided is never allowed. A NULL struct is such a row.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use crossborder::{Engine, MemoryEvidence};
//! use datafusion::execution::session_state::SessionStateBuilder;
//! use datafusion::prelude::SessionContext;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Arc::new(Engine::builder().enable("cn-pipl").build()?);
//! let ctx = SessionContext::new_with_state(crossborder_datafusion::session_state(
//!     SessionStateBuilder::new(),
//! ));
//! crossborder_datafusion::register(&ctx, engine, Arc::new(MemoryEvidence::new()));
//! let df = ctx
//!     .sql(
//!         "SELECT crossborder_decide('transfer', 'US', 'personal.sensitive.health', 'CN', \
//!          'u-1', 'acme-cn', '2026-03-01T00:00:00Z')['effect'] AS effect",
//!     )
//!     .await?;
//! let text = datafusion::arrow::util::pretty::pretty_format_batches(&df.collect().await?)?;
//! assert!(text.to_string().contains("deny")); // sensitive data out of China, no consent
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crossborder::arrow::{BatchOptions, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, evaluate_batch};
use crossborder::{Engine, Evidence};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, RecordBatch, RecordBatchOptions, StringArray, StructArray,
};
use datafusion::arrow::compute::kernels::zip::zip;
use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, TimeUnit};
use datafusion::common::{DataFusionError, Result, exec_err, plan_err};
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::optimizer::Optimizer;
use datafusion::prelude::SessionContext;

/// The function's SQL name.
pub const NAME: &str = "crossborder_decide";

/// The evidence a function reads: any store, shared.
pub type SharedEvidence = Arc<dyn Evidence + Send + Sync>;

/// Adds `crossborder_decide` to `ctx`, deciding with `engine` against `evidence` (denials
/// explained). For other settings, register a [`Decide`] built by hand.
pub fn register(ctx: &SessionContext, engine: Arc<Engine>, evidence: SharedEvidence) {
    ctx.register_udf(Decide::new(engine, evidence).into_udf());
}

/// The optimizer rules that, in DataFusion 55, copy a struct field access and the expression
/// under it into every node that reads a field: with them, a query reading both `d['effect']`
/// and `d['rules']` of `d = crossborder_decide(…)` decides every row twice.
pub const DUPLICATING_RULES: [&str; 2] = ["extract_leaf_expressions", "push_down_leaf_projections"];

/// A session state with DataFusion's default features and optimizer, minus
/// [`DUPLICATING_RULES`]: `crossborder_decide` then runs once per row however many of its fields
/// a query reads (`SessionContext::new_with_state(session_state(SessionStateBuilder::new()))`).
#[must_use]
pub fn session_state(builder: SessionStateBuilder) -> SessionState {
    let rules = Optimizer::new()
        .rules
        .into_iter()
        .filter(|r| !DUPLICATING_RULES.contains(&r.name()))
        .collect();
    builder
        .with_default_features()
        .with_optimizer_rules(rules)
        .build()
}

/// The `crossborder_decide` function: an engine and an evidence snapshot, shared by every
/// partition DataFusion runs.
///
/// Two functions are equal when they share the same engine and store (the same `Arc`s) and
/// settings.
#[derive(Clone)]
pub struct Decide {
    engine: Arc<Engine>,
    evidence: SharedEvidence,
    explain_denials: bool,
    signature: Signature,
}

impl Decide {
    /// The function over `engine` and `evidence`, explaining denials.
    #[must_use]
    pub fn new(engine: Arc<Engine>, evidence: SharedEvidence) -> Self {
        Decide {
            engine,
            evidence,
            explain_denials: true,
            // Volatile, although a row decides alike against the same evidence: it keeps the
            // optimizer from copying the call into other plan nodes (filters pushed down, common
            // subexpressions), where each copy would decide every row again, and from folding
            // it at planning against evidence that may change before the query runs.
            signature: Signature::user_defined(Volatility::Volatile),
        }
    }

    /// Whether denied rows get their JSON explanation in `explanation` (default: yes). An
    /// audit over millions of rows that only counts denials runs faster without.
    #[must_use]
    pub fn explain_denials(mut self, explain: bool) -> Self {
        self.explain_denials = explain;
        self
    }

    /// The function, ready for [`SessionContext::register_udf`].
    #[must_use]
    pub fn into_udf(self) -> ScalarUDF {
        ScalarUDF::new_from_impl(self)
    }
}

impl fmt::Debug for Decide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decide")
            .field(
                "engine",
                &format_args!("{:016x}", self.engine.fingerprint()),
            )
            .field("explain_denials", &self.explain_denials)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Decide {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.engine, &other.engine)
            && std::ptr::addr_eq(Arc::as_ptr(&self.evidence), Arc::as_ptr(&other.evidence))
            && self.explain_denials == other.explain_denials
    }
}

impl Eq for Decide {}

impl Hash for Decide {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.engine.fingerprint().hash(state);
        self.explain_denials.hash(state);
    }
}

/// The result's struct fields: the Arrow path's output columns.
fn output_fields() -> Fields {
    crossborder::arrow::output_schema().fields().clone()
}

/// Whether `t` is a string type the Arrow path reads (plain, large, view, or a dictionary of
/// those).
fn is_string(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_string(v),
        _ => false,
    }
}

/// The usage line every argument error ends with.
const USAGE: &str = "call crossborder_decide(operation, destination, categories, collected_in, \
                     subject, exporter, at), or crossborder_decide(named_struct('operation', …, \
                     'at', …)) to give optional columns too";

/// The closest known column name to `name`, for a did-you-mean hint.
fn closest(name: &str) -> Option<&'static str> {
    REQUIRED_COLUMNS
        .iter()
        .chain(OPTIONAL_COLUMNS.iter())
        .map(|known| (strsim::levenshtein(name, known), *known))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, known)| known)
}

/// The types the struct form's fields are checked against at planning.
fn check_struct(fields: &Fields) -> Result<()> {
    for f in fields {
        let name = f.name().as_str();
        if !REQUIRED_COLUMNS.contains(&name) && !OPTIONAL_COLUMNS.contains(&name) {
            let hint = closest(name).map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
            return plan_err!(
                "{NAME}: the act has a field `{name}`, which is no input column{hint}; the \
                 columns are {} (required) and {} (optional)",
                REQUIRED_COLUMNS.join(", "),
                OPTIONAL_COLUMNS.join(", ")
            );
        }
    }
    for required in REQUIRED_COLUMNS {
        if fields.find(required).is_none() {
            return plan_err!(
                "{NAME}: the act has no field `{required}`, which every act needs (required: \
                 {}); {USAGE}",
                REQUIRED_COLUMNS.join(", ")
            );
        }
    }
    Ok(())
}

impl ScalarUDFImpl for Decide {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(output_fields()))
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::Struct(fields)] => {
                check_struct(fields)?;
                Ok(arg_types.to_vec())
            }
            [other] => {
                plan_err!("{NAME}: a single argument must be a struct, not {other}; {USAGE}")
            }
            _ if arg_types.len() == REQUIRED_COLUMNS.len() => REQUIRED_COLUMNS
                .iter()
                .zip(arg_types)
                .map(|(name, t)| match (*name, t) {
                    (_, DataType::Null) if *name != "at" => Ok(DataType::Utf8),
                    ("at", DataType::Timestamp(..)) => Ok(t.clone()),
                    ("at", DataType::Null | DataType::Date32 | DataType::Date64) => Ok(
                        DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                    ),
                    ("at", s) if is_string(s) => Ok(DataType::Timestamp(
                        TimeUnit::Nanosecond,
                        Some("UTC".into()),
                    )),
                    ("at", other) => plan_err!(
                        "{NAME}: argument `at` is {other}; expected a timestamp (or an RFC 3339 \
                         string); {USAGE}"
                    ),
                    (_, s) if is_string(s) => Ok(t.clone()),
                    (_, other) => plan_err!(
                        "{NAME}: argument `{name}` is {other}; expected a string; {USAGE}"
                    ),
                })
                .collect(),
            _ => plan_err!(
                "{NAME}: takes 7 arguments or one struct, not {}; {USAGE}",
                arg_types.len()
            ),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        // Constant arguments (literals) become columns of the batch's length.
        let arrays = args
            .args
            .iter()
            .map(|a| a.to_array_of_size(rows))
            .collect::<Result<Vec<ArrayRef>>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        // The rows that hold no act at all (a NULL struct): never decided, never allowed.
        let mut absent = None;
        let batch = match arrays.as_slice() {
            [one] => {
                let Some(acts) = one.as_struct_opt() else {
                    return exec_err!("{NAME}: the single argument is not a struct; {USAGE}");
                };
                let (fields, columns, nulls) = acts.clone().into_parts();
                absent = nulls.filter(|n| n.null_count() > 0);
                RecordBatch::try_new_with_options(Arc::new(Schema::new(fields)), columns, &options)?
            }
            many => {
                let fields: Vec<Field> = REQUIRED_COLUMNS
                    .iter()
                    .zip(many)
                    .map(|(name, a)| Field::new(*name, a.data_type().clone(), true))
                    .collect();
                RecordBatch::try_new_with_options(
                    Arc::new(Schema::new(fields)),
                    many.to_vec(),
                    &options,
                )?
            }
        };
        let decided = evaluate_batch(
            &self.engine,
            &batch,
            &*self.evidence,
            BatchOptions::new()
                .threads(1) // DataFusion runs partitions in parallel already
                .explain_denials(self.explain_denials),
        )
        .map_err(|e| DataFusionError::Execution(format!("{NAME}: {e}; {USAGE}")))?;
        let mut columns = decided.columns().to_vec();
        if let Some(present) = absent {
            // effect, rules, explanation: null where no act; error: say so.
            let present = datafusion::arrow::array::BooleanArray::new(present.into_inner(), None);
            let null = StringArray::new_null(1);
            let null = datafusion::arrow::array::Scalar::new(&null);
            let message = StringArray::from(vec![
                "the act is NULL (the struct given to crossborder_decide); a row that cannot \
                 be decided is not allowed",
            ]);
            let message = datafusion::arrow::array::Scalar::new(&message);
            columns = columns
                .iter()
                .enumerate()
                .map(|(i, c)| -> Result<ArrayRef> {
                    let else_ = if i == 3 { &message } else { &null };
                    Ok(zip(&present, c, else_)?)
                })
                .collect::<Result<_>>()?;
        }
        Ok(ColumnarValue::Array(Arc::new(StructArray::try_new(
            output_fields(),
            columns,
            None,
        )?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_column_gets_the_closest_name() {
        assert_eq!(closest("destinaton"), Some("destination"));
        assert_eq!(closest("purpose"), Some("purposes"));
        assert_eq!(closest("zzzzzzzzzzzz"), None);
    }
}
