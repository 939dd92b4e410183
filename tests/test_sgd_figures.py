"""Unit tests for d2lmini.sgd_figures: the SGD explorer and the loss-against-seconds figure.

Truth: fit_sgd called directly with a fresh generator of the same seed (the runs must be
exactly those), losses recomputed in NumPy from the recorded parameters, NumPy's own
least-squares solution, first-crossing times found by a plain Python loop, and the pixels of
the PNGs (a diverged frame carries dark-red words, others none).  The engine behind both
figures (d2lmini/sliders.py) has its own tests; here only what these figures add.

This whole file also runs in Colab's environment (ipywidgets 7.7.1, no ``Stack``) and with
ipywidgets 7.6.0: ``make test-colab``.
"""

from __future__ import annotations

import html
import io
import os
import subprocess
import textwrap
import time
import warnings

import ipywidgets
import matplotlib
import numpy as np
import pytest
import torch
from conftest import numpy_least_squares, png_rgb
from PIL import Image

import d2lmini
from d2lmini.sgd_figures import (
    TimedRun,
    _default_batch_sizes,
    draw_sgd_run,
    draw_timed_runs,
    sgd_run_alt,
    sgd_runs,
    timed_runs,
    timed_runs_alt,
)
from d2lmini.sliders import FRAME_WIDTH_PX

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HAS_STACK = hasattr(ipywidgets, "Stack")

LRS = (0.05, 0.5, 5.0)
SIZES = (1, 6, 60)
EPOCHS = 2
SEED = 3
ALARM = np.array([0xB2, 0x18, 0x2B])  # the dark red of a diverged frame's words


def small_data(n: int = 60, noise: float = 0.1):
    g = torch.Generator().manual_seed(11)
    X = torch.randn(n, 2, generator=g)
    y = X @ torch.tensor([1.5, -2.0]) + 0.5 + noise * torch.randn(n, generator=g)
    return X, y


def numpy_loss(X, y, w, b) -> float:
    residual = X.double().numpy() @ np.asarray(w, dtype=np.float64) + float(b) - y.double().numpy()
    return float(0.5 * np.mean(residual**2))


def least_squares_loss(X, y) -> float:
    """The lowest loss any line reaches: NumPy's least-squares fit, its loss recomputed in NumPy."""
    w, b, _ = numpy_least_squares(X, y)
    return numpy_loss(X, y, w, b)


@pytest.fixture(scope="module")
def grid():
    X, y = small_data()
    return X, y, sgd_runs(X, y, learning_rates=LRS, batch_sizes=SIZES, num_epochs=EPOCHS, seed=SEED)


@pytest.fixture(scope="module")
def frames(grid):
    _, _, runs = grid
    return [[draw_sgd_run(run) for run in row] for row in runs]


def direct_fit(X, y, lr, batch_size, num_epochs=EPOCHS):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return d2lmini.fit_sgd(
            X, y, lr=lr, batch_size=batch_size, num_epochs=num_epochs,
            generator=torch.Generator().manual_seed(SEED), track_path=True,
        )


def alarm_pixels(frame) -> int:
    """Pixels of the alarm red, give or take anti-aliasing and the palette."""
    return int((np.abs(png_rgb(frame.png) - ALARM).sum(axis=-1) < 40).sum())


# ---- computing the explorer's runs ---------------------------------------------------------------


def test_every_run_is_the_fit_sgd_run_for_its_grid_point(grid):
    X, y, runs = grid
    assert [[(r.lr, r.batch_size) for r in row] for row in runs] == [[(lr, bs) for bs in SIZES] for lr in LRS]
    w, b, _ = numpy_least_squares(X, y)
    best, best_loss = np.append(w, b), numpy_loss(X, y, w, b)
    for row in runs:
        for run in row:
            expected = direct_fit(X, y, run.lr, run.batch_size)
            assert run.result.diverged == expected.diverged
            for name in ("w", "b", "epoch_losses", "step_losses", "path"):
                torch.testing.assert_close(
                    getattr(run.result, name), getattr(expected, name), rtol=0, atol=0, equal_nan=True,
                    msg=f"lr {run.lr}, batch {run.batch_size}: {name}",
                )
            start = expected.path[0].double().numpy()
            assert run.initial_loss == pytest.approx(numpy_loss(X, y, start[:-1], start[-1]), rel=1e-12)
            np.testing.assert_allclose(run.least_squares.numpy(), best, rtol=1e-5, atol=1e-6)
            assert run.least_squares_loss == pytest.approx(best_loss, rel=1e-4)
            assert run.examples == 60 and run.num_epochs == EPOCHS


