"""Real data sets shipped inside d2lmini, so they load offline (Colab, a classroom, CI).

Each file lives in ``d2lmini/data/`` with its source, licence and data dictionary in
``d2lmini/data/DATA.md``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from importlib import resources

import numpy as np
import torch

from ._validation import check_device, check_float_dtype

AMES_FEATURES = (
    "Gr_Liv_Area",
    "Total_Bsmt_SF",
    "Lot_Area",
    "Year_Built",
    "Bedroom_AbvGr",
    "Full_Bath",
    "Garage_Cars",
)
"""Feature columns of :func:`ames_housing`, in file order (see ``d2lmini/data/DATA.md`` for units)."""
AMES_LABEL = "Sale_Price"
"""Label column of :func:`ames_housing`: the sale price in US dollars."""
AMES_ROWS = 2930
"""Number of sales in :func:`ames_housing`."""


def ames_housing(
    features: Sequence[str] | None = None,
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...]]:
    """House sales in Ames, Iowa (De Cock, 2011): features of each house and its sale price.

    Introduced in chapter 9, *How sure are we?*.

    2,930 sales from 2006 to 2010, read from a CSV file shipped inside d2lmini (nothing is
    downloaded).  Areas are in square feet, prices in US dollars; the source, the MIT licence
    and a dictionary of every column are in ``d2lmini/data/DATA.md``.  The features are on very
    different scales (a lot area of tens of thousands of square feet, one to four bathrooms),
    so standardise them before gradient descent.

    Parameters
    ----------
    features : sequence of str, optional
        Which feature columns to return, in this order; names from ``AMES_FEATURES``, each at
        most once.  Default: all seven, in file order.
    dtype : torch.dtype, default torch.float32
        Floating-point dtype of the tensors.  float16 is refused: prices and lot areas exceed
        its range.
    device : torch.device or str, optional
        Where to put the tensors (torch's default device if not given).

    Returns
    -------
    X : tensor, shape (2930, len(features))
    y : tensor, shape (2930,)
        Sale prices in US dollars.
    names : tuple of str
        The column names of ``X``.

    Examples
    --------
    >>> X, y, names = ames_housing(["Gr_Liv_Area", "Year_Built"])
    >>> X.shape, y.shape, names
    (torch.Size([2930, 2]), torch.Size([2930]), ('Gr_Liv_Area', 'Year_Built'))
    >>> X[0].tolist(), y[0].item()
    ([1656.0, 1960.0], 215000.0)
    """
    names = _check_features(features)
    dtype = check_float_dtype("dtype", dtype)
    device = check_device("device", device)
    table, header = _read_csv("ames_housing.csv")
    X = table[:, [header.index(name) for name in names]]
    y = table[:, header.index(AMES_LABEL)]
    largest = max(float(np.abs(X).max()), float(np.abs(y).max()))
    if largest > torch.finfo(dtype).max:
        raise ValueError(
            f"dtype {dtype} cannot hold these data: they reach {largest:,.0f}, beyond its range "
            f"(about {torch.finfo(dtype).max:,.0f}); use torch.float32 or torch.float64"
        )
    return torch.from_numpy(X).to(device, dtype), torch.from_numpy(y).to(device, dtype), names


def _read_csv(filename: str) -> tuple[np.ndarray, list[str]]:
    """Read a numeric CSV from ``d2lmini/data`` as a float64 array and its header."""
    text = resources.files("d2lmini").joinpath("data", filename).read_text(encoding="utf-8")
    header = text.split("\n", 1)[0].strip().split(",")
    table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    return table, header


def _check_features(features: object) -> tuple[str, ...]:
    if features is None:
        return AMES_FEATURES
    if isinstance(features, (str, bytes)):
        raise TypeError(f"features must be a list of column names such as [{features!r}], not a single string")
    try:
        names: tuple[object, ...] = tuple(features)  # type: ignore[arg-type]
    except TypeError as err:
        raise TypeError(f"features must be a list of column names or None, got {type(features).__name__}") from err
    if not names:
        raise ValueError("features must name at least one column")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"features must hold column names (str), got {type(name).__name__} {name!r}")
        if name not in AMES_FEATURES:
            hint = " (it is the label, returned as y)" if name == AMES_LABEL else ""
            raise ValueError(f"features: unknown column {name!r}{hint}; choose from {', '.join(AMES_FEATURES)}")
    checked = tuple(str(name) for name in names)
    repeated = sorted({name for name in checked if checked.count(name) > 1})
    if repeated:
        raise ValueError(f"features lists {', '.join(map(repr, repeated))} more than once")
    return checked
