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


# --- YAML text (tests/test_yaml_subset.py) ---------------------------------------------

# Scalars as written: plain words, and spellings that YAML 1.1 reads as something else
# (booleans, octal, sexagesimal, floats, null) or that are not plain at all.
YAML_SCALARS = (
    "a", "Conv2D", "same", "relu", "x_1", "k.s", "a/b", "a-b", "-a", "yes", "No", "on",
    "OFF", "y", "n", "true", "False", "null", "Null", "None", "~", "0", "1", "-1", "+1", "012",
    "0x1F", "0o7", "0b11", "1_000", "1e3", "1.5", "-1.5", ".5", "1.", ".inf", "-.Inf",
    ".nan", "1:30", "2001-12-14", "a:b", "a#b", "-", "?", "?a", ":a", "a b", "'q'",
    '"q"', "''", '""', "'it''s'", '"a\\"b"', "a,b", "[", "]", "{}", "[]", "&x", "*x",
    "!x", "|", ">", "%", "@", "`", "<<", "=", "a # c", "#c", "a  b", "(3, 3)", "?op",
)  # fmt: skip


@st.composite
def yaml_documents(draw: st.DrawFn, depth: int = 3) -> str:
    """YAML text in block and flow styles, with comments, odd indentation and tricky
    scalars, some of it invalid YAML."""
    scalars = st.sampled_from(YAML_SCALARS)

    def flow(level: int) -> str:
        kind = draw(st.sampled_from(["scalar", "list", "map"] if level < depth else ["scalar"]))
        if kind == "scalar":
            return draw(scalars)
        items = draw(st.integers(min_value=0, max_value=3))
        if kind == "list":
            return "[" + ", ".join(flow(level + 1) for _ in range(items)) + "]"
        sep = draw(st.sampled_from([": ", ":", " : ", ":  "]))
        return "{" + ", ".join(draw(scalars) + sep + flow(level + 1) for _ in range(items)) + "}"

    def block(level: int, indent: int) -> list[str]:
        pad = " " * indent
        lines = []
        if draw(st.booleans()) or level >= depth:  # a mapping
            for _ in range(draw(st.integers(min_value=1, max_value=3))):
                key = draw(scalars)
                if level < depth and draw(st.booleans()):
                    lines.append(f"{pad}{key}:")
                    step = draw(st.sampled_from([0, 2, 4]))
                    lines += block(level + 1, indent + step)
                else:
                    lines.append(f"{pad}{key}: {flow(level + 1)}")
        else:  # a sequence
            for _ in range(draw(st.integers(min_value=1, max_value=3))):
                style = draw(st.sampled_from(["flow", "compact", "nested"]))
                if style == "flow" or level >= depth:
                    lines.append(f"{pad}- {flow(level + 1)}")
                elif style == "compact":
                    inner = block(level + 1, indent + 2)
                    lines.append(f"{pad}- {inner[0][indent + 2 :]}")
                    lines += inner[1:]
                else:
                    lines.append(f"{pad}-")
                    lines += block(level + 1, indent + 2)
        if draw(st.booleans()):
            at = draw(st.integers(min_value=0, max_value=len(lines)))
            lines.insert(at, pad + draw(st.sampled_from(["# a comment", "", "  # indented"])))
        return lines

    text = "\n".join(block(0, 0)) + "\n"
    if draw(st.booleans()):  # a stray character somewhere
        at = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:at] + draw(st.sampled_from(list(" -:#,[]{}'\"\t\x07&*\n"))) + text[at:]
    return text


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


# --- JAX / Flax (tests/conformance/test_jax.py) -------------------------------------
# Paddings are drawn in Flax's own spelling (upper-case modes, tuples); the test turns
# them into planner's. lax accepts negative explicit amounts (they crop).

jax_channels = st.integers(min_value=1, max_value=3)
jax_pad_amounts = st.integers(min_value=-4, max_value=5)
JAX_CONV_MODES = ("SAME", "VALID", "SAME_LOWER", "CIRCULAR", "CAUSAL")
JAX_CONV_TRANSPOSE_MODES = ("SAME", "VALID", "SAME_LOWER", "CIRCULAR")
JAX_POOL_MODES = ("SAME", "VALID", "SAME_LOWER")


