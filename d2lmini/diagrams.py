"""Schematic drawings drawn with matplotlib: a layered network and a cartoon neuron.

Every artist carries a ``gid`` naming its role (``"node"``, ``"edge"``,
``"dendrite"``, ...), so a drawing can be inspected, and tested, by counting
what it contains.  Matplotlib is imported only when a function is called.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._validation import check_positive_int

if TYPE_CHECKING:
    from matplotlib.axes import Axes

ELLIPSIS = "..."
"""A layer entry equal to this string is drawn as vertical dots: no node, no edges."""

GIVEN_COLOR = "white"
"""Fill of nodes whose values are given (the first layer)."""
COMPUTED_COLOR = "#cfe3f5"
"""Fill of nodes whose values are computed (every later layer)."""

NEURON_PARTS = ("dendrites", "nucleus", "axon", "axon terminals", "synapse")
"""The parts that :func:`neuron_diagram` names, in the order they are labelled."""


def _check_axes(ax: object) -> Axes:
    """Return ``ax`` or a new Axes; refuse anything that is not an Axes."""
    from matplotlib.axes import Axes

    if ax is None:
        import matplotlib.pyplot as plt  # deferred: importing pyplot picks a backend

        return plt.figure().gca()
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def network_diagram(
    layers: Sequence[Sequence[str]] = (("$x_1$", "$x_2$", ELLIPSIS, "$x_d$"), ("$o_1$",)),
    *,
    layer_names: Sequence[str] | None = None,
    label_layers: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Draw a fully connected feed-forward network, inputs on the left.

    Introduced in chapter 7, *Linear regression as a neural network*.

    Each layer is a column of circular nodes, labelled inside; every node is
    joined by an arrow to every node of the next layer.  Nodes of the first
    layer (given values) are white, the others (computed values) are tinted.

    Parameters
    ----------
    layers : sequence of sequences of str
        At least two layers, each with at least one node label (MathJax-free
        matplotlib mathtext such as ``"$x_1$"`` is fine).  An entry equal to
        :data:`ELLIPSIS` stands for "and so on": it is drawn as vertical dots
        and takes part in no edge.
    layer_names : sequence of str, optional
        One caption per layer, written under its column.  By default the
        first is "input layer", the last "output layer" and any between
        "hidden layer".
    label_layers : bool, default True
        Write the layer captions at all.
    ax : matplotlib Axes, optional
        Draw into these instead of a new figure.

    Returns
    -------
    matplotlib Axes
        Artists carry the gids ``"node"``, ``"node-label"``, ``"ellipsis"``,
        ``"edge"`` and ``"layer-name"``.

    Examples
    --------
    >>> ax = network_diagram([["$x_1$", "$x_2$"], ["$o_1$"]], label_layers=False)
    >>> sum(p.get_gid() == "node" for p in ax.patches), sum(p.get_gid() == "edge" for p in ax.patches)
    (3, 2)
    """
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a sequence of layers (sequences of labels), got {type(layers).__name__}")
    layers = [list(layer) if not isinstance(layer, (str, bytes)) else layer for layer in layers]
    if len(layers) < 2:
        raise ValueError(f"layers must hold at least two layers, got {len(layers)}")
    for i, layer in enumerate(layers):
        if isinstance(layer, (str, bytes)):
            raise TypeError(f"layers[{i}] must be a sequence of labels, got the string {layer!r}")
        if not layer or all(label == ELLIPSIS for label in layer):
            raise ValueError(f"layers[{i}] must hold at least one node label besides the ellipsis")
        for label in layer:
            if not isinstance(label, str):
                raise TypeError(f"layers[{i}] must hold strings, got {type(label).__name__} {label!r}")
    if layer_names is None:
        layer_names = ["input layer", *["hidden layer"] * (len(layers) - 2), "output layer"]
    elif isinstance(layer_names, (str, bytes)) or len(layer_names) != len(layers):
        raise ValueError(f"layer_names must give one name per layer ({len(layers)}), got {layer_names!r}")
    elif not all(isinstance(name, str) for name in layer_names):
        raise TypeError(f"layer_names must hold strings, got {layer_names!r}")
    if not isinstance(label_layers, bool):
        raise TypeError(f"label_layers must be True or False, got {type(label_layers).__name__}")
    ax = _check_axes(ax)

    from matplotlib.patches import Circle, FancyArrowPatch

    radius, dx, dy = 0.34, 2.4, 1.0
    tallest = max(len(layer) for layer in layers)
    centres: list[list[tuple[float, float] | None]] = []
    for col, layer in enumerate(layers):
        top = (len(layer) - 1) * dy / 2
        column: list[tuple[float, float] | None] = []
        for row, label in enumerate(layer):
            x, y = col * dx, top - row * dy
            if label == ELLIPSIS:
                ax.text(x, y, "$\\vdots$", ha="center", va="center", fontsize=14, gid="ellipsis")
                column.append(None)
                continue
            face = GIVEN_COLOR if col == 0 else COMPUTED_COLOR
            ax.add_patch(Circle((x, y), radius, facecolor=face, edgecolor="black", lw=1.2, zorder=3, gid="node"))
            ax.text(x, y, label, ha="center", va="center", fontsize=12, zorder=4, gid="node-label")
            column.append((x, y))
        centres.append(column)

    for left, right in zip(centres, centres[1:]):
        for x0, y0 in filter(None, left):
            for x1, y1 in filter(None, right):
                # Run the arrow from rim to rim rather than centre to centre.
                length = math.hypot(x1 - x0, y1 - y0)
                ux, uy = (x1 - x0) / length, (y1 - y0) / length
                ax.add_patch(
                    FancyArrowPatch(
                        (x0 + ux * radius, y0 + uy * radius),
                        (x1 - ux * radius, y1 - uy * radius),
                        arrowstyle="-|>",
                        mutation_scale=11,
                        shrinkA=0.0,
                        shrinkB=0.0,
                        lw=1.0,
                        color="0.35",
                        zorder=2,
                        gid="edge",
                    )
                )

    bottom = -(tallest - 1) * dy / 2 - radius
    if label_layers:
        for col, name in enumerate(layer_names):
            ax.text(col * dx, bottom - 0.35, name, ha="center", va="top", fontsize=11, gid="layer-name")
    ax.set_xlim(-0.9, (len(layers) - 1) * dx + 0.9)
    ax.set_ylim(bottom - (0.95 if label_layers else 0.3), (tallest - 1) * dy / 2 + radius + 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    _fit_labels_in_nodes(ax, radius)
    return ax


def _fit_labels_in_nodes(ax: Axes, radius: float) -> None:
    """Shrink node labels (from 12 pt, down to 6 pt) until each fits inside its circle."""
    get_renderer = getattr(ax.figure.canvas, "get_renderer", None)
    if get_renderer is None:  # a backend without a renderer to measure with: keep the default size
        return
    renderer = get_renderer()
    ax.apply_aspect()
    to_display = ax.transData.transform
    diameter = abs(to_display((2 * radius, 0))[0] - to_display((0, 0))[0])
    for text in ax.texts:
        if text.get_gid() != "node-label":
            continue
        size = float(text.get_fontsize())
        while size > 6 and text.get_window_extent(renderer).width > 0.8 * diameter:
            size -= 0.5
            text.set_fontsize(size)


def neuron_diagram(
    *,
    num_dendrites: int = 5,
    num_terminals: int = 4,
    show_math: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Draw a cartoon of a biological neuron, signals flowing left to right.

    Introduced in chapter 7, *Linear regression as a neural network*.

    Dendrites branch into the cell body, which holds the nucleus; the axon
    leaves it to the right and splits into axon terminals, one of which meets
    a dendrite of the next neuron across a synapse.  Each part is named by an
    arrow label (see :data:`NEURON_PARTS`).  With ``show_math`` the artificial
    neuron is written alongside: weighted inputs ``x_i w_i`` on the dendrites,
    the sum ``y`` in the cell body and the output ``sigma(y)`` on the axon.

    Parameters
    ----------
    num_dendrites : int, default 5
        Dendrite branches (at least 1).
    num_terminals : int, default 4
        Axon terminals (at least 1).
    show_math : bool, default True
        Add the artificial-neuron notation.
    ax : matplotlib Axes, optional
        Draw into these instead of a new figure.

    Returns
    -------
    matplotlib Axes
        Artists carry the gids ``"dendrite"``, ``"cell-body"``, ``"nucleus"``,
        ``"axon"``, ``"terminal"``, ``"next-neuron"``, ``"part-label"`` and
        ``"math-label"``.

    Examples
    --------
    >>> ax = neuron_diagram(num_dendrites=3, show_math=False)
    >>> sorted(t.get_text() for t in ax.texts if t.get_gid() == "part-label")
    ['axon', 'axon terminals', 'dendrites', 'nucleus', 'synapse']
    """
    num_dendrites = check_positive_int("num_dendrites", num_dendrites)
    num_terminals = check_positive_int("num_terminals", num_terminals)
    if not isinstance(show_math, bool):
        raise TypeError(f"show_math must be True or False, got {type(show_math).__name__}")
    ax = _check_axes(ax)

    from matplotlib.patches import Circle, Ellipse

    body_r = 1.0
    ink = "#4a4a4a"
    ax.add_patch(Ellipse((0, 0), 2.3 * body_r, 2.0 * body_r, facecolor="#f6dcc8", edgecolor=ink, lw=1.5,
                         zorder=3, gid="cell-body"))
    ax.add_patch(Circle((0.05, 0.05), 0.38, facecolor="#b5654a", edgecolor=ink, lw=1.0, zorder=4, gid="nucleus"))

    # Dendrites: branches spread over the left half, each forking once near its tip.
    tips = []
    for i in range(num_dendrites):
        angle = math.radians(180 + (i - (num_dendrites - 1) / 2) * (84 / max(num_dendrites - 1, 1)))
        if num_dendrites == 1:
            angle = math.pi
        x0, y0 = 1.1 * body_r * math.cos(angle), body_r * math.sin(angle)
        x1, y1 = x0 + 1.9 * math.cos(angle), y0 + 1.9 * math.sin(angle)
        xs, ys = [x0, x1], [y0, y1]
        for twist in (-0.45, 0.45):
            xs += [x1, x1 + 0.55 * math.cos(angle + twist)]
            ys += [y1, y1 + 0.55 * math.sin(angle + twist)]
        ax.plot(xs[:2], ys[:2], color=ink, lw=2.2, solid_capstyle="round", zorder=2, gid="dendrite")
        for k in (2, 4):
            ax.plot(xs[k : k + 2], ys[k : k + 2], color=ink, lw=1.2, solid_capstyle="round", zorder=2,
                    gid="dendrite-twig")
        tips.append((x1, y1, angle))

    # Axon with myelin segments, then the terminals fanning out.
    axon_start, axon_end = 1.15 * body_r, 7.2
    ax.plot([axon_start, axon_end], [0, 0], color=ink, lw=2.6, zorder=2, gid="axon")
    for start in (1.9, 3.3, 4.7):
        ax.add_patch(Ellipse((start + 0.55, 0), 1.1, 0.38, facecolor="#fbf2c8", edgecolor=ink, lw=1.0, zorder=3,
                             gid="myelin"))
    ends = []
    for j in range(num_terminals):
        spread = 0.0 if num_terminals == 1 else (j - (num_terminals - 1) / 2) / ((num_terminals - 1) / 2)
        end = (8.4, 1.1 * spread)
        ax.plot([axon_end, end[0]], [0, end[1]], color=ink, lw=1.6, zorder=2, gid="terminal-branch")
        ax.add_patch(Circle(end, 0.13, facecolor="#8fb7d9", edgecolor=ink, lw=1.0, zorder=3, gid="terminal"))
        ends.append(end)

    # The next neuron: one of its dendrites waits across a narrow gap from the lowest terminal.
    gap_end = ends[0]
    partner = (gap_end[0] + 0.42, gap_end[1])
    ax.plot([partner[0], partner[0] + 1.1], [partner[1], partner[1] - 0.45], color="0.55", lw=2.2,
            solid_capstyle="round", zorder=2, gid="next-neuron")
    ax.text(partner[0] + 1.2, partner[1] - 0.45, "next\nneuron", fontsize=8, color="0.45", ha="left", va="center",
            gid="next-neuron-label")
    synapse = ((gap_end[0] + partner[0]) / 2 + 0.07, gap_end[1])

    def label(text: str, xy: tuple[float, float], xytext: tuple[float, float]) -> None:
        ax.annotate(text, xy=xy, xytext=xytext, fontsize=10, ha="center", va="center", zorder=5, gid="part-label",
                    arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 0.9, "shrinkA": 2, "shrinkB": 2})

    top_tip = max(tips, key=lambda t: t[1])
    label("dendrites", ((top_tip[0] + 1.1 * math.cos(top_tip[2])) / 2, (top_tip[1] + math.sin(top_tip[2])) / 2),
          (-0.9, 2.3))
    label("nucleus", (0.2, 0.3), (0.9, 1.9))
    label("axon", (2.8, 0.0), (2.8, 1.2))
    label("axon terminals", (8.4, ends[-1][1]), (7.3, 2.0))
    label("synapse", synapse, (synapse[0] + 0.3, synapse[1] - 1.0))

    if show_math:
        for i, (x1, y1, angle) in enumerate(tips):
            ax.text(x1 + 0.95 * math.cos(angle), y1 + 0.95 * math.sin(angle), f"$x_{{{i + 1}}} w_{{{i + 1}}}$",
                    ha="center", va="center", fontsize=10, color="#1f4e79", gid="math-label")
        ax.text(0.0, -1.45, "$y = \\sum_i x_i w_i + b$", ha="center", va="top", fontsize=11, color="#1f4e79",
                gid="math-label")
        ax.text(5.0, -0.5, "output $\\sigma(y)$", ha="center", va="top", fontsize=10, color="#1f4e79",
                gid="math-label")

    ax.set_xlim(-4.4, 10.6)
    ax.set_ylim(-2.6, 2.8)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
