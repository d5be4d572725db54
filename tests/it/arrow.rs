//! `crossborder::arrow::evaluate_batch` decides every row as `Engine::evaluate` decides the
//! same act built with `Transfer::builder`, whatever the column encoding and the thread count;
//! bad rows are errors (never allowed), bad columns are located errors.

use std::sync::Arc;

use crossborder::arrow::arrow_array::types::Int16Type;
use crossborder::arrow::arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Int64Array, RecordBatch, StringArray,
    TimestampMillisecondArray,
};
use crossborder::arrow::{BatchOptions, evaluate_batch};
use crossborder::decision::Verdict;
use crossborder::{
    ConsentKind, DataItem, Engine, MemoryEvidence, Operation, OperationSet, Party, Role, Subject,
    Transfer,
};

use crate::support::{self, consent, j, scope, t};

/// One act of the generated log, as plain values.
#[derive(Clone, Debug)]
struct Row {
    operation: &'static str,
    destination: &'static str,
    categories: &'static str,
    collected_in: &'static str,
    subject: String,
    residence: Option<&'static str>,
    exporter: &'static str,
    exporter_established: Option<&'static str>,
    recipient: Option<&'static str>,
    role: Option<&'static str>,
    millis: i64,
}

/// A deterministic log over PIPL, the GDPR and the MHR Act: allowed, denied and unmatched acts.
fn log(n: usize) -> Vec<Row> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as usize
    };
    let ops = ["transfer", "store", "process", "remote_access"];
    let places = ["CN", "DE", "FR", "US", "SG", "AU", "JP"];
    let cats = [
        "personal.contact",
        "personal.sensitive.health",
        "personal.contact,personal.financial",
        "health_record.mhr",
    ];
    (0..n)
        .map(|i| Row {
            operation: ops[next(ops.len())],
            destination: places[next(places.len())],
            categories: cats[next(cats.len())],
            collected_in: places[next(3)],
            subject: format!("u-{}", next(40)),
            residence: [None, Some("DE"), Some("CN")][next(3)],
            exporter: ["acme", "shop"][next(2)],
            exporter_established: [None, Some("CN"), Some("DE,FR")][next(3)],
            recipient: [None, Some("cloud"), Some("vendor")][next(3)],
            role: [None, Some("processor"), Some("controller")][next(3)],
            millis: 1_772_323_200_000 + (i as i64) * 3_600_000,
        })
        .collect()
}

fn engine() -> Engine {
    support::engine(&["cn-pipl", "eu-gdpr", "au-mhr"])
}

fn store() -> MemoryEvidence {
    support::store_with((0..40).step_by(3).map(|k| {
        consent(
            &format!("c-{k}"),
            &format!("u-{k}"),
            ConsentKind::Separate,
            scope(&["personal"], "US,SG,DE", OperationSet::all()),
            t(2026, 1, 1),
        )
    }))
}

fn built(e: &Engine, r: &Row) -> Transfer {
    let mut s = Subject::new(r.subject.parse().unwrap());
    if let Some(res) = r.residence {
        s = s.resident_in(j(res));
    }
    let mut exporter = Party::new(r.exporter.parse().unwrap());
    for p in r.exporter_established.iter().flat_map(|e| e.split(',')) {
        exporter = exporter.established_in(j(p));
    }
    let mut b = Transfer::builder()
        .operation(r.operation.parse::<Operation>().unwrap())
        .destination(j(r.destination))
        .data(DataItem::of_subject(
            s,
            r.categories.split(',').map(|c| c.parse().unwrap()),
            j(r.collected_in),
        ))
        .exporter(exporter)
        .at(chrono::DateTime::from_timestamp_millis(r.millis).unwrap());
    if let Some(rec) = r.recipient {
        let mut p = Party::new(rec.parse().unwrap());
        if let Some(role) = r.role {
            p = p.with_role(role.parse::<Role>().unwrap());
        }
        b = b.recipient(p);
    }
    b.build(e).unwrap()
}