def test_steps_per_epoch_follow_the_batch_size(grid):
    _, _, runs = grid
    assert [len(r.result.step_losses) for r in runs[0]] == [EPOCHS * 60 // bs for bs in SIZES]


def test_overflow_and_growth_get_different_names():
    """result.diverged: fit_sgd stopped a run that broke down; loss_grew: the loss ended above its start."""
    X, y = small_data()
    broke, grew, fine = [sgd_runs(X, y, learning_rates=[lr], batch_sizes=[bs], num_epochs=2, seed=SEED)[0][0]
                         for lr, bs in ((5.0, 1), (5.0, 60), (0.05, 6))]
    # lr 5, batch 1: the loss overflows and fit_sgd stops in epoch 1 or 2.
    assert broke.result.diverged and broke.loss_grew
    assert not np.isfinite(broke.final_loss)
    assert broke.verdict == f"diverged in epoch {len(broke.result.epoch_losses)}: training stopped"
    # Full-batch gradient descent with lr 5 multiplies the error by about |1 - 5| per step:
    # after 2 epochs the loss is finite but far above where it started.
    assert not grew.result.diverged and grew.loss_grew
    w, b = grew.result.w.numpy(), float(grew.result.b)
    assert grew.final_loss == pytest.approx(numpy_loss(X, y, w, b), rel=1e-5)
    assert numpy_loss(X, y, w, b) > grew.initial_loss
    assert grew.verdict == f"diverging: loss grew {grew.final_loss / grew.initial_loss:.2g}x in 2 epochs"
    assert not fine.result.diverged and not fine.loss_grew and fine.verdict == ""


# ---- drawing the explorer's frames ---------------------------------------------------------------


def test_frames_are_opaque_pngs_of_one_phone_readable_size(frames):
    sizes = set()
    for row in frames:
        for frame in row:
            Image.open(io.BytesIO(frame.png)).verify()
            rgba = np.asarray(Image.open(io.BytesIO(frame.png)).convert("RGBA"))
            sizes.add(rgba.shape[1::-1])
            assert 3_000 < len(frame.png) < 20_000, "a frame should be a small but non-trivial PNG"
            assert (rgba[..., 3] == 255).all(), "a frame is a whole opaque picture, not a layer"
            assert (rgba[0, 0, :3] >= 250).all(), "drawn on white (give or take the palette)"
    (width, height), = sizes
    assert width == FRAME_WIDTH_PX and 300 <= height <= 600


def test_diverged_frames_say_so_in_dark_red_and_others_do_not(grid, frames):
    _, _, runs = grid
    for run_row, frame_row in zip(runs, frames):
        for run, frame in zip(run_row, frame_row):
            if run.verdict:
                assert alarm_pixels(frame) > 300, (run.lr, run.batch_size)
            else:
                assert alarm_pixels(frame) == 0, (run.lr, run.batch_size)
    assert runs[2][0].verdict and not runs[0][0].verdict  # both kinds occur in the grid


def test_alt_text_states_the_settings_losses_and_verdict(grid, frames):
    X, y, runs = grid
    best_loss = least_squares_loss(X, y)
    for run_row, frame_row in zip(runs, frames):
        for run, frame in zip(run_row, frame_row):
            alt = frame.alt
            assert alt == sgd_run_alt(run)
            assert alt.startswith(f"Learning rate {run.lr:g}, batch size {run.batch_size}")
            assert ("(the full batch)" in alt) == (run.batch_size == 60)
            assert f"least squares reaches {best_loss:.3g}" in alt
            if run.result.diverged:
                assert "diverged: the loss left the floating-point range in epoch" in alt
                assert "training stopped" in alt
            elif run.loss_grew:
                assert alt.split(": ")[1] == "diverging"
            else:
                w, b = run.result.w.numpy(), float(run.result.b)
                final = numpy_loss(X, y, w, b)
                assert f"fell from {run.initial_loss:.2g} to {final:.3g}" in alt
                assert alt.endswith(
                    f"ends at ({run.result.path[-1, 0]:.2f}, {run.result.path[-1, 1]:.2f}); "
                    f"the least-squares star is at ({run.least_squares[0]:.2f}, {run.least_squares[1]:.2f}).")
                assert "it did not diverge" in alt
            assert "it did not diverge" not in alt or not run.verdict


def test_a_path_that_runs_away_is_said_to_leave_the_chart(grid):
    _, _, runs = grid
    assert "The path of (w1, w2) leaves the chart" in sgd_run_alt(runs[2][2])  # lr 5, full batch: growing


@pytest.mark.parametrize("d", [1, 3])
def test_exact_data_and_other_widths_draw_without_warnings(d):
    X = torch.randn(30, d, generator=torch.Generator().manual_seed(5))
    y = X @ torch.arange(1.0, d + 1) - 2.0  # no noise: the least-squares loss is (almost) zero
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Colab's matplotlib 3.10.0 calls pyparsing 3.3 names that warn; not ours, and hidden in notebooks.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="(matplotlib|pyparsing)")
        (run,), = sgd_runs(X, y, learning_rates=[0.1], batch_sizes=[5], seed=1)
        frame = draw_sgd_run(run)
    assert run.result.path.shape[1] == d + 1
    assert not run.verdict and len(frame.png) > 3000
    assert ("The path of (w, b)" in frame.alt) == (d == 1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_runs_from_gpu_tensors_match_the_cpu_verdicts(grid):
    X, y, runs = grid
    on_gpu = sgd_runs(X.cuda(), y.cuda(), learning_rates=LRS, batch_sizes=SIZES, num_epochs=EPOCHS, seed=SEED)
    for row_gpu, row_cpu in zip(on_gpu, runs):
        for gpu, cpu in zip(row_gpu, row_cpu):
            assert (gpu.result.diverged, gpu.loss_grew) == (cpu.result.diverged, cpu.loss_grew)
            if not cpu.loss_grew:
                assert gpu.final_loss == pytest.approx(cpu.final_loss, rel=1e-3)
    draw_sgd_run(on_gpu[0][0])


def test_default_batch_sizes_run_from_one_to_the_full_dataset():
    assert _default_batch_sizes(1000) == (1, 10, 50, 250, 1000)
    assert _default_batch_sizes(250) == (1, 10, 50, 250)
    assert _default_batch_sizes(60) == (1, 10, 50, 60)
    assert _default_batch_sizes(1) == (1,)


def test_drawing_opens_no_pyplot_figures_and_ignores_the_notebooks_font_size():
    X, y = small_data()
    plt.close("all")
    with matplotlib.rc_context({"font.size": 6, "xtick.labelsize": 5, "legend.fontsize": 5}):
        fig = d2lmini.sgd_explorer(X, y, learning_rates=[0.1], batch_sizes=[60])
        d2lmini.sgd_explorer(X, y, learning_rates=[0.1], batch_sizes=[60], live=True)
        d2lmini.sgd_time_explorer(X, y, {1: 1e-5, 60: 2e-5}, learning_rates=[0.1], targets=[0.1], updates=20)
    assert plt.get_fignums() == []
    assert fig.shown().size[0] == FRAME_WIDTH_PX


def test_draw_sgd_run_refuses_what_is_not_a_run():
    with pytest.raises(TypeError, match="run must be an SGDRun"):
        draw_sgd_run("run")


# ---- the explorer --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def explorer():
    X, y = small_data()
    return d2lmini.sgd_explorer(X, y, learning_rates=LRS, batch_sizes=SIZES, num_epochs=EPOCHS, seed=SEED)


def test_explorer_offers_the_grid_and_shows_each_runs_frame(explorer, grid, frames):
    _, _, runs = grid
    assert [knob.name for knob in explorer.knobs] == ["learning rate", "batch size"]
    lr_slider, batch_slider = explorer.sliders
    assert lr_slider.options == (("0.05", 0.05), ("0.5", 0.5), ("5", 5.0))
    assert batch_slider.options == (("1", 1), ("6", 6), ("60", 60))
    assert (lr_slider.index, batch_slider.index) == (1, 1)  # the middle of each grid
    assert sorted(explorer.frames) == [(i, j) for i in range(3) for j in range(3)]
    for (i, j), frame in explorer.frames.items():  # computed and drawn afresh: the same bytes (deterministic)
        assert frame.png == frames[i][j].png and frame.alt == sgd_run_alt(runs[i][j])
    lr_slider.index, batch_slider.index = 2, 0
    assert explorer.shown().alt == sgd_run_alt(runs[2][0])
    lr_slider.index, batch_slider.index = 1, 1


def test_explorer_without_stack_swaps_in_the_frame_of_each_grid_point(frames):
    """ipywidgets 7 (Colab) has no Stack: the engine's kernel swap shows the frame of the sliders' grid point."""
    X, y = small_data()
    with pytest.MonkeyPatch.context() as patch:
        patch.delattr(ipywidgets, "Stack", raising=False)
        swapped = d2lmini.sgd_explorer(X, y, learning_rates=LRS, batch_sizes=SIZES, num_epochs=EPOCHS, seed=SEED)
    lr_slider, batch_slider = swapped.sliders
    for i in range(len(LRS)):
        for j in reversed(range(len(SIZES))):
            lr_slider.index, batch_slider.index = i, j
            assert f"d2l-frame-{i}-{j}" in swapped.view.value
            assert html.escape(frames[i][j].alt) in swapped.view.value


def test_live_explorer_retrains_with_fit_sgd_on_every_move():
    X, y = small_data()
    live = d2lmini.sgd_explorer(X, y, learning_rates=LRS, batch_sizes=SIZES, num_epochs=EPOCHS, seed=SEED, live=True)
    assert live.live
    lr_slider, batch_slider = live.sliders
    rates = [value for _, value in lr_slider.options]
    assert rates[0] == 0.05 and rates[-1] == 5.0 and set(LRS) <= set(rates)
    steps = np.diff(np.log10(rates))
    assert len(rates) >= 40 and steps.max() < 0.07, "a fine, nearly log-spaced range: about 24 values per decade"
    assert 0.2 in rates and 0.3 in rates, "round numbers a reader can name"
    sizes = [value for _, value in batch_slider.options]
    assert sizes[0] == 1 and sizes[-1] == 60 and set(SIZES) <= set(sizes) and len(sizes) >= 20
    before = live.shown()
    for lr, batch_size in ((0.2, 6), (0.2, 1), (5.0, 1)):
        lr_slider.value = lr
        batch_slider.value = batch_size
        shown = live.shown()
        expected = direct_fit(X, y, lr, batch_size)
        final = float(expected.epoch_losses[-1])
        if not expected.diverged:
            assert f"batch size {batch_size}, " in shown.alt and f"to {final:.3g} " in shown.alt
        assert shown.alt.startswith(f"Learning rate {lr:g}, batch size {batch_size}")
        assert html.escape(shown.alt) in live.view.value
    assert shown.png != before.png and "diverged" in shown.alt


def test_live_redraw_is_fast_on_the_course_dataset():
    X, y = d2lmini.synthetic_data([1.8, -2.6], 3.1, 1000, noise=0.1, generator=torch.Generator().manual_seed(42))
    live = d2lmini.sgd_explorer(X, y, live=True)
    lr_slider, batch_slider = live.sliders
    batch_slider.value = 1  # the slowest setting: 3000 steps
    assert lr_slider.value != 0.2
    began = time.perf_counter()
    lr_slider.value = 0.2
    seconds = time.perf_counter() - began
    print(f"live redraw, batch size 1, 1000 examples: {seconds:.2f} s")
    assert seconds < 2.5  # about 0.5 s when the machine is idle; generous for busy CI runners


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"learning_rates": []}, TypeError, "learning_rates must be a non-empty sequence"),
        ({"learning_rates": 0.1}, TypeError, "learning_rates must be a non-empty sequence"),
        ({"learning_rates": [0.1, 0.1]}, ValueError, "learning_rates must be strictly increasing"),
        ({"learning_rates": [-0.1, 0.1]}, ValueError, r"learning_rates\[0\] must be positive"),
        ({"learning_rates": ["big"]}, TypeError, r"learning_rates\[0\] must be a real number"),
        ({"learning_rates": [0.1, float("inf")]}, ValueError, r"learning_rates\[1\] must be finite"),
        ({"batch_sizes": [0, 5]}, ValueError, r"batch_sizes\[0\] must be at least 1"),
        ({"batch_sizes": [2.5]}, TypeError, r"batch_sizes\[0\] must be an integer"),
        ({"batch_sizes": [10, 5]}, ValueError, "batch_sizes must be strictly increasing"),
        ({"batch_sizes": [1, 61]}, ValueError, r"batch_sizes must not exceed the number of examples \(60\)"),
        ({"learning_rates": [0.01 * k for k in range(1, 18)]}, ValueError, "learning_rates has 17 values, more than 16"),
        ({"learning_rates": [0.01 * k for k in range(1, 10)], "batch_sizes": list(range(1, 9))}, ValueError,
         "the grid has 9 x 8 frames, more than 64"),
        ({"num_epochs": 0}, ValueError, "num_epochs must be at least 1"),
        ({"seed": 1.5}, TypeError, "seed must be an integer"),
        ({"live": "yes"}, TypeError, "live must be True or False"),
        ({"live": 1}, TypeError, "live must be True or False"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, error, match):
    X, y = small_data()
    with pytest.raises(error, match=match):
        d2lmini.sgd_explorer(X, y, **kwargs)


