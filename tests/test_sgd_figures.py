"""Unit tests for d2lmini.widgets: the SGD explorer's frame grid, its pictures and its links.

Truth: fit_sgd called directly with a fresh generator of the same seed (the frames must
be exactly those runs), the half-MSE recomputed in NumPy, the grid values passed in,
and the pixels of the PNGs (a diverged frame carries a red banner, others none).

The explorer has two designs, chosen by whether ipywidgets has ``Stack``: browser-side
links to nested stacks (ipywidgets 8) and one image the kernel swaps (ipywidgets 7).  Both
are tested here: the ipywidgets 7 one by hiding ``Stack`` and, for real, by building the
explorer in the cached Colab environment (ipywidgets 7.7.1, tools/colab_env.py).  This whole
file also runs there: ``make test-colab``.
"""

from __future__ import annotations

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
from PIL import Image

import d2lmini
from d2lmini.widgets import _default_batch_sizes, sgd_frames

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HAS_STACK = hasattr(ipywidgets, "Stack")
needs_stack = pytest.mark.skipif(not HAS_STACK, reason=f"ipywidgets {ipywidgets.__version__} has no Stack")

LRS = (0.05, 0.5, 5.0)
SIZES = (1, 6, 60)
EPOCHS = 2
SEED = 3


def small_data(n: int = 60, noise: float = 0.1):
    g = torch.Generator().manual_seed(11)
    X = torch.randn(n, 2, generator=g)
    y = X @ torch.tensor([1.5, -2.0]) + 0.5 + noise * torch.randn(n, generator=g)
    return X, y


@pytest.fixture(scope="module")
def grid():
    X, y = small_data()
    return X, y, sgd_frames(X, y, learning_rates=LRS, batch_sizes=SIZES, num_epochs=EPOCHS, seed=SEED)


def direct_fit(X, y, lr, batch_size):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return d2lmini.fit_sgd(
            X, y, lr=lr, batch_size=batch_size, num_epochs=EPOCHS,
            generator=torch.Generator().manual_seed(SEED), track_path=True,
        )


def picture(frame) -> np.ndarray:
    """What the reader sees: the transparent frame laid over its background, as RGB."""
    background = Image.open(io.BytesIO(frame.background)).convert("RGBA")
    front = Image.open(io.BytesIO(frame.png)).convert("RGBA")
    return np.asarray(Image.alpha_composite(background, front).convert("RGB")).astype(int)


def red_pixels(frame) -> int:
    """Pixels of the alarm red (#d62728) in a frame, give or take anti-aliasing."""
    return int((np.abs(picture(frame) - np.array([0xD6, 0x27, 0x28])).sum(axis=-1) < 40).sum())


def test_every_frame_is_the_fit_sgd_run_for_its_grid_point(grid):
    X, y, frames = grid
    assert [[(f.lr, f.batch_size) for f in row] for row in frames] == [[(lr, bs) for bs in SIZES] for lr in LRS]
    for row in frames:
        for frame in row:
            expected = direct_fit(X, y, frame.lr, frame.batch_size)
            got = frame.result
            assert got.diverged == expected.diverged
            for name in ("w", "b", "epoch_losses", "step_losses", "path"):
                torch.testing.assert_close(
                    getattr(got, name), getattr(expected, name), rtol=0, atol=0, equal_nan=True,
                    msg=f"{frame.label}: {name}",
                )
            w0, b0 = expected.path[0, :-1].double().numpy(), float(expected.path[0, -1])
            residual = X.double().numpy() @ w0 + b0 - y.double().numpy()
            assert frame.initial_loss == pytest.approx(0.5 * np.mean(residual**2), rel=1e-12)