/// How a string column is encoded.
type Encode = fn(Vec<Option<&str>>) -> ArrayRef;

fn text(v: Vec<Option<&str>>) -> ArrayRef {
    Arc::new(StringArray::from(v))
}

fn dict(v: Vec<Option<&str>>) -> ArrayRef {
    Arc::new(v.into_iter().collect::<DictionaryArray<Int16Type>>())
}

fn batch(rows: &[Row], encode: Encode) -> RecordBatch {
    let col = |f: &dyn Fn(&Row) -> Option<&str>| encode(rows.iter().map(f).collect());
    RecordBatch::try_from_iter([
        ("operation", col(&|r| Some(r.operation))),
        ("destination", col(&|r| Some(r.destination))),
        ("categories", col(&|r| Some(r.categories))),
        ("collected_in", col(&|r| Some(r.collected_in))),
        ("subject", col(&|r| Some(r.subject.as_str()))),
        ("subject_residence", col(&|r| r.residence)),
        ("exporter", col(&|r| Some(r.exporter))),
        ("exporter_established", col(&|r| r.exporter_established)),
        ("recipient", col(&|r| r.recipient)),
        ("recipient_role", col(&|r| r.role)),
        (
            "at",
            Arc::new(
                TimestampMillisecondArray::from(rows.iter().map(|r| r.millis).collect::<Vec<_>>())
                    .with_timezone("UTC"),
            ) as ArrayRef,
        ),
        // A column the schema does not name: ignored.
        (
            "bytes",
            Arc::new(Int64Array::from(vec![7; rows.len()])) as ArrayRef,
        ),
    ])
    .unwrap()
}

fn strings(out: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let c = out.column_by_name(name).unwrap();
    let c = c.as_any().downcast_ref::<StringArray>().unwrap();
    (0..c.len())
        .map(|i| c.is_valid(i).then(|| c.value(i).to_owned()))
        .collect()
}

#[test]
fn every_row_is_decided_as_the_builder_decides_it() {
    let e = engine();
    let store = store();
    let rows = log(1_500);
    let expected: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let transfer = built(&e, r);
            let d = e.evaluate(&transfer, &store);
            let allowed = d.is_allowed();
            let rules: Vec<String> = d
                .rules()
                .filter(|x| allowed || matches!(x.verdict(), Verdict::Unmet | Verdict::Prohibited))
                .map(|x| format!("{}/{}", x.pack_id(), x.rule_id()))
                .collect();
            (
                if allowed { "allow" } else { "deny" }.to_owned(),
                rules.join(","),
            )
        })
        .collect();
    let allowed = expected.iter().filter(|(x, _)| x == "allow").count();
    assert!(allowed > 100 && allowed < 1_400, "a mix: {allowed} allowed");
    let encodings: [Encode; 2] = [text, dict];
    for encode in encodings {
        let b = batch(&rows, encode);
        let mut first = None;
        for threads in [1, 2, 3] {
            let out = evaluate_batch(&e, &b, &store, BatchOptions::new().threads(threads)).unwrap();
            assert_eq!(out.num_rows(), rows.len());
            let effect = strings(&out, "effect");
            let rules = strings(&out, "rules");
            let explanation = strings(&out, "explanation");
            let error = strings(&out, "error");
            for (i, (eff, rul)) in expected.iter().enumerate() {
                assert_eq!(error[i], None, "row {i}");
                assert_eq!(
                    effect[i].as_deref(),
                    Some(eff.as_str()),
                    "row {i}: {:?}",
                    rows[i]
                );
                assert_eq!(rules[i].as_deref(), Some(rul.as_str()), "row {i}");
                // Denials carry their explanation; allows do not (no `explain` column).
                assert_eq!(explanation[i].is_some(), eff == "deny", "row {i}");
            }
            // The same batch on any number of threads.
            match &first {
                None => first = Some(out),
                Some(f) => assert_eq!(f, &out, "{threads} threads"),
            }
        }
    }
}

