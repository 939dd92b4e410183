"""d2lmini.datasets: the shipped Ames data, checked against the CSV read independently with NumPy."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import torch

from d2lmini.datasets import AMES_FEATURES, AMES_LABEL, AMES_ROWS, ames_housing

CSV = Path(__file__).resolve().parents[1] / "d2lmini" / "data" / "ames_housing.csv"


def test_file_is_the_documented_one():
    digest = hashlib.sha256(CSV.read_bytes()).hexdigest()
    assert digest in (CSV.parent / "DATA.md").read_text()  # DATA.md records the file's SHA-256


def test_matches_the_csv_read_with_numpy():
    table = np.genfromtxt(CSV, delimiter=",", names=True)
    X, y, names = ames_housing(dtype=torch.float64)
    assert names == AMES_FEATURES and X.shape == (AMES_ROWS, 7) and y.shape == (AMES_ROWS,)
    for j, name in enumerate(names):
        np.testing.assert_array_equal(X[:, j].numpy(), table[name])
    np.testing.assert_array_equal(y.numpy(), table[AMES_LABEL])
    assert X[0].tolist() == [1656, 1080, 31770, 1960, 3, 1, 2] and y[0] == 215000  # first sale, by hand


def test_feature_selection_dtype_and_device():
    X, y, names = ames_housing(["Year_Built", "Gr_Liv_Area"], dtype=torch.float64, device="cpu")
    assert names == ("Year_Built", "Gr_Liv_Area") and X.dtype == y.dtype == torch.float64
    assert X[0].tolist() == [1960, 1656] and X.device.type == "cpu"
    X, _, _ = ames_housing(("Lot_Area",))
    assert X.shape == (AMES_ROWS, 1) and X.dtype == torch.float32


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"features": "Lot_Area"}, TypeError, "not a single string"),
        ({"features": ["Sale_Price"]}, ValueError, "it is the label"),
        ({"features": ["area"]}, ValueError, "unknown column 'area'"),
        ({"features": []}, ValueError, "at least one column"),
        ({"features": ["Lot_Area", "Lot_Area"]}, ValueError, "'Lot_Area' more than once"),
        ({"features": [3]}, TypeError, "column names"),
        ({"features": 3}, TypeError, "list of column names or None"),
        ({"dtype": "float32"}, TypeError, "dtype must be a torch.dtype"),
        ({"dtype": torch.int64}, TypeError, "floating-point dtype"),
        ({"dtype": torch.float16}, ValueError, "cannot hold these data.*755,000"),
        ({"device": 0.5}, TypeError, "device must be"),
        ({"device": "nowhere"}, ValueError, "device 'nowhere' is not available"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        ames_housing(**kwargs)
