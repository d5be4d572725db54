"""Engine.evaluate_arrow: pyarrow batches and tables in and out, every row decided as
Engine.evaluate decides the same act given as JSON; bad input is a located error, a bad row an
error cell (never an allow)."""

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

if os.environ.get("CROSSBORDER_REQUIRE_ARROW") == "1":  # CI: fail, never skip, without pyarrow
    import pyarrow as pa
else:
    pa = pytest.importorskip("pyarrow")

from crossborder import CrossborderError, Engine, MemoryStore  # noqa: E402

ACME = Path(__file__).resolve().parents[2] / "examples" / "acme"
PACKS = ["cn-pipl", "eu-gdpr", "uk-gdpr", "ch-fadp", "in-dpdp", "kr-pipa", "ru-152fz"]


def acme():
    engine = Engine(packs=PACKS, pack_files=[ACME / "acme.toml"])
    store = MemoryStore(engine)
    store.import_jsonl((ACME / "evidence.jsonl").read_text())
    acts = [json.loads(line) for line in (ACME / "acts.jsonl").read_text().splitlines()]
    # The Arrow schema carries no certifications: compare the acts without them.
    for a in acts:
        a.get("recipient", {}).pop("certifications", None)
    return engine, store, acts


def joined(xs):
    return ",".join(xs) if xs else None


def columns(acts, explain=True):
    """The acts as the Arrow input schema's columns."""
    one = [a["data"]["individuals"]["one"] for a in acts]
    recipient = [a.get("recipient") or {} for a in acts]
    cols = {
        "operation": [a["operation"] for a in acts],
        "destination": [a["destination"] for a in acts],
        "categories": [joined(a["data"]["categories"]) for a in acts],
        "collected_in": [a["data"]["collected_in"] for a in acts],
        "subject": [s["id"] for s in one],
        "subject_residence": [s.get("residence") for s in one],
        "subject_location": [s.get("located_at_collection") for s in one],
        "exporter": [a["exporter"]["id"] for a in acts],
        "exporter_established": [joined(a["exporter"].get("established_in")) for a in acts],
        "recipient": [r.get("id") for r in recipient],
        "recipient_established": [joined(r.get("established_in")) for r in recipient],
        "recipient_role": [r.get("role") for r in recipient],
        "purposes": [joined(a.get("purposes")) for a in acts],
        "tags": [joined(a.get("tags")) for a in acts],
        "transfer_id": [a["id"] for a in acts],
    }
    arrays = {k: pa.array(v, pa.string()) for k, v in cols.items()}
    arrays["at"] = pa.array(
        [datetime.fromisoformat(a["at"].replace("Z", "+00:00")) for a in acts],
        pa.timestamp("s", tz="UTC"),
    )
    if explain:
        arrays["explain"] = pa.array([True] * len(acts))
    return arrays


def test_every_row_is_decided_as_the_json_path_decides_it():
    engine, store, acts = acme()
    batch = pa.RecordBatch.from_pydict(columns(acts))
    out = engine.evaluate_arrow(batch, store)
    assert isinstance(out, pa.RecordBatch)
    assert out.schema.names == ["effect", "rules", "explanation", "error"]
    assert out.num_rows == len(acts)
    rows = out.to_pylist()
    effects = {r["effect"] for r in rows}
    assert effects == {"allow", "deny"}, effects
    for act, row in zip(acts, rows):
        d = engine.evaluate(act, store)
        assert row["error"] is None, row
        assert row["effect"] == d.effect, act["id"]
        # Every row asked for its explanation: the same report the JSON path gives.
        assert json.loads(row["explanation"]) == d.to_dict(), act["id"]
        deciding = repr(d).split(": ", 1)[1].rstrip(">")
        assert row["rules"] == deciding.replace(", ", ","), act["id"]


def test_a_table_of_several_batches_and_dictionary_columns_decide_alike():
    engine, store, acts = acme()
    arrays = columns(acts, explain=False)
    plain = engine.evaluate_arrow(pa.RecordBatch.from_pydict(arrays), store, threads=1)
    # Denials are explained unless told not to; allows are not.
    for r in plain.to_pylist():
        assert (r["explanation"] is not None) == (r["effect"] == "deny")
    encoded = {k: (v.dictionary_encode() if pa.types.is_string(v.type) else v) for k, v in arrays.items()}
    table = pa.Table.from_pydict(encoded)
    table = pa.concat_tables([table.slice(0, 100), table.slice(100)])
    assert table.column("operation").num_chunks == 2
    out = engine.evaluate_arrow(table, store, threads=2)
    assert isinstance(out, pa.Table)
    assert out.to_pylist() == plain.to_pylist()
    bare = engine.evaluate_arrow(pa.RecordBatch.from_pydict(arrays), store, explain_denials=False)
    assert all(r["explanation"] is None for r in bare.to_pylist())
    assert bare.column("effect") == plain.column("effect")


def test_bad_input_is_a_located_error_and_a_bad_row_is_never_allowed():
    engine, store, acts = acme()
    with pytest.raises(CrossborderError) as e:
        engine.evaluate_arrow({"operation": ["transfer"]}, store)
    assert e.value.kind == "invalid_input"
    assert "pyarrow.RecordBatch" in str(e.value)
    arrays = columns(acts[:3], explain=False)
    without = {k: v for k, v in arrays.items() if k != "exporter"}
    with pytest.raises(CrossborderError) as e:
        engine.evaluate_arrow(pa.RecordBatch.from_pydict(without), store)
    assert "column `exporter`" in str(e.value) and "missing" in str(e.value)
    with pytest.raises(CrossborderError) as e:
        engine.evaluate_arrow(pa.RecordBatch.from_pydict(arrays), store, threads=0)
    assert "threads" in str(e.value)
    arrays["destination"] = pa.array(["XX", None, acts[2]["destination"]])
    rows = engine.evaluate_arrow(pa.RecordBatch.from_pydict(arrays), store).to_pylist()
    assert rows[0]["effect"] is None and "`XX`" in rows[0]["error"]
    assert rows[1]["effect"] is None and "`destination` is null" in rows[1]["error"]
    assert rows[2]["effect"] in ("allow", "deny") and rows[2]["error"] is None
    with pytest.raises(CrossborderError):
        engine.evaluate_arrow(pa.RecordBatch.from_pydict(arrays), "not a store")


def test_any_time_zone_reads_the_same_instants():
    engine, store, acts = acme()
    arrays = columns(acts[:50], explain=False)
    utc = engine.evaluate_arrow(pa.RecordBatch.from_pydict(arrays), store)
    arrays["at"] = arrays["at"].cast(pa.timestamp("us", tz="Asia/Shanghai"))
    assert engine.evaluate_arrow(pa.RecordBatch.from_pydict(arrays), store) == utc

