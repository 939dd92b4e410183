"""How sure a least-squares fit is: standard errors, t-statistics, confidence intervals and R².

Everything assumes the Gaussian noise model of chapter 6, ``y = X w + b + eps`` with
independent ``eps ~ N(0, sigma^2)``; then ``Cov(w_hat) = sigma^2 (A^T A)^{-1}`` for the
design ``A`` (``X`` with its column of ones), and ``(w_hat_j - w_j) / se_j`` follows Student's
t distribution with ``n - p`` degrees of freedom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ._validation import TensorLike, as_dataset, as_float_tensor, check_bool, check_real
from .optim import _solve_at_precision

_MAX_ITERATIONS = 100_000
_LARGE_DF = 1e5  # from here on, the expansion around the normal quantile is the more accurate


@dataclass(frozen=True)
class LinearFitInference:
    """A least-squares fit with its uncertainty, as returned by :func:`fit_with_uncertainty`.

    Introduced in chapter 9, *How sure are we?*.

    The coefficient vectors hold the weights of the columns of ``X`` in order, then the bias
    last when the fit has one (as ``fit_least_squares`` appends it); all are float64 CPU tensors.

    Attributes
    ----------
    coef : tensor, shape (p,)
        The least-squares coefficients ``[w, b]`` (or ``w`` without a bias).
    std_err : tensor, shape (p,)
        Their standard errors ``sqrt(sigma2 * diag((A^T A)^{-1}))``.
    cov : tensor, shape (p, p)
        The estimated covariance matrix of the coefficients, ``sigma2 * (A^T A)^{-1}``;
        ``std_err`` is the square root of its diagonal.
    t_stat : tensor, shape (p,)
        ``coef / std_err``: the t-statistic for the hypothesis that the coefficient is zero.
    ci_low, ci_high : tensors, shape (p,)
        The confidence interval ``coef -/+ t_quantile * std_err`` at ``level``.
    sigma2 : float
        The unbiased noise variance estimate ``RSS / (n - p)``.
    r2 : float
        ``1 - RSS / TSS``.  TSS is measured around the mean of ``y`` when the design holds a
        constant column (the bias, or a constant column of ``X``), around zero otherwise (the
        "uncentred" R², as statsmodels and R report it).
    df_resid : int
        Residual degrees of freedom ``n - p``.
    level : float
        Confidence level of the intervals.
    bias : bool
        Whether a bias column was appended.
    """

    coef: torch.Tensor
    std_err: torch.Tensor
    cov: torch.Tensor
    t_stat: torch.Tensor
    ci_low: torch.Tensor
    ci_high: torch.Tensor
    sigma2: float
    r2: float
    df_resid: int
    level: float
    bias: bool

    @property
    def w(self) -> torch.Tensor:
        """The weights of the columns of ``X`` (``coef`` without the bias)."""
        return self.coef[:-1] if self.bias else self.coef

    @property
    def b(self) -> torch.Tensor | None:
        """The bias, or None when the fit has none."""
        return self.coef[-1] if self.bias else None

    def mean_interval(self, X: TensorLike) -> tuple[torch.Tensor, torch.Tensor]:
        """The confidence interval, at ``level``, of the mean label ``x^T w (+ b)`` at each row of ``X``.

        For a row ``x`` with design row ``a`` (``x`` and a 1 when the fit has a bias), the
        prediction ``a^T coef`` has standard error ``sqrt(a^T cov a)``, and the interval is the
        prediction ``-/+ t * that standard error`` with the Student-t quantile of the
        coefficients' intervals.  It covers where the *line* runs, not where a new label falls
        (a new label adds its own noise, of variance ``sigma2``).

        Parameters
        ----------
        X : tensor, shape (m, d)
            Inputs with the columns of the fitted ``X``.

        Returns
        -------
        (low, high) : float64 CPU tensors, shape (m,)

        Examples
        --------
        >>> import torch
        >>> X = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
        >>> fit = fit_with_uncertainty(X, torch.tensor([1.0, 3.0, 4.0, 7.0]))
        >>> low, high = fit.mean_interval(torch.tensor([[1.5], [3.0]]))
        >>> [round(v, 3) for v in low.tolist()], [round(v, 3) for v in high.tolist()]
        ([2.477, 4.47], [5.023, 8.73])
        """
        A = as_float_tensor("X", X, ndim=2).detach().to("cpu", torch.float64)
        d = self.coef.shape[0] - int(self.bias)
        if A.shape[1] != d:
            raise ValueError(f"X must have the {d} columns of the fitted X, got {A.shape[1]}")
        if self.bias:
            A = torch.cat([A, torch.ones(A.shape[0], 1, dtype=torch.float64)], dim=1)
        centre = A @ self.coef
        std_err = torch.sqrt(((A @ self.cov) * A).sum(dim=1).clamp_min(0.0))
        t_crit = student_t_quantile((1 + self.level) / 2, self.df_resid)
        return centre - t_crit * std_err, centre + t_crit * std_err


def fit_with_uncertainty(
    X: TensorLike, y: TensorLike, *, bias: bool = True, level: float = 0.95
) -> LinearFitInference:
    """Fit ``y ≈ X @ w (+ b)`` by least squares and report how uncertain the coefficients are.

    Introduced in chapter 9, *How sure are we?*.

    The coefficients are those of ``fit_least_squares`` (an SVD-based solver in float64).
    With ``p`` coefficients and ``n`` examples the noise variance is estimated as
    ``sigma2 = RSS / (n - p)``, the covariance of the coefficients as
    ``sigma2 * (A^T A)^{-1}`` (computed from the SVD of the design ``A``, never by inverting
    ``A^T A``), and each interval as ``coef ± t * std_err`` with ``t`` the Student-t quantile
    of :func:`student_t_quantile` at ``(1 + level) / 2`` with ``n - p`` degrees of freedom.

    A design with linearly dependent columns is refused: its coefficients are not unique,
    so their standard errors are undefined.  The rank is judged as ``fit_least_squares``
    judges it: singular values below ``eps * max(n, p)`` times the largest count as zero,
    with ``eps`` the machine epsilon of ``X``'s dtype.  At least ``p + 1`` examples are
    needed, so that one degree of freedom is left to estimate the noise.

    Parameters
    ----------
    X : tensor, shape (n, d)
    y : tensor, shape (n,)
    bias : bool, default True
        Append a column of ones to ``X`` (its coefficient is the bias, listed last).
    level : float, default 0.95
        Confidence level of the intervals, strictly between 0 and 1.

    Returns
    -------
    LinearFitInference

    Examples
    --------
    >>> import torch
    >>> X = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    >>> fit = fit_with_uncertainty(X, torch.tensor([1.0, 3.0, 4.0, 7.0]))
    >>> [round(v, 4) for v in fit.coef.tolist()], fit.df_resid, round(fit.sigma2, 4), round(fit.r2, 4)
    ([1.9, 0.9], 2, 0.35, 0.9627)
    >>> [round(v, 4) for v in fit.std_err.tolist()]
    [0.2646, 0.495]
    >>> [round(v, 2) for v in fit.ci_low.tolist()], [round(v, 2) for v in fit.ci_high.tolist()]
    ([0.76, -1.23], [3.04, 3.03])
    """
    X, y = as_dataset(X, y)
    bias = check_bool("bias", bias)
    level = _check_level(level)
    n, d = X.shape
    A = X.detach().to("cpu", torch.float64)
    if bias:
        A = torch.cat([A, torch.ones(n, 1, dtype=torch.float64)], dim=1)
    target = y.detach().to("cpu", torch.float64)
    p = A.shape[1]
    columns = f"{p} coefficients ({d} weights and a bias)" if bias else f"{p} coefficients (one per column of X)"
    if n <= p:
        raise ValueError(
            f"X has {n} examples for {columns}: standard errors need at least {p + 1} examples, "
            "so that some degrees of freedom are left to estimate the noise"
        )
    coef, rank = _solve_at_precision(A, target, X.dtype)  # the rank rule of fit_least_squares
    if rank < p:
        with_ones = " with its column of ones" if bias else ""
        raise ValueError(
            f"X{with_ones} has rank {rank} but {p} columns at the precision of {X.dtype}: its columns are "
            "linearly dependent, so the coefficients are not unique and their standard errors are undefined; "
            "drop or combine the redundant columns"
        )
    residual = target - A @ coef
    df_resid = n - p
    rss = float(residual @ residual)
    sigma2 = rss / df_resid
    _, s, Vh = torch.linalg.svd(A, full_matrices=False)
    scaled = Vh / s.unsqueeze(1)  # S^-1 V^T, so that (A^T A)^{-1} = V S^-2 V^T = scaled^T scaled
    cov = sigma2 * (scaled.T @ scaled)
    std_err = torch.sqrt(sigma2 * (scaled**2).sum(dim=0))  # the diagonal, summed without cancellation
    t_crit = student_t_quantile((1 + level) / 2, df_resid)
    centred = bias or bool(((A == A[0]) & (A[0] != 0)).all(dim=0).any())
    tss = float(((target - target.mean()) if centred else target).pow(2).sum())
    r2 = 1.0 - rss / tss if tss > 0 else math.nan
    return LinearFitInference(
        coef=coef,
        std_err=std_err,
        cov=cov,
        t_stat=coef / std_err,
        ci_low=coef - t_crit * std_err,
        ci_high=coef + t_crit * std_err,
        sigma2=sigma2,
        r2=r2,
        df_resid=df_resid,
        level=level,
        bias=bias,
    )


def student_t_quantile(prob: float, df: float) -> float:
    """The quantile function (inverse CDF) of Student's t distribution with ``df`` degrees of freedom.

    Introduced in chapter 9, *How sure are we?*.

    Returns the ``t`` with ``P(T <= t) = prob``.  The tail probability ``P(T > t) =
    I_x(df/2, 1/2) / 2`` with ``x = df / (df + t^2)`` is computed from the regularised
    incomplete beta function ``I`` (a continued fraction, in float64) and inverted by Newton's
    method safeguarded by bisection; from ``df = 1e5`` on, where that loses digits, the
    Cornish-Fisher expansion around the normal quantile is used instead.  Either way the result
    is within about 1e-12 of the exact quantile, relative to its size.

    Parameters
    ----------
    prob : float
        Probability, strictly between 0 and 1.
    df : float
        Degrees of freedom, positive (need not be an integer).

    Examples
    --------
    >>> round(student_t_quantile(0.975, 10), 6)
    2.228139
    >>> round(student_t_quantile(0.025, 1), 6)  # the Cauchy distribution: -tan(0.475 pi)
    -12.706205
    """
    prob = check_real("prob", prob)
    if not 0 < prob < 1:
        raise ValueError(f"prob must be strictly between 0 and 1, got {prob}")
    df = check_real("df", df)
    if df <= 0:
        raise ValueError(f"df must be positive, got {df}")
    if prob == 0.5:
        return 0.0
    tail = prob if prob < 0.5 else 1.0 - prob  # exact for prob >= 0.5
    t = _t_upper_quantile(tail, df) if df < _LARGE_DF else _t_upper_quantile_large_df(tail, df)
    return -t if prob < 0.5 else t


def _check_level(level: object) -> float:
    level = check_real("level", level)
    if not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1 (0.95 for a 95% interval), got {level}")
    return level


def _t_upper_tail(t: float, df: float) -> float:
    """P(T > t) for t >= 0."""
    if t == 0:
        return 0.5
    r2 = (math.sqrt(df) / t) ** 2  # x = df / (df + t^2) written so that t^2 cannot overflow
    if r2 < 1e-280:  # x underflows: I_x(a, 1/2) = x^a / (a B(a, 1/2)) to a relative O(x), taken in logs
        a = 0.5 * df
        return 0.5 * math.exp(a * 2 * (0.5 * math.log(df) - math.log(t)) - math.log(a) - _log_beta(a, 0.5))
    return 0.5 * _betainc(0.5 * df, 0.5, r2 / (1 + r2), 1 / (1 + r2))


def _t_log_pdf(t: float, df: float) -> float:
    return (
        _lgamma_difference(0.5 * df, 0.5)
        - 0.5 * math.log(df * math.pi)
        - (df + 1) * math.log(math.hypot(1.0, t / math.sqrt(df)))
    )


def _t_upper_quantile_large_df(tail: float, df: float) -> float:
    """The t >= 0 with P(T > t) = tail for large df, by the Cornish-Fisher expansion around the
    normal quantile z (Abramowitz and Stegun 26.7.5); the terms left out are below 1e-20 here."""
    z = -float(torch.special.ndtri(torch.tensor(tail, dtype=torch.float64)))
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df


def _t_upper_quantile(tail: float, df: float) -> float:
    """The t >= 0 with P(T > t) = tail, for 0 < tail < 1/2."""
    lo, hi = 0.0, 1.0
    while _t_upper_tail(hi, df) > tail:  # bracket the root: the tail falls as t grows
        lo, hi = hi, 2.0 * hi
        if math.isinf(hi):
            return math.inf
    # start from the normal quantile (clipped into the bracket), then Newton on the tail
    t = min(max(-float(torch.special.ndtri(torch.tensor(tail, dtype=torch.float64))), lo), hi)
    for _ in range(200):
        f = _t_upper_tail(t, df) - tail
        if f > 0:
            lo = t
        else:
            hi = t
        if f == 0 or hi - lo <= 4 * math.ulp(hi):
            return t
        # Newton on log(tail), whose slope is -pdf / tail: it converges far out in the tails too
        current = f + tail
        log_pdf = _t_log_pdf(t, df)
        if current > 0 and log_pdf > -math.inf:
            newton = t + (math.log(current) - math.log(tail)) * math.exp(math.log(current) - log_pdf)
        else:
            newton = math.nan
        if not lo < newton < hi:  # Newton left the bracket: bisect instead
            t = 0.5 * (lo + hi)
        elif abs(newton - t) <= 1e-15 * t:  # converged
            return newton
        else:
            t = newton
    return t


def _betainc(a: float, b: float, x: float, one_minus_x: float) -> float:
    """Regularised incomplete beta I_x(a, b); ``one_minus_x`` is passed to avoid cancellation."""
    if x <= 0:
        return 0.0
    if one_minus_x <= 0:
        return 1.0
    log_x = math.log(x) if x < 0.5 else math.log1p(-one_minus_x)
    log_1mx = math.log(one_minus_x) if one_minus_x < 0.5 else math.log1p(-x)
    log_front = a * log_x + b * log_1mx - _log_beta(a, b)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, one_minus_x) / b


def _log_beta(a: float, b: float) -> float:
    """log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), without cancellation when one is large."""
    small, big = min(a, b), max(a, b)
    return math.lgamma(small) - _lgamma_difference(big, small)


def _lgamma_difference(a: float, b: float) -> float:
    """lgamma(a + b) - lgamma(a) for b > 0; by Stirling's series when a is large, where the
    difference of two huge lgamma values would lose digits."""
    if a < 1e4:
        return math.lgamma(a + b) - math.lgamma(a)

    def correction(z: float) -> float:  # lgamma(z) - ((z - 1/2) log z - z + log(2 pi) / 2)
        return 1 / (12 * z) - 1 / (360 * z**3) + 1 / (1260 * z**5)

    return (a - 0.5) * math.log1p(b / a) + b * math.log(a + b) - b + correction(a + b) - correction(a)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b), by the modified Lentz method."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, _MAX_ITERATIONS):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            return h
    raise ArithmeticError(f"the incomplete beta function did not converge for a={a}, b={b}, x={x}")
