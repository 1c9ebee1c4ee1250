"""planner.cost against the real frameworks.

- MACs/FLOPs: PyTorch's ``FlopCounterMode`` on every preset built with
  ``planner.export.to_torch`` (meta device: shapes only, no memory), layer by layer;
  and on the Keras models (torch backend) for the Keras presets. The intentional
  differences are tested too: the counter gives pooling, upsampling and merges no
  FLOPs, where planner counts their comparisons/additions apart, as ``ops``.
- Activation memory: each layer output's ``numel * element_size`` in a forward pass
  (hooks), and the forward peak from which outputs are still alive (weak references)
  in a real CPU forward.
- Receptive field: the input pixels with a non-zero gradient for an output pixel,
  with weights set to one, biases to zero and the network made linear (activations
  removed, max pooling as average pooling over the same windows): over hypothesis
  stacks of convolutions, pooling, dilations, transposed convolutions, upsampling,
  padding, cropping and merges, and over every preset.
"""

from __future__ import annotations

import weakref
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import planner
from planner.costs import receptive
from planner.costs.analysis import _Walk
from planner.export import to_keras, to_torch
from planner.spec.loading import network_from_data
from planner.spec.network import Network
from tests.strategies import rf_stack

PRESETS = planner.preset_names()
NO_FLOPS = ("max_pool", "avg_pool", "global_pool", "upsample", "add", "concatenate")


def _flops_by_layer(module: Any, x: torch.Tensor, net: Network) -> tuple[dict[str, int], int]:
    with FlopCounterMode(display=False) as counter:
        module(x)
    counts = counter.get_flop_counts()
    per = {}
    for name in net.layer_names:
        key = f"NetworkModule.blocks.{module._keys[name]}"
        per[name] = sum(counts.get(key, {}).values())
    return per, counter.get_total_flops()


@pytest.mark.parametrize("name", PRESETS)
def test_flops_equal_pytorch_flop_counter(name):
    net = planner.load(name)
    module = to_torch(net, device="meta")
    x = torch.empty(2, *net.input_shape, device="meta")
    per, total = _flops_by_layer(module, x, net)
    costs = planner.cost(net, batch=2)
    assert costs.total_flops == total
    for layer in costs.layers:
        assert layer.flops == per[layer.name], layer.name
        assert layer.flops == 2 * layer.macs
        if layer.type in NO_FLOPS:
            # The documented difference: the counter sees no arithmetic here; planner
            # counts comparisons and additions apart from FLOPs.
            assert per[layer.name] == 0
            if layer.type in ("max_pool", "avg_pool", "global_pool", "add"):
                assert layer.ops > 0, layer.name


def _torch_net(layers: list[dict], shape: list[int], framework: str = "torch") -> Network:
    return network_from_data(
        {"name": "t", "framework": framework, "input_shape": shape, "layers": layers}
    )


@pytest.mark.parametrize(
    "layer",
    [
        {"type": "conv", "filters": 6, "kernel_size": 3, "groups": 3, "strides": 2},
        {"type": "conv", "filters": 4, "kernel_size": [3, 5], "dilation": 2, "padding": 2},
        {"type": "depthwise_conv", "kernel_size": 3, "depth_multiplier": 2, "padding": "same"},
        {"type": "separable_conv", "filters": 5, "kernel_size": 3, "depth_multiplier": 2},
        {"type": "conv_transpose", "filters": 6, "kernel_size": 3, "strides": 2, "groups": 3},
        {"type": "conv_transpose", "filters": 2, "kernel_size": 4, "strides": 3, "padding": 1},
        {"type": "conv_transpose", "filters": 3, "kernel_size": 2, "strides": 2, "dilation": 3},
        {"type": "dense", "units": 7},
    ],
)
def test_flops_of_weighted_layers_equal_flop_counter(layer):
    """Grouped, depthwise, separable and transposed (counted on the input) convs."""
    net = _torch_net([layer], [3, 11, 13])
    module = to_torch(net)
    x = torch.zeros(3, 3, 11, 13)
    per, total = _flops_by_layer(module, x, net)
    costs = planner.cost(net, batch=3)
    assert costs.total_flops == total == per[net.layer_names[0]]
    assert costs.total_macs * 2 == total > 0


