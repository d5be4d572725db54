//! `crossborder._native`: the Python classes over the Rust library (PyO3, abi3). The Python
//! package `crossborder` re-exports them; `crossborder/_native.pyi` types them.

use std::collections::HashMap;
use std::path::PathBuf;

use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table, ToPyArrow};
use crossborder::arrow::arrow_array::RecordBatch;
use crossborder::arrow::{BatchError, BatchOptions, evaluate_batch};
use crossborder::evidence::{DurableEvidence, EvidenceSet};
use crossborder::report::DecisionReport;
use crossborder::{
    Approval, Consent, Evidence, MemoryEvidence, NoEvidence, PackLoader, TransferBuilder,
};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    _native,
    CrossborderError,
    PyException,
    "A crossborder error: `str(e)` is the located message, `e.kind` a stable name."
);

/// An error raised as `CrossborderError(message, kind)`.
fn error(kind: &str, message: impl Into<String>) -> PyErr {
    CrossborderError::new_err((message.into(), kind.to_owned()))
}

/// The stable kind name of a library error.
fn kind_of(e: &crossborder::Error) -> &'static str {
    match e {
        crossborder::Error::Model(_) => "invalid_input",
        crossborder::Error::Pack(_) => "invalid_pack",
        crossborder::Error::Build(_) => "invalid_engine",
        crossborder::Error::Transfer(_) => "invalid_transfer",
        crossborder::Error::Store(_) => "store",
        _ => "error",
    }
}

fn from_crossborder(e: impl Into<crossborder::Error>) -> PyErr {
    let e: crossborder::Error = e.into();
    error(kind_of(&e), e.to_string())
}

/// JSON text of a `dict` (through Python's `json.dumps`) or of a `str` taken as JSON.
fn json_text(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = obj.extract::<String>() {
        return Ok(s);
    }
    let dumps = obj.py().import("json")?.getattr("dumps")?;
    dumps
        .call1((obj,))
        .and_then(|s| s.extract::<String>())
        .map_err(|e| error("invalid_json", format!("not JSON-serialisable: {e}")))
}

/// A Python value (dicts, lists) from JSON text, through `json.loads`.
fn from_json<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.getattr("loads")?.call1((text,))
}

/// An instant: an RFC 3339 string, or an aware `datetime` (its `isoformat()`).
fn instant(
    obj: &Bound<'_, PyAny>,
) -> PyResult<crossborder::chrono::DateTime<crossborder::chrono::Utc>> {
    let text = match obj.extract::<String>() {
        Ok(s) => s,
        Err(_) => obj.call_method0("isoformat")?.extract::<String>()?,
    };
    text.parse().map_err(|_| {
        error(
            "invalid_input",
            format!("`{text}` is not an RFC 3339 instant with a time zone, such as `2026-03-01T00:00:00Z`"),
        )
    })
}

/// A compiled engine: built-in packs by id, options, and packs from files or texts.
#[pyclass(frozen, module = "crossborder._native")]
struct Engine {
    inner: crossborder::Engine,
}

/// The evidence an evaluation reads.
enum Held<'py> {
    Memory(PyRef<'py, MemoryStore>),
    Durable(PyRef<'py, DurableStore>),
    Nothing,
}

impl Held<'_> {
    fn of<'py>(obj: Option<&Bound<'py, PyAny>>) -> PyResult<Held<'py>> {
        let Some(obj) = obj.filter(|o| !o.is_none()) else {
            return Ok(Held::Nothing);
        };
        if let Ok(m) = obj.extract::<PyRef<'py, MemoryStore>>() {
            return Ok(Held::Memory(m));
        }
        if let Ok(d) = obj.extract::<PyRef<'py, DurableStore>>() {
            return Ok(Held::Durable(d));
        }
        Err(error(
            "invalid_input",
            "`evidence` must be a MemoryStore, a DurableStore or None",
        ))
    }

    fn evidence(&self) -> &(dyn Evidence + Sync) {
        match self {
            Held::Memory(m) => &m.inner,
            Held::Durable(d) => &d.inner,
            Held::Nothing => &NoEvidence,
        }
    }
}

/// A pyarrow object that could not be read as Arrow data.
fn arrow_input(e: &PyErr) -> PyErr {
    error(
        "invalid_input",
        format!("`data` is not readable Arrow data: {e}"),
    )
}

