"""d2lmini: the small helper package behind the linear-regression course.

Everything a chapter needs is importable from the top level::

    import d2lmini
    X, y = d2lmini.synthetic_data([2.0, -3.4], 4.2, 1000)

The maths (data, model, losses, optim, stats) depends on torch and NumPy only;
plotting and widgets sit on top of it; nothing runs at import time.
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
from .widgets import SGDExplorer, SGDFrame, sgd_explorer, sgd_frames

__version__ = "0.1.0"

__all__ = [
    "HOUSE_BIAS",
    "HOUSE_WEIGHTS",
    "RankDeficientWarning",
    "SGDExplorer",
    "SGDFrame",
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
    "sgd_frames",
    "squared_loss",
    "synthetic_data",
    "time_sweep",
]