def test_transposed_conv_counts_on_input_not_output():
    """torchinfo's rule (params x output pixels) over-counts by about stride**2;
    the counter and planner count each input value once per weight."""
    layer = {"type": "conv_transpose", "filters": 8, "kernel_size": 2, "strides": 2}
    net = _torch_net([layer], [4, 16, 16])
    per, _ = _flops_by_layer(to_torch(net, device="meta"), torch.empty(1, 4, 16, 16), net)
    macs = planner.cost(net).total_macs
    assert per[net.layer_names[0]] == 2 * macs == 2 * 16 * 16 * 4 * 8 * 2 * 2
    torchinfo_rule = 4 * 8 * 2 * 2 * 32 * 32
    assert torchinfo_rule == 4 * macs


KERAS_SMALL = {
    "keras-autoencoder": None,
    "unet-same": [32, 32, 1],
    "wavenet-1d": [512, 1],
}


@pytest.mark.parametrize("name", sorted(KERAS_SMALL))
def test_flops_equal_counter_on_keras_models(name):
    """Keras 3 has no FLOP counter of its own; its models on the torch backend run
    PyTorch ops, which ``FlopCounterMode`` counts (at small valid inputs)."""
    net = planner.load(name)
    if KERAS_SMALL[name] is not None:
        data = net.to_data()
        data["input_shape"] = KERAS_SMALL[name]
        net = network_from_data(data)
    import keras

    try:
        model = to_keras(net)
        x = torch.zeros(1, *net.input_shape)
        with FlopCounterMode(display=False) as counter:
            model(x)
    finally:
        # Keras numbers auto-named layers per process: leave no trace for later tests.
        keras.backend.clear_session()
    assert planner.cost(net).total_flops == counter.get_total_flops()


# --- memory -------------------------------------------------------------------------


def _outputs_bytes(module: Any, x: torch.Tensor) -> dict[str, int]:
    sizes: dict[str, int] = {}
    hooks = []
    for name in module.layer_names:

        def hook(_m: Any, _i: Any, y: torch.Tensor, name: str = name) -> None:
            sizes[name] = y.numel() * y.element_size()

        hooks.append(module.layer(name).register_forward_hook(hook))
    module(x)
    for h in hooks:
        h.remove()
    return sizes


@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize(("dtype", "torch_dtype"), [("float32", None), ("float16", torch.half)])
def test_activation_bytes_equal_output_tensors(name, dtype, torch_dtype):
    net = planner.load(name)
    module = to_torch(net, device="meta")
    x = torch.empty(3, *net.input_shape, device="meta")
    if torch_dtype is not None:
        module, x = module.to(torch_dtype), x.to(torch_dtype)
    sizes = _outputs_bytes(module, x)
    costs = planner.cost(net, batch=3, dtype=dtype)
    assert {c.name: c.activation_bytes for c in costs.layers} == sizes
    assert costs.activation_bytes == sum(sizes.values())
    assert costs.input_bytes == x.numel() * x.element_size()
    assert costs.param_bytes == sum(p.numel() * p.element_size() for p in module.parameters())


@pytest.mark.parametrize("name", ["keras-autoencoder", "dcgan-discriminator", "dcgan-generator"])
def test_activation_bytes_in_a_real_cpu_forward(name):
    net = planner.load(name)
    module = to_torch(net)
    x = torch.rand(2, *net.input_shape)
    sizes = _outputs_bytes(module, x)
    assert planner.cost(net, batch=2).activation_bytes == sum(sizes.values())


def _measured_peak(module: Any, x: torch.Tensor) -> int:
    """The most bytes of layer outputs (and the input) alive at any layer's end."""
    alive: list[weakref.ref] = []
    peak = 0

    def hook(_m: Any, _i: Any, y: torch.Tensor) -> None:
        nonlocal peak
        alive.append(weakref.ref(y))
        storages = {id(x.untyped_storage()): x.untyped_storage().nbytes()}
        for ref in alive:
            t = ref()
            if t is not None:
                storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        peak = max(peak, sum(storages.values()))

    hooks = [module.layer(n).register_forward_hook(hook) for n in module.layer_names]
    with torch.no_grad():
        module(x)
    for h in hooks:
        h.remove()
    return peak


