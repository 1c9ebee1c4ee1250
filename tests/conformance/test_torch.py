"""PyTorch conformance: planner's ``torch`` dialect against real ``torch.nn`` modules.

Each test builds the module (CPU, batch of one), runs it, and compares with
``plan_layer("torch", ...)``: the same shape (no batch axis) when PyTorch succeeds,
a refusal when constructing or running the module raises or yields an empty tensor.
Where padding placement is observable, probes with all-ones kernels and inputs (or
``arange`` inputs into pooling and padding) check planner's resolved ``(before,
after)`` against the values PyTorch computes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from tests import strategies as S
from tests.conformance.common import Planned, plan_layer

CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
CONV_T = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}
MAX_POOL = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}
AVG_POOL = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}
ZERO_PAD = {1: nn.ZeroPad1d, 2: nn.ZeroPad2d, 3: nn.ZeroPad3d}
ADAPTIVE = {
    "avg": {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d, 3: nn.AdaptiveAvgPool3d},
    "max": {1: nn.AdaptiveMaxPool1d, 2: nn.AdaptiveMaxPool2d, 3: nn.AdaptiveMaxPool3d},
}
BATCH_NORM = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}

FAST = settings(max_examples=60, deadline=None)
GRID = settings(max_examples=120, deadline=None)


# --- running PyTorch ----------------------------------------------------------------


@dataclass
class Ran:
    """What PyTorch did: the output shape without the batch axis (None: refused)."""

    shape: tuple[int, ...] | None
    module: nn.Module | None
    output: torch.Tensor | None


def run(build: Callable[[], nn.Module], x: torch.Tensor, grad: bool = False, **kw: Any) -> Ran:
    """Build and run a module. Any exception from either step is a refusal, and so is
    an empty output. ``grad`` runs with autograd on (an input that requires grad),
    which sends some pooling calls down a different ATen kernel."""
    module = None
    try:
        module = build()
        if grad:
            y = module(x.clone().requires_grad_(True), **kw)
        else:
            with torch.no_grad():
                y = module(x, **kw)
    except Exception:  # every error type PyTorch raises is a refusal here
        return Ran(None, module, None)
    if isinstance(y, tuple):  # MaxPool(return_indices=True)
        y = y[0]
    if y.numel() == 0:
        return Ran(None, module, None)
    return Ran(tuple(y.shape[1:]), module, y.detach())


def agree(p: Planned, ran: Ran, what: Any) -> None:
    """planner gives PyTorch's shape, or refuses (with a message) where PyTorch does."""
    if ran.shape is None:
        assert p.shape is None and p.error, f"{what}: PyTorch refuses, planner gives {p.shape}"
    else:
        assert p.error is None, f"{what}: PyTorch gives {ran.shape}, planner refuses: {p.error}"
        assert p.shape == ran.shape, f"{what}: PyTorch {ran.shape}, planner {p.shape}"


def n_params(module: nn.Module) -> int:
    return sum(t.numel() for t in module.parameters())


def tt(value: Any) -> Any:
    """A planner value as PyTorch takes it: lists become tuples."""
    return tuple(tt(v) for v in value) if isinstance(value, list) else value


def each(value: Any, rank: int) -> list[Any]:
    """One value per axis from an int-or-list field."""
    return list(value) if isinstance(value, list) else [value] * rank


def ones_like_conv(module: nn.Module) -> nn.Module:
    with torch.no_grad():
        module.weight.fill_(1.0)
    return module


# --- expected probe values from planner's resolved padding -------------------------


def window_counts(n: int, k: int, s: int, d: int, before: int, out: int) -> list[int]:
    """Ones probe of a convolution: window ``i`` starts at ``i*s - before`` and counts
    the real input positions among ``start + j*d``."""
    return [sum(0 <= i * s - before + j * d < n for j in range(k)) for i in range(out)]


def transpose_counts(n: int, k: int, s: int, d: int, before: int, out: int) -> list[int]:
    """Ones probe of a transposed convolution: output ``o`` is the full output at
    ``o + before``, which sums the pairs ``(i, j)`` with ``i*s + j*d == o + before``."""
    return [
        sum(i * s + j * d == o + before for i in range(n) for j in range(k)) for o in range(out)
    ]


def real_positions(n: int, k: int, s: int, d: int, before: int, i: int) -> list[int]:
    return [q for q in (i * s - before + j * d for j in range(k)) if 0 <= q < n]


# --- convolution ------------------------------------------------------------------


