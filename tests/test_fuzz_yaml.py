"""Fuzzing the YAML reader: any text, however malformed, huge or hostile, gives a
network or one located ``PlannerError``; never another exception, never ``None`` in
the message, and within time and memory bounds (alias bombs, deep nesting, long
networks, random bytes)."""

from __future__ import annotations

import resource
import time

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import planner
from planner.spec.loading import MAX_ALIAS_VALUES, MAX_DEPTH, MAX_TEXT_BYTES

HAND = """\
# comment
name: fuzz
framework: keras
input_shape: [28, 28, 1]
layers:
  - {type: Conv2D, filters: 4, kernel_size: 3, padding: same, name: c1}
  - type: MaxPooling2D
    pool_size: 2
    name: p1
  - {type: UpSampling2D, size: 2, name: u1}
  - {type: Concatenate, inputs: [u1, c1], name: m1}
"""

SECONDS = 5.0  # generous per-example bound; measured figures live in benchmarks/


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def check(text: str, source: str = "fuzz.yaml") -> planner.Network | planner.PlannerError:
    """Load ``text``: a network or a PlannerError meeting the error contract."""
    start = time.perf_counter()
    try:
        result: planner.Network | planner.PlannerError = planner.loads(text, source=source)
    except planner.PlannerError as exc:
        result = exc
        message = str(exc)
        assert exc.message.strip()
        assert exc.source == source, message
        if "None" not in text:
            assert "None" not in message, message
        if exc.line is not None:
            # YAML also breaks lines at \r, NEL and the Unicode separators.
            breaks = sum(text.count(c) for c in "\n\r\x85\u2028\u2029")
            assert 1 <= exc.line <= breaks + 2, (exc.line, message)
    assert time.perf_counter() - start < SECONDS
    return result


# Text pieces that matter to YAML and to planner, for splicing into valid text.
pieces = st.sampled_from(
    [
        ":",
        "- ",
        "[",
        "]",
        "{",
        "}",
        "&a ",
        "*a",
        "<<: *a",
        "!!python/object:os.system ",
        "!!binary ",
        "\t",
        "\n",
        "  ",
        "'",
        '"',
        "#",
        "~",
        "null",
        "None",
        "-1",
        "0",
        "1e308",
        "99999999999999999999999999",
        "H",
        "?p",
        "same",
        "\x00",
        "\ufeff",
        "%YAML 1.1\n",
        "---\n",
        "...\n",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    position=st.floats(0, 1),
    cut=st.integers(0, 8),
    insert=st.lists(pieces | st.text(max_size=6), max_size=4).map("".join),
)
def test_spliced_text(position, cut, insert):
    at = int(position * len(HAND))
    check(HAND[:at] + insert + HAND[at + cut :])


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300))
@example(data=b"-")  # a list of YAML's null: shown as null, never None
@example(data=b"?")  # a null key
def test_random_bytes(data):
    check(data.decode("utf-8", errors="replace"))
    check(data.decode("latin-1"))


bad_values = st.one_of(
    st.integers(-(10**30), 10**30),
    st.sampled_from([0, -1, 2**63, 10**400, 1e308, float("inf"), True, "", "abc", "?", "H"]),
    st.none(),
    st.lists(st.integers(-3, 10**12), max_size=6),
    st.dictionaries(st.sampled_from(["a", "type", "name"]), st.integers(), max_size=2),
)
fields = st.sampled_from(
    [
        "kernel_size",
        "filters",
        "strides",
        "padding",
        "pool_size",
        "size",
        "name",
        "inputs",
        "type",
        "dilation_rate",
        "cropping",
        "axis",
        "units",
        "output_padding",
    ]
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, 3), field=fields, value=bad_values)
def test_one_bad_value_names_its_layer_and_field(index, field, value):
    data = yaml.safe_load(HAND)
    data["layers"][index][field] = value
    try:
        text = yaml.safe_dump(data, sort_keys=False)
    except (OverflowError, ValueError):
        return
    result = check(text)
    if isinstance(result, planner.PlannerError) and result.layer is not None:
        names = {
            layer.get("name") for layer in data["layers"] if isinstance(layer.get("name"), str)
        }
        assert result.layer in names or result.layer.startswith(f"#{index + 1}"), result
    if isinstance(result, planner.PlannerError) and result.field is not None:
        assert result.field.split(".")[0] in (field, "inputs", "type", "name", "input_shape")
    if isinstance(result, planner.Network):
        inferred = planner.infer(result)
        assert len(inferred.layers) == len(data["layers"])


