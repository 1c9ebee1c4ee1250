"""Cost rules, one pure function each: multiply-accumulates, other operations, bytes.

Every argument may be an ``int`` or a sympy expression (a symbolic input size gives
a formula). Sizes never include the batch axis; the caller multiplies by the batch.

Definitions (docs/cost.md states them with the other counters' conventions):

- A **MAC** is one multiply-accumulate of a weight with an input value. Only layers
  with weights have MACs: convolutions (plain, grouped, depthwise, separable,
  transposed) and dense layers. Bias additions are not counted (as in PyTorch's
  ``FlopCounterMode`` and fvcore).
- A transposed convolution counts its MACs on the **input**: every input value
  meets every weight of its group once, whatever the stride and the crop
  (``FlopCounterMode`` does the same; torchinfo counts on the output).
- **FLOPs = 2 x MACs** (a multiply and an add), the convention of
  ``torch.utils.flop_counter``.
- **Ops** are the arithmetic of layers without weights, counted apart from MACs and
  FLOPs: comparisons of max pooling, additions of average pooling and element-wise
  merges, the interpolation of (bi/tri)linear upsampling. Nearest upsampling,
  padding, cropping, concatenation and reshapes move data and count nothing;
  activations and batch normalisation are not counted either.

>>> conv_macs(out_spatial=(26, 26), kernel=(3, 3), cin=1, cout=64, groups=1)
389376
>>> flops(389376)
778752
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from planner.symbolic.ops import Dim, to_int

# Bytes per element of the dtypes a user may name (``--dtype``).
DTYPE_BYTES: dict[str, int] = {
    "float64": 8,
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "float8": 1,
    "int64": 8,
    "int32": 4,
    "int16": 2,
    "int8": 1,
    "uint8": 1,
}


def prod(values: Iterable[Dim]) -> Dim:
    """The product of sizes, an ``int`` when every factor is one."""
    return to_int(math.prod(values))


def conv_macs(
    out_spatial: tuple[Dim, ...], kernel: tuple[Dim, ...], cin: Dim, cout: Dim, groups: Dim
) -> Dim:
    """A (grouped) convolution: each output value is a dot product over its group's
    ``cin / groups`` channels and the kernel window.

    ``prod(out_spatial) * cout * (cin / groups) * prod(kernel)``
    """
    per_group = cin // groups if isinstance(cin, int) and isinstance(groups, int) else cin / groups
    return to_int(prod(out_spatial) * cout * per_group * prod(kernel))


def depthwise_macs(out_spatial: tuple[Dim, ...], kernel: tuple[Dim, ...], cout: Dim) -> Dim:
    """A depthwise convolution (``groups = cin``, ``cout = cin * depth_multiplier``):
    one input channel per output value. ``prod(out_spatial) * cout * prod(kernel)``"""
    return to_int(prod(out_spatial) * cout * prod(kernel))


def separable_macs(
    out_spatial: tuple[Dim, ...], kernel: tuple[Dim, ...], mid: Dim, cout: Dim
) -> Dim:
    """Depthwise (``mid = cin * depth_multiplier`` channels) then pointwise to ``cout``.

    ``prod(out_spatial) * mid * (prod(kernel) + cout)``
    """
    return to_int(prod(out_spatial) * mid * (prod(kernel) + cout))


def conv_transpose_macs(
    in_spatial: tuple[Dim, ...], kernel: tuple[Dim, ...], cin: Dim, cout: Dim, groups: Dim
) -> Dim:
    """A transposed convolution, counted on its **input**: every input value is
    multiplied by each of the ``(cout / groups) * prod(kernel)`` weights of its group.

    ``prod(in_spatial) * cin * (cout / groups) * prod(kernel)``; the stride, dilation
    and crop change where products land, not how many there are.
    """
    per_group = (
        cout // groups if isinstance(cout, int) and isinstance(groups, int) else cout / groups
    )
    return to_int(prod(in_spatial) * cin * per_group * prod(kernel))


def dense_macs(in_dims: tuple[Dim, ...], units: Dim) -> Dim:
    """A dense layer on the last axis: ``prod(in_dims) * units``."""
    return to_int(prod(in_dims) * units)


def flops(macs: Dim) -> Dim:
    """FLOPs as ``2 * MACs`` (one multiply, one add)."""
    return to_int(2 * macs)


def max_pool_ops(out_numel: Dim, kernel: tuple[Dim, ...]) -> Dim:
    """Comparisons: ``prod(kernel) - 1`` per output value."""
    return to_int(out_numel * (prod(kernel) - 1))


def avg_pool_ops(out_numel: Dim, kernel: tuple[Dim, ...]) -> Dim:
    """``prod(kernel) - 1`` additions and one division per output value."""
    return to_int(out_numel * prod(kernel))


def global_pool_ops(in_numel: Dim, channels: Dim, op: str) -> Dim:
    """Average: ``n - 1`` additions and one division per channel (``in_numel``);
    max: ``n - 1`` comparisons per channel (``in_numel - channels``)."""
    return to_int(in_numel if op == "avg" else in_numel - channels)


def upsample_ops(out_numel: Dim, rank: int, mode: str) -> Dim:
    """Nearest copies (0); linear modes weigh ``2**rank`` neighbours per output value."""
    if mode.lower() in ("nearest", "nearest-exact", "nearest_exact"):
        return 0
    return to_int(out_numel * 2**rank)


def merge_ops(out_numel: Dim, n_inputs: int, op: str) -> Dim:
    """Element-wise merges: ``n - 1`` operations per value (an average adds a
    division: ``n``). Concatenation counts 0."""
    if op == "concatenate":
        return 0
    return to_int(out_numel * (n_inputs if op == "average" else n_inputs - 1))


def tensor_bytes(numel: Dim, batch: int, dtype_bytes: int) -> Dim:
    """Bytes of one activation tensor for a batch: ``batch * numel * dtype_bytes``."""
    return to_int(batch * numel * dtype_bytes)
