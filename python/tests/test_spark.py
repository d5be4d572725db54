"""The PySpark job (crossborder.spark.decide, and python/examples/spark_audit.py) in local mode:
its decisions equal the Rust batch's (Engine.evaluate_arrow) row for row; on the lake the
DataFusion example generated, the three paths (Rust batch, DataFusion SQL, PySpark) agree.

Needs pyspark and Java 17. Skipped when either is missing, unless CROSSBORDER_REQUIRE_SPARK=1
(CI), which also requires CROSSBORDER_LAKE: a directory holding the lake example's
access_log.parquet, engine.json, evidence.jsonl and decisions-datafusion.parquet.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REQUIRED = os.environ.get("CROSSBORDER_REQUIRE_SPARK") == "1"
if REQUIRED:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import pyspark  # noqa: F401
else:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("no Java for Spark", allow_module_level=True)

from crossborder import Engine, MemoryStore  # noqa: E402
from crossborder.spark import DECISION_COLUMNS, decide  # noqa: E402

HERE = Path(__file__).resolve().parent
ACME = HERE.parents[1] / "examples" / "acme"
JOB = HERE.parent / "examples" / "spark_audit.py"
PACKS = ["cn-pipl", "eu-gdpr", "uk-gdpr", "ch-fadp", "in-dpdp", "kr-pipa", "ru-152fz"]
KEY = ["transfer_id", *DECISION_COLUMNS]


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # The executors' Python workers: this interpreter, where crossborder is installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    # A session time zone far from UTC: instants must not move.
    session = (
        SparkSession.builder.master("local[2]")
        .appName("crossborder-test")
        .config("spark.sql.session.timeZone", "America/Los_Angeles")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    yield session
    session.stop()


def rows(table):
    """Decisions by transfer id, as plain tuples sorted by id."""
    table = table.select(KEY)
    return sorted(tuple(r[c] for c in KEY) for r in table.to_pylist())


def test_the_spark_job_decides_as_the_rust_batch(spark, tmp_path):
    sys.path.insert(0, str(HERE))
    from test_arrow import columns

    acts = [json.loads(line) for line in (ACME / "acts.jsonl").read_text().splitlines()]
    table = pa.Table.from_pydict(columns(acts, explain=False))
    log = tmp_path / "log.parquet"
    pq.write_table(table, log, row_group_size=64)
    acme_pack = (ACME / "acme.toml").read_text()
    evidence = (ACME / "evidence.jsonl").read_text()

    engine = Engine(packs=PACKS, pack_texts=[acme_pack])
    store = MemoryStore(engine)
    store.import_jsonl(evidence)
    decided = engine.evaluate_arrow(table, store)
    expected = pa.table(
        {"transfer_id": table.column("transfer_id"), **{c: decided.column(c) for c in DECISION_COLUMNS}}
    )

    df = spark.read.parquet(str(log)).repartition(3)
    decided = decide(df, packs=PACKS, pack_texts=[acme_pack], evidence_jsonl=evidence)
    assert decided.columns == df.columns + list(DECISION_COLUMNS)
    got = pa.Table.from_pylist([r.asDict() for r in decided.select(KEY).collect()])
    assert len(got) == len(acts)
    assert rows(got) == rows(expected)
    assert {r[1] for r in rows(got)} == {"allow", "deny"}

    with pytest.raises(ValueError, match="already has column"):
        decide(decided, packs=PACKS)


def test_the_three_paths_agree_on_the_generated_lake(tmp_path):
    lake = os.environ.get("CROSSBORDER_LAKE")
    if not lake:
        if REQUIRED:
            pytest.fail("CROSSBORDER_REQUIRE_SPARK=1 needs CROSSBORDER_LAKE (see the docstring)")
        pytest.skip("no generated lake (CROSSBORDER_LAKE)")
    lake = Path(lake)
    # The documented job, run as documented (local mode).
    out = tmp_path / "decisions-spark.parquet"
    subprocess.run(
        [sys.executable, str(JOB), str(lake), "--out", str(out), "--master", "local[2]"],
        check=True,
        env={**os.environ, "PYSPARK_PYTHON": sys.executable},
    )
    by_spark = rows(pq.read_table(out))
    by_datafusion = rows(pq.read_table(lake / "decisions-datafusion.parquet"))

    config = json.loads((lake / "engine.json").read_text())
    engine = Engine(packs=config["packs"], pack_texts=config["pack_texts"])
    store = MemoryStore(engine)
    store.import_jsonl((lake / "evidence.jsonl").read_text())
    log = pq.read_table(lake / "access_log.parquet")
    decided = engine.evaluate_arrow(log, store)
    by_batch = rows(
        pa.table({"transfer_id": log.column("transfer_id"), **{c: decided.column(c) for c in DECISION_COLUMNS}})
    )

    assert len(by_batch) == log.num_rows > 0
    effects = {r[1] for r in by_batch}
    assert effects == {"allow", "deny"}, effects
    assert by_spark == by_batch
    assert by_datafusion == by_batch
