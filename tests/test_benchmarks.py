"""The helpers behind `make bench` (benchmarks/): summaries, formatting, interleaving, writing, parsing."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import fmt, interleaved, ratios, render, replace_block, spread
from benchmarks.book import EXECUTED, pulled_in
from benchmarks.training import hot_contenders, scaled_data, winners

pytestmark = pytest.mark.project


def test_spread_is_median_and_range():
    s = spread([3.0, 1.0, 10.0, 2.0])
    assert (s.median, s.min, s.max, len(s.times)) == (2.5, 1.0, 10.0, 4)


def test_ratios_are_taken_round_by_round():
    # Round-wise ratios 2, 4, 1 -> median 2; the ratio of medians (4/2) would differ.
    s = ratios([2.0, 8.0, 3.0], [1.0, 2.0, 3.0])
    assert (s.median, s.min, s.max) == (2.0, 1.0, 4.0)
    with pytest.raises(ValueError):
        ratios([1.0], [1.0, 2.0])


@pytest.mark.parametrize(
    "values, expected",
    [
        ([1.234, 1.2, 1.31], "1.23 s (1.20–1.31)"),
        ([0.0123, 0.0101, 0.0456], "12.3 ms (10.1–45.6)"),
        ([0.9996, 0.9995, 0.9997], "1.00 s (1.00–1.00)"),  # rounds up into seconds, not "1e+03 ms"
        ([2.5e-7, 2e-7, 3e-7], "250 ns (200–300)"),
        ([42.0], "42.0 s"),
        ([123.4, 100.0, 150.0], "123 s (100–150)"),
    ],
)
def test_fmt_seconds(values, expected):
    assert fmt(spread(values), "s") == expected


def test_fmt_numbers_and_bytes():
    assert fmt(spread([3.456, 3.1, 3.6]), "×") == "3.46× (3.10–3.60)"
    assert fmt(spread([12345.6, 10000.0, 15000.4])) == "12,346 (10,000–15,000)"
    assert fmt(spread([3_890_000, 3_890_000]), "B") == "3.89 MB"  # no range when every load weighed the same
    assert fmt(spread([3.75e6, 3.75e6, 3.9e6]), "B") == "3.75 MB (3.75–3.90)"
    assert fmt(spread([2_048]), "B") == "2.05 kB"
    assert fmt(spread([12]), "B") == "12 B"


def test_interleaved_alternates_the_contenders():
    blocks: list[str] = []  # consecutive calls of one function collapse into one block

    def call(name: str) -> None:
        if not blocks or blocks[-1] != name:
            blocks.append(name)

    times = interleaved({"a": lambda: call("a"), "b": lambda: call("b")}, rounds=3)
    assert set(times) == {"a", "b"} and all(len(v) == 3 and min(v) > 0 for v in times.values())
    # Calibration of a, of b, then three rounds of a then b.
    assert blocks == ["a", "b"] * 4


def test_replace_block_keeps_markers_and_the_rest():
    text = "intro\n<!-- bench:start -->\nold\nlines\n<!-- bench:end -->\noutro\n"
    new = replace_block(text, "new table\n")
    assert new == "intro\n<!-- bench:start -->\nnew table\n<!-- bench:end -->\noutro\n"
    assert replace_block(new, "new table") == new  # idempotent
    with pytest.raises(ValueError):
        replace_block("no markers here", "x")
    with pytest.raises(ValueError):
        replace_block(text + text, "x")


def test_render_orders_sections_and_collects_targets():
    stamp = {"date": "today", "seconds": 1.0, "quick": False, "load": "0.5 → 0.6", "notes": []}
    site = {"title": "Site", "tables": [{"headers": ["h"], "rows": [["v"]], "caption": ""}], "targets": [], **stamp}
    build = {"title": "Build", "tables": [], "targets": [{"what": "a", "target": "≤ 1 s", "measured": "0.5 s",
                                                          "met": True}], **stamp}
    results_md, block = render({"sections": {"site": site, "build": build}, "machine": "m", "versions": "v"})
    assert results_md.index("## Build") < results_md.index("## Site")  # fixed order, not the dict's
    assert "| h |\n| --- |\n| v |" in results_md
    assert block.startswith("Measured on m; v.") and "| a | ≤ 1 s | 0.5 s | yes |" in block


IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |   encodings
import time:        50 |         50 |       numpy.core
import time:       200 |        250 |     numpy
import time:      1000 |       1250 |   torch
import time:        30 |         30 |   d2lmini._validation
import time:        20 |       1300 |   d2lmini.data
import time:        40 |         40 |   statistics
import time:        10 |       1400 | d2lmini
"""


