"""d2lmini: the small helper package behind the linear-regression course.

Everything a chapter needs is importable from the top level::

    import d2lmini
    X, y = d2lmini.synthetic_data([2.0, -3.4], 4.2, 1000)

The maths (data, model, losses, optim, stats) depends on torch and NumPy only;
plotting and widgets sit on top of it; nothing runs at import time.
"""

from .data import HOUSE_BIAS, HOUSE_WEIGHTS, data_iter, house_data, synthetic_data
from .hardware import device
from .losses import squared_loss
from .model import linreg
from .optim import RankDeficientWarning, SGDResult, fit_least_squares, fit_sgd, sgd
from .plotting import plot, set_figsize
from .stats import gaussian_nll, normal_pdf
from .timing import Timing, benchmark, format_seconds

__version__ = "0.1.0"

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
    "normal_pdf",
    "plot",
    "set_figsize",
    "sgd",
    "squared_loss",
    "synthetic_data",
]