@GRID
@given(st.data())
def test_conv_grid(data: st.DataObject) -> None:
    rank = data.draw(S.ranks)
    spatial = data.draw(S.torch_spatial(rank))
    groups = data.draw(st.integers(1, 3))
    cin = groups * data.draw(st.integers(1, 2))
    cout = groups * data.draw(st.integers(1, 2))
    k = data.draw(S.torch_one_or_per_axis(rank, S.kernels))
    s = data.draw(S.torch_one_or_per_axis(rank, S.strides))
    d = data.draw(S.torch_one_or_per_axis(rank, S.dilations))
    padding = data.draw(S.torch_conv_padding(rank))
    bias = data.draw(st.booleans())
    spec = {
        "type": "conv",
        "filters": cout,
        "kernel_size": k,
        "strides": s,
        "dilation": d,
        "padding": padding,
        "groups": groups,
        "use_bias": bias,
    }
    p = plan_layer("torch", [cin, *spatial], spec)
    ran = run(
        lambda: CONV[rank](cin, cout, tt(k), tt(s), tt(padding), tt(d), groups, bias),
        torch.ones(1, cin, *spatial),
    )
    agree(p, ran, (spatial, spec))
    if ran.shape is not None:
        assert p.params == n_params(ran.module)


@pytest.mark.parametrize(
    ("spatial", "k", "d", "padding"),
    [
        ([3], 5, 1, 0),  # smaller than the kernel: refused
        ([3], 5, 1, 1),  # padded to exactly the kernel: one window
        ([4], 5, 1, "valid"),
        ([2], 3, 2, 1),  # padded 4 < effective kernel 5
        ([3], 3, 2, 1),  # padded 5 == effective kernel 5
        ([1], 7, 1, "same"),  # 'same' pads any input up to the kernel
        ([1], 4, 3, "same"),
        ([1], 1, 1, 0),
        ([2, 9], 3, 1, 0),  # one axis too small refuses the layer
        ([9, 2], [3, 1], 1, 0),
        ([4, 4, 1], [3, 3, 2], 1, [0, 0, 1]),
        ([4, 4, 1], [3, 3, 3], 1, [0, 0, 1]),
    ],
)
def test_conv_input_smaller_than_kernel(spatial: list[int], k: Any, d: int, padding: Any) -> None:
    rank = len(spatial)
    spec = {"type": "conv", "filters": 2, "kernel_size": k, "dilation": d, "padding": padding}
    p = plan_layer("torch", [1, *spatial], spec)
    ran = run(lambda: CONV[rank](1, 2, tt(k), 1, tt(padding), d), torch.ones(1, 1, *spatial))
    agree(p, ran, (spatial, spec))


@pytest.mark.parametrize(
    ("n", "k", "s", "d", "padding"),
    [
        (10, 1, 3, 1, 0),
        (10, 2, 4, 1, 1),
        (1, 1, 4, 1, 0),
        (7, 3, 4, 2, 0),
        (5, 1, 4, 1, 4),  # padding larger than the kernel: allowed in Conv
        (2, 2, 4, 1, 3),
        (40, 3, 4, 3, 2),
    ],
)
def test_conv_stride_larger_than_kernel(n: int, k: int, s: int, d: int, padding: int) -> None:
    spec = {"type": "conv", "filters": 1, "kernel_size": k, "strides": s, "dilation": d}
    spec.update(padding=padding, use_bias=False)
    p = plan_layer("torch", [1, n], spec)
    ran = run(
        lambda: ones_like_conv(nn.Conv1d(1, 1, k, s, padding, d, bias=False)), torch.ones(1, 1, n)
    )
    agree(p, ran, spec)
    assert ran.output is not None and p.padding is not None
    counts = window_counts(n, k, s, d, p.padding[0][0], p.shape[-1])
    assert ran.output.flatten().tolist() == counts


@pytest.mark.parametrize("strides", [[2], [1, 2], [3, 1], [1, 1, 3], 2])
def test_conv_same_with_stride_refused(strides: Any) -> None:
    rank = len(strides) if isinstance(strides, list) else 2
    spec = {"type": "conv", "filters": 1, "kernel_size": 3, "strides": strides, "padding": "same"}
    p = plan_layer("torch", [1, *[8] * rank], spec)
    ran = run(lambda: CONV[rank](1, 1, 3, tt(strides), "same"), torch.ones(1, 1, *[8] * rank))
    agree(p, ran, spec)
    assert re.search(r"same.*strid", p.error), p.error


@FAST
@given(
    n=S.sizes,
    k=S.kernels,
    s=S.strides,
    d=S.dilations,
    padding=st.one_of(st.sampled_from(["same", "valid"]), S.torch_paddings),
)
def test_conv_ones_probe_1d(n: int, k: int, s: int, d: int, padding: Any) -> None:
    """An all-ones kernel on an all-ones input counts the real positions per window:
    it shows where PyTorch put the padding, including the odd pixel of 'same'."""
    if padding == "same":
        s = 1
    spec = {"type": "conv", "filters": 1, "kernel_size": k, "strides": s, "dilation": d}
    spec.update(padding=padding, use_bias=False)
    p = plan_layer("torch", [1, n], spec)
    ran = run(
        lambda: ones_like_conv(nn.Conv1d(1, 1, k, s, padding, d, bias=False)), torch.ones(1, 1, n)
    )
    agree(p, ran, (n, spec))
    if ran.output is not None:
        before, after = p.padding[0]
        if padding == "same":
            assert before + after == d * (k - 1)
        counts = window_counts(n, k, s, d, before, p.shape[-1])
        assert ran.output.flatten().tolist() == counts