@pytest.mark.parametrize(
    ("X", "y", "error", "match"),
    [
        (torch.zeros(5), torch.zeros(5), ValueError, "X must be a 2-D matrix"),
        (torch.zeros(5, 1), torch.zeros(4), ValueError, "X and y must have the same number of examples"),
        (torch.zeros(0, 1), torch.zeros(0), ValueError, "at least one example"),
        (torch.zeros(5, 0), torch.zeros(5), ValueError, "at least one feature"),
        (torch.zeros(5, 1), "labels", TypeError, "y must be a tensor"),
        (torch.full((5, 1), float("nan")), torch.zeros(5), ValueError, "X must be finite"),
    ],
)
def test_bad_data_raise_clear_errors(X, y, error, match):
    for live in (False, True):
        with pytest.raises(error, match=match):
            d2lmini.sgd_explorer(X, y, live=live)
    with pytest.raises(error, match=match):
        d2lmini.sgd_time_explorer(X, y, {1: 1e-5})


# ---- loss against seconds ------------------------------------------------------------------------

SECONDS = {1: 2e-5, 6: 3e-5, 60: 8e-5}
TIME_LRS = (0.03, 0.3)
UPDATES = 40


@pytest.fixture(scope="module")
def timed():
    X, y = small_data()
    return X, y, timed_runs(X, y, SECONDS, learning_rates=TIME_LRS, updates=UPDATES, seed=SEED)