#[test]
fn a_denial_explains_itself_and_an_allow_when_asked() {
    let e = engine();
    let rows = log(200);
    let mut b = batch(&rows, text);
    let explain: ArrayRef = Arc::new(BooleanArray::from(
        (0..rows.len()).map(|i| i % 2 == 0).collect::<Vec<_>>(),
    ));
    let mut columns = b.columns().to_vec();
    columns.push(explain);
    let mut fields: Vec<_> = b.schema().fields().iter().cloned().collect();
    fields.push(Arc::new(crossborder::arrow::arrow_schema::Field::new(
        "explain",
        crossborder::arrow::arrow_schema::DataType::Boolean,
        true,
    )));
    b = RecordBatch::try_new(
        Arc::new(crossborder::arrow::arrow_schema::Schema::new(fields)),
        columns,
    )
    .unwrap();
    let out = evaluate_batch(
        &e,
        &b,
        &MemoryEvidence::new(),
        BatchOptions::new().explain_denials(false),
    )
    .unwrap();
    let explanation = strings(&out, "explanation");
    for (i, x) in explanation.iter().enumerate() {
        assert_eq!(x.is_some(), i % 2 == 0, "row {i}");
        if let Some(json) = x {
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            assert!(v.get("effect").is_some(), "{json}");
        }
    }
}

#[test]
fn bad_rows_are_errors_never_allowed() {
    let e = engine();
    let mut rows = log(6);
    for r in &mut rows {
        // Stays in China: allowed when it can be decided.
        r.destination = "CN";
        r.collected_in = "CN";
        r.categories = "personal.contact";
        r.residence = Some("CN");
        r.exporter_established = Some("CN");
        r.recipient = None;
    }
    rows[1].destination = "XX";
    rows[2].categories = "personal.nonesuch";
    rows[3].operation = "teleport";
    rows[4].subject = "not an id!".to_owned();
    let mut b = batch(&rows, text);
    // Row 5: a null subject.
    let mut columns = b.columns().to_vec();
    let subject_at = b.schema().index_of("subject").unwrap();
    columns[subject_at] = text(
        rows.iter()
            .enumerate()
            .map(|(i, r)| (i != 5).then_some(r.subject.as_str()))
            .collect(),
    );
    let names: Vec<String> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    b = RecordBatch::try_from_iter(names.into_iter().zip(columns)).unwrap();
    let out = evaluate_batch(&e, &b, &MemoryEvidence::new(), BatchOptions::new()).unwrap();
    let effect = strings(&out, "effect");
    let error = strings(&out, "error");
    assert_eq!(effect[0].as_deref(), Some("allow"));
    assert_eq!(error[0], None);
    for (i, needle) in [
        (1, "`destination` = `XX`"),
        (2, "personal.nonesuch"),
        (3, "`operation` = `teleport`"),
        (4, "`subject` = `not an id!`"),
        (5, "`subject` is null"),
    ] {
        assert_eq!(effect[i], None, "row {i} must not be decided");
        let message = error[i].clone().unwrap_or_default();
        assert!(message.contains(needle), "row {i}: {message}");
    }
}

