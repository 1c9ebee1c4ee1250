"""Keras 3 source for a planner network: a function building a functional
``keras.Model``, written from the layers ``to_keras`` creates.

Each layer is written from its constructor signature and its ``get_config()``:
arguments that differ from the defaults, the activation by name (or as a
``functools.partial`` of ``keras.activations`` where planner fixed an argument, a
leaky slope or a softmax axis). A planner layer that needs a helper (a
``ZeroPadding`` before a ``'valid'`` convolution, a ``Cropping`` after a transposed
one) is a ``keras.Sequential`` of the planner layer's name, as ``to_keras`` builds it.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any

from planner.export import source as S
from planner.export.keras_model import (
    _import_keras,
    _keras_name,
    _KerasBuilder,
    keras_safe_names,
)

if TYPE_CHECKING:
    from planner.shapes import Inference
    from planner.spec.network import Network

# Configuration keys that are not constructor choices a reader needs to see.
_SKIP = ("dtype", "trainable", "name")
_SKIP_SUFFIXES = ("_initializer", "_regularizer", "_constraint")


def keras_source(net: Network, inference: Inference) -> str:
    keras = _import_keras()
    if keras_safe_names(net) is not net:
        from planner.shapes import infer

        net = keras_safe_names(net)
        inference = infer(net)
    builder = _KerasBuilder(net, keras)
    builder._inference = inference
    names = S.Names(("inputs", "keras", "layers", "partial", "model", "build_model"))
    var = {net.input_name: "inputs"}
    body: list[str] = []
    uses_partial = False
    shape = tuple(int(d) for d in net.input_shape)
    body.append(f"inputs = keras.Input(shape={S.literal(shape)}, name={net.input_name!r})")
    for layer in net.layers:
        parts = builder.layer_parts(layer)
        rendered = [_layer_call(p) for p in parts]
        uses_partial = uses_partial or any("partial(" in r for r in rendered)
        if len(rendered) == 1:
            call = rendered[0]
        else:
            inner = "".join(f"        {r},\n" for r in rendered)
            call = f"keras.Sequential(\n    [\n{inner}    ],\n    name={layer.name!r},\n)"
        ins = [var[i] for i in layer.inputs]
        arg = f"[{', '.join(ins)}]" if layer.is_merge else ins[0]
        comment = S.padding_comment(net, layer, inference, "Keras")
        if comment and (len(parts) > 1 or layer.type in ("zero_padding", "cropping", "crop_to")):
            body += S.comment_lines(comment)
        ident = names(layer.name)
        body.append(f"{ident} = {call}({arg})")
        var[layer.name] = ident
    consumed = {i for layer in net.layers for i in layer.sources}
    sinks = [var[n] for n in net.layer_names if n not in consumed] or ["inputs"]
    outputs = sinks[0] if len(sinks) == 1 else "[" + ", ".join(sinks) + "]"
    body.append(f"return keras.Model(inputs, {outputs}, name={_keras_name(net.name)!r})")

    note = f"Input: a tensor of shape (batch, {', '.join(map(str, shape))}) ({net.data_format})."
    out = [S.module_docstring(net, "Keras 3", note), ""]
    if uses_partial:
        out.append("from functools import partial")
        out.append("")
    out += ["import keras", "from keras import layers", "", ""]
    out += ["def build_model() -> keras.Model:"]
    out += [f"    {line}" if line else "" for line in "\n".join(body).split("\n")]
    out += ["", "", f"INPUT_SHAPE = {S.literal(shape)}", "", ""]
    out += ['if __name__ == "__main__":', "    build_model().summary()", ""]
    return "\n".join(out)


def _layer_call(layer: Any) -> str:
    """``layers.X(...)`` for a Keras layer (or ``keras.Sequential([...])``)."""
    import keras

    if isinstance(layer, keras.Sequential):
        inner = ", ".join(_layer_call(sub) for sub in layer.layers)
        return f"keras.Sequential([{inner}], name={layer.name!r})"
    cls = type(layer)
    config = _config(layer)
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    positional: list[str] = []
    keywords: list[str] = []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in _SKIP:
            continue
        if p.name.endswith(_SKIP_SUFFIXES) or p.name not in config:
            continue
        if p.name == "activation":
            text = _activation(getattr(layer, "activation", None))
            if p.default is inspect.Parameter.empty:
                positional.append(text or "'linear'")
            elif text is not None:
                keywords.append(f"activation={text}")
            continue
        value = _plain(config[p.name])
        if p.name == "data_format" and value == "channels_last":
            continue  # Keras' default image data format
        if p.default is inspect.Parameter.empty:
            positional.append(S.literal(S.compact(value)))
        elif S.compact(value) != S.compact(_plain(p.default)):
            keywords.append(f"{p.name}={S.literal(S.compact(value))}")
    keywords.append(f"name={layer.name!r}")
    return f"layers.{cls.__name__}({', '.join([*positional, *keywords])})"


def _config(layer: Any) -> dict[str, Any]:
    # A partial activation has no Keras serialization; it is written by _activation.
    fn = getattr(layer, "activation", None)
    if not isinstance(fn, functools.partial):
        return layer.get_config()
    import keras

    layer.activation = keras.activations.linear
    try:
        return layer.get_config()
    finally:
        layer.activation = fn


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _activation(fn: Any) -> str | None:
    """Source for an activation: a name, or a partial of ``keras.activations``."""
    if fn is None:
        return None
    if isinstance(fn, functools.partial):
        kwargs = ", ".join(f"{k}={S.literal(v)}" for k, v in fn.keywords.items())
        return f"partial(keras.activations.{fn.func.__name__}, {kwargs})"
    name = getattr(fn, "__name__", None)
    if name is None or name == "<lambda>":
        raise S.SpecError(f"the Keras exporter built an activation {fn!r} with no source form")
    return None if name == "linear" else repr(name)