def first_below(losses, target):
    for k, loss in enumerate(losses):
        if loss < target:
            return k
    return None


def test_timed_runs_hold_the_loss_on_all_the_data_after_every_update(timed):
    X, y, rows = timed
    assert [[(r.lr, r.batch_size) for r in row] for row in rows] == [[(lr, s) for s in SECONDS] for lr in TIME_LRS]
    for row in rows:
        for run in row:
            path = direct_fit(X, y, run.lr, run.batch_size, num_epochs=UPDATES).path.double().numpy()
            expected = [numpy_loss(X, y, p[:-1], p[-1]) for p in path[: UPDATES + 1]]
            np.testing.assert_allclose(run.losses, expected, rtol=1e-10)
            assert run.seconds_per_update == SECONDS[run.batch_size] and not run.broke_down
            np.testing.assert_allclose(run.seconds, np.arange(UPDATES + 1) * SECONDS[run.batch_size])
            for target in (0.01, 0.1, 1.0, 1e-9):
                assert run.updates_to(target) == first_below(expected, target)


def test_a_timed_run_that_breaks_down_stops_at_its_last_finite_parameters():
    X, y = small_data()
    (run,), = timed_runs(X, y, {1: 1e-5}, learning_rates=[50.0], updates=200)
    assert run.broke_down and 1 < len(run.losses) < 201 and np.isfinite(run.losses).all()
    assert run.updates_to(1e-9) is None
    assert "it broke down" in timed_runs_alt([run], 1e-3)


