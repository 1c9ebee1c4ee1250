"""Build a planner ``Network`` as a Keras 3 functional model.

Each planner layer becomes the Keras layer of the same name (``model.get_layer``),
with the network's data format. What Keras has no argument for is added as a
helper layer named ``<layer>__pad`` or ``<layer>__crop``:

- explicit padding amounts (PyTorch/ONNX ``padding=1``, per-side pairs) and foreign
  padding modes (ONNX ``SAME_LOWER``, PyTorch ``'same'``) become a ``ZeroPadding``
  layer with the per-side amounts planner resolved, then a ``'valid'`` layer;
- a transposed convolution that crops its full output (PyTorch ``padding``) is a
  ``'valid'`` one followed by ``Cropping`` (and ``ZeroPadding`` where it extends).

Keras is imported when ``to_keras`` runs, never at import time. Without
``KERAS_BACKEND`` set and without TensorFlow installed, the PyTorch backend (or
JAX) is chosen before the first import of Keras.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from functools import partial
from typing import TYPE_CHECKING, Any

from planner.dialects import avg_counts_padding, get_dialect
from planner.errors import SpecError
from planner.export import (
    activation_key,
    adaptive_sizes,
    check_buildable,
    check_jax_only,
    gelu_approximate,
    leaky_slope,
    resolved_pads,
)

if TYPE_CHECKING:
    import keras

    from planner.shapes import Inference
    from planner.spec.network import Network


def to_keras(net: Network) -> keras.Model:
    """A Keras functional ``Model`` of ``net`` (inputs: one ``keras.Input``).

    Every planner layer is the Keras layer of the same name; the model's outputs
    are the layers no other layer consumes. Raises ``SpecError`` for networks that
    cannot be built (unknowns, symbolic sizes, activations without a mapping,
    features Keras lacks); what Keras itself refuses raises Keras' own error.

    >>> import planner
    >>> model = to_keras(planner.load("keras-autoencoder"))  # doctest: +SKIP
    >>> model.get_layer("encoded").output.shape  # doctest: +SKIP
    (None, 4, 4, 8)
    """
    check_buildable(net)
    check_jax_only(net, "keras")
    keras = _import_keras()
    return _KerasBuilder(keras_safe_names(net), keras).build()


def keras_layer_name(name: str) -> str:
    """The Keras name of a planner layer: Keras (on PyTorch) refuses '.' and '/' in
    names, which imported PyTorch and ONNX layers have (``down1.conv1``).

    >>> keras_layer_name("down1.conv1")
    'down1_conv1'
    """
    return name.replace(".", "_").replace("/", "_")


def keras_safe_names(net: Network) -> Network:
    """``net`` with every layer named as Keras allows (``keras_layer_name``)."""
    names = {n: keras_layer_name(n) for n in [net.input_name, *net.layer_names]}
    if all(k == v for k, v in names.items()):
        return net
    if len(set(names.values())) != len(names):
        raise SpecError(
            "layer names collide once '.' and '/' become '_' for Keras: "
            + ", ".join(sorted(k for k, v in names.items() if list(names.values()).count(v) > 1))
        )
    layers = [
        layer.model_copy(
            update={"name": names[layer.name], "inputs": [names[i] for i in layer.inputs]}
        )
        for layer in net.layers
    ]
    return net.model_copy(update={"layers": layers, "input_name": names[net.input_name]})


def _import_keras() -> Any:
    # Keras 3 defaults to TensorFlow and fails to import without it.
    if (
        "keras" not in sys.modules
        and "KERAS_BACKEND" not in os.environ
        and importlib.util.find_spec("tensorflow") is None
    ):
        for backend in ("torch", "jax"):
            if importlib.util.find_spec(backend) is not None:
                os.environ["KERAS_BACKEND"] = backend
                break
    import keras

    return keras


class _KerasBuilder:
    """Walks the network once, creating Keras layers on symbolic tensors.

    Each ``_<type>`` method returns the Keras layers of one planner layer: the
    layer itself, named like it, plus any helpers (``<name>__pad``,
    ``<name>__crop``); several are wrapped in a ``keras.Sequential`` of the planner
    layer's name, so ``get_layer(name)`` gives its output and all its weights.
    """

    def __init__(self, net: Network, keras: Any):
        self.net = net
        self.keras = keras
        self.L = keras.layers
        self.rank = net.rank
        self.fmt = net.data_format
        self.native = net.framework == "keras"
        self._inference: Inference | None = None

    # --- the walk ------------------------------------------------------------
    def build(self) -> Any:
        net = self.net
        inputs = self.keras.Input(shape=tuple(net.input_shape), name=net.input_name)
        tensors: dict[str, Any] = {net.input_name: inputs}
        consumed: set[str] = set()
        for layer in net.layers:
            assert layer.name is not None and layer.inputs is not None
            parts = self.layer_parts(layer)
            op = parts[0] if len(parts) == 1 else self.keras.Sequential(parts, name=layer.name)
            ins = [tensors[i] for i in layer.inputs]
            consumed.update(layer.sources)
            tensors[layer.name] = op(ins if layer.is_merge else ins[0])
        sinks = [tensors[n] for n in net.layer_names if n not in consumed] or [inputs]
        outputs = sinks[0] if len(sinks) == 1 else sinks
        return self.keras.Model(inputs=inputs, outputs=outputs, name=_keras_name(net.name))

    def layer_parts(self, layer: Any) -> list[Any]:
        """The Keras layers of one planner layer (itself, then or after its helpers)."""
        make = getattr(self, f"_{layer.type}", None)
        if make is None:
            raise SpecError(f"no Keras mapping for layer type {layer.type!r}", layer=layer.name)
        return make(layer)

    # --- helpers -------------------------------------------------------------
    def resolved_pads(self, layer: Any) -> list[tuple[int, int]]:
        """The per-side padding planner resolved for ``layer`` (concrete ints)."""
        if self._inference is None:
            from planner.shapes import infer

            self._inference = infer(self.net)
        return resolved_pads(self._inference[layer.name], layer, "Keras")

    def explicit_pads(self, layer: Any) -> list[tuple[int, int]] | None:
        """Per-side amounts when the padding is not a Keras mode; None when it is."""
        mode = layer.padding
        if isinstance(mode, str):
            causal_ok = layer.type == "conv" and self.rank == 1
            if mode == "valid" or (
                self.native and (mode == "same" or (mode == "causal" and causal_ok))
            ):
                return None
            return self.resolved_pads(layer)
        return [(int(b), int(a)) for b, a in mode]

    def adjust(self, layer: Any, crops: list[tuple[int, int]]) -> list[Any]:
        """Layers cropping positive amounts and zero-padding negative ones, per side."""
        pads = [(max(0, -b), max(0, -a)) for b, a in crops]
        cuts = [(max(0, b), max(0, a)) for b, a in crops]
        parts = []
        if any(p != (0, 0) for p in pads):
            parts.append(self.zero_pad(pads, f"{layer.name}__pad"))
        if any(c != (0, 0) for c in cuts):
            parts.append(self.crop(cuts, f"{layer.name}__crop", layer))
        return parts

    def pad_or_crop(self, layer: Any, pads: list[tuple[int, int]]) -> list[Any]:
        """Layers padding the positive amounts of ``pads`` and cropping the negative."""
        return self.adjust(layer, [(-b, -a) for b, a in pads])

    def zero_pad(self, pairs: list[tuple[int, int]], name: str) -> Any:
        cls = getattr(self.L, f"ZeroPadding{self.rank}D")
        padding = pairs[0] if self.rank == 1 else tuple(pairs)
        return cls(padding=padding, data_format=self.fmt, name=name)

    def crop(self, pairs: list[tuple[int, int]], name: str, layer: Any) -> Any:
        cls = getattr(self.L, f"Cropping{self.rank}D")
        if self.rank == 1:
            if self.fmt != "channels_last":
                raise SpecError(
                    "Keras Cropping1D works on channels_last tensors only", layer=layer.name
                )
            return cls(cropping=pairs[0], name=name)
        return cls(cropping=tuple(pairs), data_format=self.fmt, name=name)

    def channel_axis(self) -> int:
        return -1 if self.net.channels_last else 1

    def activation_fn(self, layer: Any, name: str | None, field: str = "activation") -> Any:
        """A Keras activation (name or callable) for an ``activation=`` argument.

        Callables are ``functools.partial`` objects of ``keras.activations``, so the
        source generator can write them out (``planner.export.source``)."""
        if name is None:
            return None
        key = activation_key(name, layer.name, field)
        A = self.keras.activations
        fw = self.net.framework
        if key == "prelu":
            raise SpecError(
                "PReLU has weights; use an activation layer of its own, not a field",
                layer=layer.name,
                field=field,
            )
        if key == "leakyrelu":
            slope = leaky_slope(fw, name, getattr(layer, "negative_slope", None))
            return partial(A.leaky_relu, negative_slope=slope)
        if key in ("softmax", "logsoftmax"):
            fn = A.softmax if key == "softmax" else A.log_softmax
            return partial(fn, axis=self.channel_axis())
        if key == "gelu":
            return partial(A.gelu, approximate=gelu_approximate(fw))
        names = {
            "hardsigmoid": "hard_sigmoid",
            "hardswish": "hard_silu",
            "hardtanh": "hard_tanh",
            "logsigmoid": "log_sigmoid",
            "tanhshrink": "tanh_shrink",
        }
        return names.get(key, key)

    # --- layer types -----------------------------------------------------------
    def _conv(self, layer: Any) -> list[Any]:
        return self._windowed_conv(layer, f"Conv{self.rank}D", filters=layer.filters)

    def _depthwise_conv(self, layer: Any) -> list[Any]:
        if self.rank == 3:
            raise SpecError("Keras has no DepthwiseConv3D", layer=layer.name)
        return self._windowed_conv(
            layer, f"DepthwiseConv{self.rank}D", depth_multiplier=layer.depth_multiplier
        )

    def _separable_conv(self, layer: Any) -> list[Any]:
        if self.rank == 3:
            raise SpecError("Keras has no SeparableConv3D", layer=layer.name)
        return self._windowed_conv(
            layer,
            f"SeparableConv{self.rank}D",
            filters=layer.filters,
            depth_multiplier=layer.depth_multiplier,
        )

    def _windowed_conv(self, layer: Any, cls_name: str, **kwargs: Any) -> list[Any]:
        if getattr(layer, "padding_mode", "zeros") != "zeros":
            raise SpecError(
                f"Keras convolutions pad with zeros only, not {layer.padding_mode!r}",
                layer=layer.name,
                field="padding_mode",
            )
        pads = self.explicit_pads(layer)
        padding = layer.padding if pads is None else "valid"
        # Negative amounts (ONNX SAME_UPPER with a stride above the kernel) crop.
        parts = [] if pads is None else self.pad_or_crop(layer, pads)
        if layer.type == "conv":
            kwargs["groups"] = layer.groups
        cls = getattr(self.L, cls_name)
        parts.append(
            cls(
                kernel_size=layer.kernel_size,
                strides=layer.strides,
                padding=padding,
                data_format=self.fmt,
                dilation_rate=layer.dilation,
                activation=self.activation_fn(layer, layer.activation),
                use_bias=layer.use_bias,
                name=layer.name,
                **kwargs,
            )
        )
        return parts

    def _conv_transpose(self, layer: Any) -> list[Any]:
        if layer.groups != 1:
            raise SpecError(
                "Keras transposed convolutions have no groups", layer=layer.name, field="groups"
            )
        cls = getattr(self.L, f"Conv{self.rank}DTranspose")
        common = dict(
            filters=layer.filters,
            kernel_size=layer.kernel_size,
            strides=layer.strides,
            data_format=self.fmt,
            dilation_rate=layer.dilation,
            activation=self.activation_fn(layer, layer.activation),
            use_bias=layer.use_bias,
            name=layer.name,
        )
        mode = layer.padding
        if self.native and mode in ("valid", "same") and layer.output_size is None:
            return [cls(padding=mode, output_padding=layer.output_padding, **common)]
        # Anything else: the full output (n - 1)*s + ek, then crop planner's per-side
        # amounts (negative ones extend). Keras' own output_padding (< stride) covers
        # what can be extended after, so the extension carries the bias like PyTorch's.
        crops = self.resolved_pads(layer)
        extend = [min(max(0, -a), s - 1) for (_, a), s in zip(crops, layer.strides, strict=True)]
        crops = [(b, a + e) for (b, a), e in zip(crops, extend, strict=True)]
        conv = cls(padding="valid", output_padding=tuple(extend), **common)
        return [conv, *self.adjust(layer, crops)]

    def _pool(self, layer: Any, kind: str) -> list[Any]:
        if layer.ceil_mode:
            raise SpecError(
                "Keras pooling has no ceil_mode; use padding='same' (ceil(n/s)) instead",
                layer=layer.name,
                field="ceil_mode",
            )
        if any(d != 1 for d in layer.dilation):
            raise SpecError("Keras pooling has no dilation", layer=layer.name, field="dilation")
        strides = layer.strides
        if strides is None and not self.native:
            strides = get_dialect(self.net.framework).pool_stride(layer.pool_size)
        mode = layer.padding
        parts = []
        if not (mode == "valid" or (self.native and mode == "same")):
            pads = self.explicit_pads(layer)
            assert pads is not None
            if any(p != (0, 0) for p in pads):
                # Zero padding is exact only for an average that counts the padding
                # (a crop, a negative amount, always is).
                padded = any(b > 0 or a > 0 for b, a in pads)
                counted = avg_counts_padding(self.net.framework, layer)
                if padded and (kind == "Max" or not counted):
                    raise SpecError(
                        f"Keras pooling takes 'valid' or 'same', not explicit amounts {pads} "
                        + (
                            "(padding a max pool with zeros would change its values)"
                            if kind == "Max"
                            else "(this average leaves padding out of its divisor; a "
                            "ZeroPadding layer would count it)"
                        ),
                        layer=layer.name,
                        field="padding",
                    )
                parts.extend(self.pad_or_crop(layer, pads))
            mode = "valid"
        cls = getattr(self.L, f"{kind}Pooling{self.rank}D")
        parts.append(
            cls(
                pool_size=layer.pool_size,
                strides=strides,
                padding=mode,
                data_format=self.fmt,
                name=layer.name,
            )
        )
        return parts

    def _max_pool(self, layer: Any) -> list[Any]:
        return self._pool(layer, "Max")

    def _avg_pool(self, layer: Any) -> list[Any]:
        return self._pool(layer, "Average")

    def _global_pool(self, layer: Any) -> list[Any]:
        kind = "Average" if layer.op == "avg" else "Max"
        if self._inference is None:
            from planner.shapes import infer

            self._inference = infer(self.net)
        sizes = adaptive_sizes(self._inference, layer)
        if sizes is not None:
            cls = getattr(self.L, f"Adaptive{kind}Pooling{self.rank}D")
            return [cls(sizes, data_format=self.fmt, name=layer.name)]
        cls = getattr(self.L, f"Global{kind}Pooling{self.rank}D")
        return [cls(data_format=self.fmt, keepdims=layer.keepdims, name=layer.name)]

    def _upsample(self, layer: Any) -> list[Any]:
        mode = layer.mode.lower()
        if mode in ("linear", "trilinear"):
            mode = "bilinear"
        if layer.output_size is not None:
            if self.rank != 2:
                raise SpecError(
                    "Keras resizes to a fixed size in 2D only (Resizing)",
                    layer=layer.name,
                    field="output_size",
                )
            h, w = layer.output_size
            return [
                self.L.Resizing(h, w, interpolation=mode, data_format=self.fmt, name=layer.name)
            ]
        scale = []
        for s in layer.scale:
            if isinstance(s, float) and not s.is_integer():
                raise SpecError(
                    f"Keras upsamples by integer factors, received {s}",
                    layer=layer.name,
                    field="scale",
                )
            scale.append(int(s))
        if self.rank == 2:
            return [
                self.L.UpSampling2D(
                    size=tuple(scale), data_format=self.fmt, interpolation=mode, name=layer.name
                )
            ]
        if mode != "nearest":
            raise SpecError(
                f"Keras UpSampling{self.rank}D repeats values (nearest), not {layer.mode!r}",
                layer=layer.name,
                field="mode",
            )
        if self.rank == 1:
            if self.fmt != "channels_last":
                raise SpecError(
                    "Keras UpSampling1D works on channels_last tensors only", layer=layer.name
                )
            return [self.L.UpSampling1D(size=scale[0], name=layer.name)]
        return [self.L.UpSampling3D(size=tuple(scale), data_format=self.fmt, name=layer.name)]

    def _zero_padding(self, layer: Any) -> list[Any]:
        pairs = [(int(b), int(a)) for b, a in layer.padding]
        if all(b >= 0 and a >= 0 for b, a in pairs):
            return [self.zero_pad(pairs, layer.name)]
        # Negative amounts (PyTorch F.pad) crop.
        if all(b <= 0 and a <= 0 for b, a in pairs):
            return [self.crop([(-b, -a) for b, a in pairs], layer.name, layer)]
        return self.adjust(layer, [(-b, -a) for b, a in pairs])

    def _cropping(self, layer: Any) -> list[Any]:
        pairs = [(int(b), int(a)) for b, a in layer.cropping]
        return [self.crop(pairs, layer.name, layer)]

    def _crop_to(self, layer: Any) -> list[Any]:
        """Keras has no run-time crop: fixed amounts for the network's input size."""
        if self._inference is None:
            from planner.shapes import infer

            self._inference = infer(self.net)
        result = self._inference[layer.name]
        if result.padding is None:
            raise SpecError(
                f"Keras has no run-time crop; planner writes a Cropping layer with the "
                f"amounts for this input size, and could not resolve them ({result.error})",
                layer=layer.name,
            )
        crops = [(-int(b), -int(a)) for b, a in result.padding]
        if all(b >= 0 and a >= 0 for b, a in crops):
            return [self.crop(crops, layer.name, layer)]
        if all(b <= 0 and a <= 0 for b, a in crops):
            return [self.zero_pad([(-b, -a) for b, a in crops], layer.name)]
        return self.adjust(layer, crops)

    def _concatenate(self, layer: Any) -> list[Any]:
        axis = self.channel_axis() if layer.axis is None else layer.axis
        return [self.L.Concatenate(axis=axis, name=layer.name)]

    def _add(self, layer: Any) -> list[Any]:
        cls = {
            "add": self.L.Add,
            "subtract": self.L.Subtract,
            "multiply": self.L.Multiply,
            "average": self.L.Average,
            "maximum": self.L.Maximum,
            "minimum": self.L.Minimum,
        }[layer.op]
        return [cls(name=layer.name)]

    def _flatten(self, layer: Any) -> list[Any]:
        return [self.L.Flatten(name=layer.name)]

    def _dense(self, layer: Any) -> list[Any]:
        act = self.activation_fn(layer, layer.activation)
        return [self.L.Dense(layer.units, activation=act, use_bias=layer.use_bias, name=layer.name)]

    def _reshape(self, layer: Any) -> list[Any]:
        return [self.L.Reshape(tuple(layer.target_shape), name=layer.name)]

    def _activation(self, layer: Any) -> list[Any]:
        key = activation_key(layer.activation, layer.name)
        if key == "leakyrelu":
            slope = leaky_slope(self.net.framework, layer.activation, layer.negative_slope)
            return [self.L.LeakyReLU(negative_slope=slope, name=layer.name)]
        if key == "prelu":
            return [self.L.PReLU(name=layer.name)]
        if key == "softmax":
            return [self.L.Softmax(axis=self.channel_axis(), name=layer.name)]
        fn = self.activation_fn(layer, layer.activation)
        return [self.L.Activation(fn, name=layer.name)]

    def _batch_norm(self, layer: Any) -> list[Any]:
        kwargs: dict[str, Any] = {}
        fw = self.net.framework
        if "epsilon" in layer.model_fields_set or fw == "keras":
            kwargs["epsilon"] = layer.epsilon
        else:
            kwargs["epsilon"] = 1e-5  # PyTorch, Flax and ONNX
        if layer.momentum is not None:
            # Keras' momentum weighs the old average; PyTorch's the new value.
            kwargs["momentum"] = layer.momentum if fw in ("keras", "jax") else 1 - layer.momentum
        elif fw in ("torch", "onnx"):
            kwargs["momentum"] = 0.9
        return [
            self.L.BatchNormalization(
                axis=self.channel_axis(),
                center=layer.center and layer.affine,
                scale=layer.scale and layer.affine,
                name=layer.name,
                **kwargs,
            )
        ]

    def _dropout(self, layer: Any) -> list[Any]:
        return [self.L.Dropout(layer.rate, name=layer.name)]

    def _norm(self, layer: Any) -> list[Any]:
        affine = {"center": layer.affine, "scale": layer.affine, "epsilon": layer.epsilon}
        if layer.norm == "layer":
            trailing = layer.normalized_shape
            k = 1 if trailing is None or isinstance(trailing, int) else len(trailing)
            axis: int | list[int] = -1 if k == 1 else list(range(-k, 0))
            return [self.L.LayerNormalization(axis=axis, name=layer.name, **affine)]
        groups = layer.groups
        if layer.norm == "instance":
            # One group per channel is instance normalisation (Keras: groups=-1).
            groups = -1
        return [
            self.L.GroupNormalization(
                groups=groups, axis=self.channel_axis(), name=layer.name, **affine
            )
        ]

    def _pixel_shuffle(self, layer: Any) -> list[Any]:
        name = "PixelUnshuffle" if layer.inverse else "PixelShuffle"
        raise SpecError(
            f"Keras has no {name} layer (keras.ops.depth_to_space / space_to_depth order "
            "channels as TensorFlow does, not as PyTorch's PixelShuffle, on channels_last "
            "tensors)",
            layer=layer.name,
        )

    def _permute(self, layer: Any) -> list[Any]:
        return [self.L.Permute(tuple(int(d) for d in layer.dims), name=layer.name)]


def _keras_name(name: str) -> str:
    # Keras names may not contain '/'.
    return name.replace("/", "_") or "network"
