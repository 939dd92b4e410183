"""Tests for d2lmini.diagrams: count what the drawings contain and check where it sits."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from conftest import imported_by
from matplotlib.colors import to_rgba
from matplotlib.patches import Circle

import d2lmini
from d2lmini.diagrams import (
    COMPUTED_COLOR,
    ELLIPSIS,
    GIVEN_COLOR,
    NEURON_PARTS,
    network_diagram,
    neuron_diagram,
)

pytestmark = pytest.mark.usefixtures("close_figures")


def by_gid(artists, gid):
    return [a for a in artists if a.get_gid() == gid]


def test_default_network_is_linear_regression():
    ax = network_diagram()
    nodes = by_gid(ax.patches, "node")
    edges = by_gid(ax.patches, "edge")
    # x_1, x_2, x_d and o_1 are drawn; the ellipsis is dots, not a node.
    assert len(nodes) == 4
    assert len(edges) == 3
    assert [t.get_text() for t in by_gid(ax.texts, "node-label")] == ["$x_1$", "$x_2$", "$x_d$", "$o_1$"]
    assert len(by_gid(ax.texts, "ellipsis")) == 1
    assert [t.get_text() for t in by_gid(ax.texts, "layer-name")] == ["input layer", "output layer"]


@pytest.mark.parametrize("sizes", [(1, 1), (3, 1), (5, 2), (2, 4, 3, 1)])
def test_every_node_of_a_layer_connects_to_every_node_of_the_next(sizes):
    layers = [[f"$a_{{{k}{i}}}$" for i in range(size)] for k, size in enumerate(sizes)]
    ax = network_diagram(layers, label_layers=False)
    assert len(by_gid(ax.patches, "node")) == sum(sizes)
    assert len(by_gid(ax.patches, "edge")) == sum(a * b for a, b in zip(sizes, sizes[1:]))
    assert by_gid(ax.texts, "layer-name") == []


def test_custom_layer_names_are_written_under_their_columns():
    ax = network_diagram([["a"], ["b"], ["c"]], layer_names=["in", "middle", "out"])
    names = by_gid(ax.texts, "layer-name")
    assert [t.get_text() for t in names] == ["in", "middle", "out"]
    node_x = [c.center[0] for c in by_gid(ax.patches, "node")]
    assert [t.get_position()[0] for t in names] == pytest.approx(node_x)


def test_ellipsis_entries_take_part_in_no_edge():
    ax = network_diagram([["$x_1$", ELLIPSIS, "$x_5$"], ["$h_1$", "$h_2$"], ["$o$"]])
    assert len(by_gid(ax.patches, "node")) == 5
    assert len(by_gid(ax.patches, "edge")) == 2 * 2 + 2 * 1
    names = [t.get_text() for t in by_gid(ax.texts, "layer-name")]
    assert names == ["input layer", "hidden layer", "output layer"]


def test_edges_run_from_rim_to_rim_left_to_right():
    ax = network_diagram([["a", "b", "c"], ["o"]], label_layers=False)
    circles = by_gid(ax.patches, "node")
    radius = circles[0].get_radius()
    centres = [c.center for c in circles]
    for edge in by_gid(ax.patches, "edge"):
        vertices = edge.get_path().vertices  # in data units; the first is the tail, the right-most the tip
        start, end = vertices[0], vertices[vertices[:, 0].argmax()]
        assert end[0] > start[0]
        assert min(math.dist(start, c) for c in centres) == pytest.approx(radius, abs=1e-6)
        # the tip stops at the rim (less a hair of line width)
        assert min(math.dist(end, c) for c in centres) == pytest.approx(radius, abs=0.03)


def test_given_nodes_white_computed_nodes_tinted():
    ax = network_diagram([["a", "b"], ["h"], ["o"]], label_layers=False)
    faces = [to_rgba(c.get_facecolor()) for c in by_gid(ax.patches, "node")]
    assert faces[:2] == [to_rgba(GIVEN_COLOR)] * 2
    assert faces[2:] == [to_rgba(COMPUTED_COLOR)] * 2


def test_long_labels_are_shrunk_to_fit_inside_their_circles():
    fig, ax = plt.subplots(figsize=(4, 2.5))
    network_diagram([["a", "NAND"], ["o"]], ax=ax)
    renderer = fig.canvas.get_renderer()
    short, long = by_gid(ax.texts, "node-label")[:2]
    circle = by_gid(ax.patches, "node")[1]
    assert short.get_fontsize() == 12
    assert 6 < long.get_fontsize() < 12
    assert long.get_window_extent(renderer).width < circle.get_window_extent(renderer).width
    # and it was shrunk no more than needed: half a point larger would not fit in 80% of the circle
    long.set_fontsize(long.get_fontsize() + 0.5)
    assert long.get_window_extent(renderer).width > 0.8 * circle.get_window_extent(renderer).width


def test_network_draws_into_given_axes_and_hides_them():
    _, ax = plt.subplots()
    assert network_diagram(ax=ax) is ax
    assert not ax.axison
    assert ax.get_aspect() == 1.0


@pytest.mark.parametrize(
    ("layers", "kwargs", "exc", "match"),
    [
        ("x", {}, TypeError, "layers"),
        ([["a"]], {}, ValueError, "at least two"),
        ([["a"], []], {"layer_names": None}, ValueError, r"layers\[1\]"),
        ([["a"], [ELLIPSIS]], {"layer_names": None}, ValueError, r"layers\[1\]"),
        ([["a"], "bc"], {"layer_names": None}, TypeError, r"layers\[1\]"),
        ([["a"], [3]], {"layer_names": None}, TypeError, r"layers\[1\]"),
        ([["a"], ["b"]], {"layer_names": ["only one"]}, ValueError, "layer_names"),
        ([["a"], ["b"]], {"layer_names": ["in", 2]}, TypeError, "layer_names"),
        ([["a"], ["b"]], {"label_layers": 1}, TypeError, "label_layers"),
        ([["a"], ["b"]], {"ax": "not axes"}, TypeError, "ax"),
    ],
)
def test_network_rejects_bad_input(layers, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        network_diagram(layers, **kwargs)


@pytest.mark.parametrize(("dendrites", "terminals"), [(1, 1), (5, 4), (7, 2)])
def test_neuron_has_requested_branches_and_every_part_labelled(dendrites, terminals):
    ax = neuron_diagram(num_dendrites=dendrites, num_terminals=terminals)
    assert len(by_gid(ax.lines, "dendrite")) == dendrites
    assert len(by_gid(ax.lines, "dendrite-twig")) == 2 * dendrites
    assert len(by_gid(ax.patches, "terminal")) == terminals
    assert len(by_gid(ax.lines, "terminal-branch")) == terminals
    assert len(by_gid(ax.patches, "nucleus")) == 1
    assert len(by_gid(ax.lines, "axon")) == 1
    labels = by_gid(ax.texts, "part-label")
    assert sorted(t.get_text() for t in labels) == sorted(NEURON_PARTS)
    assert set(NEURON_PARTS) == {"dendrites", "nucleus", "axon", "axon terminals", "synapse"}
    # Each label has an arrow to the part it names.
    assert all(t.arrow_patch is not None for t in labels)
    math_labels = [t.get_text() for t in by_gid(ax.texts, "math-label")]
    assert [f"$x_{{{i}}} w_{{{i}}}$" for i in range(1, dendrites + 1)] == math_labels[:dendrites]
    assert any("sum" in t for t in math_labels) and any("sigma" in t for t in math_labels)


def test_neuron_without_math_has_no_math_labels_and_sound_geometry():
    ax = neuron_diagram(show_math=False)
    assert by_gid(ax.texts, "math-label") == []
    nucleus = by_gid(ax.patches, "nucleus")[0]
    body = by_gid(ax.patches, "cell-body")[0]
    assert isinstance(nucleus, Circle)
    cx, cy = nucleus.center
    bx, by = body.center
    assert ((cx - bx) / (body.width / 2)) ** 2 + ((cy - by) / (body.height / 2)) ** 2 < 1
    axon_end = max(by_gid(ax.lines, "axon")[0].get_xdata())
    assert all(t.center[0] > axon_end for t in by_gid(ax.patches, "terminal"))
    tips = [min(line.get_xdata()) for line in by_gid(ax.lines, "dendrite")]
    assert all(x < bx - body.width / 2 for x in tips)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"num_dendrites": 0}, ValueError, "num_dendrites"),
        ({"num_dendrites": 2.0}, TypeError, "num_dendrites"),
        ({"num_terminals": True}, TypeError, "num_terminals"),
        ({"num_terminals": -1}, ValueError, "num_terminals"),
        ({"show_math": "yes"}, TypeError, "show_math"),
        ({"ax": 1}, TypeError, "ax"),
    ],
)
def test_neuron_rejects_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        neuron_diagram(**kwargs)


def test_diagrams_are_exported_and_importing_does_not_load_matplotlib():
    assert d2lmini.network_diagram is network_diagram
    assert d2lmini.neuron_diagram is neuron_diagram
    assert not imported_by("import d2lmini.diagrams", "matplotlib")