def test_time_frame_alt_text_names_the_first_batch_size_by_hand(timed):
    _, _, rows = timed
    for row in rows:
        for target in (0.01, 0.1, 1.0, 1e-9):
            frame = draw_timed_runs(row, target)
            assert frame.size[0] == FRAME_WIDTH_PX and frame.alt == timed_runs_alt(row, target)
            assert frame.alt.startswith(f"Learning rate {row[0].lr:g}, target loss {target:g}: ")
            times = {}
            for run in row:
                k = first_below(run.losses, target)
                if k is None:
                    assert f"batch size {run.batch_size} never does in {UPDATES} updates" in frame.alt
                else:
                    times[run.batch_size] = k * SECONDS[run.batch_size]
                    assert f"batch size {run.batch_size} " in frame.alt
                    assert f"after {k} update{'s' if k != 1 else ''}, {d2lmini.format_seconds(times[run.batch_size])}" \
                        in frame.alt
            if times:
                assert frame.alt.endswith(f"First: batch size {min(times, key=lambda s: (times[s], s))}.")
            else:
                assert frame.alt.endswith("No batch size reaches it.")


def test_a_run_that_dips_below_and_ends_above_says_so():
    runs = [TimedRun(0.1, 1, 1e-5, np.array([4.0, 0.5, 2.0]), False)]
    assert timed_runs_alt(runs, 1.0) == (
        "Learning rate 0.1, target loss 1: batch size 1 first gets below it after 1 update, 10 µs, "
        "but ends above it at 2. First: batch size 1."
    )


