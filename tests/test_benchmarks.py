"""The helpers behind `make bench` (benchmarks/): summaries, formatting, interleaving, writing, parsing."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import (
    Section,
    Spread,
    Table,
    Target,
    fmt_bytes,
    fmt_num,
    fmt_time,
    interleaved,
    merge,
    ratios,
    render,
    replace_block,
)
from benchmarks.build import EXECUTED, pulled_in
from benchmarks.hotpath import contenders
from benchmarks.scaling import make_data, winners

pytestmark = pytest.mark.project


def test_spread_is_median_and_range():
    s = Spread.of([3.0, 1.0, 10.0, 2.0])
    assert (s.median, s.min, s.max, len(s.times)) == (2.5, 1.0, 10.0, 4)
    with pytest.raises(ValueError):
        Spread.of([])


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
def test_fmt_time(values, expected):
    assert fmt_time(Spread.of(values)) == expected


def test_fmt_num_and_bytes():
    assert fmt_num(Spread.of([3.456, 3.1, 3.6]), "×") == "3.46× (3.10–3.60)"
    assert fmt_num(Spread.of([12345.6, 10000.0, 15000.4])) == "12,346 (10,000–15,000)"
    assert fmt_bytes(3_890_000) == "3.89 MB"
    assert fmt_bytes(Spread.of([3.75e6, 3.75e6, 3.9e6])) == "3.75 MB (3.75–3.90)"
    assert fmt_bytes(2_048) == "2.05 kB"
    assert fmt_bytes(12) == "12 B"


def test_interleaved_alternates_the_contenders():
    blocks: list[str] = []  # consecutive calls of one function collapse into one block

    def call(name: str) -> None:
        if not blocks or blocks[-1] != name:
            blocks.append(name)

    times = interleaved({"a": lambda: call("a"), "b": lambda: call("b")}, rounds=3)
    assert set(times) == {"a", "b"} and all(len(v) == 3 and min(v) > 0 for v in times.values())
    # Calibration of a, of b, then three rounds of a then b.
    assert blocks == ["a", "b"] * 4
    with pytest.raises(ValueError):
        interleaved({"a": lambda: None}, rounds=0)


def test_replace_block_keeps_markers_and_the_rest():
    text = "intro\n<!-- bench:start -->\nold\nlines\n<!-- bench:end -->\noutro\n"
    new = replace_block(text, "new table\n")
    assert new == "intro\n<!-- bench:start -->\nnew table\n<!-- bench:end -->\noutro\n"
    assert replace_block(new, "new table") == new  # idempotent
    with pytest.raises(ValueError):
        replace_block("no markers here", "x")
    with pytest.raises(ValueError):
        replace_block(text + text, "x")


def test_merge_keeps_sections_not_measured_again():
    old = Section("build", "Build", targets=[Target("a", "≤ 1 s", "0.5 s", True)], date="yesterday")
    new = Section("site", "Site", tables=[Table(["h"], [["v"]])], date="today")
    merged = merge(merge({}, [old], {"machine": "m1"}), [new], {"machine": "m2"})
    assert merged["machine"] == "m2"
    assert merged["sections"]["build"]["date"] == "yesterday"
    results_md, block = render(merged)
    assert results_md.index("## Build") < results_md.index("## Site")  # fixed order, not run order
    assert "| a | ≤ 1 s | 0.5 s | yes |" in block


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
    fns, w, b, lr = contenders(), np.zeros(2), 0.0, 0.03

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
    X, y = make_data(20_000, 100)
    assert X.shape == (20_000, 100) and y.shape == (20_000,)
    # Features N(0, 1/d): each row's squared norm averages 1, whatever d.
    assert abs(float((X**2).sum(dim=1).mean()) - 1.0) < 0.02
    w, *_ = np.linalg.lstsq(np.c_[X.double().numpy(), np.ones(len(y))], y.double().numpy(), rcond=None)
    assert abs(w[-1] - 1.0) < 1e-3  # bias 1; noise 0.01


def test_winners_names_the_faster_method_per_point():
    summary = [(1000, 10, Spread.of([3.0])), (10_000, 10, Spread.of([4.0])), (10_000, 10, Spread.of([5.0])),
               (10_000, 1000, Spread.of([0.1]))]
    # The point both sweeps share is named once.
    assert winners(summary) == "least squares at 1,000 × 10, 10,000 × 10; SGD at 10,000 × 1,000 (10.0× faster)"
