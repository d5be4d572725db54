"""The Python package: engines, stores, decisions, errors, threads, and a property that the
Python path and the Rust JSON path (the C ABI's cb_evaluate_json) agree on random acts."""

import ctypes
import json
import os
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossborder import CrossborderError, Decision, DurableStore, Engine, MemoryStore

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


@pytest.fixture
def engine():
    return Engine(packs=["cn-pledge-2015"])


def test_a_consent_allows_and_its_withdrawal_denies(engine):
    store = MemoryStore(engine)
    store.grant(CONSENT)
    d = engine.evaluate(ACT, store)
    assert isinstance(d, Decision)
    assert d.allowed and d.effect == "allow"
    assert d.rules[0]["rule"] == "pledge-sensitive-abroad"
    assert d.rules[0]["evidence"][0]["id"] == "c-1"
    assert d.to_dict()["effect"] == "allow"
    assert json.loads(d.to_json()) == d.to_dict()
    assert str(d).startswith("ALLOW: transfer of personal.sensitive.health")
    assert repr(d) == "<Decision allow: cn-pledge-2015/pledge-sensitive-abroad>"
    store.withdraw("c-1", "2026-02-01T00:00:00Z")
    d = engine.evaluate(json.dumps(ACT), store)  # a JSON string works too
    assert not d.allowed and d.effect == "deny"
    assert "withdrawn at 2026-02-01T00:00:00Z" in str(d)
    missing = d.missing
    assert missing[0]["rule"] == "cn-pledge-2015/pledge-sensitive-abroad"
    assert [a["alternative"] for a in missing[0]["alternatives"]] == ["express-permission", "authority-approval"]
    assert store.consents_of("u-42")[0]["withdrawn_at"] == "2026-02-01T00:00:00Z"


def test_no_evidence_and_options(engine):
    assert not engine.evaluate(ACT).allowed
    other = Engine(packs=["cn-pledge-2015"], options={"cn-pledge-2015.sensitive_as_pipl_art28": False})
    assert other.fingerprint != engine.fingerprint
    assert engine.packs()[0][0] == "cn-pledge-2015" and len(engine.packs()[0][2]) == 64


def test_errors_carry_a_kind_and_a_located_message(engine):
    with pytest.raises(CrossborderError) as e:
        Engine(packs=["cn-pipI"])
    assert e.value.kind == "invalid_engine" and "cn-pipl" in str(e.value)
    with pytest.raises(CrossborderError) as e:
        engine.evaluate('{"operation": "teleport"}')
    assert e.value.kind == "invalid_input" and "teleport" in str(e.value)
    with pytest.raises(CrossborderError) as e:
        engine.evaluate({**ACT, "destination": "UK"})
    assert "GB" in str(e.value)
    with pytest.raises(CrossborderError) as e:
        MemoryStore(engine).grant({**CONSENT, "scope": {**CONSENT["scope"], "categories": ["personal.helth"]}})
    assert e.value.kind == "store" and "personal.helth" in str(e.value)
    with pytest.raises(CrossborderError) as e:
        Engine(pack_texts=["format = 1"])
    assert e.value.kind == "invalid_pack" and "pack_texts[0]" in str(e.value)
    with pytest.raises(CrossborderError) as e:
        engine.evaluate(ACT, evidence="not a store")
    assert e.value.kind == "invalid_input"


def test_evaluate_many_matches_one_by_one_and_threads_share_an_engine(engine):
    store = MemoryStore(engine)
    store.grant(CONSENT)
    acts = [{**ACT, "destination": d} for d in ["US", "SG", "DE", "US"] * 25]
    many = engine.evaluate_many(acts, store)
    assert [d.effect for d in many] == [engine.evaluate(a, store).effect for a in acts]
    results = []

    def work():
        results.append([d.allowed for d in engine.evaluate_many(acts, store)])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [[d.allowed for d in many]] * 4
    with pytest.raises(CrossborderError) as e:
        engine.evaluate_many([ACT, {"operation": "teleport"}])
    assert str(e.value).startswith("transfers[1]:")


def test_a_durable_store_keeps_a_withdrawal(engine, tmp_path):
    path = tmp_path / "evidence.redb"
    store = DurableStore(path, engine)
    store.grant(CONSENT)
    store.withdraw("c-1", "2026-02-01T00:00:00Z")
    del store
    store = DurableStore(str(path))
    assert not engine.evaluate(ACT, store).allowed
    store.import_jsonl(json.dumps({"consent": {**CONSENT, "id": "c-2", "granted_at": "2026-02-15T00:00:00Z"}}) + "\n")
    assert engine.evaluate(ACT, store).allowed