def test_time_frames_are_deterministic_given_the_measurements(timed):
    _, _, rows = timed
    assert draw_timed_runs(rows[1], 0.1).png == draw_timed_runs(rows[1], 0.1).png
    slower = [TimedRun(r.lr, r.batch_size, 2 * r.seconds_per_update, r.losses, r.broke_down) for r in rows[1]]
    assert draw_timed_runs(slower, 0.1).png != draw_timed_runs(rows[1], 0.1).png


def test_time_figure_offers_learning_rates_and_targets(timed):
    X, y, rows = timed
    fig = d2lmini.sgd_time_explorer(X, y, SECONDS, learning_rates=TIME_LRS, targets=[0.01, 0.1, 1.0],
                                  updates=UPDATES, seed=SEED)
    assert [knob.name for knob in fig.knobs] == ["learning rate", "target loss"]
    assert [s.options for s in fig.sliders] == [(("0.03", 0.03), ("0.3", 0.3)),
                                                (("0.01", 0.01), ("0.1", 0.1), ("1", 1.0))]
    for (i, j), frame in fig.frames.items():
        assert frame.alt == timed_runs_alt(rows[i], [0.01, 0.1, 1.0][j])


def test_time_figure_default_targets_are_multiples_of_the_least_squares_loss():
    X, y = small_data()
    best_loss = least_squares_loss(X, y)
    fig = d2lmini.sgd_time_explorer(X, y, {6: 1e-5}, learning_rates=[0.1], updates=10)
    expected = [float(f"{best_loss * f:.2g}") for f in (1.2, 2, 5, 20, 200)]
    assert [value for _, value in fig.sliders[1].options] == pytest.approx(expected, rel=1e-12)


def test_live_time_figure_moves_both_sliders():
    X, y = small_data()
    live = d2lmini.sgd_time_explorer(X, y, SECONDS, learning_rates=TIME_LRS, targets=[0.01, 1.0], updates=UPDATES,
                                   seed=SEED, live=True)
    lr_slider, target_slider = live.sliders
    assert len(lr_slider.options) >= 20 and len(target_slider.options) >= 40
    before = live.shown()
    target_slider.value = target_slider.options[-1][1]
    assert live.shown().png != before.png and "target loss 1:" in live.shown().alt
    lr_slider.value = 0.1
    (row,) = timed_runs(X, y, SECONDS, learning_rates=[0.1], updates=UPDATES, seed=SEED)
    assert live.shown().alt == timed_runs_alt(row, 1.0)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (([1e-5],), {}, TypeError, "seconds_per_update must be a dict"),
        (({},), {}, TypeError, "seconds_per_update must be a dict"),
        (({k: 1e-5 for k in range(1, 7)},), {}, TypeError, "seconds_per_update must be a dict from 1 to 5"),
        (({0: 1e-5},), {}, ValueError, "seconds_per_update key 0 must be at least 1"),
        (({1.5: 1e-5},), {}, TypeError, "seconds_per_update key 1.5 must be an integer"),
        (({1: -1.0},), {}, ValueError, r"seconds_per_update\[1\] must be positive"),
        (({1: float("nan")},), {}, ValueError, r"seconds_per_update\[1\] must be finite"),
        (({61: 1e-5},), {}, ValueError, r"must not exceed the number of examples \(60\)"),
        (({1: 1e-5},), {"targets": [0.0, 1.0]}, ValueError, r"targets\[0\] must be positive"),
        (({1: 1e-5},), {"targets": [1.0, 0.5]}, ValueError, "targets must be strictly increasing"),
        (({1: 1e-5},), {"learning_rates": [0.1, 0.1]}, ValueError, "learning_rates must be strictly increasing"),
        (({1: 1e-5},), {"updates": 0}, ValueError, "updates must be at least 1"),
        (({1: 1e-5},), {"updates": 10**6}, ValueError, "updates must be at most 100000"),
        (({1: 1e-5},), {"live": None}, TypeError, "live must be True or False"),
    ],
)
def test_time_figure_bad_arguments_raise_clear_errors(args, kwargs, error, match):
    X, y = small_data()
    with pytest.raises(error, match=match):
        d2lmini.sgd_time_explorer(X, y, *args, **kwargs)