/// Decides one act given as JSON text: prepare, evaluate, explain.
fn decide(
    engine: &crossborder::Engine,
    json: &str,
    evidence: &(dyn Evidence + Sync),
) -> Result<DecisionReport, PyErr> {
    let t = TransferBuilder::from_json_str(json)
        .map_err(from_crossborder)?
        .build(engine)
        .map_err(from_crossborder)?;
    Ok(engine.evaluate(&t, evidence).explain(evidence))
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (packs=None, options=None, pack_files=None, pack_texts=None, require_stated_facts=false))]
    fn new(
        packs: Option<Vec<String>>,
        options: Option<HashMap<String, bool>>,
        pack_files: Option<Vec<PathBuf>>,
        pack_texts: Option<Vec<String>>,
        require_stated_facts: bool,
    ) -> PyResult<Self> {
        let mut builder = crossborder::Engine::builder().require_stated_facts(require_stated_facts);
        for id in packs.unwrap_or_default() {
            builder = builder.enable(&id);
        }
        for path in pack_files.unwrap_or_default() {
            builder = builder.pack(
                PackLoader::new()
                    .load_path(&path)
                    .map_err(from_crossborder)?,
            );
        }
        for (i, text) in pack_texts.unwrap_or_default().iter().enumerate() {
            let loader = PackLoader::new().file_name(format!("pack_texts[{i}]"));
            let pack = if text.trim_start().starts_with('{') {
                loader.load_json(text)
            } else {
                loader.load_toml(text)
            };
            builder = builder.pack(pack.map_err(from_crossborder)?);
        }
        let mut options: Vec<(String, bool)> = options.unwrap_or_default().into_iter().collect();
        options.sort();
        for (name, value) in options {
            let (pack, option) = name.split_once('.').ok_or_else(|| {
                error(
                    "invalid_engine",
                    format!("option `{name}` is not `pack.option`"),
                )
            })?;
            builder = builder.option(pack, option, value);
        }
        Ok(Engine {
            inner: builder.build().map_err(from_crossborder)?,
        })
    }

    /// Decides one act (a dict, or a JSON string) against `evidence` (a store, or None).
    #[pyo3(signature = (transfer, evidence=None))]
    fn evaluate(
        &self,
        transfer: &Bound<'_, PyAny>,
        evidence: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Decision> {
        let json = json_text(transfer)?;
        let held = Held::of(evidence)?;
        Ok(Decision::new(decide(&self.inner, &json, held.evidence())?))
    }

    /// Decides many acts, in order, with the GIL released while deciding.
    #[pyo3(signature = (transfers, evidence=None))]
    fn evaluate_many(
        &self,
        py: Python<'_>,
        transfers: Vec<Bound<'_, PyAny>>,
        evidence: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Decision>> {
        let texts = transfers
            .iter()
            .map(json_text)
            .collect::<PyResult<Vec<String>>>()?;
        let held = Held::of(evidence)?;
        let store = held.evidence();
        let engine = &self.inner;
        let outcomes: Vec<Result<DecisionReport, (usize, crossborder::Error)>> = py.detach(|| {
            texts
                .iter()
                .enumerate()
                .map(|(i, json)| {
                    let t = TransferBuilder::from_json_str(json)
                        .map_err(|e| (i, e.into()))?
                        .build(engine)
                        .map_err(|e| (i, e.into()))?;
                    Ok(engine.evaluate(&t, store).explain(store))
                })
                .collect()
        });
        outcomes
            .into_iter()
            .map(|o| {
                o.map(Decision::new)
                    .map_err(|(i, e)| error(kind_of(&e), format!("transfers[{i}]: {e}")))
            })
            .collect()
    }

    /// Decides every row of an Arrow batch of acts (`crossborder::arrow`'s column schema):
    /// a `pyarrow.RecordBatch` gives a `pyarrow.RecordBatch` of `effect`, `rules`,
    /// `explanation` and `error`, row for row; a `pyarrow.Table` (or any object with
    /// `__arrow_c_stream__`) gives a `pyarrow.Table`. Columns cross through the Arrow C data
    /// interface without copying; the GIL is released while deciding, on `threads` threads
    /// (default: one per core).
    #[pyo3(signature = (data, evidence=None, *, threads=None, explain_denials=true))]
    fn evaluate_arrow<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        evidence: Option<&Bound<'py, PyAny>>,
        threads: Option<usize>,
        explain_denials: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let held = Held::of(evidence)?;
        let store = held.evidence();
        let threads = match threads {
            Some(0) => return Err(error("invalid_input", "`threads` must be at least 1")),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, usize::from),
        };
        let options = BatchOptions::new()
            .threads(threads)
            .explain_denials(explain_denials);
        let engine = &self.inner;
        let decide_all =
            |batches: &[RecordBatch]| -> Result<Vec<RecordBatch>, (usize, BatchError)> {
                batches
                    .iter()
                    .enumerate()
                    .map(|(i, b)| evaluate_batch(engine, b, store, options).map_err(|e| (i, e)))
                    .collect()
            };
        let batch_error = |(i, e): (usize, BatchError), many: bool| {
            let at = if many {
                format!("batch {i}: ")
            } else {
                String::new()
            };
            error(
                "invalid_input",
                format!("{at}{e}: see the input columns in the README's \"Auditing a data lake\""),
            )
        };
        if data.hasattr("__arrow_c_array__")? {
            let batch = RecordBatch::from_pyarrow_bound(data).map_err(|e| arrow_input(&e))?;
            let out = py
                .detach(|| decide_all(std::slice::from_ref(&batch)))
                .map_err(|e| batch_error(e, false))?;
            return out.into_iter().next().map_or_else(
                || Err(error("error", "no output batch")),
                |b| b.to_pyarrow(py),
            );
        }
        if data.hasattr("__arrow_c_stream__")? {
            let table = Table::from_pyarrow_bound(data).map_err(|e| arrow_input(&e))?;
            let (batches, _) = table.into_inner();
            let out = py
                .detach(|| decide_all(&batches))
                .map_err(|e| batch_error(e, true))?;
            let table = Table::try_new(out, crossborder::arrow::output_schema())
                .map_err(|e| error("error", e.to_string()))?;
            return table.into_pyarrow(py);
        }
        Err(error(
            "invalid_input",
            format!(
                "`data` must be a pyarrow.RecordBatch or pyarrow.Table (an object with \
                 `__arrow_c_array__` or `__arrow_c_stream__`), not {}",
                data.get_type().name()?
            ),
        ))
    }

    /// The engine's fingerprint (16 hex digits), as decision reports carry it.
    #[getter]
    fn fingerprint(&self) -> String {
        format!("{:016x}", self.inner.fingerprint())
    }

    /// The packs: `(id, version, sha256)` each.
    fn packs(&self) -> Vec<(String, String, String)> {
        self.inner
            .packs()
            .map(|p| (p.id, p.version, p.sha256))
            .collect()
    }

    fn __repr__(&self) -> String {
        let ids: Vec<String> = self.inner.packs().map(|p| p.id).collect();
        format!("Engine(packs={ids:?})")
    }
}