@pytest.mark.parametrize(
    ("name", "shape"),
    [("keras-autoencoder", None), ("dcgan-discriminator", None), ("unet-original", [188, 188, 1])],
)
def test_forward_peak_equals_live_tensors(name, shape):
    """Outputs are freed after their last use (NetworkModule drops them): the peak
    planner predicts is what a real forward holds."""
    net = planner.load(name)
    if shape is not None:
        data = net.to_data()
        data["input_shape"] = shape
        net = network_from_data(data)
    module = to_torch(net)
    x = torch.rand(2, *net.input_shape)
    assert planner.cost(net, batch=2).peak_bytes == _measured_peak(module, x)


# --- receptive field ------------------------------------------------------------------


def linear_network(net: Network, filters: bool = True) -> Network:
    """The same windows, made linear: no activations, max pooling as average pooling;
    with ``filters``, one filter per convolution (the receptive field does not depend
    on channels, and one channel keeps the measurement cheap)."""
    data = net.to_data()
    for item in data["layers"]:
        kind = item["type"]
        if filters and "filters" in item and kind != "dense":
            item["filters"] = 1
        if kind == "activation":
            item["activation"] = "linear"
        elif "activation" in item:
            item["activation"] = None
        if kind == "max_pool":
            item["type"] = "avg_pool"
        if kind == "global_pool":
            item["op"] = "avg"
    return network_from_data(data)


def ones_module(net: Network) -> nn.Module:
    module = to_torch(net).eval()
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.fill_(0.0 if name.endswith("bias") else 1.0)
    return module


def measured_spans(
    net: Network, layer: str, points: list[tuple[int, ...]], tolerance: float = 0.0
) -> list[list[Any]]:
    """For each point (one position per spatial axis) of ``layer``'s output, all
    channels together: per axis, the first and last input index with a non-zero
    gradient, or None. (A position's receptive field is what any of its channels
    sees: after a concatenation, channel 0 sees one branch only. Weights are ones
    and every value positive, so nothing cancels in the sum.) A gradient at or
    below ``tolerance`` times the largest counts as zero: float32 rounding of a linear
    upsampling's source index ((o + 0.5) / 3 - 0.5 is not exactly 0 for o = 1) gives a
    neighbour a weight of about 1.5e-8 where the exact weight is 0."""
    module = ones_module(net)
    x = torch.ones(1, *net.input_shape, requires_grad=True)
    outputs: dict[str, torch.Tensor] = {}
    handle = module.layer(layer).register_forward_hook(
        lambda _m, _i, y: outputs.__setitem__("y", y)
    )
    module(x)
    handle.remove()
    y = outputs["y"][0]
    rank = net.rank

    def spatial(t: torch.Tensor) -> torch.Tensor:  # channel axis first
        return t.movedim(-1, 0) if net.channels_last else t

    found = []
    for point in points:
        (g,) = torch.autograd.grad(spatial(y)[(slice(None), *point)].sum(), x, retain_graph=True)
        magnitude = spatial(g[0]).abs()
        hit = magnitude.gt(magnitude.max() * tolerance).any(0)
        spans = []
        for a in range(rank):
            others = tuple(b for b in range(rank) if b != a)
            idx = (hit.any(others) if others else hit).nonzero().flatten()
            spans.append((int(idx.min()), int(idx.max())) if len(idx) else None)
        found.append(spans)
    return found


def predicted_maps(net: Network) -> dict[str, Any]:
    walk = _Walk(planner.infer(net), "float32", 1)
    walk.run()
    return walk.maps


def _inside(span: Any, n: int) -> Any:
    if span is None:
        return None
    lo, hi = span
    return (max(lo, 0), min(hi, n - 1)) if hi >= 0 and lo <= n - 1 else None


