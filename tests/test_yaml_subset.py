"""The fast reader of plain YAML (planner.spec.yaml_subset) against PyYAML: whatever
it accepts, it reads as PyYAML's SafeLoader does, value types included."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import YAML_SCALARS, yaml_documents

import planner
from planner.spec import loading
from planner.spec.yaml_subset import (
    NON_PRINTABLE,
    RESOLVERS,
    WORDS,
    OutsideSubset,
    parse,
    plain_scalar,
)

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


@settings(max_examples=400, deadline=None)
@given(yaml_documents())
def test_text_typed_without_pyyaml_reads_as_planners_loader_reads_it(text: str) -> None:
    """Without a resolver the subset types scalars itself (``plain_scalar``), as
    planner's loader (PyYAML's safe loader reading ``None`` as null) does."""
    try:
        fast = parse(text)
    except OutsideSubset:
        return
    assert typed(fast) == typed(yaml.load(text, Loader=LOADER))


# Scalars of every kind plain_scalar meets: the corpus of the documents above, and
# numbers, words and the resolvers' words in generated spellings.
_SCALAR_CHARS = "0123456789+-._eE:xob~aA"
scalar_texts = st.one_of(
    st.sampled_from(YAML_SCALARS),
    st.sampled_from(sorted(WORDS)).map(lambda w: w.swapcase() if len(w) % 2 else w),
    st.text(alphabet=_SCALAR_CHARS, min_size=1, max_size=8),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_.\-/]{0,8}\Z"),
)


@settings(max_examples=1500, deadline=None)
@given(scalar_texts)
def test_plain_scalars_typed_as_pyyaml_types_them(text: str) -> None:
    """What ``plain_scalar`` returns for a text is what PyYAML makes of that text as a
    plain scalar: the tag its resolvers give it, built by its constructor."""
    try:
        fast = plain_scalar(text)
    except OutsideSubset:
        return
    loader = LOADER("")
    tag = loader.resolve(yaml.ScalarNode, text, (True, False))
    slow = loader.construct_object(yaml.ScalarNode(tag, text), deep=True)
    assert typed(fast) == typed(slow), text


@pytest.mark.parametrize(
    "text", ["0x1F", "012", "1_000", ".5", ".inf", "1:30", "2001-12-14", "0b11"]
)
def test_other_numbers_are_left_to_pyyaml(text: str) -> None:
    with pytest.raises(OutsideSubset):
        plain_scalar(text)
    doc = f"a: {text}\n"  # read by PyYAML then, as it reads it
    assert typed(loading.parse_text(doc)[0]) == typed(yaml.load(doc, Loader=LOADER))


def test_resolvers_are_pyyamls() -> None:
    """plain_scalar's table is PyYAML's: the words of its boolean and null resolvers,
    and the patterns and first characters of the others, in its order."""
    theirs: dict[str, tuple[str, str, str]] = {}
    for first, entries in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
        for tag, pattern in entries:
            if tag.endswith(("bool", "null")):
                continue
            # planner compiles them all verbose: the same for those without spaces or #
            assert pattern.flags & re.X or not re.search(r"[\s#]", pattern.pattern)
            _, _, firsts = theirs.get(tag, (tag, pattern.pattern, ""))
            theirs[tag] = (tag, pattern.pattern, firsts + first)
    mine = {tag: (tag, pattern, "".join(sorted(first))) for tag, pattern, first in RESOLVERS}
    assert {t: (t, p, "".join(sorted(f))) for t, (_, p, f) in theirs.items()} == mine
    resolver = yaml.resolver.Resolver()
    for word, value in WORDS.items():
        tag = resolver.resolve(yaml.ScalarNode, word, (True, False))
        expected = "null" if value is None else "bool"
        assert tag == f"tag:yaml.org,2002:{expected}" or word == "None", word


def test_refused_characters_are_pyyamls() -> None:
    assert yaml.reader.Reader.NON_PRINTABLE.pattern == NON_PRINTABLE


@pytest.mark.parametrize("path", sorted((ROOT / "presets").glob("*.yaml")), ids=lambda p: p.stem)
def test_presets_are_in_the_subset(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert typed(parse(text, 100, LOADER)) == typed(yaml.load(text, Loader=LOADER))
    assert typed(parse(text)) == typed(yaml.load(text, Loader=LOADER))


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


# One-line flow collections of words (``yaml_subset``'s fast path for them): any
# spacing around the words, dashes anywhere in them, and a lone "-" (not a word).
_FLAT_WORDS = st.sampled_from(
    ["a", "Conv2D", "3", "-1", "0.5", "-a", "a-b", "--a", "a-", "-", "x/y"]
)
_SPACES = st.sampled_from(["", " ", "  "])


@st.composite
def flat_collections(draw: st.DrawFn) -> str:
    words = draw(st.lists(_FLAT_WORDS, min_size=1, max_size=4))
    if draw(st.booleans()):
        body = ",".join(draw(_SPACES) + w + draw(_SPACES) for w in words)
        return f"[{body}]"
    pairs = [
        f"{draw(_SPACES)}{k}{draw(_SPACES)}:{draw(st.sampled_from(['', ' ', '  ']))}{v}"
        f"{draw(_SPACES)}"
        for k, v in zip(words, draw(st.permutations(words)), strict=True)
    ]
    return "{" + ",".join(pairs) + "}"


@settings(max_examples=600, deadline=None)
@given(flat_collections(), _SPACES)
def test_flat_collections_read_as_pyyaml_reads_them(flow: str, tail: str) -> None:
    text = f"a: {flow}{tail}\nb:\n- {flow}\n"
    try:
        expected = yaml.load(text, Loader=LOADER)
    except yaml.YAMLError:
        with pytest.raises(OutsideSubset):
            parse(text)
        return
    try:
        fast = parse(text)
    except OutsideSubset:
        return
    assert typed(fast) == typed(expected)