def test_exactly_fitted_data_need_explicit_targets():
    X = torch.randn(20, 1, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="pass targets"):
        d2lmini.sgd_time_explorer(X, 2 * X[:, 0].double(), {1: 1e-5})


def test_draw_timed_runs_refuses_bad_rows_and_targets(timed):
    _, _, rows = timed
    with pytest.raises(TypeError, match="runs must be a non-empty list of TimedRun"):
        draw_timed_runs(rows[0][0], 0.1)
    with pytest.raises(TypeError, match="runs must be a non-empty list of TimedRun"):
        draw_timed_runs([], 0.1)
    with pytest.raises(ValueError, match="target must be positive"):
        draw_timed_runs(rows[0], 0.0)


# ---- Colab's ipywidgets 7 ------------------------------------------------------------------------

IPYWIDGETS_7_CHECK = """
import html, d2lmini, d2lmini.sgd_figures as S, ipywidgets, torch
assert not hasattr(ipywidgets, "Stack"), ipywidgets.__version__
print("ipywidgets", ipywidgets.__version__)
g = torch.Generator().manual_seed(0)
X = torch.randn(40, 1, generator=g)
y = 3 * X[:, 0] - 1 + 0.1 * torch.randn(40, generator=g)
grid = {"learning_rates": [0.1, 1.0, 3.0], "batch_sizes": [4, 40], "seed": 2}
fig = d2lmini.sgd_explorer(X, y, **grid)
runs = S.sgd_runs(X, y, **grid)
for i in range(3):
    for j in range(2):
        fig.sliders[0].index, fig.sliders[1].index = i, j
        assert f"d2l-frame-{i}-{j}" in fig.view.value, (i, j)
        assert html.escape(S.sgd_run_alt(runs[i][j])) in fig.view.value, (i, j)
bundle = fig._repr_mimebundle_()
assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == fig.widget.model_id
live = d2lmini.sgd_explorer(X, y, **grid, live=True)
before = live.shown()
live.sliders[0].value = 0.3
assert live.shown().png != before.png and live.shown().alt.startswith("Learning rate 0.3,")
timed = d2lmini.sgd_time_explorer(X, y, {1: 2e-5, 40: 5e-5}, learning_rates=[0.1, 0.3], targets=[0.01, 0.1],
                                updates=30)
timed.sliders[1].index = 0
assert "target loss 0.01:" in timed.shown().alt
print("ok")
"""


@pytest.mark.project  # builds or reuses the cached Colab environment (tools/colab_env.py)
@pytest.mark.skipif(not HAS_STACK, reason="this is the ipywidgets 7 environment the test runs this check in")
def test_figures_work_on_colabs_ipywidgets_7():
    """Build both figures in the cached Colab environment (ipywidgets 7.7.1) and move their sliders."""
    from tools.colab_env import ROOT, ColabEnvError, ensure

    try:
        python = ensure()
    except ColabEnvError as err:
        pytest.fail(f"no Colab environment: {err}")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [str(python), "-c", textwrap.dedent(IPYWIDGETS_7_CHECK)], capture_output=True, text=True, env=env, timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split() == ["ipywidgets", "7.7.1", "ok"]