def bomb(levels: int, fanout: int) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * fanout) + "]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fanout) + "]")
    lines.append("name: bomb\ninput_shape: [8, 8, 1]\nlayers: []")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_at_once():
    before = peak_rss_mb()
    start = time.perf_counter()
    with pytest.raises(planner.SpecError, match="alias bomb") as info:
        planner.loads(bomb(levels=9, fanout=10), source="bomb.yaml")
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5
    assert peak_rss_mb() - before < 50
    assert info.value.source == "bomb.yaml" and info.value.line is not None
    assert f"{MAX_ALIAS_VALUES:,}" in str(info.value)


@settings(max_examples=40, deadline=None)
@given(levels=st.integers(1, 12), fanout=st.integers(1, 12))
def test_alias_expansion_is_bounded(levels, fanout):
    before = peak_rss_mb()
    result = check(bomb(levels, fanout))
    # Values (lists and scalars) that the aliases stand for: level i is a list of
    # `fanout` copies of level i - 1; level 0 a list of `fanout` scalars.
    sizes = [fanout + 1]
    for _ in range(levels):
        sizes.append(1 + fanout * sizes[-1])
    from_aliases = sum(fanout * size for size in sizes[:-1])
    if from_aliases > MAX_ALIAS_VALUES:
        assert isinstance(result, planner.SpecError) and "alias" in result.message
    else:
        # Small enough to read: the unknown keys a0.. are what is wrong with it.
        assert isinstance(result, planner.SpecError) and "unknown key 'a0'" in result.message
    assert peak_rss_mb() - before < 200


def test_the_line_map_is_linear_in_the_text():
    """Aliased nodes are walked once (the map grew about 9x per alias level)."""
    from planner.spec.loading import parse_text

    _, lines = parse_text(bomb(levels=4, fanout=9))
    assert len(lines) < 100


@settings(max_examples=20, deadline=None)
@given(depth=st.integers(2, 3000), kind=st.sampled_from(["[", "{a: "]))
def test_deep_nesting(depth, kind):
    closing = "]" if kind == "[" else "}"
    text = f"name: deep\ninput_shape: [8, 8, 1]\nlayers: {kind * depth}{closing * depth}\n"
    result = check(text)
    assert isinstance(result, planner.PlannerError)
    if depth + 1 > MAX_DEPTH:
        assert f"more than {MAX_DEPTH} levels" in result.message


def test_text_over_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * MAX_TEXT_BYTES + "\n")
    start = time.perf_counter()
    with pytest.raises(planner.SpecError, match="larger than 10 MB") as info:
        planner.load(path)
    assert time.perf_counter() - start < 2
    assert info.value.source == str(path)


@settings(max_examples=6, deadline=None)
@given(count=st.integers(1, 3000), framework=st.sampled_from(["keras", "torch"]))
def test_long_networks_load_and_run(count, framework):
    shape = "[16, 16, 2]" if framework == "keras" else "[2, 16, 16]"
    layer = "- {type: conv, filters: 2, kernel_size: 3, padding: same}\n"
    if framework == "torch":
        layer = "- {type: Conv2d, out_channels: 2, kernel_size: 3, padding: 1}\n"
    text = f"name: long\nframework: {framework}\ninput_shape: {shape}\nlayers:\n" + layer * count
    start = time.perf_counter()
    net = check(text)
    assert isinstance(net, planner.Network) and len(net.layers) == count
    assert planner.infer(net).ok
    assert time.perf_counter() - start < 10 + count / 100


def test_unsafe_tags_are_refused_not_run():
    result = check("!!python/object/apply:os.system ['echo pwned']\n")
    assert isinstance(result, planner.SpecError) and "invalid YAML" in result.message