def jax_pairs(rank: int) -> st.SearchStrategy[list[tuple[int, int]]]:
    """One ``(low, high)`` pair per spatial axis, asymmetric, negatives included."""
    pair = st.tuples(jax_pad_amounts, jax_pad_amounts)
    return st.lists(pair, min_size=rank, max_size=rank)


def jax_conv_padding(rank: int, modes: tuple[str, ...] = JAX_CONV_MODES) -> st.SearchStrategy:
    """``nn.Conv``/``nn.ConvTranspose`` padding: a mode, one int for every side, or
    per axis an int or a ``(low, high)`` pair."""
    per_axis_entry = st.one_of(jax_pad_amounts, st.tuples(jax_pad_amounts, jax_pad_amounts))
    return st.one_of(
        st.sampled_from(modes),
        jax_pad_amounts,
        jax_pairs(rank),
        st.lists(per_axis_entry, min_size=rank, max_size=rank),
    )


def jax_pool_padding(rank: int) -> st.SearchStrategy:
    """``flax.linen.max_pool``/``avg_pool`` padding: a mode or ``(low, high)`` pairs."""
    return st.one_of(st.sampled_from(JAX_POOL_MODES), jax_pairs(rank))


def jax_strides(rank: int) -> st.SearchStrategy[list[int]]:
    """Per-axis strides; all ones a third of the time (``'SAME_LOWER'`` transposed
    convolutions exist only there)."""
    return st.one_of(st.just([1] * rank), per_axis(rank, strides), per_axis(rank, strides))


# --- Keras 3 (tests/conformance/test_keras.py) --------------------------------------

keras_channels = st.integers(min_value=1, max_value=3)
# Mostly Keras' default layout, a third of the time channels_first.
keras_data_formats = st.sampled_from(["channels_last", "channels_last", "channels_first"])


@st.composite
def keras_spatial(draw: st.DrawFn, rank: int) -> list[int]:
    """Input sizes 1-40 per axis; in 3D only one axis (drawn) above 10, so a 3D
    transposed convolution stays small."""
    if rank < 3:
        return draw(per_axis(rank, sizes))
    big = draw(st.integers(min_value=0, max_value=rank - 1))
    small = st.integers(min_value=1, max_value=10)
    return [draw(sizes if i == big else small) for i in range(rank)]


@st.composite
def keras_strides_dilations(draw: st.DrawFn, rank: int) -> tuple[list[int], list[int]]:
    """Per-axis ``strides`` and ``dilation_rate``. Keras refuses a layer with any
    stride > 1 and any dilation > 1 (even on different axes), so most draws vary
    one of the two and a quarter vary both (those are mostly refusals)."""
    kind = draw(st.sampled_from(["strided", "strided", "dilated", "both"]))
    s = draw(per_axis(rank, strides)) if kind != "dilated" else [1] * rank
    d = draw(per_axis(rank, dilations)) if kind != "strided" else [1] * rank
    return s, d


@st.composite
def keras_conv_case(draw: st.DrawFn, transpose: bool = False) -> dict:
    """A Keras ``Conv{1,2,3}D`` (or ``...Transpose``) case: rank, input, kernel,
    strides, dilation, padding mode (``'causal'`` for 1D, and now and then for 2D/3D
    where Keras refuses it), output padding (transpose: ``None`` or 0..stride, the
    last one refused), channels, filters, data format and bias."""
    rank = draw(ranks)
    s, d = draw(keras_strides_dilations(rank))
    modes = ["valid", "same"]
    if not transpose:
        modes += ["causal"] * (2 if rank == 1 else 1)
    case = {
        "rank": rank,
        "spatial": draw(keras_spatial(rank)),
        "kernel": draw(per_axis(rank, kernels)),
        "strides": s,
        "dilation": d,
        "padding": draw(st.sampled_from(modes)),
        "channels": draw(keras_channels),
        "filters": draw(keras_channels),
        "data_format": draw(keras_data_formats),
        "use_bias": draw(st.booleans()),
        "output_padding": None,
    }
    if transpose and draw(st.booleans()):
        case["output_padding"] = [draw(st.integers(0, si)) for si in s]
    return case


