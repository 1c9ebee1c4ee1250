"""The network validator's core schema, kept from one run to the next.

Pydantic builds a model's validator in two steps: it generates the model's *core
schema* (a nested dict describing every field of every layer type, built in Python:
most of the cost of ``import planner.spec.network``, 50-70 ms of every ``planner
show``), then pydantic-core compiles that dict in Rust (about a millisecond). The dict
depends only on the spec modules' source and on the versions of Python and pydantic,
so the first run pickles it next to the modules' bytecode (``__pycache__``) and later
runs hand it back to pydantic through ``Network.__get_pydantic_core_schema__``;
pydantic then does everything else as usual.

The pickle holds the schema's functions (the spec's validators) and classes by
reference, like any pickle of them; the file's name carries a checksum of the spec
sources and the versions, so an edit or an upgrade never meets a stale schema. The
references pydantic writes into a schema carry the ``id`` of their class
(``planner.spec.layers.Conv:1402...``); they are renumbered for this run on load.
Anything unexpected (no file, an unreadable or foreign one, a read-only folder) means
building the schema as if there were no cache; writing follows
``PYTHONDONTWRITEBYTECODE``, like the bytecode beside it.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import sys
import zlib
from pathlib import Path
from typing import Any

_SPEC_DIR = Path(__file__).resolve().parent
# Where this package's bytecode goes (``__pycache__``, or under ``-X pycache_prefix``).
_CACHE_DIR = Path(importlib.util.cache_from_source(__file__)).parent

# Models whose schema came from the cache in this process (nothing to write back).
_loaded: set[str] = set()


def _cache_path(model: type) -> Path:
    """The cache file of ``model`` for these sources and versions."""
    import pydantic
    import pydantic_core

    key = zlib.crc32(
        f"{sys.version}|{pydantic.VERSION}|{pydantic_core.__version__}|{pickle.HIGHEST_PROTOCOL}"
        f"|{model.__module__}.{model.__qualname__}".encode()
    )
    for source in sorted(_SPEC_DIR.glob("*.py")):
        key = zlib.crc32(source.read_bytes(), key)
    return _CACHE_DIR / f"{model.__qualname__.lower()}.schema-{key:08x}.pickle"


def class_ref(module: str, qualname: str) -> str:
    """pydantic's reference to a class in this run: ``module.Class:<id of the class>``
    (called by the unpickler for every reference in a cached schema)."""
    obj: Any = sys.modules[module]
    for attr in qualname.split("."):
        obj = getattr(obj, attr)
    return f"{module}.{qualname}:{id(obj)}"


class _Ref:
    """A class reference in a pickled schema: unpickled as ``class_ref(...)``, so
    loading renumbers every reference without walking the schema."""

    def __init__(self, module: str, qualname: str) -> None:
        self.module = module
        self.qualname = qualname

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return class_ref, (self.module, self.qualname)


def _portable(node: Any, classes: dict[str, _Ref]) -> Any:
    """A copy of the schema ``node`` with each class reference made a ``_Ref``."""
    if isinstance(node, dict):
        return {
            key: classes[value]
            if key in ("ref", "schema_ref") and isinstance(value, str)
            else _portable(value, classes)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_portable(value, classes) for value in node]
    return node


def _class_refs(node: Any, found: dict[str, _Ref]) -> dict[str, _Ref]:
    """Every class reference in the schema ``node``, as the class it names."""
    if isinstance(node, dict):
        if node.get("type") == "model" and isinstance(node.get("ref"), str):
            cls = node["cls"]
            found[node["ref"]] = _Ref(cls.__module__, cls.__qualname__)
        for value in node.values():
            _class_refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _class_refs(value, found)
    return found


def load(model: type) -> dict[str, Any] | None:
    """The core schema of ``model`` saved by an earlier run, or None."""
    try:
        data = _cache_path(model).read_bytes()
    except OSError:
        return None
    try:
        schema = pickle.loads(data)  # our own file, as trusted as the bytecode beside it
    except Exception:
        return None
    _loaded.add(model.__qualname__)
    return schema


def store(model: Any) -> None:
    """Save the built core schema of ``model`` unless it came from the cache (or
    bytecode is not written); a failure to save is no error, the next run builds it."""
    if model.__qualname__ in _loaded or sys.dont_write_bytecode:
        return
    try:
        schema = model.__pydantic_core_schema__
        refs = _class_refs(schema, {})
        model_ref = schema.get("ref")
        if isinstance(model_ref, str) and model_ref not in refs:  # a validator around the model
            refs[model_ref] = _Ref(model.__module__, model.__qualname__)
        data = pickle.dumps(_portable(schema, refs), protocol=pickle.HIGHEST_PROTOCOL)
        path = _cache_path(model)
        _CACHE_DIR.mkdir(exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, path)  # atomic: a reader sees the old file or the new
        finally:
            temporary.unlink(missing_ok=True)
        for old in _CACHE_DIR.glob(f"{model.__qualname__.lower()}.schema-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except Exception:
        return
