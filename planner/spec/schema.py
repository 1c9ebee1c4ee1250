"""The JSON Schema of the network file format, generated from the pydantic models.

The committed copy lives in ``docs/network.schema.json``; a test fails when it drifts.
Regenerate with ``planner schema > docs/network.schema.json``.
"""

from __future__ import annotations

from typing import Any

from planner.spec.network import Network


def network_schema() -> dict[str, Any]:
    schema = Network.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "planner network"
    schema["description"] = (
        "A convolutional network for planner: a name, a framework, a data format, an "
        "input shape and layers (sequential unless a layer names its inputs)."
    )
    return schema