@pytest.mark.parametrize(
    ("n", "k", "d"),
    [(5, 2, 1), (5, 4, 1), (6, 4, 1), (3, 6, 1), (1, 2, 1), (5, 2, 2), (8, 4, 3), (2, 4, 2)],
)
def test_conv_same_even_kernel_puts_odd_pixel_after(n: int, k: int, d: int) -> None:
    spec = {"type": "conv", "filters": 1, "kernel_size": k, "dilation": d, "padding": "same"}
    p = plan_layer("torch", [1, n], spec)
    ran = run(
        lambda: ones_like_conv(nn.Conv1d(1, 1, k, 1, "same", d, bias=False)), torch.ones(1, 1, n)
    )
    agree(p, ran, spec)
    before, after = p.padding[0]
    assert after == before + (d * (k - 1)) % 2  # the odd pixel goes after
    assert ran.output.flatten().tolist() == window_counts(n, k, 1, d, before, n)


@pytest.mark.parametrize(
    ("spatial", "k", "s", "d", "padding"),
    [
        ([6, 9], [2, 3], 1, [1, 2], "same"),
        ([7, 5], [4, 1], [1, 1], [3, 1], "same"),
        ([9, 10], [3, 4], [2, 3], [1, 2], [0, 3]),
        ([5, 5], [5, 2], [4, 1], 1, [2, 1]),
    ],
)
def test_conv_ones_probe_2d_axes_independent(
    spatial: list[int], k: list[int], s: Any, d: Any, padding: Any
) -> None:
    """In 2D the count is the product of the two axes' 1D counts."""
    spec = {"type": "conv", "filters": 1, "kernel_size": k, "strides": s, "dilation": d}
    spec.update(padding=padding, use_bias=False)
    p = plan_layer("torch", [1, *spatial], spec)
    ran = run(
        lambda: ones_like_conv(nn.Conv2d(1, 1, tt(k), tt(s), tt(padding), tt(d), bias=False)),
        torch.ones(1, 1, *spatial),
    )
    agree(p, ran, spec)
    per = [
        window_counts(n, kk, ss, dd, pad[0], out)
        for n, kk, ss, dd, pad, out in zip(
            spatial, k, each(s, 2), each(d, 2), p.padding, p.shape[1:], strict=True
        )
    ]
    assert ran.output[0, 0].numpy().tolist() == np.outer(per[0], per[1]).tolist()


@pytest.mark.parametrize(
    ("padding", "rank"),
    [
        ([[1, 2]], 1),
        ([1, 2], 1),  # a flat pair in F.pad order
        ([[0, 0], [2, 1]], 2),
        ([0, 1, 0, 0], 2),  # flat, F.pad order: last axis (0, 1)
        ([[1, 1], [1, 1], [0, 3]], 3),
    ],
)
def test_conv_asymmetric_padding_refused_pointing_to_zeropad(padding: Any, rank: int) -> None:
    spec = {"type": "conv", "filters": 1, "kernel_size": 3, "padding": padding}
    p = plan_layer("torch", [1, *[6] * rank], spec)
    assert p.shape is None and p.error
    assert "ZeroPad" in p.error, p.error
    # PyTorch has no way to take the pairs either.
    pairs = tt(padding) if isinstance(padding[0], list) else tuple(padding)
    ran = run(lambda: CONV[rank](1, 1, 3, padding=pairs), torch.ones(1, 1, *[6] * rank))
    assert ran.shape is None


@pytest.mark.parametrize(
    ("padding", "torch_padding"),
    [([[1, 1], [2, 2]], (1, 2)), ([[0, 0], [3, 3]], (0, 3)), ([2, 0], (2, 0))],
)
def test_conv_symmetric_pairs_accepted(padding: Any, torch_padding: Any) -> None:
    spec = {"type": "conv", "filters": 1, "kernel_size": 3, "padding": padding}
    p = plan_layer("torch", [1, 6, 7], spec)
    ran = run(lambda: nn.Conv2d(1, 1, 3, padding=torch_padding), torch.ones(1, 1, 6, 7))
    agree(p, ran, spec)


@pytest.mark.parametrize(
    ("cin", "cout", "groups", "bias"),
    [(3, 4, 2, True), (4, 3, 2, True), (4, 6, 2, False), (6, 6, 3, True), (2, 5, 1, False)],
)
@pytest.mark.parametrize("transposed", [False, True])
def test_conv_groups_and_params(
    cin: int, cout: int, groups: int, bias: bool, transposed: bool
) -> None:
    kind = CONV_T[2] if transposed else CONV[2]
    spec = {
        "type": "conv_transpose" if transposed else "conv",
        "filters": cout,
        "kernel_size": [3, 2],
        "groups": groups,
        "use_bias": bias,
    }
    p = plan_layer("torch", [cin, 5, 5], spec)
    ran = run(lambda: kind(cin, cout, (3, 2), groups=groups, bias=bias), torch.ones(1, cin, 5, 5))
    agree(p, ran, spec)
    if ran.shape is not None:
        assert p.params == n_params(ran.module)
    else:
        assert "groups" in p.error


