"""Unit tests for d2lmini.hardware (device): truth is torch's own report of a CUDA device."""

from __future__ import annotations

import torch

import d2lmini


def test_device_helper_picks_cuda_exactly_when_available():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert d2lmini.device() == torch.device(expected)
    assert torch.zeros(2, device=d2lmini.device()).device.type == expected
