from ._native import (
    CrossborderError as CrossborderError,
    Decision as Decision,
    DurableStore as DurableStore,
    Engine as Engine,
    MemoryStore as MemoryStore,
    __version__ as __version__,
)