@st.composite
def keras_pool_case(draw: st.DrawFn) -> dict:
    """A Keras ``MaxPooling``/``AveragePooling`` case; ``strides=None`` is the
    default (the pool size)."""
    rank = draw(ranks)
    return {
        "rank": rank,
        "spatial": draw(keras_spatial(rank)),
        "pool": draw(per_axis(rank, kernels)),
        "strides": draw(st.none() | per_axis(rank, strides)),
        "padding": draw(st.sampled_from(["valid", "same"])),
        "op": draw(st.sampled_from(["max", "avg"])),
        "channels": draw(keras_channels),
        "data_format": draw(keras_data_formats),
    }


@st.composite
def keras_pairs(draw: st.DrawFn, rank: int, max_value: int = 6) -> list[list[int]]:
    """``[before, after]`` per axis (``ZeroPadding``/``Cropping`` amounts)."""
    amount = st.integers(min_value=0, max_value=max_value)
    return [[draw(amount), draw(amount)] for _ in range(rank)]


# --- ONNX / ONNX Runtime (tests/conformance/test_onnx.py) ---------------------------

# ONNX Runtime sessions are slowish to build: keep the tensors small, 3D smallest.
_ONNX_MAX_SIZE = {1: 12, 2: 7, 3: 5}


@st.composite
def onnx_spatial(draw: st.DrawFn, rank: int) -> list[int]:
    """Input sizes per axis: 1-12 in 1D, 1-7 in 2D, 1-5 in 3D."""
    return draw(per_axis(rank, st.integers(min_value=1, max_value=_ONNX_MAX_SIZE[rank])))


@st.composite
def onnx_padding(
    draw: st.DrawFn, rank: int, limits: list[int] | None = None, max_pad: int = 3
) -> dict:
    """One ONNX padding, told to ORT and to planner in matching forms.

    ``auto_pad`` is ORT's attribute; ``pairs`` the explicit ``[before, after]`` per
    axis (``NOTSET`` only, else ``None``); ``key``/``value`` what planner receives:
    a mode (``'same'`` and ``'same_upper'`` both mean ``SAME_UPPER``), the flat ONNX
    ``pads`` list, ``[before, after]`` pairs, one int or one int per axis.
    ``limits`` caps each axis' amount (pools: below the kernel); now and then one
    amount is -1 or at the cap, which ONNX refuses.
    """
    form = draw(st.sampled_from(["mode", "mode", "flat", "pairs", "pairs", "int", "ints"]))
    if form == "mode":
        value = draw(st.sampled_from(["valid", "same", "same_upper", "same_lower", "notset"]))
        auto_pad = {"same": "SAME_UPPER", "notset": "NOTSET"}.get(value, value.upper())
        return {"auto_pad": auto_pad, "pairs": None, "key": "padding", "value": value}
    caps = limits if limits is not None else [max_pad + 1] * rank
    amount = [st.integers(min_value=0, max_value=max(c - 1, 0)) for c in caps]
    if form == "int":
        p = draw(st.integers(min_value=0, max_value=max(min(caps) - 1, 0)))
        pairs = [[p, p] for _ in range(rank)]
        value: object = p
    elif form == "ints":
        ps = [draw(a) for a in amount]
        pairs = [[p, p] for p in ps]
        value = ps
    else:
        pairs = [[draw(a), draw(a)] for a in amount]
        if draw(st.integers(min_value=0, max_value=7)) == 0:
            axis, side = draw(st.integers(0, rank - 1)), draw(st.integers(0, 1))
            pairs[axis][side] = draw(st.sampled_from([-1, caps[axis]]))
        if form == "flat":
            return {
                "auto_pad": "NOTSET",
                "pairs": pairs,
                "key": "pads",
                "value": [p[0] for p in pairs] + [p[1] for p in pairs],
            }
        value = pairs
    return {"auto_pad": "NOTSET", "pairs": pairs, "key": "padding", "value": value}


