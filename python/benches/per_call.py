"""Per-call cost of the Python package on one act (PERFORMANCE.md, "Python"):
`python python/benches/per_call.py` with the wheel installed. Medians of 20 passes."""

import json
import statistics
import time

from crossborder import Engine, MemoryStore

ACT = {
    "operation": "transfer", "destination": "US", "at": "2026-03-01T00:00:00Z",
    "exporter": {"id": "acme-cn", "established_in": ["CN"]},
    "data": {"categories": ["personal.sensitive.health"], "collected_in": "CN",
             "individuals": {"one": {"id": "u-42", "residence": "CN"}}},
}
CONSENT = {
    "id": "c-1", "subject": "u-42", "kind": "express", "granted_at": "2026-01-01T00:00:00Z",
    "scope": {"categories": ["personal.sensitive.health"], "destinations": ["US"], "operations": ["transfer"]},
}


def per_call(n, f):
    passes = []
    for _ in range(20):
        t = time.perf_counter()
        for _ in range(n):
            f()
        passes.append((time.perf_counter() - t) / n * 1e9)
    return statistics.median(passes)


engine = Engine(packs=["cn-pledge-2015"])
store = MemoryStore(engine)
store.grant(CONSENT)
text = json.dumps(ACT)
batch = [ACT] * 1000
print(f"evaluate(dict)          {per_call(2000, lambda: engine.evaluate(ACT, store)):8.0f} ns")
print(f"evaluate(JSON string)   {per_call(2000, lambda: engine.evaluate(text, store)):8.0f} ns")
print(f"evaluate_many, per act  {per_call(5, lambda: engine.evaluate_many(batch, store)) / 1000:8.0f} ns")
