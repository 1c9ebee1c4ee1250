"""Hypothesis strategies shared by the test suite (one place, per the style guide).

Each framework's conformance tests add their strategies in a section of their own.
"""

from __future__ import annotations

from hypothesis import strategies as st

ranks = st.integers(min_value=1, max_value=3)
sizes = st.integers(min_value=1, max_value=40)
kernels = st.integers(min_value=1, max_value=7)
strides = st.integers(min_value=1, max_value=4)
dilations = st.integers(min_value=1, max_value=3)


@st.composite
def per_axis(draw: st.DrawFn, rank: int, values: st.SearchStrategy[int]) -> list[int]:
    """One value per spatial axis."""
    return [draw(values) for _ in range(rank)]


# --- PyTorch (tests/conformance/test_torch.py) -------------------------------------

torch_channels = st.integers(min_value=1, max_value=3)
torch_paddings = st.integers(min_value=0, max_value=4)


@st.composite
def torch_spatial(draw: st.DrawFn, rank: int) -> list[int]:
    """Input sizes per axis, 1-40. In 3D one axis (drawn) spans 1-40 and the others
    1-10, so a 3D transposed convolution (up to 175 per axis) still runs quickly."""
    if rank < 3:
        return draw(per_axis(rank, sizes))
    big = draw(st.integers(min_value=0, max_value=rank - 1))
    small = st.integers(min_value=1, max_value=10)
    return [draw(sizes if i == big else small) for i in range(rank)]


@st.composite
def torch_one_or_per_axis(
    draw: st.DrawFn, rank: int, values: st.SearchStrategy[int]
) -> int | list[int]:
    """One value for every axis (``kernel_size=3``) or one per axis (``(3, 5)``)."""
    if draw(st.booleans()):
        return draw(values)
    return draw(per_axis(rank, values))


def torch_conv_padding(rank: int) -> st.SearchStrategy[str | int | list[int]]:
    """``nn.ConvNd`` padding: ``'valid'``, ``'same'``, one int, or one int per axis."""
    return st.one_of(
        st.sampled_from(["valid", "same"]), torch_one_or_per_axis(rank, torch_paddings)
    )


def torch_scale_factors() -> st.SearchStrategy[int | float]:
    """``nn.Upsample(scale_factor=...)``: an int, or any float (below 1 too)."""
    return st.one_of(
        st.integers(min_value=1, max_value=4),
        st.floats(min_value=0.05, max_value=4.0, allow_nan=False, allow_infinity=False),
    )


# --- small random sequential networks (symbolic vs concrete, solver oracles) --------


@st.composite
def spatial_layer(draw: st.DrawFn, framework: str) -> dict:
    """One spatial layer valid in ``framework``'s vocabulary (sizes may still fail)."""
    kind = draw(st.sampled_from(["conv", "pool", "upsample", "transpose", "pad", "crop"]))
    k = draw(st.integers(1, 5))
    s = draw(st.integers(1, 3))
    if kind == "conv":
        if framework == "torch":
            padding: object = draw(st.integers(0, 2))
        elif framework == "onnx":
            padding = draw(st.sampled_from(["valid", "same_upper", "same_lower", [[0, 1], [0, 1]]]))
        elif framework == "jax":
            padding = draw(st.sampled_from(["valid", "same", "same_lower", [[1, 0], [1, 0]]]))
        else:
            padding = draw(st.sampled_from(["valid", "same"]))
        return {"type": "conv", "filters": 2, "kernel_size": k, "strides": s, "padding": padding}
    if kind == "pool":
        layer: dict = {"type": "max_pool", "pool_size": max(k, 1), "strides": s}
        if framework == "torch":
            layer["padding"] = draw(st.integers(0, max(k, 1) // 2))
            layer["ceil_mode"] = draw(st.booleans())
        elif framework == "keras":
            layer["padding"] = draw(st.sampled_from(["valid", "same"]))
        return layer
    if kind == "upsample":
        return {"type": "upsample", "scale": draw(st.integers(1, 3))}
    if kind == "transpose":
        layer = {"type": "conv_transpose", "filters": 2, "kernel_size": k, "strides": s}
        if framework == "keras":
            layer["padding"] = draw(st.sampled_from(["valid", "same"]))
        elif framework == "torch":
            layer["padding"] = draw(st.integers(0, 1))
            layer["output_padding"] = draw(st.integers(0, s - 1))
        elif framework == "jax":
            layer["padding"] = draw(st.sampled_from(["valid", "same"]))
        return layer
    amount = [[draw(st.integers(0, 2)), draw(st.integers(0, 2))]] * 2
    if kind == "pad":
        return {"type": "zero_padding", "padding": amount}
    return {"type": "cropping", "cropping": amount}


@st.composite
def sequential_network(draw: st.DrawFn, framework: str | None = None, max_layers: int = 5) -> dict:
    """Plain data of a small 2D sequential network with a free input size."""
    fw = framework or draw(st.sampled_from(["keras", "torch", "jax", "onnx"]))
    layers = draw(st.lists(spatial_layer(fw), min_size=1, max_size=max_layers))
    shape = ["H", "W", 2] if fw in ("keras", "jax") else [2, "H", "W"]
    return {"name": "random", "framework": fw, "input_shape": shape, "layers": layers}
