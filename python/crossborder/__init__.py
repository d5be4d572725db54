"""crossborder: decide whether personal data may cross a border, on which legal basis, and
what is missing when it may not.

    >>> from crossborder import Engine, MemoryStore
    >>> engine = Engine(packs=["cn-pledge-2015"])
    >>> store = MemoryStore(engine)
    >>> decision = engine.evaluate({...}, store)   # a dict or a JSON string
    >>> decision.allowed, decision.effect, str(decision)

Arrow batches: ``engine.evaluate_arrow(pyarrow_batch_or_table, store)``; Spark:
``crossborder.spark.decide(df, packs=[...], evidence_jsonl=...)`` (``mapInArrow``).

The classes come from the Rust library (``crossborder._native``); see ``_native.pyi``.
"""

from ._native import (
    CrossborderError,
    Decision,
    DurableStore,
    Engine,
    MemoryStore,
    __version__,
)

# The error is raised as CrossborderError(message, kind): str() is the located message and
# `kind` a stable name ("invalid_input", "invalid_pack", "invalid_engine", "invalid_transfer",
# "invalid_json", "store", "error").
CrossborderError.__str__ = lambda self: str(self.args[0]) if self.args else ""
CrossborderError.kind = property(lambda self: self.args[1] if len(self.args) > 1 else "error")
CrossborderError.message = property(lambda self: str(self.args[0]) if self.args else "")

__all__ = ["CrossborderError", "Decision", "DurableStore", "Engine", "MemoryStore", "__version__"]