onnx_kernels = st.integers(min_value=1, max_value=4)
onnx_strides = st.integers(min_value=1, max_value=4)
# Mostly undilated: SAME convolutions refuse any dilation.
onnx_dilations = st.sampled_from([1, 1, 1, 2, 3])


@st.composite
def onnx_conv_case(draw: st.DrawFn, transpose: bool = False, rank: int | None = None) -> dict:
    """An ONNX ``Conv`` (or ``ConvTranspose``) case: rank 1-3, input, kernel,
    strides, dilations, padding (``onnx_padding``), groups and channels, bias; for
    ``ConvTranspose`` also ``output_padding`` (``None`` or 0..max(stride, dilation),
    the top refused) and ``output_shape`` (``None`` or 0..full + stride)."""
    rank = draw(ranks) if rank is None else rank
    n = draw(onnx_spatial(rank))
    k = draw(per_axis(rank, onnx_kernels if rank < 3 else st.integers(1, 3)))
    s = draw(per_axis(rank, onnx_strides if rank < 3 else st.integers(1, 2)))
    d = draw(per_axis(rank, onnx_dilations))
    groups = draw(st.sampled_from([1, 1, 2]))
    case = {
        "rank": rank,
        "spatial": n,
        "kernel": k,
        "strides": s,
        "dilation": d,
        "padding": draw(onnx_padding(rank)),
        "groups": groups,
        "channels": groups * draw(st.integers(1, 2 if groups == 1 else 1)),
        "filters": groups * draw(st.integers(1, 2 if groups == 1 else 1)),
        "use_bias": draw(st.booleans()),
        "output_padding": None,
        "output_shape": None,
    }
    if transpose:
        if draw(st.booleans()):
            case["output_padding"] = [
                draw(st.integers(0, max(si, di))) for si, di in zip(s, d, strict=True)
            ]
        if draw(st.integers(0, 3)) == 0:
            full = [
                (ni - 1) * si + (ki - 1) * di + 1 for ni, ki, si, di in zip(n, k, s, d, strict=True)
            ]
            case["output_shape"] = [
                draw(st.integers(0, f + si)) for f, si in zip(full, s, strict=True)
            ]
    return case


@st.composite
def onnx_pool_case(draw: st.DrawFn, rank: int | None = None) -> dict:
    """An ONNX ``MaxPool``/``AveragePool`` case: kernel, strides (``None``: the ONNX
    default 1), dilations (both ops since opset 19), ``ceil_mode`` and a padding
    whose explicit amounts stay below the kernel (now and then at it: refused)."""
    rank = draw(ranks) if rank is None else rank
    k = draw(per_axis(rank, onnx_kernels if rank < 3 else st.integers(1, 3)))
    return {
        "rank": rank,
        "spatial": draw(onnx_spatial(rank)),
        "pool": k,
        "strides": draw(st.none() | per_axis(rank, onnx_strides)),
        "dilation": draw(per_axis(rank, onnx_dilations)),
        "padding": draw(onnx_padding(rank, limits=k)),
        "ceil_mode": draw(st.booleans()),
        "op": draw(st.sampled_from(["max", "avg"])),
        "channels": draw(st.integers(1, 2)),
    }


@st.composite
def onnx_pad_case(draw: st.DrawFn) -> dict:
    """An ONNX ``Pad`` (constant) case: ``[before, after]`` per axis in -4..3
    (negative amounts crop)."""
    rank = draw(ranks)
    amount = st.integers(min_value=-4, max_value=3)
    return {
        "rank": rank,
        "spatial": draw(onnx_spatial(rank)),
        "pairs": [[draw(amount), draw(amount)] for _ in range(rank)],
    }


# Scales exact in float32, and scales that are not (ORT multiplies in float32).
onnx_scales = st.sampled_from([0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0]) | st.floats(
    min_value=0.05, max_value=3.5
).map(lambda f: round(f, 2))