def test_pulled_in_lists_first_level_packages_of_the_import_tree():
    total, external = pulled_in("import time:        99 |        999 | encodings\n" + IMPORTTIME)
    assert total == 1400
    # numpy is torch's dependency, not d2lmini's: only first-level packages are listed, biggest first;
    # d2lmini's own modules are not external, and a root other than d2lmini (encodings at 999) is ignored.
    assert external == [("torch", 1250), ("encodings", 100), ("statistics", 40)]
    assert pulled_in("no trace") == (0, [])


def test_execute_tool_output_is_read_per_chapter():
    out = "executed chapters/01-model.md in 4.2 s\nexecuted chapters/02-loss.md in 10.0 s\nall done\n"
    assert EXECUTED.findall(out) == [("chapters/01-model.md", "4.2"), ("chapters/02-loss.md", "10.0")]


def test_hot_path_contenders_compute_the_loss_and_the_step_by_hand():
    import torch

    from d2lmini import synthetic_data

    X, y = (t.double().numpy() for t in synthetic_data([2.0, -3.4], 4.2, 32, generator=torch.Generator().manual_seed(0)))
    fns, w, b, lr = hot_contenders(), np.zeros(2), 0.0, 0.03

    def half_mse() -> float:
        return float(np.mean((X @ w + b - y) ** 2) / 2)

    for step in ("step d2lmini", "step torch"):  # from w = 0, b = 0: one step of each, checked by hand
        for loss in ("loss d2lmini", "loss torch"):
            assert float(fns[loss]().detach()) == pytest.approx(half_mse(), rel=1e-5)
        fns[step]()
        residual = X @ w + b - y
        w, b = w - lr * X.T @ residual / len(y), b - lr * residual.mean()
    assert float(fns["loss torch"]().detach()) == pytest.approx(half_mse(), rel=1e-5)


def test_scaling_data_follow_the_linear_model_with_unit_variance_predictions():
    X, y = scaled_data(20_000, 100)
    assert X.shape == (20_000, 100) and y.shape == (20_000,)
    # Features N(0, 1/d): each row's squared norm averages 1, whatever d.
    assert abs(float((X**2).sum(dim=1).mean()) - 1.0) < 0.02
    w, *_ = np.linalg.lstsq(np.c_[X.double().numpy(), np.ones(len(y))], y.double().numpy(), rcond=None)
    assert abs(w[-1] - 1.0) < 1e-3  # bias 1; noise 0.01


def test_winners_names_the_faster_method_per_point():
    # Ratio SGD time / least-squares time per point; above 1, least squares wins.
    by_n, by_d = {"1,000 × 10": 3.0, "10,000 × 10": 4.0}, {"10,000 × 10": 5.0, "10,000 × 1,000": 0.1}
    # The point both sweeps share is named once, as scaling() merges the sweeps.
    assert winners({**by_n, **by_d}) == (
        "least squares at 1,000 × 10, 10,000 × 10; SGD at 10,000 × 1,000 (10.0× faster)")
    assert winners({"1 × 1": 0.5}) == "SGD at 1 × 1 (2.00× faster)"