def test_concatenated_branches_see_the_union_of_their_fields():
    """Found by hypothesis: a position of a concatenation sees what any of its
    channels sees. Channel 0 (branch b: conv k1 s2) sees pixel 2o alone; channel 1
    (branch a: conv k1, then conv k2 s2) sees 2o..2o+1. The union is the field."""
    conv = {"type": "conv", "filters": 1, "dilation": 1, "padding": 0}
    layers = [
        {**conv, "kernel_size": 1, "strides": 1, "name": "a0_0", "inputs": ["input"]},
        {**conv, "kernel_size": 2, "strides": 2, "name": "a0_1"},
        {**conv, "kernel_size": 1, "strides": 2, "name": "b0", "inputs": ["input"]},
        {"type": "cropping", "cropping": [[0, 0]], "name": "c0", "inputs": ["a0_1"]},
        {"type": "concatenate", "name": "m0", "inputs": ["b0", "c0"]},
    ]
    net = linear_network(_torch_net(layers, [1, 6]), filters=False)
    points = [(o,) for o in range(3)]
    assert [p[0] for p in measured_spans(net, "b0", points)] == [(0, 0), (2, 2), (4, 4)]
    assert [p[0] for p in measured_spans(net, "c0", points)] == [(0, 1), (2, 3), (4, 5)]
    m = predicted_maps(net)["m0"][0]
    assert [p[0] for p in measured_spans(net, "m0", points)] == [m.at(o) for (o,) in points]
    assert [m.at(o) for (o,) in points] == [(0, 1), (2, 3), (4, 5)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_receptive_field_equals_autograd_on_valid_stacks(data):
    """Without padding, ceil mode, output padding or interpolation, a pixel looks
    past the input's border only where its predicted span does (a transposed
    convolution's edges reach before the first input): every span inside the input
    is exactly what autograd finds. (A crop followed by a transposed convolution
    moves a border inside the input; there the span only contains the measured one.
    A transposed convolution's padding is a crop of its output too.)"""
    layers, n = data.draw(rf_stack(padded=False))
    net = linear_network(_torch_net(layers, [1, n]), filters=False)
    result = planner.infer(net)
    assume(result.ok)
    out = net.layer_names[-1]
    length = result.output_shape[-1]
    assume(length <= 64)
    m = predicted_maps(net)[out]
    if isinstance(m, str):
        # Branches at different resolutions merged: refused, and said so.
        assert "different rates" in m
        return
    m = m[0]
    kinds = {layer["type"] for layer in layers}
    crops = any(
        layer["type"] == "cropping"
        or (layer["type"] == "conv_transpose" and layer.get("padding", 0))
        for layer in layers
    )
    exact = not (crops and "conv_transpose" in kinds)
    spans = [p[0] for p in measured_spans(net, out, [(o,) for o in range(length)])]
    inside = []
    for o, got in enumerate(spans):
        want = m.at(o)
        if want is not None and want[0] >= 0 and want[1] <= n - 1 and exact:
            assert got == want, (o, got, want)
            inside.append(want[1] - want[0] + 1)
        else:
            clipped = _inside(want, n)
            assert got is None or clipped[0] <= got[0] <= got[1] <= clipped[1], (o, got, want)
    if len(inside) >= m.period + 2:
        assert max(inside) == receptive.size(m)


def test_padded_transposed_convolution_crops_like_a_crop():
    """Found by hypothesis: a transposed convolution with padding 1 crops its output,
    so the next transposed convolution's edge at output 0 reads a pixel that was cut
    away: autograd sees input 1 only, the formula (the grid continued) says 0..1,
    and likewise at the other edge."""
    layers = [
        {"type": "conv_transpose", "filters": 1, "kernel_size": 1, "strides": 1, "padding": 1},
        {"type": "conv_transpose", "filters": 1, "kernel_size": 2, "strides": 1, "padding": 0},
    ]
    for i, layer in enumerate(layers):
        layer["name"] = f"l{i}"
    net = linear_network(_torch_net(layers, [1, 6]), filters=False)
    m = predicted_maps(net)["l1"][0]
    spans = [p[0] for p in measured_spans(net, "l1", [(o,) for o in range(5)])]
    # Both edges read a cut-away pixel; between them the formula is exact.
    assert (spans[0], spans[4]) == ((1, 1), (4, 4))
    assert (m.at(0), m.at(4)) == ((0, 1), (4, 5))
    assert spans[1:4] == [m.at(o) for o in range(1, 4)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_receptive_field_contains_autograd_with_padding(data):
    """With padding, ceil mode, output padding and linear upsampling, pixels near a
    border see less than the formula (it continues the input past the border); each
    one's measured span lies within the predicted one."""
    layers, n = data.draw(rf_stack(padded=True))
    net = linear_network(_torch_net(layers, [1, n]), filters=False)
    result = planner.infer(net)
    assume(result.ok)
    out = net.layer_names[-1]
    length = result.output_shape[-1]
    assume(length <= 64)
    m = predicted_maps(net)[out]
    if isinstance(m, str):
        # Branches at different resolutions merged: refused, and said so.
        assert "different rates" in m
        return
    m = m[0]
    # Shallow stacks: every real weight is far above 1e-7 of the largest.
    points = [(o,) for o in range(length)]
    spans = [p[0] for p in measured_spans(net, out, points, tolerance=1e-7)]
    for o, got in enumerate(spans):
        want = _inside(m.at(o), n)
        if got is not None:
            assert want is not None and want[0] <= got[0] <= got[1] <= want[1], (o, got, want)


# Inputs large enough that a centre pixel's span lies inside, small enough to be quick.
PRESET_RF_INPUT = {
    "keras-autoencoder": [64, 64, 1],
    "dcgan-discriminator": [3, 160, 160],
    "unet-original": [252, 252, 1],
    "unet3d": [108, 108, 108, 3],
    "vgg16": [64, 64, 3],
    "wavenet-1d": [4000, 1],
}
# Backward passes through the big presets are slow: a few points, not a whole period
# (hypothesis stacks cover the periodic structure).
POINTS = {"unet3d": 1, "unet-same": 3, "unet-original": 3}


@pytest.mark.parametrize("name", PRESETS)
def test_receptive_field_of_presets_equals_autograd(name):
    """Each preset (one filter per conv), its last layer with spatial axes: a period
    of points along the diagonal from the centre, every axis measured at once. Spans
    that lie inside the input are measured exactly; the others lie within them."""
    net = planner.load(name)
    if name in PRESET_RF_INPUT:
        data = net.to_data()
        data["input_shape"] = PRESET_RF_INPUT[name]
        net = network_from_data(data)
    net = linear_network(net)
    result = planner.infer(net)
    costs = planner.cost(result)
    maps = predicted_maps(net)
    spatial = list(result.input_spatial)
    last = costs.layers[-1]
    checked = 0
    for layer in [c for c in costs.layers if c.jump is not None][-1:]:
        shape = result[layer.name].spatial
        m = maps[layer.name]
        period = max(a.period for a in m)
        count = min(POINTS.get(name, period), period)
        points = [tuple(min(n // 2 + i, n - 1) for n in shape) for i in range(count)]
        for point, got in zip(points, measured_spans(net, layer.name, points), strict=True):
            for axis in range(net.rank):
                want = m[axis].at(point[axis])
                if want is not None and want[0] >= 0 and want[1] < spatial[axis]:
                    assert got[axis] == want, (layer.name, axis, point)
                    checked += 1
                else:
                    clipped = _inside(want, spatial[axis])
                    g = got[axis]
                    assert g is None or clipped[0] <= g[0] <= g[1] <= clipped[1]
    if last.jump is None:
        # Dense/global layers see the whole input: every pixel has a gradient.
        assert last.receptive_field == tuple(spatial)
        module = ones_module(net)
        x = torch.ones(1, *net.input_shape, requires_grad=True)
        (g,) = torch.autograd.grad(module(x)[0].flatten()[0], x)
        assert bool((g != 0).all())
    elif name != "dcgan-generator":  # a 1x1 input: every span reaches past it
        assert checked > 0


def test_receptive_field_when_a_transposed_kernel_is_longer_than_its_stride():
    """Kernel 3, dilation 2 (span 5) at stride 3: output 3 sees input 1 and output 4
    input 0, so spans are not ordered by position; a conv over them takes the least
    start and the greatest end (found by hypothesis)."""
    layers = [
        {"type": "conv_transpose", "filters": 1, "kernel_size": 3, "strides": 3, "dilation": 2},
        {"type": "conv", "filters": 1, "kernel_size": 4},
    ]
    net = _torch_net(layers, [1, 6])
    out = net.layer_names[-1]
    length = planner.infer(net).output_shape[-1]
    m = predicted_maps(net)[out][0]
    spans = [p[0] for p in measured_spans(net, out, [(o,) for o in range(length)])]
    for o, got in enumerate(spans):
        want = m.at(o)
        if want[0] >= 0 and want[1] <= 5:
            assert got == want, o
    assert m.at(1) == (-1, 1) and spans[1] == (0, 1)
