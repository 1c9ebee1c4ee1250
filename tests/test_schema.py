"""The committed JSON Schema matches the models (regenerate: planner schema)."""

from __future__ import annotations

import json
from pathlib import Path

from planner.spec.schema import network_schema

SCHEMA = Path(__file__).parent.parent / "docs" / "network.schema.json"


def test_committed_schema_is_current():
    committed = json.loads(SCHEMA.read_text())
    assert committed == network_schema(), (
        "docs/network.schema.json is stale: run `planner schema > docs/network.schema.json`"
    )


def test_schema_names_every_layer_type():
    text = json.dumps(network_schema())
    for kind in ("conv_transpose", "max_pool", "zero_padding", "cropping", "concatenate"):
        assert f'"{kind}"' in text