@st.composite
def onnx_resize_case(draw: st.DrawFn) -> dict:
    """An ONNX ``Resize`` case: per-axis ``scales`` (float, downsampling too) or
    ``sizes`` (0..16, 0 refused), mode ``nearest`` or ``linear``."""
    rank = draw(ranks)
    by_size = draw(st.booleans())
    return {
        "rank": rank,
        "spatial": draw(onnx_spatial(rank)),
        "scales": None if by_size else draw(per_axis(rank, onnx_scales)),
        "sizes": draw(per_axis(rank, st.integers(0, 16))) if by_size else None,
        "mode": draw(st.sampled_from(["nearest", "linear"])),
    }


@st.composite
def solve_problem(draw: st.DrawFn) -> tuple[dict, list[str], list[str]]:
    """A small concrete network, 1-3 bounded unknowns in it, and targets for the solver.

    Returns (network data, unknown specs ``LAYER.FIELD=LO..HI`` or ``LAYER.FIELD=A,B``,
    target strings).
    """
    fw = draw(st.sampled_from(["keras", "torch", "jax", "onnx"]))
    layers = draw(st.lists(spatial_layer(fw), min_size=2, max_size=5))
    for i, layer in enumerate(layers):
        layer["name"] = f"l{i}"
    size = draw(st.integers(6, 24))
    shape = [size, size + draw(st.integers(0, 3)), 2]
    if fw in ("torch", "onnx"):
        shape = [2, shape[0], shape[1]]
    data = {"name": "p", "framework": fw, "input_shape": shape, "layers": layers}
    candidates = []
    for layer in layers:
        name = layer["name"]
        if layer["type"] in ("conv", "conv_transpose", "max_pool"):
            candidates.append(f"{name}.strides=1..3")
            k = "pool_size" if layer["type"] == "max_pool" else "kernel_size"
            candidates.append(f"{name}.{k}=1..4")
            # Choice lists (the CLI's LAYER.FIELD=A,B,C)
            candidates.append(f"{name}.strides=1,3")
            candidates.append(f"{name}.{k}=2,3,5")
            if layer["type"] == "max_pool" and layer.get("strides") is None:
                candidates.append(f"{name}.strides=default,1,2")
        if layer["type"] == "conv" and fw in ("torch",):
            candidates.append(f"{name}.padding=0..3")
            candidates.append(f"{name}.padding=0,2,3")
        if (
            layer["type"] == "conv"
            and fw in ("keras", "jax", "onnx")
            and isinstance(layer.get("padding"), str)
        ):
            candidates.append(f"{name}.padding")
            other = "same_upper" if fw == "onnx" else "same"
            candidates.append(f"{name}.padding=valid,{other}")
        if layer["type"] == "max_pool" and fw == "torch":
            candidates.append(f"{name}.ceil_mode")
        if layer["type"] == "conv_transpose" and fw == "torch":
            candidates.append(f"{name}.output_padding=0..2")
        if layer["type"] in ("zero_padding", "cropping"):
            field = "padding" if layer["type"] == "zero_padding" else "cropping"
            candidates.append(f"{name}.{field}=0..3")
        if layer["type"] == "upsample":
            candidates.append(f"{name}.scale=1..3")
    candidates.append("input.H=4..30")
    unknowns = draw(
        st.lists(
            st.sampled_from(candidates), min_size=1, max_size=3, unique_by=lambda u: u.split("=")[0]
        )
    )
    target_kind = draw(st.sampled_from(["none", "number", "input"]))
    targets = []
    if target_kind == "number":
        targets.append(f"output.H={draw(st.integers(1, 40))}")
    elif target_kind == "input":
        targets.append("output.W=input")
    return data, unknowns, targets


# --- receptive-field stacks (tests/test_cost_frameworks.py) --------------------------


