#!/usr/bin/env python3
"""Writes the Acme sample data: acts.jsonl (a day of Acme Retail's cross-border data flows)
and evidence.jsonl (the consents, approvals, certifications and ledger entries Acme holds).

Deterministic (fixed seed): run it again and the files are the same. Python 3 standard library
only. Run from the repository root:  python3 examples/acme/generate.py
"""

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
rng = random.Random(20261201)

DAY = "2026-11-30"

# Acme's entities in each market, and where its shared services run.
ENTITIES = {
    "CN": "acme-cn",
    "DE": "acme-de",
    "FR": "acme-fr",
    "GB": "acme-uk",
    "CH": "acme-ch",
    "IN": "acme-in",
    "KR": "acme-kr",
    "RU": "acme-ru",
}
RECIPIENTS = {
    "fulfil-us": {"id": "fulfil-us", "established_in": ["US"], "role": "controller",
                  "certifications": [{"id": "dpf-fulfil-us", "name": "eu-us-dpf",
                                      "valid_from": "2024-01-01T00:00:00Z"}]},
    "support-sg": {"id": "support-sg", "established_in": ["SG"], "role": "processor"},
    "analytics-us": {"id": "analytics-us", "established_in": ["US"], "role": "processor"},
    "acme-de": {"id": "acme-de", "established_in": ["DE"], "role": "controller"},
}

# (market, categories, purpose, recipient, operation, destination, weight)
FLOWS = [
    ("CN", ["personal.contact"], "order_fulfilment", "fulfil-us", "transfer", "US", 8),
    ("CN", ["personal.contact", "personal.financial"], "customer_support", "support-sg", "remote_access", "SG", 4),
    ("CN", ["personal.usage"], "analytics", "analytics-us", "transfer", "US", 4),
    ("CN", ["personal.contact"], "marketing", "analytics-us", "transfer", "US", 2),
    ("CN", ["personal.sensitive.health"], "order_fulfilment", "fulfil-us", "transfer", "US", 2),
    ("DE", ["personal.contact"], "order_fulfilment", "fulfil-us", "transfer", "US", 6),
    ("DE", ["personal.contact"], "customer_support", "support-sg", "remote_access", "SG", 4),
    ("DE", ["personal.usage"], "analytics", "analytics-us", "process", "US", 3),
    ("DE", ["personal.sensitive.biometric"], "customer_support", "support-sg", "store", "SG", 1),
    ("FR", ["personal.contact"], "order_fulfilment", "fulfil-us", "transfer", "US", 4),
    ("FR", ["personal.sensitive.biometric"], "order_fulfilment", "acme-de", "store", "DE", 1),
    ("GB", ["personal.contact"], "order_fulfilment", "fulfil-us", "transfer", "US", 4),
    ("GB", ["personal.contact"], "customer_support", "support-sg", "remote_access", "SG", 2),
    ("CH", ["personal.contact"], "order_fulfilment", "fulfil-us", "transfer", "US", 3),
    ("IN", ["personal.contact"], "order_fulfilment", "fulfil-us", "transfer", "US", 4),
    ("IN", ["personal.usage"], "analytics", "analytics-us", "transfer", "US", 2),
    ("KR", ["personal.contact"], "order_fulfilment", "fulfil-us", "transfer", "US", 3),
    ("RU", ["personal.contact"], "order_fulfilment", "fulfil-us", "transfer", "US", 3),
    ("RU", ["personal.contact"], "customer_support", "acme-de", "store", "DE", 2),
]

CUSTOMERS = {m: [f"{m.lower()}-c{n:03d}" for n in range(1, 41)] for m in ENTITIES}


def act(i):
    market, cats, purpose, recipient, op, dest, _ = rng.choices(
        FLOWS, weights=[f[-1] for f in FLOWS])[0]
    customer = rng.choice(CUSTOMERS[market])
    hour, minute = divmod(i * 4, 60)
    subject = {"id": customer, "residence": market, "located_at_collection": market}
    # Acme Korea tells customers at checkout where their order is fulfilled (PIPA art. 28-8(1)
    # item 3), except on its older mobile app.
    tags = ["kr-disclosed-to-subject"] if market == "KR" and rng.random() < 0.7 else []
    return {
        "id": f"act-{i:04d}",
        "operation": op,
        "destination": dest,
        "at": f"{DAY}T{hour % 24:02d}:{minute:02d}:00Z",
        "purposes": [purpose],
        **({"tags": tags} if tags else {}),
        "exporter": {"id": ENTITIES[market], "established_in": [market]},
        "recipient": RECIPIENTS[recipient],
        "data": {"categories": cats, "collected_in": market,
                 "individuals": {"one": subject}},
    }


def evidence():
    out = []
    # Separate consents of most Chinese customers to export their contact data to the US and
    # Singapore (PIPL art. 39); some were withdrawn, some granted only for Singapore.
    for n, c in enumerate(CUSTOMERS["CN"]):
        if n % 5 == 4:
            continue
        consent = {"id": f"consent-{c}", "subject": c, "kind": "separate",
                   "granted_at": "2026-01-15T00:00:00Z",
                   "scope": {"categories": ["personal.contact", "personal.financial",
                                            "personal.usage"],
                             "destinations": ["SG"] if n % 7 == 3 else ["US", "SG"],
                             "operations": ["transfer", "store", "process", "remote_access"]}}
        if n % 9 == 2:
            consent["withdrawn_at"] = "2026-10-01T00:00:00Z"
        out.append({"consent": consent})
    # Express consents to analytics abroad from some European and Indian customers.
    for m in ("DE", "IN"):
        for n, c in enumerate(CUSTOMERS[m]):
            if n % 3 == 0:
                out.append({"consent": {
                    "id": f"analytics-{c}", "subject": c, "kind": "express",
                    "granted_at": "2026-02-01T00:00:00Z",
                    "scope": {"categories": ["personal.usage"], "destinations": ["US"],
                              "operations": ["transfer", "process"]}}})
    # Acme's EU entities signed the Commission's standard contractual clauses with the
    # Singapore support centre.
    for m in ("DE", "FR"):
        out.append({"approval": {
            "id": f"scc-{ENTITIES[m]}-support-sg", "authority": "EU-COM", "mechanism": "scc",
            "holder": ENTITIES[m], "valid_from": "2025-06-01T00:00:00Z",
            "scope": {"categories": ["personal"], "destinations": ["SG"],
                      "operations": ["transfer", "store", "process", "remote_access"]}}})
    # This year's exports from China so far (PIPL volume thresholds, CAC Order 16).
    out.append({"ledger": {"exporter": "acme-cn", "counter": "cn-general",
                           "at": "2026-06-30T00:00:00Z", "individuals": 8200}})
    return out


def main():
    acts = [act(i) for i in range(1, 301)]
    (HERE / "acts.jsonl").write_text("".join(json.dumps(a) + "\n" for a in acts))
    (HERE / "evidence.jsonl").write_text("".join(json.dumps(e) + "\n" for e in evidence()))


if __name__ == "__main__":
    main()