@FAST
@given(
    rank=st.integers(1, 2),
    n=st.integers(1, 6),
    k=S.kernels,
    d=st.integers(1, 2),
    padding=st.one_of(st.just("same"), st.integers(0, 6)),
    mode=st.sampled_from(["reflect", "circular", "replicate", "zeros"]),
)
def test_conv_padding_mode(rank: int, n: int, k: int, d: int, padding: Any, mode: str) -> None:
    """``padding_mode``: 'reflect' needs each side below the input size, 'circular'
    at most the input size ("wrapping around more than once"), the others anything."""
    spec = {"type": "conv", "filters": 1, "kernel_size": k, "dilation": d}
    spec.update(padding=padding, padding_mode=mode)
    p = plan_layer("torch", [1, *[n] * rank], spec)
    ran = run(
        lambda: CONV[rank](1, 1, k, 1, padding, d, padding_mode=mode), torch.ones(1, 1, *[n] * rank)
    )
    agree(p, ran, (n, spec))


@pytest.mark.parametrize(
    ("mode", "n", "k", "padding"),
    [
        ("reflect", 2, 3, 1),
        ("reflect", 2, 5, 2),  # refused: 2 is not below 2
        ("reflect", 1, 3, 1),
        ("reflect", 2, 4, "same"),  # (1, 2): the after side is refused
        ("circular", 2, 5, 2),
        ("circular", 2, 5, 3),  # refused: wraps around more than once
        ("circular", 1, 4, "same"),
        ("circular", 2, 4, "same"),
        ("replicate", 1, 7, 3),
    ],
)
def test_conv_padding_mode_edges(mode: str, n: int, k: int, padding: Any) -> None:
    spec = {"type": "conv", "filters": 1, "kernel_size": k, "padding": padding}
    spec["padding_mode"] = mode
    p = plan_layer("torch", [1, n], spec)
    agree(
        p, run(lambda: nn.Conv1d(1, 1, k, 1, padding, padding_mode=mode), torch.ones(1, 1, n)), spec
    )
    if p.error:
        assert mode in p.error


@pytest.mark.parametrize("transposed", [False, True])
def test_negative_padding_refused(transposed: bool) -> None:
    kind = CONV_T[1] if transposed else CONV[1]
    spec = {"type": "conv_transpose" if transposed else "conv", "filters": 1, "kernel_size": 3}
    p = plan_layer("torch", [1, 6], {**spec, "padding": -1})
    agree(p, run(lambda: kind(1, 1, 3, padding=-1), torch.ones(1, 1, 6)), spec)


# --- transposed convolution ---------------------------------------------------------


@pytest.mark.parametrize("padding", ["same", "causal", [[1, 2]], [0, 1]])
def test_conv_transpose_padding_forms_refused(padding: Any) -> None:
    """ConvTranspose takes ints only: no 'same', no asymmetric pairs (nor can the
    module be given them)."""
    spec = {"type": "conv_transpose", "filters": 1, "kernel_size": 3, "padding": padding}
    p = plan_layer("torch", [1, 6], spec)
    torch_padding = padding if isinstance(padding, str) else tt(padding)
    agree(
        p,
        run(lambda: nn.ConvTranspose1d(1, 1, 3, padding=torch_padding), torch.ones(1, 1, 6)),
        spec,
    )
    assert "padding" in p.error
    if not isinstance(padding, str):
        assert "Crop the output" in p.error


@GRID
@given(st.data())
def test_conv_transpose_grid(data: st.DataObject) -> None:
    rank = data.draw(S.ranks)
    spatial = data.draw(S.torch_spatial(rank))
    groups = data.draw(st.integers(1, 2))
    cin = groups * data.draw(st.integers(1, 2))
    cout = groups * data.draw(st.integers(1, 2))
    k = data.draw(S.torch_one_or_per_axis(rank, S.kernels))
    s = data.draw(S.torch_one_or_per_axis(rank, S.strides))
    d = data.draw(S.torch_one_or_per_axis(rank, S.dilations))
    padding = data.draw(S.torch_one_or_per_axis(rank, S.torch_paddings))
    op = data.draw(S.torch_one_or_per_axis(rank, st.integers(0, 3)))
    bias = data.draw(st.booleans())
    spec = {
        "type": "conv_transpose",
        "filters": cout,
        "kernel_size": k,
        "strides": s,
        "dilation": d,
        "padding": padding,
        "output_padding": op,
        "groups": groups,
        "use_bias": bias,
    }
    p = plan_layer("torch", [cin, *spatial], spec)
    ran = run(
        lambda: CONV_T[rank](cin, cout, tt(k), tt(s), tt(padding), tt(op), groups, bias, tt(d)),
        torch.ones(1, cin, *spatial),
    )
    agree(p, ran, (spatial, spec))
    if ran.shape is not None:
        assert p.params == n_params(ran.module)


