"""Bring existing models into planner: Keras JSON and ``.keras`` archives, ONNX files,
PyTorch modules (``package.module:attr``) and model code as text.

Every importer returns an ``ImportResult``: the network (as far as it could be
represented), plus the problems, each naming the layer and its op. Nothing is
dropped silently: the first layer that cannot be represented, and every layer
that depends on it, is listed in ``problems``, and the network holds everything
before it.

Which importers run code:

- Keras JSON / ``.keras``, ONNX and code text (``ast``) only read data: no user code
  runs and no framework is imported for Keras and code text (ONNX uses ``onnx``).
- ``package.module:attr`` imports the user's module and calls it (``torch.export``):
  that executes the user's code, so it happens only when that form is given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import SpecError
from planner.spec.network import Network


@dataclass
class Problem:
    """A layer the import could not represent: its name, its op, and why."""

    layer: str
    op: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.layer} ({self.op}): {self.reason}"


@dataclass
class ImportResult:
    """What an import gives: the network data, problems by layer, and notes."""

    source: str
    data: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Each planner layer's origin in the source: an ONNX output tensor, an ATen node.
    origins: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.problems

    @property
    def network(self) -> Network:
        from planner.spec.loading import network_from_data

        return network_from_data(self.data, source=self.source)


def import_model(
    source: str, input_shape: list[Any] | None = None, text: str | None = None
) -> ImportResult:
    """Import ``source`` by its form (see the module docstring for what runs).

    - ``*.json`` / ``*.keras``: a Keras model (``model.to_json()`` or an archive);
    - ``*.onnx``: an ONNX model;
    - ``*.py`` or ``-`` (``text`` given): Keras or PyTorch code, read with ``ast``;
    - ``package.module:attr``: a PyTorch module class or factory (runs its code).
    """
    if text is not None or source == "-" or source.endswith(".py"):
        from planner.importers.code_text import import_code

        if text is None:
            text = Path(source).read_text(encoding="utf-8")
        return import_code(text, source, input_shape)
    if source.endswith((".json", ".keras")):
        from planner.importers.keras_json import import_keras

        return import_keras(source, input_shape)
    if source.endswith(".onnx"):
        from planner.importers.onnx_graph import import_onnx

        return import_onnx(source, input_shape)
    if re.fullmatch(r"[\w.]+:[\w.]+", source):
        from planner.importers.torch_module import import_torch

        return import_torch(source, input_shape)
    raise SpecError(
        f"cannot tell what {source!r} is; give a .json or .keras file (Keras), an .onnx "
        "file, a .py file or '-' (code text), or package.module:attr (a PyTorch module)",
        field="SOURCE",
    )


def unique_name(name: str, taken: set[str]) -> str:
    base = name or "layer"
    candidate, n = base, 0
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    taken.add(candidate)
    return candidate
