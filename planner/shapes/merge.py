"""Merges: ``concatenate`` (sizes add on the axis, agree elsewhere) and ``add``
(sizes agree, except that a size of exactly 1 broadcasts, as every framework's
element-wise ops do). With symbols, an undecided agreement becomes a condition."""

from __future__ import annotations

from typing import Any

from planner.dialects import Condition, Dialect
from planner.errors import ShapeError
from planner.shapes.results import LayerResult, to_data
from planner.shapes.tensor import Tensor
from planner.symbolic.ops import equal, is_int, render, to_int, truth


def merge(
    layer: Any, ins: list[Tensor], names: tuple[str, ...], result: LayerResult, dialect: Dialect
) -> Tensor:
    """The merged tensor of ``ins``; raises ``ShapeError`` when sizes disagree."""
    first = ins[0]
    if any(len(t.dims) != len(first.dims) for t in ins):
        shapes = ", ".join(f"{n} {to_data(t.dims)}" for n, t in zip(layer.inputs, ins, strict=True))
        raise ShapeError(f"cannot merge tensors of different ranks: {shapes}", layer=layer.name)
    ndim = len(first.dims)
    axis = _concat_axis(layer, first, ndim, dialect) if layer.type == "concatenate" else None
    labels = _dim_labels(first, names)
    out_dims = list(first.dims)
    for j in range(ndim):
        if j == axis:
            continue
        sizes = [t.dims[j] for t in ins]
        sources = list(layer.inputs)
        if axis is None:
            # Element-wise: a size of exactly 1 broadcasts against the others.
            kept = [
                (n, d) for n, d in zip(sources, sizes, strict=True) if not (is_int(d) and d == 1)
            ]
            if kept and len(kept) < len(sizes):
                sources, sizes = [n for n, _ in kept], [d for _, d in kept]
                out_dims[j] = sizes[0]
        base = sizes[0]
        for name, other in zip(sources[1:], sizes[1:], strict=True):
            same = equal(base, other)
            decided = truth(same)
            if decided is True:
                continue
            if decided is False:
                raise ShapeError(
                    f"{sources[0]} is {render(base)}, {name} is {render(other)} on axis "
                    f"{labels[j]}; a {layer.type} needs them equal"
                    + ("" if axis is not None else " (or one of them 1)"),
                    layer=layer.name,
                )
            result.conditions.append(
                Condition(
                    same,
                    f"{sources[0]} and {name} must agree on axis {labels[j]}",
                    layer.name,
                    axis=labels[j],
                )
            )
    if axis is None:
        return Tensor(tuple(out_dims), first.channels_last)
    total = sum((t.dims[axis] for t in ins), 0)
    out_dims[axis] = to_int(total)
    return Tensor(tuple(out_dims), first.channels_last)


def _concat_axis(layer: Any, first: Tensor, ndim: int, dialect: Dialect) -> int:
    """The concatenation axis, counted without the batch axis."""
    if layer.axis is None:
        return ndim - 1 if first.channels_last or dialect.concat_default_last else 0
    # Framework convention: axis 0 is the batch axis.
    axis = layer.axis if layer.axis < 0 else layer.axis - 1
    if layer.axis == 0 or not -ndim <= axis < ndim:
        raise ShapeError(
            f"axis {layer.axis} is not a feature axis of a {ndim + 1}-D tensor "
            f"(batch axis included); valid: 1..{ndim} or -{ndim}..-1",
            layer=layer.name,
            field="axis",
        )
    return axis % ndim


def _dim_labels(t: Tensor, names: tuple[str, ...]) -> list[str]:
    if len(t.dims) == len(names) + 1:
        return [*names, "C"] if t.channels_last else ["C", *names]
    return [f"#{j + 1}" for j in range(len(t.dims))]