@FAST
@given(
    n=S.sizes,
    k=S.kernels,
    s=S.strides,
    d=S.dilations,
    padding=S.torch_paddings,
    op=st.integers(0, 2),
)
def test_conv_transpose_ones_probe_1d(
    n: int, k: int, s: int, d: int, padding: int, op: int
) -> None:
    """Shows that padding crops both ends of the full output and output_padding adds
    to the end: planner's ``before`` locates each output in the full one."""
    spec = {"type": "conv_transpose", "filters": 1, "kernel_size": k, "strides": s}
    spec.update(dilation=d, padding=padding, output_padding=op, use_bias=False)
    p = plan_layer("torch", [1, n], spec)
    ran = run(
        lambda: ones_like_conv(nn.ConvTranspose1d(1, 1, k, s, padding, op, bias=False, dilation=d)),
        torch.ones(1, 1, n),
    )
    agree(p, ran, (n, spec))
    if ran.output is not None:
        before, after = p.padding[0]
        assert (before, after) == (padding, padding - op)
        assert ran.output.flatten().tolist() == transpose_counts(n, k, s, d, before, p.shape[-1])


@pytest.mark.parametrize(
    ("s", "d", "op"),
    [
        (1, 1, 1),  # refused: not below the stride nor the dilation
        (2, 1, 1),
        (2, 1, 2),
        (1, 2, 1),  # below the dilation is enough
        (1, 3, 2),
        (2, 3, 2),
        (2, 3, 3),
        (3, 1, 2),
        (4, 2, 3),
        (1, 1, -1),  # negative: refused
    ],
)
def test_conv_transpose_output_padding_rule(s: int, d: int, op: int) -> None:
    """PyTorch: ``output padding must be smaller than either stride or dilation``."""
    spec = {"type": "conv_transpose", "filters": 1, "kernel_size": 3, "strides": s}
    spec.update(dilation=d, output_padding=op)
    p = plan_layer("torch", [1, 5, 4], spec)
    ran = run(lambda: nn.ConvTranspose2d(1, 1, 3, s, 0, op, dilation=d), torch.ones(1, 1, 5, 4))
    agree(p, ran, spec)
    if ran.shape is None:
        assert "output_padding" in p.error, p.error


@GRID
@given(st.data())
def test_conv_transpose_output_size(data: st.DataObject) -> None:
    """``forward(x, output_size=...)``: sizes from the smallest output to ``stride - 1``
    more are accepted, everything else refused; the module's own output_padding is
    then ignored."""
    rank = data.draw(S.ranks)
    spatial = data.draw(S.torch_spatial(rank))
    k = data.draw(S.per_axis(rank, S.kernels))
    s = data.draw(S.per_axis(rank, S.strides))
    d = data.draw(S.per_axis(rank, S.dilations))
    padding = data.draw(S.per_axis(rank, S.torch_paddings))
    op = data.draw(st.sampled_from([None, 0, 1, 2]))
    smallest = [
        (n - 1) * ss - 2 * pp + dd * (kk - 1) + 1
        for n, kk, ss, dd, pp in zip(spatial, k, s, d, padding, strict=True)
    ]
    size = [
        max(1, data.draw(st.integers(lo - 2, lo + ss + 1)))
        for lo, ss in zip(smallest, s, strict=True)
    ]
    spec = {"type": "conv_transpose", "filters": 1, "kernel_size": k, "strides": s}
    spec.update(dilation=d, padding=padding, output_size=size)
    if op is not None:
        spec["output_padding"] = op
    p = plan_layer("torch", [1, *spatial], spec)
    ran = run(
        lambda: CONV_T[rank](1, 1, tt(k), tt(s), tt(padding), op or 0, dilation=tt(d)),
        torch.ones(1, 1, *spatial),
        output_size=size,
    )
    agree(p, ran, (spatial, spec))
    if ran.shape is not None:
        assert list(p.shape[1:]) == size
    in_range = all(lo <= n <= lo + ss - 1 for lo, n, ss in zip(smallest, size, s, strict=True))
    if not in_range:
        assert "output_size" in p.error, p.error


@pytest.mark.parametrize(("n", "size"), [(5, 8), (5, 9), (5, 10), (5, 11), (1, 1), (1, 3), (1, 4)])
def test_conv_transpose_output_size_edges(n: int, size: int) -> None:
    spec = {"type": "conv_transpose", "filters": 1, "kernel_size": 3, "strides": 2}
    spec.update(padding=1, output_size=[size])
    p = plan_layer("torch", [1, n], spec)
    ran = run(lambda: nn.ConvTranspose1d(1, 1, 3, 2, 1), torch.ones(1, 1, n), output_size=[size])
    agree(p, ran, (n, spec))


# --- pooling ----------------------------------------------------------------------


