"""Pictures: the SVG parses, names every layer, its arrows join the layers the network
connects, a U-Net is drawn as a U, failing layers are red; PNG through resvg-py."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import planner
from planner.cli import app
from planner.draw import network_svg, padding_svg, to_png
from planner.errors import SpecError
from planner.spec.network import Network

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def boxes(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-name"): g for g in root.iter("{http://www.w3.org/2000/svg}g")}


def box_y(g: ET.Element) -> float:
    return float(g.find("s:rect", NS).get("y"))  # type: ignore[union-attr]


def box_x(g: ET.Element) -> float:
    return float(g.find("s:rect", NS).get("x"))  # type: ignore[union-attr]


@pytest.mark.parametrize("name", planner.preset_names())
def test_every_layer_named_and_every_arrow_right(name: str) -> None:
    net = planner.load(name)
    root = parse(network_svg(net))
    found = boxes(root)
    assert list(found) == [net.input_name, *net.layer_names]
    for layer in net.layers:
        text = " ".join(
            t.text or "" for t in found[layer.name].iter("{http://www.w3.org/2000/svg}text")
        )
        assert layer.type in text
    edges = sorted(
        (p.get("data-from"), p.get("data-to"))
        for p in root.iter("{http://www.w3.org/2000/svg}path")
        if "edge" in (p.get("class") or "")
    )
    assert edges == sorted((i, layer.name) for layer in net.layers for i in layer.inputs)


def test_unet_is_drawn_as_a_u() -> None:
    net = planner.load("unet-original")
    found = boxes(parse(network_svg(net)))
    # Encoder: deeper levels lower; decoder: rises again; the bottom in the middle.
    ys = [box_y(found[n]) for n in ("conv1", "conv2", "conv3", "conv4", "conv5")]
    assert ys == sorted(ys) and len(set(ys)) == 5
    assert box_y(found["conv9"]) < box_y(found["conv8"]) < box_y(found["conv6"]) < ys[-1]
    xs = [box_x(found[n]) for n in ("conv1", "conv5", "conv9")]
    assert xs == sorted(xs)
    # A skip joins two layers of one level: conv4 -> crop6 at the same band.
    assert abs(box_y(found["conv4"]) - box_y(found["crop6"])) < 100


def test_plain_stack_top_to_bottom() -> None:
    net = planner.load("vgg16")
    found = boxes(parse(network_svg(net)))
    ys = [box_y(found[n]) for n in net.layer_names]
    assert ys == sorted(ys) and len({box_x(g) for g in found.values()}) == 1


def test_failing_layer_is_red() -> None:
    net = Network.model_validate(
        {
            "name": "bad",
            "input_shape": [8, 8, 1],
            "layers": [
                {"type": "conv", "filters": 2, "kernel_size": 3, "name": "ok"},
                {"type": "conv", "filters": 2, "kernel_size": 9, "name": "too_big"},
            ],
        }
    )
    root = parse(network_svg(net))
    g = boxes(root)["too_big"]
    assert "failing" in (g.get("class") or "")
    assert g.find("s:rect", NS).get("stroke") == "#c62828"  # type: ignore[union-attr]
    assert "failing" not in (boxes(root)["ok"].get("class") or "")


def test_forty_layer_unet_stays_readable() -> None:
    net = planner.load("unet-same")
    assert len(net.layers) >= 38
    root = parse(network_svg(net))
    width, height = float(root.get("width")), float(root.get("height"))  # type: ignore[arg-type]
    assert width < 2600 and height < 1600  # a U, not a 40-box column or row
    rects = [g.find("s:rect", NS) for g in boxes(root).values()]
    spans = [(float(r.get("x")), float(r.get("y"))) for r in rects]  # type: ignore[union-attr]
    assert len(set(spans)) == len(spans)  # no two boxes on top of each other


def test_padding_diagram_cells_and_windows() -> None:
    net = Network.model_validate(
        {
            "name": "p",
            "input_shape": [7, 6, 1],
            "layers": [{"type": "conv", "filters": 1, "kernel_size": 3, "strides": 2,
                        "padding": "same", "name": "down"}],
        }
    )  # fmt: skip
    root = parse(padding_svg(net, "down"))
    rects = list(root.iter("{http://www.w3.org/2000/svg}rect"))
    pads = [r for r in rects if r.get("class") == "pad"]
    cells = [r for r in rects if r.get("class") == "cell"]
    # 'same' at stride 2: H 7 -> 4 pads 1|1; W 6 -> 3 pads 0|1.
    assert sorted(int(r.get("data-index")) for r in pads) == [-1, 6, 7]  # type: ignore[arg-type]
    assert len(cells) == 7 + 6
    windows = [
        w for w in root.iter("{http://www.w3.org/2000/svg}line") if w.get("class") == "window"
    ]
    assert len(windows) == 4 + 3


def test_padding_diagram_refuses_other_layers() -> None:
    with pytest.raises(SpecError, match="a padding diagram shows convolutions and pooling"):
        padding_svg(planner.load("unet-original"), "merge6")


def test_png_and_cli(tmp_path: Path) -> None:
    png = to_png(network_svg(planner.load("keras-autoencoder")))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    out = tmp_path / "net.svg"
    runner = CliRunner()
    args = ["draw", "dcgan-discriminator", "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    parse(out.read_text())
    again = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert again.exit_code == 2 and "--force" in again.output
    png = tmp_path / "net.png"
    assert runner.invoke(app, ["draw", "unet-original", "-o", str(png)]).exit_code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
