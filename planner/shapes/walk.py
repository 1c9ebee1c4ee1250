"""The walk over a network's DAG: every layer in order, on its input tensors.

Inference never stops at the first error: every layer is reported, those after a
failed one as skipped, so a user sees the shapes up to the problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.budget import checkpoint, watching
from planner.dialects import get_dialect
from planner.errors import PlannerError, SpecError
from planner.shapes.apply import apply
from planner.shapes.resolve import Resolver
from planner.shapes.results import Inference, LayerResult
from planner.shapes.tensor import Tensor, axis_names
from planner.spec.network import Network
from planner.symbolic.ops import is_int


def infer(
    net: Network,
    *,
    input_shape: list[Any] | tuple[Any, ...] | None = None,
    values: Mapping[str, Any] | None = None,
) -> Inference:
    """Compute every layer's output shape, parameters, padding and derivation.

    ``input_shape`` overrides the network's (same data format, no batch axis);
    ``values`` gives unknowns a value (``{"p": 1}``); unknowns without one, and
    symbolic sizes like ``H``, give formulas.

    >>> from planner.spec.network import Network
    >>> net = Network.model_validate({"name": "n", "input_shape": [28, 28, 1], "layers": [
    ...     {"type": "MaxPooling2D", "pool_size": 2, "padding": "same"}]})
    >>> result = infer(net)
    >>> result.output_shape, result.layers[0].formula
    ((14, 14, 1), 'ceil(28/2) = 14')
    """
    resolve = Resolver(values or {})
    dialect = get_dialect(net.framework)
    dims = list(input_shape) if input_shape is not None else list(net.input_shape)
    if len(dims) != len(net.input_shape):
        raise SpecError(
            f"input shape {list(dims)} has {len(dims)} axes; network '{net.name}' needs "
            f"{len(net.input_shape)} ({net.data_format}, without the batch axis)",
            field="input_shape",
        )
    for d in dims:
        if is_int(d) and d < 1:
            raise SpecError(f"input sizes must be >= 1, received {list(dims)}", field="input_shape")
    start = Tensor(tuple(resolve(d) for d in dims), net.channels_last)
    tensors: dict[str, Tensor | None] = {net.input_name: start}
    results: list[LayerResult] = []
    # A search that runs this inference may run out of time: checked between layers.
    watched = watching()
    for layer in net.layers:
        if watched:
            checkpoint()
        values = layer.__dict__  # one read of the layer (its attributes are slow to reach)
        name, inputs = values["name"], values["inputs"]
        assert name is not None and inputs is not None
        result = LayerResult(name, values["type"], list(inputs))
        # A layer's inputs, then the layers it refers to (``sources``, for the few types
        # with references).
        sources = layer.sources if layer.ref_fields else inputs
        ins = [tensors.get(i) for i in sources]
        if not all(ins):  # an input failed (tensors are true, a failed one None)
            failed = [i for i, t in zip(sources, ins, strict=True) if t is None]
            result.error = f"skipped: its input {', '.join(repr(f) for f in failed)} has an error"
            tensors[name] = None
            results.append(result)
            continue
        # The first input's spatial rank (a reshape may have changed the network's).
        names = axis_names(ins[0].rank)  # type: ignore[union-attr]
        try:
            out = apply(layer, ins, dialect, resolve, names, result)  # type: ignore[arg-type]
        except PlannerError as exc:
            exc = exc.with_context(layer=name)
            result.error = exc.message + (f" [field '{exc.field}']" if exc.field else "")
            tensors[name] = None
        else:
            tensors[name] = out
            result.output_shape = out.dims
            result.spatial = out.spatial
        results.append(result)
    return Inference(net, net.framework, start.dims, results)


def input_tensor(net: Network, values: Mapping[str, Any], dims: list[Any] | None = None) -> Tensor:
    """The network's input tensor with ``values`` given to its unknowns."""
    resolve = Resolver(values)
    return Tensor(tuple(resolve(d) for d in (dims or net.input_shape)), net.channels_last)