def pool_module(op: str, rank: int, k: Any, s: Any, padding: Any, d: Any, ceil: bool, path: str):
    if op == "avg":
        return lambda: AVG_POOL[rank](tt(k), tt(s), tt(padding), ceil_mode=ceil)
    indices = path == "indices"
    return lambda: MAX_POOL[rank](tt(k), tt(s), tt(padding), tt(d), indices, ceil)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_pool_grid(data: st.DataObject) -> None:
    """Max and average pooling in 1-3D; ``path`` also runs PyTorch with autograd on
    (or with indices), which uses other ATen kernels with checks of their own."""
    op = data.draw(st.sampled_from(["max", "avg"]))
    rank = data.draw(S.ranks)
    spatial = data.draw(S.torch_spatial(rank))
    k = data.draw(S.torch_one_or_per_axis(rank, S.kernels))
    s = data.draw(st.one_of(st.none(), S.torch_one_or_per_axis(rank, S.strides)))
    padding = data.draw(S.torch_one_or_per_axis(rank, S.torch_paddings))
    d = data.draw(S.torch_one_or_per_axis(rank, S.dilations)) if op == "max" else 1
    ceil = data.draw(st.booleans())
    path = data.draw(
        st.sampled_from(["plain", "grad", "indices"] if op == "max" else ["plain", "grad"])
    )
    spec = {"type": f"{op}_pool", "pool_size": k, "strides": s, "padding": padding}
    spec.update(dilation=d, ceil_mode=ceil)
    p = plan_layer("torch", [2, *spatial], spec)
    build = pool_module(op, rank, k, s, padding, d, ceil, path)
    ran = run(build, torch.ones(1, 2, *spatial), grad=path == "grad")
    agree(p, ran, (spatial, spec, path))


@pytest.mark.parametrize(
    ("op", "k", "d", "padding"),
    [
        ("max", 2, 3, 1),
        ("max", 2, 3, 2),  # half the effective kernel (4), but more than half the kernel
        ("max", 3, 2, 2),
        ("max", 3, 2, 1),
        ("max", 1, 3, 1),
        ("max", 4, 1, 2),
        ("max", 5, 1, 3),
        ("avg", 2, 1, 1),
        ("avg", 3, 1, 2),
        ("avg", 4, 1, 2),
        ("avg", 4, 1, 3),
        ("avg", 1, 1, 1),
    ],
)
@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("path", ["plain", "grad"])
def test_pool_padding_limit(op: str, k: int, d: int, padding: int, rank: int, path: str) -> None:
    spec = {"type": f"{op}_pool", "pool_size": k, "strides": 1, "padding": padding, "dilation": d}
    p = plan_layer("torch", [1, *[9] * rank], spec)
    ran = run(
        pool_module(op, rank, k, 1, padding, d, False, path),
        torch.ones(1, 1, *[9] * rank),
        grad=path == "grad",
    )
    agree(p, ran, spec)
    if ran.shape is None:
        assert re.search(r"padding.*half", p.error), p.error