# ---- the Python path and the Rust JSON path agree --------------------------------------

FFI = os.environ.get("CROSSBORDER_FFI_LIB")


def ffi():
    lib = ctypes.CDLL(FFI)
    lib.cb_engine_new.restype = ctypes.c_void_p
    lib.cb_engine_new.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    lib.cb_store_new.restype = ctypes.c_void_p
    lib.cb_store_new.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.cb_store_grant.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    lib.cb_evaluate_json.restype = ctypes.c_void_p
    lib.cb_evaluate_json.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.cb_string_free.argtypes = [ctypes.c_void_p]
    lib.cb_store_free.argtypes = [ctypes.c_void_p]
    lib.cb_engine_free.argtypes = [ctypes.c_void_p]
    return lib


LIB = ffi() if FFI else None

PLACES = ["CN", "HK", "US", "SG", "DE", "FR", "GB", "IN", "KR", "RU"]
CATEGORIES = ["personal", "personal.contact", "personal.sensitive.health", "personal.sensitive.biometric"]

acts = st.fixed_dictionaries(
    {
        "operation": st.sampled_from(["transfer", "store", "process", "remote_access"]),
        "destination": st.sampled_from(PLACES),
        "at": st.sampled_from(["2025-06-01T00:00:00Z", "2026-03-01T00:00:00Z"]),
        "exporter": st.fixed_dictionaries({"id": st.just("acme"), "established_in": st.lists(st.sampled_from(PLACES), min_size=1, max_size=2, unique=True)}),
        "data": st.fixed_dictionaries(
            {
                "categories": st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2, unique=True),
                "collected_in": st.sampled_from(PLACES),
                "individuals": st.fixed_dictionaries({"one": st.fixed_dictionaries({"id": st.sampled_from(["u-1", "u-2"]), "residence": st.sampled_from(PLACES)})}),
            }
        ),
    }
)


@pytest.mark.skipif(FFI is None and not os.environ.get("CROSSBORDER_REQUIRE_FFI"), reason="CROSSBORDER_FFI_LIB not set")
@settings(max_examples=300, deadline=None)
@given(act=acts)
def test_the_python_path_and_the_rust_json_path_agree(act):
    assert FFI, "CROSSBORDER_FFI_LIB must name libcrossborder_ffi.so"
    config = {"packs": ["cn-pledge-2015", "cn-pipl", "eu-gdpr", "in-dpdp", "ru-152fz"]}
    consent = {**CONSENT, "subject": "u-1", "scope": {"categories": ["personal"], "destinations": PLACES, "operations": ["transfer", "store", "process", "remote_access"]}}
    engine = Engine(packs=config["packs"])
    store = MemoryStore(engine)
    store.grant(consent)
    ours = engine.evaluate(act, store).to_dict()
    lib = LIB
    e = lib.cb_engine_new(json.dumps(config).encode(), None)
    s = lib.cb_store_new(e, None)
    assert lib.cb_store_grant(s, json.dumps(consent).encode(), None) == 0
    raw = lib.cb_evaluate_json(e, json.dumps(act).encode(), s, None)
    theirs = json.loads(ctypes.string_at(raw))
    lib.cb_string_free(raw)
    lib.cb_store_free(s)
    lib.cb_engine_free(e)
    assert ours == theirs


def test_the_type_stubs_match_the_module():
    """Every public name of `_native.pyi` exists at run time and every public method or
    property of the classes is in the stubs."""
    import ast
    import pathlib

    import crossborder._native as native

    stub = pathlib.Path(native.__file__).with_name("_native.pyi")
    if not stub.exists():  # running from the source tree
        stub = pathlib.Path(__file__).parents[1] / "crossborder" / "_native.pyi"
    tree = ast.parse(stub.read_text())
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for name, node in classes.items():
        runtime = getattr(native, name)
        declared = {f.name for f in node.body if isinstance(f, ast.FunctionDef)}
        public = {a for a in dir(runtime) if not a.startswith("_")} - set(dir(Exception))
        assert public <= declared | {"kind", "message"}, (name, public - declared)
        for method in declared - {"__init__"}:
            assert hasattr(runtime, method) or name == "CrossborderError", (name, method)
