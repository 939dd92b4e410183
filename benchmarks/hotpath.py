"""Hot path: one training step on a 32 × 2 float32 batch, d2lmini's helpers against the same in plain torch."""

from __future__ import annotations

from collections.abc import Callable

import torch

import d2lmini

from . import Context, Section, Spread, Table, Target, fmt_num, fmt_time, interleaved, ratios

BATCH, LR = 32, 0.03


def contenders() -> dict[str, Callable[[], object]]:
    """(a) d2lmini loss, (b) plain-torch loss, (c) (a) + backward + ``sgd``, (d) (b) + backward + manual update."""
    X, y = d2lmini.synthetic_data([2.0, -3.4], 4.2, BATCH, generator=torch.Generator().manual_seed(0))
    w, b = torch.zeros(2, requires_grad=True), torch.zeros((), requires_grad=True)

    def d2l_loss() -> torch.Tensor:
        return d2lmini.squared_loss(d2lmini.linreg(X, w, b), y).mean()

    def torch_loss() -> torch.Tensor:
        return ((X @ w + b - y) ** 2 / 2).mean()

    def d2l_step() -> None:
        d2l_loss().backward()
        d2lmini.sgd([w, b], LR)

    def torch_step() -> None:
        torch_loss().backward()
        with torch.no_grad():
            for p in (w, b):
                p -= LR * p.grad
                p.grad.zero_()

    return {"loss d2lmini": d2l_loss, "loss torch": torch_loss, "step d2lmini": d2l_step, "step torch": torch_step}


def measure(rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each contender, alternated round by round, on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return interleaved(contenders(), rounds)
    finally:
        torch.set_num_threads(threads)


def run(ctx: Context) -> Section:
    rounds = ctx.rounds(7, 3)
    times = measure(rounds)
    rows = []
    for what, label in (("loss", "`squared_loss(linreg(X, w, b), y).mean()`"),
                        ("step", "the loss + `backward()` + `sgd([w, b], lr)`")):
        ratio = ratios(times[f"{what} d2lmini"], times[f"{what} torch"])
        rows.append([label, fmt_time(Spread.of(times[f"{what} d2lmini"])),
                     fmt_time(Spread.of(times[f"{what} torch"])), fmt_num(ratio, "×")])
    return Section(
        name="hotpath",
        title="Hot path: d2lmini's per-step helpers vs plain torch",
        tables=[Table(["per call", "d2lmini", "plain torch", "d2lmini / torch"], rows)],
        notes=[f"{rounds} rounds, the four alternated; a {BATCH} × 2 float32 batch on the CPU with "
               "`torch.set_num_threads(1)`. Plain torch writes the same out: `((X @ w + b - y) ** 2 / 2).mean()`, "
               "and for the step `p -= lr * p.grad; p.grad.zero_()` under `torch.no_grad()`. The difference is "
               "d2lmini's per-step checks (kind, shape, dtype, device; values only in `sgd` on the CPU)."],
        targets=[Target(f"training step, d2lmini vs plain torch ({BATCH} × 2, one thread)", "—",
                        f"{rows[1][1]} vs {rows[1][2]}", None)],
    )
