"""The C ABI from another runtime: Python's ctypes, over the same header's functions.

    python3 ffi/tests/python/ctypes_check.py target/debug/libcrossborder_ffi.so

Builds an engine on a built-in pack, records a consent, evaluates a prepared transfer and a
JSON one, reads the decision's effect and explanation, checks an error's kind and message,
and frees everything.
"""

import ctypes
import json
import sys

lib = ctypes.CDLL(sys.argv[1])
P = ctypes.c_void_p
ERR = ctypes.POINTER(P)
for name, res, args in [
    ("cb_version", ctypes.c_char_p, []),
    ("cb_engine_new", P, [ctypes.c_char_p, ERR]),
    ("cb_engine_free", None, [P]),
    ("cb_store_new", P, [P, ERR]),
    ("cb_store_free", None, [P]),
    ("cb_store_grant", ctypes.c_int, [P, ctypes.c_char_p, ERR]),
    ("cb_transfer_new", P, [P, ctypes.c_char_p, ERR]),
    ("cb_transfer_free", None, [P]),
    ("cb_evaluate", P, [P, P, P, ERR]),
    ("cb_evaluate_json", P, [P, ctypes.c_char_p, P, ERR]),
    ("cb_decision_allowed", ctypes.c_int, [P]),
    ("cb_decision_text", ctypes.c_char_p, [P]),
    ("cb_decision_json", ctypes.c_char_p, [P]),
    ("cb_decision_free", None, [P]),
    ("cb_string_free", None, [P]),
    ("cb_error_kind", ctypes.c_char_p, [P]),
    ("cb_error_message", ctypes.c_char_p, [P]),
    ("cb_error_free", None, [P]),
]:
    f = getattr(lib, name)
    f.restype = res
    f.argtypes = args

ACT = {
    "operation": "transfer",
    "destination": "US",
    "at": "2026-03-01T00:00:00Z",
    "exporter": {"id": "acme-cn", "established_in": ["CN"]},
    "data": {
        "categories": ["personal.sensitive.health"],
        "collected_in": "CN",
        "individuals": {"one": {"id": "u-42", "residence": "CN"}},
    },
}
CONSENT = {
    "id": "c-1",
    "subject": "u-42",
    "kind": "express",
    "granted_at": "2026-01-01T00:00:00Z",
    "scope": {"categories": ["personal.sensitive.health"], "destinations": ["US"], "operations": ["transfer"]},
}


def call(f, *args):
    err = P()
    out = f(*args, ctypes.byref(err))
    if err.value:
        kind, message = lib.cb_error_kind(err).decode(), lib.cb_error_message(err).decode()
        lib.cb_error_free(err)
        raise RuntimeError(f"{kind}: {message}")
    return out


assert lib.cb_version() == b"0.1.0"
engine = call(lib.cb_engine_new, json.dumps({"packs": ["cn-pledge-2015"]}).encode())
store = call(lib.cb_store_new, engine)
assert call(lib.cb_store_grant, store, json.dumps(CONSENT).encode()) == 0
transfer = call(lib.cb_transfer_new, engine, json.dumps(ACT).encode())
decision = call(lib.cb_evaluate, engine, transfer, store)
assert lib.cb_decision_allowed(decision) == 1
assert b"ALLOW" in lib.cb_decision_text(decision)
report = json.loads(lib.cb_decision_json(decision))
assert report["effect"] == "allow" and report["rules"][0]["evidence"][0]["id"] == "c-1"
lib.cb_decision_free(decision)
raw = call(lib.cb_evaluate_json, engine, json.dumps(ACT).encode(), None)
assert json.loads(ctypes.string_at(raw))["effect"] == "deny"  # no evidence: denied
lib.cb_string_free(raw)
try:
    call(lib.cb_engine_new, b'{"packs": ["cn-pipI"]}')
    raise AssertionError("an unknown pack was accepted")
except RuntimeError as e:
    assert str(e).startswith("invalid_engine:") and "cn-pipl" in str(e), e
lib.cb_transfer_free(transfer)
lib.cb_store_free(store)
lib.cb_engine_free(engine)
print("crossborder C ABI from ctypes: ok")
