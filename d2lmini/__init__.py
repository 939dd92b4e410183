"""d2lmini: the small helper package behind the linear-regression course.

Everything a chapter needs is importable from the top level::

    import d2lmini
    X, y = d2lmini.synthetic_data([2.0, -3.4], 4.2, 1000)

The maths (data, model, losses, optim, stats) depends on torch and NumPy only;
plotting and widgets sit on top of it; nothing runs at import time.

The flat API holds what the chapters call, plus the classes a reader meets in their
results; everything else stays importable from its module (``d2lmini.widgets.sgd_frames``,
``d2lmini.losses.half_mse``, ...).  Each public helper's docstring names the chapter
that introduces it.
"""

from .data import HOUSE_BIAS, HOUSE_WEIGHTS, data_iter, house_data, synthetic_data
from .diagrams import network_diagram, neuron_diagram
from .hardware import device
from .losses import loss_grid, squared_loss
from .model import linreg
from .optim import RankDeficientWarning, SGDResult, fit_least_squares, fit_sgd, sgd
from .plotting import plot, plot_loss_contours, plot_residuals, plot_timings, set_figsize
from .stats import gaussian_nll, normal_pdf
from .timing import Timing, benchmark, format_seconds, time_sweep
from .widgets import sgd_explorer

__version__ = "0.1.0"

# Not called by name in a chapter, kept for a reader: RankDeficientWarning is named in
# chapter 3's prose and is what a reader filters with warnings.simplefilter; SGDResult and
# Timing are what fit_sgd and benchmark return, and the chapters read their fields
# (result.epoch_losses, timing.median), so help(d2lmini.SGDResult) is where those are documented.
# Left out (used by no chapter; importable from d2lmini.widgets): SGDExplorer and SGDFrame,
# the parts sgd_explorer returns and draws, which a chapter only displays, and sgd_frames,
# the training-and-drawing step inside sgd_explorer.
__all__ = [
    "HOUSE_BIAS",
    "HOUSE_WEIGHTS",
    "RankDeficientWarning",
    "SGDResult",
    "Timing",
    "benchmark",
    "data_iter",
    "device",
    "fit_least_squares",
    "fit_sgd",
    "format_seconds",
    "gaussian_nll",
    "house_data",
    "linreg",
    "loss_grid",
    "network_diagram",
    "neuron_diagram",
    "normal_pdf",
    "plot",
    "plot_loss_contours",
    "plot_residuals",
    "plot_timings",
    "set_figsize",
    "sgd",
    "sgd_explorer",
    "squared_loss",
    "synthetic_data",
    "time_sweep",
]
