"""Run layers in the real frameworks with every weight set to 1, on numpy inputs.

``run_code(framework, code, x)`` executes code printed by planner (the body of a
Python list, see ``planner.codegen``); the ``build_*`` helpers build a framework's
layer directly, for the other side of a comparison. Inputs and outputs carry a batch
axis of one and are in the framework's own layout (PyTorch and ONNX channels first,
Flax channels last, Keras as its ``data_format`` says).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def to_last(x: np.ndarray) -> np.ndarray:
    """NC... -> N...C"""
    return np.moveaxis(x, 1, -1)


def to_first(x: np.ndarray) -> np.ndarray:
    """N...C -> NC..."""
    return np.moveaxis(x, -1, 1)


def run_torch_modules(modules: list[Any], x: np.ndarray) -> np.ndarray:
    """``nn`` modules (and ``lambda x: ...`` functions), applied in order."""
    import torch

    with torch.no_grad():
        y = torch.from_numpy(x)
        for m in modules:
            if isinstance(m, torch.nn.Module):
                for p in m.parameters():
                    p.fill_(1.0)
            y = m(y)
        return y.numpy()


def run_keras_layers(layers: list[Any], x: np.ndarray) -> np.ndarray:
    import keras

    def forward() -> Any:
        y = x
        for layer in layers:
            y = layer(y)
        return y

    forward()  # builds the weights
    for layer in layers:
        weights = layer.get_weights()
        if weights:
            layer.set_weights([np.ones_like(w) for w in weights])
    return keras.ops.convert_to_numpy(forward())


def run_flax_items(items: list[Any], x: np.ndarray) -> np.ndarray:
    import flax.linen as nn
    import jax
    import jax.numpy as jnp

    model = nn.Sequential(items) if len(items) > 1 else items[0]
    if isinstance(model, nn.Module):
        params = model.init(jax.random.PRNGKey(0), jnp.asarray(x))
        params = jax.tree_util.tree_map(jnp.ones_like, params)
        return np.asarray(model.apply(params, jnp.asarray(x)))
    return np.asarray(model(jnp.asarray(x)))


def run_onnx_objects(objects: list[Any], x: np.ndarray, opset: int = 19) -> np.ndarray:
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    nodes = [o for o in objects if isinstance(o, onnx.NodeProto)]
    weights = [o for o in objects if isinstance(o, onnx.ValueInfoProto)]
    inits = []
    for w in weights:
        shape = [d.dim_value for d in w.type.tensor_type.shape.dim]
        inits.append(numpy_helper.from_array(np.ones(shape, np.float32), w.name))
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    options = ort.SessionOptions()
    options.log_severity_level = 4
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return session.run(None, {"x": x})[0]


def eval_code(framework: str, code: str) -> list[Any]:
    """The objects of printed code, in the namespace its docstring promises."""
    if framework == "torch":
        from torch import nn
        from torch.nn import functional

        namespace: dict[str, Any] = {"nn": nn, "F": functional}
    elif framework == "keras":
        from keras import layers

        namespace = {"layers": layers}
    elif framework == "jax":
        import flax.linen as nn
        import jax
        import jax.numpy as jnp
        from jax import lax

        namespace = {"nn": nn, "jnp": jnp, "lax": lax, "jax": jax}
    else:
        from onnx import TensorProto, helper

        namespace = {"helper": helper, "TensorProto": TensorProto}
    return eval(f"[{code}]", namespace)  # the code planner printed, run as written


def run_code(framework: str, code: str, x: np.ndarray) -> np.ndarray:
    objects = eval_code(framework, code)
    runner = {
        "torch": run_torch_modules,
        "keras": run_keras_layers,
        "jax": run_flax_items,
        "onnx": run_onnx_objects,
    }[framework]
    return runner(objects, x)