/// A decision: its effect, the rules that applied, what is missing, and its explanation.
#[pyclass(frozen, module = "crossborder._native")]
struct Decision {
    report: DecisionReport,
    json: String,
}

impl Decision {
    fn new(report: DecisionReport) -> Self {
        let json = serde_json::to_string(&report).unwrap_or_default();
        Decision { report, json }
    }
}

#[pymethods]
impl Decision {
    /// Whether the act may go ahead.
    #[getter]
    fn allowed(&self) -> bool {
        self.report.effect == crossborder::Effect::Allow
    }

    /// `"allow"` or `"deny"`.
    #[getter]
    fn effect(&self) -> &'static str {
        if self.allowed() { "allow" } else { "deny" }
    }

    /// Every applicable rule, as dicts (pack, rule, cite, summary, verdict, alternative,
    /// evidence, obligations, missing).
    #[getter]
    fn rules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(
            py,
            &serde_json::to_string(&self.report.rules).unwrap_or_default(),
        )
    }

    /// For each unmet rule, what would make it hold: `{"rule": "pack/rule", "alternatives":
    /// [{"alternative", "missing": [text, …]}]}`.
    #[getter]
    fn missing<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let sets: Vec<serde_json::Value> = self
            .report
            .rules
            .iter()
            .filter(|r| !r.missing.is_empty())
            .map(|r| {
                serde_json::json!({
                    "rule": format!("{}/{}", r.pack, r.rule),
                    "alternatives": r.missing.iter().map(|m| serde_json::json!({
                        "alternative": m.alternative,
                        "missing": m.missing.iter().map(|i| i.text.clone()).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        from_json(py, &serde_json::Value::from(sets).to_string())
    }

    /// The explained report as a dict (its JSON form).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(py, &self.json)
    }

    /// The explained report as JSON.
    fn to_json(&self) -> String {
        self.json.clone()
    }

    fn __str__(&self) -> String {
        self.report.to_string()
    }

    fn __repr__(&self) -> String {
        let rules: Vec<String> = self
            .report
            .deciding_rules()
            .map(|r| format!("{}/{}", r.pack, r.rule))
            .collect();
        format!("<Decision {}: {}>", self.effect(), rules.join(", "))
    }
}

/// The writes both stores offer, over their `inner` store.
macro_rules! store_methods {
    ($t:ty, { $($constructor:tt)* }) => {
        #[pymethods]
        impl $t {
            $($constructor)*

            /// Records a consent (a dict, or JSON).
            fn grant(&self, consent: &Bound<'_, PyAny>) -> PyResult<()> {
                let c = Consent::from_json_str(&json_text(consent)?).map_err(from_crossborder)?;
                self.inner.grant(c).map_err(from_crossborder)
            }

            /// Records that consent `consent_id` was withdrawn at `at`.
            fn withdraw(&self, consent_id: &str, at: &Bound<'_, PyAny>) -> PyResult<()> {
                let id = consent_id.parse().map_err(from_crossborder)?;
                self.inner
                    .withdraw(&id, instant(at)?)
                    .map_err(from_crossborder)
            }

            /// Records an approval (a dict, or JSON).
            fn add_approval(&self, approval: &Bound<'_, PyAny>) -> PyResult<()> {
                let a = Approval::from_json_str(&json_text(approval)?).map_err(from_crossborder)?;
                self.inner.add_approval(a).map_err(from_crossborder)
            }

            /// Records that approval `approval_id` was revoked at `at`.
            fn revoke_approval(&self, approval_id: &str, at: &Bound<'_, PyAny>) -> PyResult<()> {
                let id = approval_id.parse().map_err(from_crossborder)?;
                self.inner
                    .revoke_approval(&id, instant(at)?)
                    .map_err(from_crossborder)
            }

            /// Records evidence given as JSON lines, all or nothing.
            fn import_jsonl(&self, text: &str) -> PyResult<()> {
                let set = EvidenceSet::from_json_lines(text).map_err(from_crossborder)?;
                self.inner.import(&set).map_err(from_crossborder)
            }

            /// Records an executed act (a dict, or JSON) in the volume ledger.
            fn record(&self, engine: &Engine, transfer: &Bound<'_, PyAny>) -> PyResult<()> {
                let t = TransferBuilder::from_json_str(&json_text(transfer)?)
                    .map_err(from_crossborder)?
                    .build(&engine.inner)
                    .map_err(from_crossborder)?;
                self.inner
                    .record(&engine.inner, &t)
                    .map(drop)
                    .map_err(from_crossborder)
            }

            /// The consents of data subject `subject`, as dicts.
            fn consents_of<'py>(
                &self,
                py: Python<'py>,
                subject: &str,
            ) -> PyResult<Bound<'py, PyAny>> {
                let id = subject.parse().map_err(from_crossborder)?;
                from_json(
                    py,
                    &serde_json::to_string(&self.inner.consents_of(&id)).unwrap_or_default(),
                )
            }
        }
    };
}

/// An evidence store in memory; bound to `engine` (when given), it refuses evidence naming
/// what the engine's packs do not declare.
#[pyclass(frozen, module = "crossborder._native")]
struct MemoryStore {
    inner: MemoryEvidence,
}

store_methods!(MemoryStore, {
    #[new]
    #[pyo3(signature = (engine=None))]
    fn new(engine: Option<&Engine>) -> Self {
        let inner = MemoryEvidence::new();
        MemoryStore {
            inner: match engine {
                Some(e) => inner.checked_by(e.inner.clone()),
                None => inner,
            },
        }
    }
});

/// A durable evidence store in file `path` (created when absent): every write is on disk
/// before the call returns.
#[pyclass(frozen, module = "crossborder._native")]
struct DurableStore {
    inner: DurableEvidence,
}

store_methods!(DurableStore, {
    #[new]
    #[pyo3(signature = (path, engine=None))]
    fn new(path: PathBuf, engine: Option<&Engine>) -> PyResult<Self> {
        let inner = DurableEvidence::open(&path).map_err(from_crossborder)?;
        Ok(DurableStore {
            inner: match engine {
                Some(e) => inner.checked_by(e.inner.clone()),
                None => inner,
            },
        })
    }
});

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_class::<Decision>()?;
    m.add_class::<MemoryStore>()?;
    m.add_class::<DurableStore>()?;
    m.add("CrossborderError", m.py().get_type::<CrossborderError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
