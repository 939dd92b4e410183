"""d2lmini: the small helper package behind the linear-regression course.

Everything a chapter needs is importable from the top level::

    import d2lmini
    X, y = d2lmini.synthetic_data([2.0, -3.4], 4.2, 1000)

The maths (data, model, losses, optim, stats) depends on torch and NumPy only;
plotting and widgets sit on top of it; nothing runs at import time.

The flat API holds what the chapters call, plus the classes a reader meets in their
results; everything else stays importable from its module (``d2lmini.sgd_figures.sgd_runs``,
``d2lmini.losses.half_mse``, ...).  Each public helper's docstring names the chapter
that introduces it.
"""

from .collinearity import collinearity_explorer
from .data import HOUSE_BIAS, HOUSE_WEIGHTS, data_iter, house_data, synthetic_data
from .datasets import ames_housing
from .diagrams import network_diagram, neuron_diagram
from .hardware import device
from .inference import LinearFitInference, fit_with_uncertainty
from .likelihood_figure import likelihood_explorer
from .line_figures import loss_explorer, prediction_explorer
from .losses import loss_grid, squared_loss
from .model import linreg
from .optim import RankDeficientWarning, SGDResult, fit_least_squares, fit_sgd, sgd
from .plotting import plot, plot_loss_contours, plot_residuals, plot_timings, set_figsize
from .refit_figures import refit_explorer
from .sgd_figures import sgd_explorer, sgd_time_explorer
from .stats import gaussian_nll, normal_pdf
from .threshold import decision_line_explorer
from .timing import Timing, benchmark, format_seconds, time_sweep

__version__ = "0.1.0"

# Not called by name in a chapter, kept for a reader: RankDeficientWarning is named in
# chapter 3's prose and is what a reader filters with warnings.simplefilter; SGDResult,
# Timing and LinearFitInference are what fit_sgd, benchmark and fit_with_uncertainty return, and
# the chapters read their fields (result.epoch_losses, timing.median, fit.std_err), so
# help(d2lmini.SGDResult) is where those are documented.
# Left out (used by no chapter; importable from d2lmini.sgd_figures): sgd_runs, timed_runs and
# the runs they return (SGDRun, TimedRun), and draw_sgd_run and draw_timed_runs, the computing
# and drawing steps inside sgd_explorer and sgd_time_explorer, which a chapter only displays.
__all__ = [
    "HOUSE_BIAS",
    "HOUSE_WEIGHTS",
    "LinearFitInference",
    "RankDeficientWarning",
    "SGDResult",
    "Timing",
    "ames_housing",
    "benchmark",
    "collinearity_explorer",
    "data_iter",
    "decision_line_explorer",
    "device",
    "fit_least_squares",
    "fit_sgd",
    "fit_with_uncertainty",
    "format_seconds",
    "gaussian_nll",
    "house_data",
    "likelihood_explorer",
    "linreg",
    "loss_explorer",
    "loss_grid",
    "network_diagram",
    "neuron_diagram",
    "normal_pdf",
    "plot",
    "plot_loss_contours",
    "plot_residuals",
    "plot_timings",
    "prediction_explorer",
    "refit_explorer",
    "set_figsize",
    "sgd",
    "sgd_explorer",
    "sgd_time_explorer",
    "squared_loss",
    "synthetic_data",
    "time_sweep",
]