#[test]
fn bad_columns_are_located_errors() {
    let e = engine();
    let rows = log(3);
    let b = batch(&rows, text);
    let without = |name: &str| {
        let i = b.schema().index_of(name).unwrap();
        let mut b = b.clone();
        b.remove_column(i);
        b
    };
    // Every column `REQUIRED_COLUMNS` lists is required, and named when missing.
    for name in crossborder::arrow::REQUIRED_COLUMNS {
        let err = evaluate_batch(
            &e,
            &without(name),
            &MemoryEvidence::new(),
            BatchOptions::new(),
        )
        .unwrap_err();
        assert_eq!(err.column(), name);
        assert!(err.message().contains("missing"), "{err}");
    }
    // The optional ones are optional: the generated batch lacks some and is read.
    let optional = crossborder::arrow::OPTIONAL_COLUMNS;
    assert!(b.schema().fields().iter().all(|f| f.name() == "bytes"
        || crossborder::arrow::REQUIRED_COLUMNS.contains(&f.name().as_str())
        || optional.contains(&f.name().as_str())));
    assert!(optional.iter().any(|o| b.schema().index_of(o).is_err()));
    let err = evaluate_batch(
        &e,
        &without("at"),
        &MemoryEvidence::new(),
        BatchOptions::new(),
    )
    .unwrap_err();
    assert_eq!(err.column(), "at");
    // `at` as plain integers: which unit? Refused, not guessed.
    let mut ints = without("at");
    let mut columns = ints.columns().to_vec();
    columns.push(Arc::new(Int64Array::from(vec![0; rows.len()])));
    let mut fields: Vec<_> = ints.schema().fields().iter().cloned().collect();
    fields.push(Arc::new(crossborder::arrow::arrow_schema::Field::new(
        "at",
        crossborder::arrow::arrow_schema::DataType::Int64,
        false,
    )));
    ints = RecordBatch::try_new(
        Arc::new(crossborder::arrow::arrow_schema::Schema::new(fields)),
        columns,
    )
    .unwrap();
    let err = evaluate_batch(&e, &ints, &MemoryEvidence::new(), BatchOptions::new()).unwrap_err();
    assert_eq!(err.column(), "at");
    assert!(err.message().contains("Timestamp"), "{err}");
    // A zone other than UTC: Arrow stores UTC instants whatever zone is attached (the zone is
    // for display), so the column decides exactly as the UTC one does.
    let mut local = without("at");
    let mut columns = local.columns().to_vec();
    columns.push(Arc::new(
        TimestampMillisecondArray::from(rows.iter().map(|r| r.millis).collect::<Vec<_>>())
            .with_timezone("Asia/Shanghai"),
    ));
    let mut fields: Vec<_> = local.schema().fields().iter().cloned().collect();
    fields.push(Arc::new(crossborder::arrow::arrow_schema::Field::new(
        "at",
        columns.last().unwrap().data_type().clone(),
        false,
    )));
    local = RecordBatch::try_new(
        Arc::new(crossborder::arrow::arrow_schema::Schema::new(fields)),
        columns,
    )
    .unwrap();
    let store = MemoryEvidence::new();
    let in_utc = evaluate_batch(&e, &b, &store, BatchOptions::new()).unwrap();
    let in_shanghai = evaluate_batch(&e, &local, &store, BatchOptions::new()).unwrap();
    assert_eq!(in_shanghai, in_utc);
    // A string column of numbers.
    let i = b.schema().index_of("destination").unwrap();
    let mut columns = b.columns().to_vec();
    columns[i] = Arc::new(Int64Array::from(vec![1; rows.len()]));
    let mut fields: Vec<_> = b.schema().fields().iter().cloned().collect();
    fields[i] = Arc::new(crossborder::arrow::arrow_schema::Field::new(
        "destination",
        crossborder::arrow::arrow_schema::DataType::Int64,
        false,
    ));
    let numbers = RecordBatch::try_new(
        Arc::new(crossborder::arrow::arrow_schema::Schema::new(fields)),
        columns,
    )
    .unwrap();
    let err =
        evaluate_batch(&e, &numbers, &MemoryEvidence::new(), BatchOptions::new()).unwrap_err();
    assert_eq!(err.column(), "destination");
    // An empty batch: an empty answer.
    let out = evaluate_batch(
        &e,
        &b.slice(0, 0),
        &MemoryEvidence::new(),
        BatchOptions::new(),
    )
    .unwrap();
    assert_eq!(out.num_rows(), 0);
    assert_eq!(out.num_columns(), 4);
}
