"""Where tensors live."""

from __future__ import annotations

import torch


def device() -> torch.device:
    """Return the first CUDA device when one is available, else the CPU.

    Introduced in chapter 4, *Minibatch stochastic gradient descent*.

    Examples
    --------
    >>> device().type in {"cpu", "cuda"}
    True
    """
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
