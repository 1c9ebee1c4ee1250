"""One Keras layer (class name + config, as Keras serialises it or as code calls it)
as a planner layer, shared by the JSON and code-text importers.

planner's layer specs already accept Keras spellings (``Conv2D``, ``dilation_rate``,
``pool_size``...), so the work here is choosing what to keep: the arguments a
planner layer has, with activations taken out of their serialised form; arguments
that change the shape or values and that planner has no field for make the layer
unsupported, with the reason.
"""

from __future__ import annotations

from typing import Any

from planner.spec.layers import LAYER_CLASSES, TYPE_ALIASES

# Positional parameters of the Keras constructors (for code text).
POSITIONAL: dict[str, tuple[str, ...]] = {
    "conv": ("filters", "kernel_size", "strides", "padding"),
    "conv_transpose": ("filters", "kernel_size", "strides", "padding"),
    "separable_conv": ("filters", "kernel_size", "strides", "padding"),
    "depthwise_conv": ("kernel_size", "strides", "padding"),
    "max_pool": ("pool_size", "strides", "padding"),
    "avg_pool": ("pool_size", "strides", "padding"),
    "upsample": ("size",),
    "zero_padding": ("padding",),
    "cropping": ("cropping",),
    "dense": ("units", "activation"),
    "reshape": ("target_shape",),
    "activation": ("activation",),
    "dropout": ("rate",),
    "batch_norm": ("axis", "momentum", "epsilon"),
    "concatenate": ("axis",),
    "global_pool": ("data_format", "keepdims"),
}
# Arguments that only say how to store or train a layer, never its shape or values.
_IGNORED = {
    "name", "trainable", "dtype", "data_format", "kernel_initializer", "bias_initializer",
    "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
    "bias_constraint", "beta_initializer", "gamma_initializer", "moving_mean_initializer",
    "moving_variance_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint",
    "gamma_constraint", "depthwise_initializer", "pointwise_initializer",
    "depthwise_regularizer", "pointwise_regularizer", "depthwise_constraint",
    "pointwise_constraint", "seed", "noise_shape", "synchronized", "lora_rank", "lora_alpha",
    "sparse", "ragged", "batch_size", "input_dim", "renorm", "renorm_clipping",
    "renorm_momentum", "fused", "virtual_batch_size", "adjustment", "build_config",
    "quantization_config", "bias_initializer_", "alpha_initializer", "alpha_regularizer",
    "alpha_constraint", "shared_axes",
}  # fmt: skip
# Arguments with a default that planner assumes; another value is unsupported.
_DEFAULTS = {
    "threshold": (0, 0.0),
    "max_value": (None,),
    "unit_forget_bias": (True,),
}


class Unsupported(Exception):
    """A Keras layer planner cannot represent (the message says why)."""


def activation_name(value: Any) -> str | None:
    """An activation as Keras serialises it (a name, or a ``function`` dict)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        config = value.get("config")
        if isinstance(config, str):
            return config
        if isinstance(config, dict) and isinstance(config.get("name"), str):
            return config["name"]
    raise Unsupported(f"activation {value!r} is not a named activation")


def allowed_fields(kind: str) -> set[str]:
    """The names (and aliases) a planner layer of type ``kind`` accepts."""
    cls = LAYER_CLASSES[kind]
    names: set[str] = set()
    for name, info in cls.model_fields.items():
        names.add(name)
        alias = info.validation_alias
        choices = getattr(alias, "choices", None)
        if choices:
            names.update(c for c in choices if isinstance(c, str))
    return names - {"type", "inputs"}


def keras_layer(class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Planner layer data for a Keras layer; ``Unsupported`` when there is none.

    >>> keras_layer("Conv2D", {"filters": 8, "kernel_size": [3, 3], "padding": "same",
    ...                        "activation": "relu", "kernel_initializer": "he_normal"})
    {'type': 'Conv2D', 'filters': 8, 'kernel_size': [3, 3], 'padding': 'same', 'activation': 'relu'}
    """
    entry = TYPE_ALIASES.get(class_name.lower())
    if entry is None or class_name in ("Lambda", "TFOpLambda"):
        raise Unsupported(f"planner has no layer type for Keras {class_name}")
    kind, _, implied = entry
    if kind == "input":
        raise Unsupported("an input layer may only come first")
    allowed = allowed_fields(kind)
    out: dict[str, Any] = {"type": class_name}
    for key, value in config.items():
        if key in _IGNORED:
            continue
        if key in _DEFAULTS:
            if value not in _DEFAULTS[key]:
                raise Unsupported(f"{key}={value!r} has no planner field")
            continue
        if key == "activation":
            value = activation_name(value)
            if kind == "activation":
                out["activation"] = value
                continue
        if kind == "activation" and key == "axis" and value in (-1, None):
            continue  # Softmax over the channel axis: planner's rule
        if kind == "batch_norm" and key == "axis":
            continue  # checked by the importer against the data format
        if key == "negative_slope" and kind != "activation":
            continue
        if key not in allowed:
            if value in (None, False, 0, "zeros", 1, [1], [1, 1], (1, 1)) and key.endswith(
                ("_padding", "groups", "output_padding")
            ):
                continue
            raise Unsupported(f"argument {key}={value!r} has no planner field")
        out[key] = list(value) if isinstance(value, tuple) else value
    if kind == "activation" and "activation" not in out and "activation" in implied:
        out["activation"] = implied["activation"]
    return out
