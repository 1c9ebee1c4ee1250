"""The fast reader of plain YAML (planner.spec.yaml_subset) against PyYAML: whatever
it accepts, it reads as PyYAML's SafeLoader does, value types included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from strategies import yaml_documents

import planner
from planner.spec import loading
from planner.spec.yaml_subset import OutsideSubset, parse

ROOT = Path(__file__).resolve().parent.parent
LOADER = loading._Loader  # planner's: PyYAML's safe loader reading None as null too


def typed(value: Any) -> Any:
    """``value`` with every scalar's type beside it (``1 == True`` in Python)."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, value)


@settings(max_examples=400, deadline=None)
@given(yaml_documents())
def test_accepted_text_reads_as_pyyaml_reads_it(text: str) -> None:
    try:
        fast = parse(text, 100, LOADER)
    except OutsideSubset:
        return
    assert typed(fast) == typed(yaml.load(text, Loader=LOADER))


@pytest.mark.parametrize("path", sorted((ROOT / "presets").glob("*.yaml")), ids=lambda p: p.stem)
def test_presets_are_in_the_subset(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert typed(parse(text, 100, LOADER)) == typed(yaml.load(text, Loader=LOADER))


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1]\nb: *x\n",  # aliases
        "a: !!str 1\n",  # tags
        "a: |\n  text\n",  # block scalars
        "a: [1,\n  2]\n",  # a flow collection over two lines
        "--- \na: 1\n",  # document markers
        "a:\tb\n",  # tabs
        "a: 2001-12-14\n",  # timestamps
        "a: b: c\n",  # invalid YAML
        "a: 1\n - b\n",  # invalid indentation
    ],
)
def test_other_text_is_left_to_pyyaml(text: str) -> None:
    with pytest.raises(OutsideSubset):
        parse(text)


@pytest.mark.parametrize(
    "layer",
    [
        "{type: Conv2D, filters: 4, kernel_size: 3, stride: 0}",
        "{type: Conv2D, filters: 4, kernel: 3, kernel_size: 3}",
        "{type: Conv2DD, filters: 4}",
        "{type: Conv2D, filters: 4, kernel_size: 3, inputs: [nowhere]}",
    ],
)
def test_errors_in_subset_text_as_pyyaml_text(layer: str) -> None:
    """Text read by the subset gets the same located errors as text PyYAML reads (its
    line map is made when an error needs it); a tab in a comment sends the same
    network to PyYAML."""
    text = f"name: n\ninput_shape: [8, 8, 1]\nlayers:\n- {{type: Conv2D, filters: 4}}\n- {layer}\n"
    parse(text)  # in the subset
    with pytest.raises(OutsideSubset):
        parse(text + "#\t\n")
    with pytest.raises(planner.PlannerError) as fast:
        loading.loads(text)
    with pytest.raises(planner.PlannerError) as slow:
        loading.loads(text + "#\t\n")
    assert str(fast.value) == str(slow.value)
    assert fast.value.line == slow.value.line
