"""The PySpark audit job: decide every act of a Parquet access log on the executors, write each
row's decision, and report the unlawful acts by deciding rule and destination.

    python python/examples/spark_audit.py DIR                    # local mode, all cores
    spark-submit --master yarn ... spark_audit.py DIR --log URI --out URI   # see the README

DIR holds what `cargo run --release --example lake -- generate ROWS DIR` (in datafusion/)
writes: engine.json (the packs the log is decided under), evidence.jsonl (the evidence
snapshot), both read on the driver and broadcast, and access_log.parquet, read by the
executors. The job writes every row's decision (transfer_id, effect, rules, explanation,
error) as Parquet and prints the report and its throughput.
Options: --log URI (default DIR/access_log.parquet), --out URI (default
DIR/decisions-spark.parquet), --master URL (default: what spark-submit sets, or local[*] when
run with python), --no-explanations (faster: counts only).
"""

import argparse
import json
import sys
import time
from pathlib import Path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--log")
    parser.add_argument("--out")
    parser.add_argument("--master")
    parser.add_argument("--no-explanations", action="store_true")
    args = parser.parse_args(argv)

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from crossborder.spark import decide

    builder = SparkSession.builder.appName("crossborder-audit")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()

    config = json.loads((args.dir / "engine.json").read_text())
    log = spark.read.parquet(args.log or str(args.dir / "access_log.parquet"))
    decided = decide(
        log,
        packs=config.get("packs", []),
        pack_texts=config.get("pack_texts", []),
        options=config.get("options", {}),
        evidence_jsonl=(args.dir / "evidence.jsonl").read_text(),
        explain_denials=not args.no_explanations,
    )

    out = args.out or str(args.dir / "decisions-spark.parquet")
    started = time.perf_counter()
    decided.select("transfer_id", "effect", "rules", "explanation", "error").write.mode(
        "overwrite"
    ).parquet(out)
    took = time.perf_counter() - started

    report = (
        spark.read.parquet(out)
        .where("effect = 'deny'")
        .select(F.explode(F.split("rules", ",")).alias("rule"), "transfer_id")
        .join(log.select("transfer_id", "destination"), "transfer_id")
        .groupBy("rule", "destination")
        .count()
        .orderBy(F.desc("count"), "rule", "destination")
    )
    report.show(50, truncate=False)
    acts = spark.read.parquet(out).count()
    print(
        f"decided {acts} acts on {spark.sparkContext.defaultParallelism} cores in {took:.1f} s "
        f"({acts / took / 1e6:.3f} M acts/s, Parquet read and write included); wrote {out}"
    )
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