@pytest.mark.parametrize(
    ("op", "n", "k", "s", "padding", "d", "fires"),
    [
        ("max", 5, 2, 2, 1, 1, True),  # the extra window would start in the right padding
        ("avg", 5, 2, 2, 1, 1, True),
        ("max", 1, 2, 2, 1, 1, True),
        ("avg", 5, 1, 3, 0, 1, True),  # stride > kernel: would start past the input
        ("max", 2, 1, 4, 0, 1, True),
        ("max", 7, 3, 4, 1, 1, True),
        ("avg", 10, 3, 4, 1, 1, True),
        ("max", 5, 2, 3, 1, 2, True),
        ("avg", 4, 4, 3, 2, 1, True),
        ("max", 6, 3, 2, 1, 1, False),  # the extra window starts inside: kept
        ("avg", 6, 3, 2, 1, 1, False),
        ("max", 8, 2, 4, 1, 2, False),
        ("avg", 7, 2, 2, 0, 1, False),
    ],
)
def test_pool_ceil_mode_edge_windows(
    op: str, n: int, k: int, s: int, padding: int, d: int, fires: bool
) -> None:
    spec = {"type": f"{op}_pool", "pool_size": k, "strides": s, "padding": padding}
    spec.update(dilation=d, ceil_mode=True)
    p = plan_layer("torch", [1, n], spec)
    ran = run(pool_module(op, 1, k, s, padding, d, True, "plain"), torch.ones(1, 1, n))
    agree(p, ran, spec)
    ek = (k - 1) * d + 1
    raw = -(-(n + 2 * padding - ek) // s) + 1  # ceil((n + 2p - ek)/s) + 1
    assert ran.shape[-1] == (raw - 1 if fires else raw)  # the table is what it says


@FAST
@given(
    n=S.sizes,
    k=S.kernels,
    s=st.one_of(st.none(), S.strides),
    d=S.dilations,
    padding=st.integers(0, 3),
    ceil=st.booleans(),
)
def test_max_pool_probe_1d(n: int, k: int, s: int | None, d: int, padding: int, ceil: bool) -> None:
    """Max pooling of ``1..n`` (and of its negation) gives the last (and the first)
    real position in each window: the windows sit where planner's padding says."""
    spec = {"type": "max_pool", "pool_size": k, "strides": s, "padding": padding}
    spec.update(dilation=d, ceil_mode=ceil)
    p = plan_layer("torch", [1, n], spec)
    x = torch.arange(1.0, n + 1).reshape(1, 1, n)
    build = pool_module("max", 1, k, s, padding, d, ceil, "plain")
    ran = run(build, x)
    agree(p, ran, (n, spec))
    if ran.output is None:
        return
    low = run(build, -x).output
    before = p.padding[0][0]
    stride = k if s is None else s
    windows = [real_positions(n, k, stride, d, before, i) for i in range(p.shape[-1])]
    # A dilated window can hold padding only (n=1, k=2, d=2, padding=1): -inf there.
    inf = float("inf")
    assert ran.output.flatten().tolist() == [w[-1] + 1 if w else -inf for w in windows]
    assert (-low).flatten().tolist() == [w[0] + 1 if w else inf for w in windows]


@FAST
@given(
    n=S.sizes,
    k=S.kernels,
    s=st.one_of(st.none(), S.strides),
    padding=st.integers(0, 3),
    ceil=st.booleans(),
)
def test_avg_pool_probe_1d(n: int, k: int, s: int | None, padding: int, ceil: bool) -> None:
    """Average pooling of ``0..n-1`` without counting the padding is the mean of the
    real positions in each window."""
    spec = {"type": "avg_pool", "pool_size": k, "strides": s, "padding": padding}
    spec["ceil_mode"] = ceil
    p = plan_layer("torch", [1, n], spec)
    x = torch.arange(0.0, n, dtype=torch.float64).reshape(1, 1, n)
    ran = run(lambda: nn.AvgPool1d(k, s, padding, ceil, count_include_pad=False), x)
    agree(p, ran, (n, spec))
    if ran.output is None:
        return
    before = p.padding[0][0]
    stride = k if s is None else s
    means = [np.mean(real_positions(n, k, stride, 1, before, i)) for i in range(p.shape[-1])]
    assert np.allclose(ran.output.flatten().numpy(), means)


@pytest.mark.parametrize(
    ("n", "k", "padding", "ceil"),
    [
        (2, 3, 1, False),  # padded 4 >= 3: only AvgPool3d refuses
        (1, 2, 1, False),
        (4, 5, 2, False),
        (2, 3, 0, False),  # refused by every pooling: padded 2 < 3
        (3, 3, 0, False),
        (1, 2, 0, True),  # one ceil-mode window over a single pixel
        (3, 4, 0, True),
    ],
)
@pytest.mark.parametrize("op", ["avg", "max"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_pool_input_smaller_than_kernel(
    n: int, k: int, padding: int, ceil: bool, op: str, rank: int
) -> None:
    """AvgPool3d alone refuses an input smaller than the kernel, padding or not
    (ATen ``pool3d_shape_check(..., check_input_size=true)``: "input image smaller
    than kernel size"); 1D/2D average and all max pooling only need a window."""
    spec = {"type": f"{op}_pool", "pool_size": k, "padding": padding, "ceil_mode": ceil}
    p = plan_layer("torch", [1, *[n] * rank], spec)
    build = pool_module(op, rank, k, None, padding, 1, ceil, "plain")
    agree(p, run(build, torch.ones(1, 1, *[n] * rank)), (rank, n, spec))


@pytest.mark.parametrize(
    ("spatial", "k", "padding", "ceil"),
    [
        ([1, 1, 2], [1, 1, 3], [0, 0, 1], False),
        ([2, 1, 1], [3, 1, 1], [1, 0, 0], False),
        ([1, 1, 1], [1, 1, 2], 0, True),
        ([5, 5, 4], [2, 3, 5], [1, 1, 2], True),
        ([5, 5, 5], [2, 3, 5], [1, 1, 2], True),
    ],
)
@pytest.mark.parametrize("op", ["avg", "max"])
def test_pool_3d_one_axis_smaller_than_kernel(
    spatial: list[int], k: list[int], padding: Any, ceil: bool, op: str
) -> None:
    spec = {"type": f"{op}_pool", "pool_size": k, "padding": padding, "ceil_mode": ceil}
    p = plan_layer("torch", [1, *spatial], spec)
    build = pool_module(op, 3, k, None, padding, 1, ceil, "plain")
    agree(p, run(build, torch.ones(1, 1, *spatial)), (spatial, spec))


def test_avg_pool_has_no_dilation() -> None:
    p = plan_layer("torch", [1, 8], {"type": "avg_pool", "pool_size": 2, "dilation": 2})
    agree(p, run(lambda: nn.AvgPool1d(2, dilation=2), torch.ones(1, 1, 8)), "avg dilation")
    assert "dilation" in p.error


# --- resampling, padding, global pooling ------------------------------------------


@GRID
@given(st.data())
def test_upsample_grid(data: st.DataObject) -> None:
    rank = data.draw(S.ranks)
    spatial = data.draw(S.torch_spatial(rank))
    if data.draw(st.booleans()):
        scale = data.draw(S.torch_one_or_per_axis(rank, S.torch_scale_factors()))
        spec: dict[str, Any] = {"type": "upsample", "scale": scale}
        kw: dict[str, Any] = {"scale_factor": tt(scale)}
    else:
        size = data.draw(S.torch_one_or_per_axis(rank, st.integers(0, 40)))
        spec = {"type": "upsample", "size": size}
        kw = {"size": tt(size)}
    p = plan_layer("torch", [1, *spatial], spec)
    ran = run(lambda: nn.Upsample(**kw), torch.ones(1, 1, *spatial))
    agree(p, ran, (spatial, spec))


@pytest.mark.parametrize("scale", [0.5, 0.3, 1.5, 2.7, 0.1, 1.0, 2, 1 / 3, 2.0000001, 0.19999])
def test_upsample_float_scales(scale: float) -> None:
    p = plan_layer("torch", [1, 5, 6], {"type": "upsample", "scale": scale})
    agree(p, run(lambda: nn.Upsample(scale_factor=scale), torch.ones(1, 1, 5, 6)), scale)


@GRID
@given(st.data())
def test_zero_pad_grid(data: st.DataObject) -> None:
    """Flat amounts in ``F.pad`` order (last axis first), negative ones crop; the
    probe input ``1..N`` shows each axis' (before, after) as planner resolved it."""
    rank = data.draw(S.ranks)
    spatial = data.draw(S.per_axis(rank, st.integers(1, 12)))
    amounts = st.integers(-6, 5)
    pad = data.draw(st.one_of(amounts, st.lists(amounts, min_size=2 * rank, max_size=2 * rank)))
    p = plan_layer("torch", [1, *spatial], {"type": "zero_padding", "padding": pad})
    x = torch.arange(1.0, float(np.prod(spatial)) + 1).reshape(1, 1, *spatial)
    ran = run(lambda: ZERO_PAD[rank](tt(pad)), x)
    agree(p, ran, (spatial, pad))
    if ran.output is None:
        return
    expected = np.zeros(p.shape[1:])
    dst, src = [], []
    for n, out, (before, _after) in zip(spatial, p.shape[1:], p.padding, strict=True):
        lo, hi = max(0, -before), min(n, out - before)
        src.append(slice(lo, hi))
        dst.append(slice(lo + before, hi + before))
    expected[tuple(dst)] = x[0, 0].numpy()[tuple(src)]
    assert ran.output[0, 0].numpy().tolist() == expected.tolist()


@pytest.mark.parametrize(
    ("n", "pad"),
    [
        (5, [-2, -2]),
        (5, [-2, -3]),  # empty: refused
        (5, [-3, -3]),  # PyTorch crops the left, then fails to crop the right
        (5, [-5, 1]),  # cropped to nothing, then padded back to 1
        (5, [-6, 2]),  # crops more than there is, even though the total is 1
        (5, [2, -6]),
        (5, [1, -6]),
        (5, [2, -1]),
    ],
)
def test_zero_pad_negative_edges(n: int, pad: list[int]) -> None:
    p = plan_layer("torch", [1, n], {"type": "zero_padding", "padding": pad})
    agree(p, run(lambda: nn.ZeroPad1d(tuple(pad)), torch.ones(1, 1, n)), (n, pad))


@FAST
@given(st.data())
def test_global_pool_adaptive_to_one(data: st.DataObject) -> None:
    rank = data.draw(S.ranks)
    op = data.draw(st.sampled_from(["avg", "max"]))
    spatial = data.draw(S.torch_spatial(rank))
    c = data.draw(S.torch_channels)
    alias = {"type": f"Adaptive{op.capitalize()}Pool{rank}d"}
    for spec in ({"type": "global_pool", "op": op, "keepdims": True}, alias):
        p = plan_layer("torch", [c, *spatial], spec)
        agree(p, run(lambda: ADAPTIVE[op][rank](1), torch.ones(1, c, *spatial)), spec)


@FAST
@given(st.data())
def test_linear_flatten_batch_norm(data: st.DataObject) -> None:
    rank = data.draw(S.ranks)  # planner's input has channels and at least one spatial axis
    c = data.draw(S.torch_channels)
    shape = [c, *data.draw(S.per_axis(rank, st.integers(1, 9)))]
    units = data.draw(st.integers(1, 5))
    bias = data.draw(st.booleans())
    x = torch.ones(1, *shape)

    p = plan_layer("torch", shape, {"type": "dense", "units": units, "use_bias": bias})
    ran = run(lambda: nn.Linear(shape[-1], units, bias), x)
    agree(p, ran, ("linear", shape))
    assert p.params == n_params(ran.module)

    agree(plan_layer("torch", shape, {"type": "flatten"}), run(nn.Flatten, x), "flatten")

    # BatchNorm{r}d in eval mode: training on a batch of one 1x1 map raises
    # ("Expected more than 1 value per channel"), which depends on the batch.
    affine = data.draw(st.booleans())
    p = plan_layer("torch", shape, {"type": "batch_norm", "affine": affine})
    ran = run(lambda: BATCH_NORM[rank](c, affine=affine).eval(), x)
    agree(p, ran, ("batch_norm", shape))
    assert p.params == n_params(ran.module)
