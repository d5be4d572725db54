"""Deciding a Spark DataFrame of acts on every executor, with ``mapInArrow``.

    >>> from crossborder.spark import decide
    >>> decided = decide(df, packs=["cn-pipl", "eu-gdpr"], evidence_jsonl=snapshot)
    >>> decided.where("effect = 'deny'").groupBy("destination").count()

``df`` holds one act per row in the columns of the Arrow input schema (the README's
"Auditing a data lake": ``operation``, ``destination``, ``categories``, ``collected_in``,
``subject``, ``exporter``, ``at`` and the optional ones); other columns pass through untouched.
The result is ``df`` with four string columns appended: ``effect`` (``allow``, ``deny``, or null
when the row could not be decided), ``rules``, ``explanation`` and ``error``, exactly what
``Engine.evaluate_arrow`` (the Rust batch path) returns for the same rows.

The engine's configuration (built-in pack ids, pack texts, options) and the evidence snapshot
(JSON lines, as ``MemoryStore.import_jsonl`` reads them) are broadcast: shipped to each executor
once, not with every task. Each Python worker builds the engine and the store on its first batch
and keeps them for every later batch of the same job (Spark reuses its Python workers).

Needs classic PySpark 3.3 or later (``mapInArrow``, broadcast variables; not Spark Connect) and
pyarrow on the executors, with this package installed there (``pip install crossborder`` in the
executors' environment, or ``--archives`` with a packed environment: see the README).
"""

import hashlib
import json
from typing import Any, Dict, Iterator, Mapping, Optional, Sequence, Tuple

from ._native import Engine, MemoryStore

#: The columns ``decide`` appends, in order.
DECISION_COLUMNS = ("effect", "rules", "explanation", "error")

# Per Python worker process: the engine and store of each configuration seen, by digest.
_BUILT: Dict[str, Tuple[Engine, MemoryStore]] = {}


def configuration(
    packs: Sequence[str] = (),
    pack_texts: Sequence[str] = (),
    options: Optional[Mapping[str, bool]] = None,
    evidence_jsonl: str = "",
    require_stated_facts: bool = False,
) -> str:
    """The engine's configuration and the evidence snapshot, as one JSON text (what is
    shipped). Checked here, on the driver: a bad pack or a bad evidence line fails before any
    task runs."""
    config = {
        "packs": list(packs),
        "pack_texts": list(pack_texts),
        "options": dict(options or {}),
        "require_stated_facts": bool(require_stated_facts),
        "evidence_jsonl": evidence_jsonl,
    }
    text = json.dumps(config, sort_keys=True)
    _built(text)
    return text


def _built(text: str) -> Tuple[Engine, MemoryStore]:
    """The engine and store of a configuration, built once per process."""
    key = hashlib.sha256(text.encode()).hexdigest()
    if key not in _BUILT:
        config = json.loads(text)
        engine = Engine(
            packs=config["packs"],
            pack_texts=config["pack_texts"],
            options=config["options"],
            require_stated_facts=config["require_stated_facts"],
        )
        store = MemoryStore(engine)
        if config["evidence_jsonl"]:
            store.import_jsonl(config["evidence_jsonl"])
        _BUILT[key] = (engine, store)
    return _BUILT[key]


def decide(
    df: Any,
    *,
    packs: Sequence[str] = (),
    pack_texts: Sequence[str] = (),
    options: Optional[Mapping[str, bool]] = None,
    evidence_jsonl: str = "",
    require_stated_facts: bool = False,
    explain_denials: bool = True,
    threads: int = 1,
) -> Any:
    """``df`` (a ``pyspark.sql.DataFrame`` of acts) with the columns ``effect``, ``rules``,
    ``explanation`` and ``error`` appended, decided on the executors.

    ``threads``: threads per task (default 1: Spark already runs one task per core).
    Raises ``ValueError`` if ``df`` already has one of those columns, and ``CrossborderError``
    (on the driver) for a bad pack, option or evidence line.
    """
    from pyspark.sql.types import StringType, StructField, StructType

    clash = [c for c in DECISION_COLUMNS if c in df.columns]
    if clash:
        raise ValueError(
            f"the DataFrame already has column(s) {clash}: rename them, decide() appends "
            f"{list(DECISION_COLUMNS)}"
        )
    if threads < 1:
        raise ValueError("threads must be at least 1")
    shipped = df.sparkSession.sparkContext.broadcast(
        configuration(packs, pack_texts, options, evidence_jsonl, require_stated_facts)
    )
    schema = StructType(
        list(df.schema.fields) + [StructField(c, StringType(), True) for c in DECISION_COLUMNS]
    )
    # Spark hands strings to Python, and reads them back, as large strings when this setting
    # is on (the default from Spark 4): the appended columns must match.
    large = (
        df.sparkSession.conf.get("spark.sql.execution.arrow.useLargeVarTypes", "false").lower()
        == "true"
    )

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        engine, store = _built(shipped.value)
        target: Optional[Any] = None
        for batch in batches:
            out = engine.evaluate_arrow(
                batch, store, threads=threads, explain_denials=explain_denials
            )
            joined = pa.RecordBatch.from_arrays(
                batch.columns + out.columns, names=batch.schema.names + out.schema.names
            )
            if target is None:
                string = pa.large_string() if large else pa.string()
                target = pa.schema(
                    list(batch.schema) + [pa.field(c, string, True) for c in DECISION_COLUMNS]
                )
            yield joined.cast(target) if joined.schema != target else joined

    return df.mapInArrow(run, schema)


__all__ = ["DECISION_COLUMNS", "configuration", "decide"]