def test_steps_per_epoch_follow_the_batch_size(grid):
    _, _, frames = grid
    converging = frames[0]  # lr 0.05 never diverges here
    assert [len(f.result.step_losses) for f in converging] == [EPOCHS * 60 // bs for bs in SIZES]


def test_frames_are_valid_pngs_of_one_size_over_one_background(grid):
    _, _, frames = grid
    background = frames[0][0].background
    sizes = {Image.open(io.BytesIO(background)).size}
    for row in frames:
        for frame in row:
            assert frame.background is background, "all frames share one background"
            for png in (frame.png, frame.background):
                assert png.startswith(b"\x89PNG\r\n\x1a\n")
                Image.open(io.BytesIO(png)).verify()
                sizes.add(Image.open(io.BytesIO(png)).size)
            assert 500 < len(frame.png) < 20_000, "a frame should be a small but non-trivial PNG"
            alpha = np.asarray(Image.open(io.BytesIO(frame.png)).convert("RGBA"))[..., 3]
            assert 0.5 < (alpha == 0).mean() < 0.999, "a frame is mostly transparent, with its curves on top"
    (width, height), = sizes
    assert width >= 500 and height >= 200
    assert (np.asarray(Image.open(io.BytesIO(background)).convert("RGBA"))[..., 3] == 255).all()


def test_overflowing_run_is_marked_diverged_with_a_red_banner(grid):
    _, _, frames = grid
    frame = frames[2][0]  # lr 5, batch size 1: the loss overflows
    assert frame.result.diverged and frame.diverged
    epochs_run = len(frame.result.epoch_losses)
    assert not torch.isfinite(frame.result.epoch_losses[-1])
    assert torch.isfinite(frame.result.epoch_losses[:-1]).all()
    assert frame.message == f"diverged in epoch {epochs_run}: training stopped"
    assert frame.message in frame.label
    assert red_pixels(frame) > 1000


def test_growing_but_finite_loss_is_marked_diverging():
    X, y = small_data()
    # Full-batch gradient descent with lr 5 multiplies the error by about |1 - 5| per step:
    # after 2 epochs the loss is still finite but far above where it started.
    (frame,), = sgd_frames(X, y, learning_rates=[5.0], batch_sizes=[60], num_epochs=2, seed=SEED)
    assert not frame.result.diverged
    assert float(frame.result.epoch_losses[-1]) > frame.initial_loss
    assert frame.diverged and frame.message.startswith("diverging: loss grew")
    assert red_pixels(frame) > 1000


@pytest.mark.parametrize("d", [1, 3])
def test_exact_data_and_other_widths_draw_without_warnings(d):
    X = torch.randn(30, d, generator=torch.Generator().manual_seed(5))
    y = X @ torch.arange(1.0, d + 1) - 2.0  # no noise: the least-squares loss is (almost) zero
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Colab's matplotlib 3.10.0 calls pyparsing 3.3 names that warn; not ours, and hidden in notebooks.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="(matplotlib|pyparsing)")
        (frame,), = sgd_frames(X, y, learning_rates=[0.1], batch_sizes=[5], seed=1)
    assert frame.result.path.shape[1] == d + 1
    assert not frame.diverged and len(frame.png) > 500


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_frames_from_gpu_tensors_match_the_cpu_verdicts(grid):
    X, y, frames = grid
    on_gpu = sgd_frames(
        X.cuda(), y.cuda(), learning_rates=LRS, batch_sizes=SIZES, num_epochs=EPOCHS, seed=SEED, draw=False
    )
    for row_gpu, row_cpu in zip(on_gpu, frames):
        for gpu, cpu in zip(row_gpu, row_cpu):
            assert gpu.diverged == cpu.diverged
            if not cpu.diverged:
                assert float(gpu.result.epoch_losses[-1]) == pytest.approx(float(cpu.result.epoch_losses[-1]), rel=1e-3)


def test_converging_frames_carry_no_banner(grid):
    _, _, frames = grid
    for frame in frames[0]:
        assert not frame.diverged and frame.message == ""
        assert float(frame.result.epoch_losses[-1]) < frame.initial_loss
        assert red_pixels(frame) == 0
        assert frame.label == f"learning rate {frame.lr:g}, batch size {frame.batch_size}"


def test_frames_are_deterministic(grid):
    X, y, frames = grid
    again = sgd_frames(X, y, learning_rates=LRS, batch_sizes=SIZES, num_epochs=EPOCHS, seed=SEED)
    assert [[f.png for f in row] for row in again] == [[f.png for f in row] for row in frames]


def test_draw_false_trains_the_same_without_pictures(grid):
    X, y, frames = grid
    bare = sgd_frames(X, y, learning_rates=LRS[:1], batch_sizes=SIZES, num_epochs=EPOCHS, seed=SEED, draw=False)
    assert all(f.png == b"" for f in bare[0])
    assert all(torch.equal(a.result.w, b.result.w) for a, b in zip(bare[0], frames[0]))


def test_default_batch_sizes_run_from_one_to_the_full_dataset():
    assert _default_batch_sizes(1000) == (1, 10, 50, 250, 1000)
    assert _default_batch_sizes(250) == (1, 10, 50, 250)
    assert _default_batch_sizes(60) == (1, 10, 50, 60)
    assert _default_batch_sizes(1) == (1,)


def test_rendering_opens_no_pyplot_figures():
    X, y = small_data()
    plt.close("all")
    d2lmini.sgd_explorer(X, y, learning_rates=[0.1], batch_sizes=[60])
    d2lmini.sgd_explorer(X, y, learning_rates=[0.1], batch_sizes=[60], live=True)
    assert plt.get_fignums() == []


# --- the widget -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def explorer():
    X, y = small_data()
    return d2lmini.sgd_explorer(X, y, learning_rates=LRS, batch_sizes=SIZES, num_epochs=EPOCHS, seed=SEED)


@pytest.fixture(scope="module")
def swapped():
    """The explorer as ipywidgets 7 gets it: no Stack, so one image the kernel swaps."""
    X, y = small_data()
    with pytest.MonkeyPatch.context() as patch:
        patch.delattr(ipywidgets, "Stack", raising=False)
        return d2lmini.sgd_explorer(X, y, learning_rates=LRS, batch_sizes=SIZES, num_epochs=EPOCHS, seed=SEED)


@pytest.mark.parametrize("design", ["explorer", "swapped"])
def test_slider_options_are_the_grid_values_with_readable_labels(design, request):
    explorer = request.getfixturevalue(design)
    assert [value for _, value in explorer.lr_slider.options] == list(LRS)
    assert [label for label, _ in explorer.lr_slider.options] == ["0.05", "0.5", "5"]
    assert [value for _, value in explorer.batch_slider.options] == list(SIZES)
    assert [label for label, _ in explorer.batch_slider.options] == ["1", "6", "60 (all)"]
    rows = explorer.widget.children[:2]
    for row, slider, name in zip(rows, (explorer.lr_slider, explorer.batch_slider), ("learning rate", "batch size")):
        label, in_row = row.children
        assert in_row is slider and slider.readout
        assert label.value == name and label.layout.width == "7em"  # one width: the tracks line up
        # The runtime typesets a non-empty description with MathJax 2's API, which throws under MathJax 3.
        assert slider.description == ""


@needs_stack
def test_each_slider_is_jslinked_to_the_right_stack(explorer):
    from ipywidgets.widgets.widget_link import Link

    stack = explorer.stack
    rows = explorer.widget.children
    assert tuple(row.children[1] for row in rows[:2]) == (explorer.lr_slider, explorer.batch_slider)
    assert rows[2].children == (explorer.background, stack)
    assert explorer.background.value == explorer.frames[0][0].background
    assert len(stack.children) == len(LRS)
    links = {(link.source, link.target) for link in explorer.links}
    # jslink makes Link widgets (LinkModel): they run in the browser and survive in the stored state
    assert all(type(link) is Link and link._model_name == "LinkModel" for link in explorer.links)
    expected = {((explorer.lr_slider, "index"), (stack, "selected_index"))} | {
        ((explorer.batch_slider, "index"), (inner, "selected_index")) for inner in stack.children
    }
    assert links == expected
    assert stack.selected_index == explorer.lr_slider.index
    assert {inner.selected_index for inner in stack.children} == {explorer.batch_slider.index}


@needs_stack
def test_stack_images_are_the_frames_in_grid_order(explorer):
    for i, (inner, row) in enumerate(zip(explorer.stack.children, explorer.frames)):
        assert len(inner.children) == len(SIZES)
        for j, (image, frame) in enumerate(zip(inner.children, row)):
            assert (frame.lr, frame.batch_size) == (LRS[i], SIZES[j])
            assert image.format == "png"
            assert image.value == frame.png
            assert image._dom_classes == ("sgd-frame", f"sgd-frame-{i}-{j}")
            # html-manager 1.0 crashes rendering an Image with a tooltip (it reads a missing description)
            assert not image.tooltip


def test_without_stack_the_kernel_swaps_in_the_frame_of_each_grid_point(swapped, grid):
    _, _, frames = grid  # the same data, grid and seed: the frames the explorer must show
    assert swapped.stack is None and swapped.links == ()
    rows = swapped.widget.children
    assert rows[2].children == (swapped.background, swapped.image)
    assert swapped.background.value == frames[0][0].background
    middle = ((len(LRS) - 1) // 2, (len(SIZES) - 1) // 2)
    assert (swapped.lr_slider.index, swapped.batch_slider.index) == middle
    assert swapped.image.value == frames[middle[0]][middle[1]].png
    for i in range(len(LRS)):
        for j in reversed(range(len(SIZES))):
            swapped.lr_slider.index = i
            swapped.batch_slider.value = SIZES[j]
            assert swapped.image.value == frames[i][j].png, (LRS[i], SIZES[j])
            assert swapped.image._dom_classes == ("sgd-frame", f"sgd-frame-{i}-{j}")
    assert not getattr(swapped.image, "tooltip", None)


@pytest.mark.parametrize("design", ["explorer", "swapped"])
def test_explorer_displays_as_its_widget(design, request):
    explorer = request.getfixturevalue(design)
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
    assert bundle["application/vnd.jupyter.widget-view+json"]["version_major"] == 2
    assert bundle["text/plain"].startswith("VBox(")


IPYWIDGETS_7_CHECK = """
import d2lmini, d2lmini.widgets, ipywidgets, torch
assert not hasattr(ipywidgets, "Stack"), ipywidgets.__version__
print("ipywidgets", ipywidgets.__version__)
g = torch.Generator().manual_seed(0)
X = torch.randn(40, 1, generator=g)
y = 3 * X[:, 0] - 1 + 0.1 * torch.randn(40, generator=g)
grid = {"learning_rates": [0.1, 1.0, 3.0], "batch_sizes": [4, 40], "seed": 2}
explorer = d2lmini.sgd_explorer(X, y, **grid)
frames = d2lmini.widgets.sgd_frames(X, y, **grid)
assert explorer.stack is None and explorer.links == ()
for i in range(3):
    for j in range(2):
        explorer.lr_slider.index, explorer.batch_slider.index = i, j
        assert explorer.image.value == frames[i][j].png, (i, j)
        assert explorer.image._dom_classes == ("sgd-frame", f"sgd-frame-{i}-{j}")
bundle = explorer._repr_mimebundle_()
assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
live = d2lmini.sgd_explorer(X, y, **grid, live=True)
before = live.image.value
live.lr_slider.value = 0.3
assert live.image.value != before and abs(live.frames[0][0].lr - 0.3) < 1e-9
print("ok")
"""


@pytest.mark.project  # builds or reuses the cached Colab environment (tools/colab_env.py)
@pytest.mark.skipif(not HAS_STACK, reason="this is the ipywidgets 7 environment the test runs this check in")
def test_explorer_works_on_colabs_ipywidgets_7():
    """Build both explorers in the cached Colab environment (ipywidgets 7.7.1) and move their sliders."""
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


def test_live_explorer_retrains_with_fit_sgd_on_every_move():
    X, y = small_data()
    live = d2lmini.sgd_explorer(X, y, learning_rates=LRS, batch_sizes=SIZES, num_epochs=EPOCHS, seed=SEED, live=True)
    assert live.links == () and live.stack is None
    assert live.lr_slider.min == pytest.approx(np.log10(LRS[0]))
    assert live.lr_slider.max == pytest.approx(np.log10(LRS[-1]))
    options = [value for _, value in live.batch_slider.options]
    assert options[0] == 1 and options[-1] == 60 and set(SIZES) <= set(options)
    for lr, batch_size in ((0.2, 6), (0.2, 1), (5.0, 1)):
        live.lr_slider.value = lr
        live.batch_slider.value = batch_size
        (frame,), = live.frames
        assert (frame.lr, frame.batch_size) == (pytest.approx(lr), batch_size)
        expected = direct_fit(X, y, live.lr_slider.value, batch_size)
        torch.testing.assert_close(frame.result.epoch_losses, expected.epoch_losses, rtol=0, atol=0, equal_nan=True)
        assert live.image.value == frame.png and not getattr(live.image, "tooltip", None)
        assert live.background.value == frame.background
    assert frame.diverged and red_pixels(frame) > 1000


def test_live_redraw_is_fast_on_the_course_dataset():
    X, y = d2lmini.synthetic_data([1.8, -2.6], 3.1, 1000, noise=0.1, generator=torch.Generator().manual_seed(42))
    live = d2lmini.sgd_explorer(X, y, live=True)
    live.batch_slider.value = 1  # the slowest setting: 3000 steps
    assert live.lr_slider.value != 0.2
    began = time.perf_counter()
    live.lr_slider.value = 0.2
    seconds = time.perf_counter() - began
    print(f"live redraw, batch size 1, 1000 examples: {seconds:.2f} s")
    assert seconds < 2.0  # 0.5 s when the machine is idle; generous for busy CI runners


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
        ({"learning_rates": [0.01 * k for k in range(1, 18)]}, ValueError, "more than 64"),
        ({"num_epochs": 0}, ValueError, "num_epochs must be at least 1"),
        ({"seed": 1.5}, TypeError, "seed must be an integer"),
        ({"live": "yes"}, TypeError, "live must be True or False"),
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


@pytest.mark.parametrize("draw", [1, 0, "no", None])
def test_sgd_frames_draw_must_be_a_bool(draw):
    # 0 or "no" must not silently mean False (or True): the flag names itself in the error.
    X = torch.randn(10, 1, generator=torch.Generator().manual_seed(0))
    with pytest.raises(TypeError, match="draw must be True or False"):
        d2lmini.widgets.sgd_frames(X, X[:, 0], learning_rates=[0.1], batch_sizes=[10], draw=draw)