@st.composite
def rf_layer(draw: st.DrawFn, padded: bool) -> dict:
    """One 1D PyTorch layer for receptive-field stacks (one filter). ``padded=False``
    keeps every window inside its input (no padding, ceil mode, output padding or
    interpolation), so that no pixel looks past a border."""
    kinds = ["conv", "conv", "pool", "transpose", "upsample", "crop"]
    if padded:
        kinds += ["pad", "linear"]
    kind = draw(st.sampled_from(kinds))
    k = draw(st.integers(1, 5))
    s = draw(st.integers(1, 3))
    if kind == "conv":
        layer = {"type": "conv", "filters": 1, "kernel_size": k, "strides": s}
        layer["dilation"] = draw(st.integers(1, 3))
        layer["padding"] = draw(st.integers(0, 2)) if padded else 0
        return layer
    if kind == "pool":
        k = min(k, 4)
        layer = {"type": draw(st.sampled_from(["max_pool", "avg_pool"])), "pool_size": k}
        layer["strides"] = s
        if padded:
            layer["padding"] = draw(st.integers(0, k // 2))
            layer["ceil_mode"] = draw(st.booleans())
        return layer
    if kind == "transpose":
        d = draw(st.integers(1, 2))
        layer = {"type": "conv_transpose", "filters": 1, "kernel_size": min(k, 4), "strides": s}
        layer["dilation"] = d
        layer["padding"] = draw(st.integers(0, 2))
        if padded:
            layer["output_padding"] = draw(st.integers(0, max(s, d) - 1))
        return layer
    if kind in ("upsample", "linear"):
        mode = "nearest" if kind == "upsample" else "linear"
        return {"type": "upsample", "scale": draw(st.integers(1, 3)), "mode": mode}
    amount = [[draw(st.integers(0, 2)), draw(st.integers(0, 2))]]
    if kind == "pad":
        return {"type": "zero_padding", "padding": amount}
    return {"type": "cropping", "cropping": amount}


@st.composite
def rf_stack(draw: st.DrawFn, padded: bool) -> tuple[list[dict], int]:
    """A 1D stack of ``rf_layer``s, sometimes with a merge: two branches from one
    tensor, the longer cropped to the shorter, then concatenated or added. Returns
    the layers and an input length."""
    import planner
    from planner.spec.loading import network_from_data

    n = draw(st.integers(6, 48))
    layers: list[dict] = []
    for step in range(draw(st.integers(1, 5))):
        if draw(st.integers(0, 3)) != 0:
            layer = draw(rf_layer(padded))
            layers.append({**layer, "name": f"l{step}"})
            continue
        root = layers[-1]["name"] if layers else "input"
        a = [{**draw(rf_layer(padded)), "name": f"a{step}_{i}"} for i in range(2)]
        b = [{**draw(rf_layer(padded)), "name": f"b{step}"}]
        a[0]["inputs"] = [root]
        b[0]["inputs"] = [root]
        trial = network_from_data(
            {"name": "t", "framework": "torch", "input_shape": [1, n], "layers": layers + a + b}
        )
        result = planner.infer(trial)
        if not result.ok:
            layers.append({**a[0], "inputs": [root]})
            continue
        la, lb = result[a[-1]["name"]].spatial[0], result[b[-1]["name"]].spatial[0]
        longer, shorter = (
            (a[-1]["name"], b[-1]["name"]) if la >= lb else (b[-1]["name"], a[-1]["name"])
        )
        cut = abs(la - lb)
        left = draw(st.integers(0, cut))
        crop = {"type": "cropping", "cropping": [[left, cut - left]], "name": f"c{step}"}
        crop["inputs"] = [longer]
        merge = draw(st.sampled_from(["concatenate", "add"]))
        layers += (
            a + b + [crop, {"type": merge, "name": f"m{step}", "inputs": [shorter, f"c{step}"]}]
        )
    return layers, n


# --- crop_to (tests/conformance/test_crop_to.py, tests/test_crop_to.py) --------------

crop_splits = st.sampled_from(["floor", "ceil", "round_half_even"])
crop_modes = st.sampled_from(["crop", "crop_or_pad"])


@st.composite
def crop_to_case(draw: st.DrawFn, rank: int = 2) -> dict:
    """A tensor of ``sizes`` cropped (or padded) to a reference of ``like_sizes``:
    differences of either sign and parity on every axis, equal sizes too."""
    sizes = draw(per_axis(rank, st.integers(1, 12)))
    like = [max(1, n - draw(st.integers(-5, 7))) for n in sizes]
    return {
        "sizes": sizes,
        "like_sizes": like,
        "channels": draw(st.integers(1, 2)),
        "split": draw(crop_splits),
        "mode": draw(crop_modes),
    }


# --- networks with skips and tied unknowns (tests/test_solver_scaling.py) ------------


@st.composite
def skip_problem(draw: st.DrawFn) -> tuple[dict, list[str]]:
    """A small PyTorch network of blocks, some of them U-Net-like skips (pool, conv,
    upsample, concatenate with the block's input), whose 3x3 convolutions have unknown
    paddings in 0..2; a later convolution may reuse an earlier unknown (a mirrored
    encoder/decoder pair); or the input size is unknown too (named ``input``, over 7
    sizes) with at most 3 paddings. Returns (network data, targets)."""
    layers: list[dict] = []
    names: list[str] = []  # unknown names so far
    prev = "input"
    unknown_input = draw(st.booleans())
    most = 3 if unknown_input else 6

    def conv() -> dict:
        nonlocal prev
        i = len(layers)
        if names and draw(st.integers(0, 3)) == 0:
            padding: object = {"unknown": draw(st.sampled_from(names)), "min": 0, "max": 2}
        elif len(names) < most and draw(st.integers(0, 3)) > 0:
            names.append(f"p{len(names)}")
            padding = {"unknown": names[-1], "min": 0, "max": 2}
        else:
            padding = 1
        layer = {
            "type": "Conv2d",
            "out_channels": 2,
            "kernel_size": 3,
            "padding": padding,
            "name": f"l{i}",
            "inputs": [prev],
        }
        layers.append(layer)
        prev = layer["name"]
        return layer

    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", "skip", "skip"]))
        if kind == "conv":
            conv()
            continue
        start = prev
        layers.append(
            {"type": "MaxPool2d", "kernel_size": 2, "name": f"l{len(layers)}", "inputs": [prev]}
        )
        prev = layers[-1]["name"]
        for _ in range(draw(st.integers(1, 2))):
            conv()
        layers.append(
            {"type": "Upsample", "scale_factor": 2, "name": f"l{len(layers)}", "inputs": [prev]}
        )
        up = layers[-1]["name"]
        layers.append({"type": "Cat", "name": f"l{len(layers)}", "inputs": [start, up]})
        prev = layers[-1]["name"]
    size: object = draw(st.integers(4, 14))
    if unknown_input:
        size = {"unknown": "input", "min": size, "max": size + 6}
    data = {"name": "skips", "framework": "torch", "input_shape": [2, size, size], "layers": layers}
    kind = draw(st.sampled_from(["none", "number", "input"]))
    targets = []
    if kind == "number":
        targets.append(f"output={draw(st.integers(1, 16))}")
    elif kind == "input":
        targets.append("output=input")
    return data, targets


# --- report text (tests/test_summary_text.py) --------------------------------------------

# Cell and line texts: shapes, formulas, long words that fold, spaces that rich keeps or
# drops; and, now and then, text outside the exact writer's subset (wide characters,
# tabs, markup, newlines).
REPORT_WORDS = (
    "conv", "(28, 28, 1)", "floor((28 - 3)/2) + 1 = 13", "pad 0|1", "1,160", "", "x" * 40,
    "ok", " ", "a  b", "-", "1.50 GiB", "[b]", "x:y",
)  # fmt: skip
REPORT_ODD_WORDS = ("日本語", "a\tb", "two\nlines", "é")


@st.composite
def report_texts(draw: st.DrawFn, max_words: int = 6, odd: bool = False) -> str:
    """A cell or a line of a report: words joined by one or more spaces or commas;
    with ``odd``, one text in about forty holds a word outside the exact writer's
    subset."""
    words = st.one_of(
        st.sampled_from(REPORT_WORDS),
        st.text(alphabet="abc(),=|+-*/0123456789 ", min_size=1, max_size=18),
    )
    parts = draw(st.lists(words, min_size=0, max_size=max_words))
    if odd and draw(st.integers(min_value=0, max_value=39)) == 0:
        parts.append(draw(st.sampled_from(REPORT_ODD_WORDS)))
    return draw(st.sampled_from([" ", " ", "  ", ", "])).join(parts)
