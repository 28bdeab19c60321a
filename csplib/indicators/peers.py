"""Peer-group ("most similar group") and county comparisons: rates, funnel limits, ranks.

The Home Office's most similar groups (iQuanta) are restricted, so the group here is
whatever list of areas the user supplies. Each member's rate is compared with the
pooled group rate (sum of counts / sum of populations) at 95% and 99.8%, the
method in DOMAIN.md "Methods the field trusts". docs/methods.md sets out every formula,
convention and default, with the published values the tests reproduce.

What is computed by hand and what comes from a library:

* Byar's approximation to the Poisson interval is written out here (no library
  offers it); exact Poisson limits and Poisson quantiles come from ``scipy.stats``;
  normal quantiles from ``scipy.stats.norm``.
* Wilson score intervals for proportions come from statsmodels
  ``proportion_confint(method="wilson")``.

Two constructions, one for the chart and one for the label, as Public Health England
(Fingertips, PHEindicatormethods) does:

* **The label** (``verdict_95``, ``verdict_998``) asks whether the area's *own* interval
  (Byar's for counts of 10 or more, exact below; Wilson for proportions) excludes the
  benchmark: the count expected at the group rate, or the group proportion. This is
  PHE's "High (0.025)" / "High (0.001)" rule.
* **The funnel lines** are the range a member of that size would show by chance alone
  around the benchmark: Poisson prediction limits of the expected count, interpolated
  between whole counts so the line is continuous (Spiegelhalter 2005, Statistics in
  Medicine 24:1185, appendix), and for proportions the inverted Wilson limit
  ``p0 +/- z sqrt(p0 (1 - p0) / n)``: the proportion whose Wilson interval just reaches
  ``p0`` (PHE's proportion funnel). Near a line the label decides; the two agree except
  within a fraction of one count of the line.

Whole-partnership counts run to thousands, so real differences between areas swamp
Poisson noise and nearly every area would read "significantly" above or below its
peers. Each comparison therefore tests for **overdispersion** (Spiegelhalter 2005,
Quality and Safety in Health Care 14:347): phi is the mean square of the 10% Winsorised
z-scores; the group is overdispersed when ``n_areas x phi`` exceeds the 95th centile of
chi-squared on ``n_areas - 1`` degrees of freedom. When it is, the limits are widened
(by default an additive random effect, ``tau^2`` by Spiegelhalter's
DerSimonian-Laird-style moment estimate; ``"multiplicative"`` scales by ``sqrt(phi)``)
and only areas outside the widened limits are flagged. The widening travels with the
result (columns ``overdispersed``, ``overdispersion_phi``, ``limit_method``,
``limit_factor`` and ``attrs["overdispersion"]``, an :class:`Overdispersion`), so a
report can say by how much and why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import chi2, norm, poisson
from statsmodels.stats.proportion import proportion_confint

from csplib.errors import ParameterError

__all__ = [
    "ABOVE",
    "BELOW",
    "OVERDISPERSION_METHODS",
    "WITHIN",
    "Overdispersion",
    "byar_limits",
    "count_limits",
    "county_table",
    "estimate_overdispersion",
    "exact_poisson_limits",
    "funnel_curve",
    "inverted_wilson_limits",
    "observed_interval_verdict",
    "peer_comparison",
    "poisson_prediction_limits",
    "proportion_comparison",
    "proportion_funnel_curve",
    "wilson_interval",
]

ABOVE = "significantly above"
BELOW = "significantly below"
WITHIN = "within"

#: Counts at or above this use Byar's approximation; below it the exact limits.
BYAR_MIN_COUNT = 10.0

#: The two funnel levels and the suffix of their columns.
LEVELS: dict[str, float] = {"95": 0.95, "998": 0.998}

#: Ways of widening limits for overdispersion; the first is the default.
OVERDISPERSION_METHODS = ("additive", "multiplicative")

#: Share of z-scores Winsorised in each tail before phi is estimated (Spiegelhalter's 10%).
WINSOR_SHARE = 0.10

#: Level of the chi-squared test that decides whether a group is overdispersed.
OVERDISPERSION_ALPHA = 0.05

#: Fewer areas than this cannot show overdispersion (a design choice: with two areas
#: the pooled rate sits between them and one z-score mirrors the other).
MIN_AREAS_FOR_OVERDISPERSION = 3


def _z(level: float) -> float:
    """Two-sided normal quantile: 1.959964 for 95%, 3.090232 for 99.8%."""
    if not 0 < level < 1:
        raise ParameterError(
            f"confidence level {level} is not between 0 and 1",
            fix="give a level such as 0.95 or 0.998",
        )
    return float(norm.ppf(1 - (1 - level) / 2))


def byar_limits(observed: ArrayLike, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximate Poisson limits for a count ``O`` (written out by hand).

    lower = O (1 - 1/(9O) - z/(3 sqrt O))^3,
    upper = (O+1) (1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3.

    Good for ``O >= 10``; :func:`count_limits` switches to exact limits below that.
    ``O`` need not be a whole number (funnel limits use expected counts).

    >>> lo, hi = byar_limits(20, 1.96)
    >>> round(float(lo), 3), round(float(hi), 3)
    (12.211, 30.89)
    """
    o = np.asarray(observed, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        lower = np.where(o > 0, np.maximum(lower, 0.0), 0.0)
    o1 = o + 1
    upper = o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3
    return lower, upper


def exact_poisson_limits(observed: ArrayLike, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (chi-squared) Poisson limits: chi2.ppf(a/2, 2O)/2 and chi2.ppf(1-a/2, 2(O+1))/2.

    The lower limit of a zero count is 0.

    >>> lo, hi = exact_poisson_limits(3, 0.95)
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.619, 8.767)
    """
    _z(level)  # validates the level
    alpha = 1 - level
    o = np.asarray(observed, dtype=float)
    with np.errstate(invalid="ignore"):
        lower = np.where(o > 0, chi2.ppf(alpha / 2, 2 * np.maximum(o, 1e-300)) / 2, 0.0)
    upper = chi2.ppf(1 - alpha / 2, 2 * (o + 1)) / 2
    return lower, upper


def count_limits(observed: ArrayLike, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Poisson limits for counts: Byar's method when ``O >= 10``, exact limits below.

    Works element-wise on arrays. The normal quantile for Byar comes from the level
    (1.959964 at 95%, 3.090232 at 99.8%).
    """
    o = np.asarray(observed, dtype=float)
    if np.any(~np.isfinite(o)) or np.any(o < 0):
        raise ParameterError("counts must be finite and not negative", fix="check the counts")
    b_lo, b_hi = byar_limits(o, _z(level))
    e_lo, e_hi = exact_poisson_limits(o, level)
    use_byar = o >= BYAR_MIN_COUNT
    return np.where(use_byar, b_lo, e_lo), np.where(use_byar, b_hi, e_hi)


def wilson_interval(
    numerator: ArrayLike, denominator: ArrayLike, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion, from statsmodels ``proportion_confint``.

    Returns proportions (0 to 1). A zero denominator gives NaN.

    >>> lo, hi = wilson_interval(5, 20)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1119, 0.4687)
    """
    _z(level)
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    safe_den = np.where(den > 0, den, 1.0)
    lower, upper = proportion_confint(num, safe_den, alpha=1 - level, method="wilson")
    lower = np.where(den > 0, lower, np.nan)
    upper = np.where(den > 0, upper, np.nan)
    return lower, upper


# --- validation -----------------------------------------------------------------------


def _check_members(members: pd.DataFrame, numeric: Sequence[str], what: str) -> pd.DataFrame:
    needed = ["area", *numeric]
    missing = [c for c in needed if c not in members.columns]
    if missing:
        raise ParameterError(
            f"{what} table has no column '{missing[0]}'",
            column=missing[0],
            fix=f"give a table with columns {', '.join(needed)}",
        )
    if members.empty:
        raise ParameterError(f"{what} table has no rows", fix="give at least one area")
    dup = members["area"][members["area"].duplicated()]
    if not dup.empty:
        raise ParameterError(
            f"area '{dup.iloc[0]}' appears more than once in the {what} table",
            column="area",
            fix="give one row per area",
        )
    out = members.copy()
    for col in numeric:
        values = pd.to_numeric(out[col], errors="coerce").astype(float)
        bad = out["area"][values.isna() | ~np.isfinite(values) | (values < 0)]
        if not bad.empty:
            raise ParameterError(
                f"area '{bad.iloc[0]}' has a missing, non-numeric or negative {col}",
                column=col,
                fix=f"give a number of 0 or more for every {col}",
            )
        if not pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            out[col] = values  # text such as "1234" becomes a number; numbers keep their type
    return out


def _check_positive(frame: pd.DataFrame, col: str) -> None:
    bad = frame["area"][frame[col] <= 0]
    if not bad.empty:
        raise ParameterError(
            f"area '{bad.iloc[0]}' has a {col} of 0",
            column=col,
            fix=f"a rate needs a {col} above 0; remove the area or correct the {col}",
        )


def _verdict(observed: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    return np.where(observed > upper, ABOVE, np.where(observed < lower, BELOW, WITHIN))


def _rank(values: pd.Series) -> pd.Series:
    """1 = highest; tied values share the better rank."""
    return values.rank(ascending=False, method="min").astype("Int64")


# --- the chart's lines and the label's test ---------------------------------------------


def poisson_prediction_limits(expected: ArrayLike, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Poisson prediction limits of an expected count, interpolated to be continuous.

    For each tail probability ``p`` (``(1 - level)/2`` and ``(1 + level)/2``): ``r`` is the
    smallest count with ``P(X <= r) >= p`` under Poisson(``expected``), and the limit is
    ``r - a`` with ``a = (P(X <= r) - p) / (P(X <= r) - P(X <= r - 1))`` (Spiegelhalter
    2005, Statistics in Medicine 24:1185, appendix). An expected count of 0 gives 0.

    >>> lo, hi = poisson_prediction_limits(20, 0.95)
    >>> round(float(lo), 3), round(float(hi), 3)
    (11.205, 28.746)
    """
    _z(level)
    e = np.asarray(expected, dtype=float)
    if np.any(~np.isfinite(e)) or np.any(e < 0):
        raise ParameterError("expected counts must be finite and not negative")
    out = []
    for p in ((1 - level) / 2, (1 + level) / 2):
        r = poisson.ppf(p, e)
        f_r = poisson.cdf(r, e)
        f_below = poisson.cdf(r - 1, e)
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(f_r > f_below, (f_r - p) / (f_r - f_below), 0.0)
        out.append(np.where(e > 0, np.maximum(r - a, 0.0), 0.0))
    return out[0], out[1]


def observed_interval_verdict(
    observed: ArrayLike, expected: ArrayLike, level: float = 0.95
) -> np.ndarray:
    """PHE's label: is the benchmark outside the area's own Poisson interval?

    'significantly above' when the lower limit of the observed count (Byar for 10 or
    more, exact below, :func:`count_limits`) is above ``expected``; 'significantly below'
    when its upper limit is below it; else 'within'. PHE's "High (0.025)" is
    'significantly above' at 95%, "High (0.001)" at 99.8%.

    >>> observed_interval_verdict([141], [106.7211626], 0.998).tolist()
    ['significantly above']
    """
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    lo, hi = count_limits(o, level)
    return np.where(lo > e, ABOVE, np.where(hi < e, BELOW, WITHIN))


def inverted_wilson_limits(
    proportion: float, denominators: ArrayLike, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """PHE's proportion funnel: the proportions whose Wilson interval just reaches ``p0``.

    The Wilson interval of an observed proportion is the set of ``p0`` with
    ``|p - p0| <= z sqrt(p0 (1 - p0) / n)``, so the line is ``p0 +/- z sqrt(p0 (1 - p0)
    / n)``, cut at 0 and 1.

    >>> lo, hi = inverted_wilson_limits(0.80642448, [10], 0.95)
    >>> round(float(lo[0]) * 100, 6), float(hi[0])
    (56.154344, 1.0)
    """
    z = _z(level)
    n = np.asarray(denominators, dtype=float)
    half = z * np.sqrt(proportion * (1 - proportion) / n)
    return np.clip(proportion - half, 0.0, 1.0), np.clip(proportion + half, 0.0, 1.0)


# --- overdispersion ---------------------------------------------------------------------


@dataclass(frozen=True)
class Overdispersion:
    """Whether a group's areas differ more than chance alone explains, and the widening.

    ``phi``: mean square of the Winsorised z-scores (1 = Poisson or binomial noise only;
    NaN when ``assessed`` is False). ``statistic`` = ``n_areas x phi``, compared with
    chi-squared on ``n_areas - 1`` degrees of freedom (``p_value``). ``overdispersed``:
    ``p_value < alpha``. ``method``: 'additive' or 'multiplicative' (how limits are
    widened when overdispersed). ``tau2``: the additive between-area variance, on the
    ratio scale for counts (a relative spread: tau = 0.1 means true rates vary by about
    10% around the group rate) and on the proportion scale for proportions; 0 when not
    overdispersed or when the method is multiplicative.
    """

    method: str
    assessed: bool
    n_areas: int
    phi: float
    statistic: float
    p_value: float
    alpha: float
    overdispersed: bool
    tau2: float
    winsor: float

    def factor(self, weights: ArrayLike) -> np.ndarray:
        """How many times wider than chance alone the limits are, per area.

        ``weights`` are 1 / variance under chance alone: the expected count for counts,
        ``n / (p0 (1 - p0))`` for proportions. 1 when not overdispersed;
        ``sqrt(phi)`` (multiplicative) or ``sqrt(1 + tau2 x weight)`` (additive).
        """
        w = np.asarray(weights, dtype=float)
        if not self.overdispersed:
            return np.ones_like(w)
        if self.method == "multiplicative":
            return np.full_like(w, math.sqrt(self.phi))
        return np.sqrt(1 + self.tau2 * w)

    def sentence(self, factors: ArrayLike | None = None) -> str:
        """Plain English for a report, e.g. 'Partnerships differ more than chance alone
        explains (4.2 times the variation expected), so the limits are widened by a
        factor of 1.6 to 2.1 and only areas outside them are flagged.'"""
        if not self.assessed:
            return (
                f"With {self.n_areas} areas the comparison cannot tell whether areas differ "
                "more than chance alone explains; limits allow for chance only."
            )
        if not self.overdispersed:
            return "Areas differ by no more than chance alone explains; limits allow for chance."
        if factors is None or len(np.atleast_1d(factors)) == 0:
            f = np.array([math.sqrt(self.phi)])
        else:
            f = np.asarray(factors, dtype=float)
        low, high = float(np.nanmin(f)), float(np.nanmax(f))
        by = f"{low:.1f}" if round(low, 1) == round(high, 1) else f"{low:.1f} to {high:.1f}"
        return (
            f"Areas differ more than chance alone explains ({self.phi:.1f} times the "
            f"variation expected by chance), so the limits are widened by a factor of {by} "
            "and only areas outside the widened limits are flagged."
        )


def _winsorise(z: np.ndarray, share: float) -> np.ndarray:
    """Set the lowest and highest ``floor(share x n)`` z-scores to the nearest kept value."""
    k = math.floor(share * len(z))
    if k == 0:
        return z.copy()
    ordered = np.sort(z)
    return np.clip(z, ordered[k], ordered[len(z) - 1 - k])


def estimate_overdispersion(
    z_scores: ArrayLike,
    weights: ArrayLike,
    *,
    method: str = OVERDISPERSION_METHODS[0],
    winsor: float = WINSOR_SHARE,
    alpha: float = OVERDISPERSION_ALPHA,
) -> Overdispersion:
    """Spiegelhalter's (2005) overdispersion estimate and test from z-scores.

    ``z_scores``: (observed - benchmark) / standard error under chance alone, one per
    area (NaN entries are left out). ``weights``: 1 / that variance (see
    :meth:`Overdispersion.factor`). The lowest and highest ``floor(winsor x n)`` z-scores
    are Winsorised (set to the nearest kept value); ``phi = mean(z_w^2)``. The group is
    overdispersed when ``n x phi`` exceeds the ``1 - alpha`` point of chi-squared on
    ``n - 1`` degrees of freedom. Additive: ``tau2 = (n phi - (n - 1)) / (sum w -
    sum w^2 / sum w)``, never below 0.

    >>> od = estimate_overdispersion([3.0, -3.0, 2.0, -2.0], [100, 100, 100, 100])
    >>> od.phi, od.overdispersed, round(od.tau2, 4)
    (6.5, True, 0.0767)
    """
    if method not in OVERDISPERSION_METHODS:
        raise ParameterError(
            f"overdispersion method '{method}' is not one of {', '.join(OVERDISPERSION_METHODS)}",
            fix="use 'additive' (the default), 'multiplicative' or None for chance only",
        )
    if not 0 <= winsor < 0.5:
        raise ParameterError(f"winsor share {winsor} is not between 0 and 0.5")
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha {alpha} is not between 0 and 1")
    z = np.asarray(z_scores, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = np.isfinite(z) & np.isfinite(w) & (w > 0)
    z, w = z[keep], w[keep]
    n = len(z)
    if n < MIN_AREAS_FOR_OVERDISPERSION:
        nan = math.nan
        return Overdispersion(method, False, n, nan, nan, nan, alpha, False, 0.0, winsor)
    phi = float(np.mean(_winsorise(z, winsor) ** 2))
    statistic = n * phi
    p_value = float(chi2.sf(statistic, n - 1))
    over = p_value < alpha
    tau2 = 0.0
    if over and method == "additive":
        spread = float(w.sum() - (w**2).sum() / w.sum())
        tau2 = max(0.0, (statistic - (n - 1)) / spread) if spread > 0 else 0.0
    return Overdispersion(method, True, n, phi, statistic, p_value, alpha, over, tau2, winsor)


def _method(overdispersion: str | None) -> str | None:
    if overdispersion is None or overdispersion == "none":
        return None
    if overdispersion not in OVERDISPERSION_METHODS:
        raise ParameterError(
            f"overdispersion '{overdispersion}' is not one of "
            f"{', '.join(OVERDISPERSION_METHODS)} or None",
            fix="use 'additive' (the default), 'multiplicative' or None for chance only",
        )
    return overdispersion


def _normal_verdict(z_adjusted: np.ndarray, level: float) -> np.ndarray:
    q = _z(level)
    return np.where(z_adjusted > q, ABOVE, np.where(z_adjusted < -q, BELOW, WITHIN))


def _add_overdispersion_columns(
    frame: pd.DataFrame, od: Overdispersion | None, factors: np.ndarray
) -> None:
    over = od is not None and od.overdispersed
    frame["overdispersed"] = over
    frame["overdispersion_phi"] = od.phi if od is not None else math.nan
    method = od.method if od is not None and over else "chance only"
    frame["limit_method"] = pd.array([method] * len(frame), dtype="str")
    frame["limit_factor"] = factors


# --- counts and rates -------------------------------------------------------------------


def _count_funnel(
    expected: np.ndarray, level: float, od: Overdispersion | None
) -> tuple[np.ndarray, np.ndarray]:
    """Funnel limits as counts around ``expected``: Poisson prediction limits, or the
    widened normal limits ``E +/- z f sqrt(E)`` when the group is overdispersed."""
    if od is None or not od.overdispersed:
        return poisson_prediction_limits(expected, level)
    half = _z(level) * od.factor(expected) * np.sqrt(expected)
    return np.maximum(expected - half, 0.0), expected + half


def funnel_curve(
    group_rate: float,
    populations: ArrayLike,
    *,
    per: float = 1000.0,
    overdispersion: Overdispersion | None = None,
) -> pd.DataFrame:
    """Funnel-plot limits (as rates) around a group rate, for a grid of populations.

    ``group_rate`` is per ``per`` people (as in :func:`peer_comparison`'s ``group_rate``).
    ``overdispersion``: pass ``peer_comparison(...).attrs["overdispersion"]`` so the
    chart draws the same (widened) limits the verdicts used.
    Columns: population, expected, lower_95, upper_95, lower_998, upper_998.
    Use a fine grid for a smooth curve, e.g. ``np.geomspace(50_000, 300_000, 200)``.
    """
    pop = np.asarray(populations, dtype=float)
    if np.any(~np.isfinite(pop)) or np.any(pop <= 0):
        raise ParameterError("populations must be above 0", fix="drop zero populations")
    if not np.isfinite(group_rate) or group_rate < 0:
        raise ParameterError(f"group rate {group_rate} is not a rate", fix="give a rate >= 0")
    expected = group_rate * pop / per
    out = pd.DataFrame({"population": pop, "expected": expected})
    for suffix, level in LEVELS.items():
        lo, hi = _count_funnel(expected, level, overdispersion)
        out[f"lower_{suffix}"] = lo / pop * per
        out[f"upper_{suffix}"] = hi / pop * per
    return out


def peer_comparison(
    members: pd.DataFrame,
    *,
    per: float = 1000.0,
    overdispersion: str | None = OVERDISPERSION_METHODS[0],
) -> pd.DataFrame:
    """Compare each member of a peer group with the pooled group rate.

    ``members``: one row per area with ``area``, ``count``, ``population`` (other columns,
    such as ``count_previous``, are kept). The group rate pools every member, the
    area itself included: ``sum(count) / sum(population)``.

    ``overdispersion``: how to widen the limits when the areas differ more than chance
    alone explains: 'additive' (default), 'multiplicative', or None to allow for chance
    only (see the module docstring).

    Added columns (rates are per ``per`` people, default 1,000):

    * ``rate``; ``group_rate``; ``expected`` (count at the group rate for the area's
      population); ``ratio`` (count / expected; 1.10 = 10% above the group);
    * ``rank`` (1 = highest rate; ties share the better rank);
    * ``ci_lower_95``, ``ci_upper_95``: the area's own 95% interval, as rates (around
      its observed count; for error-bar charts);
    * ``funnel_lower_95``, ``funnel_upper_95``, ``funnel_lower_998``, ``funnel_upper_998``:
      the funnel at the area's population, as rates: Poisson prediction limits of the
      expected count, or the widened limits when overdispersed;
    * ``verdict_95``, ``verdict_998``: 'significantly above', 'significantly below' or
      'within' the group average. Chance only: the area's own interval against the
      expected count (PHE's rule). Overdispersed: the count against the widened limits.
      Use ``verdict_95`` as the headline and ``verdict_998`` as the strong signal;
    * ``z_score`` ((count - expected) / sqrt(expected)), ``overdispersed`` (the same for
      every row), ``overdispersion_phi``, ``limit_method`` ('chance only', 'additive' or
      'multiplicative') and ``limit_factor`` (how many times wider than chance alone the
      area's limits are; 1 when not overdispersed).

    ``attrs["overdispersion"]`` holds the :class:`Overdispersion` (None when
    ``overdispersion`` is None); its :meth:`~Overdispersion.sentence` says it in words.

    >>> group = pd.DataFrame({"area": ["A", "B"], "count": [120, 80],
    ...                       "population": [100_000, 100_000]})
    >>> peer_comparison(group)[["area", "rate", "group_rate", "rank"]]
      area  rate  group_rate  rank
    0    A   1.2         1.0     1
    1    B   0.8         1.0     2
    """
    method = _method(overdispersion)
    frame = _check_members(members, ["count", "population"], "peer group")
    _check_positive(frame, "population")
    count = frame["count"].to_numpy(dtype=float)
    pop = frame["population"].to_numpy(dtype=float)
    group_rate = count.sum() / pop.sum() * per

    frame["rate"] = count / pop * per
    frame["group_rate"] = group_rate
    expected = group_rate * pop / per
    frame["expected"] = expected
    positive = expected > 0
    safe = np.where(positive, expected, 1.0)
    frame["ratio"] = np.where(positive, count / safe, np.nan)
    frame["rank"] = _rank(frame["rate"])
    lo, hi = count_limits(count, 0.95)
    frame["ci_lower_95"] = lo / pop * per
    frame["ci_upper_95"] = hi / pop * per

    z = np.where(positive, (count - expected) / np.sqrt(safe), np.nan)
    od = None if method is None else estimate_overdispersion(z, expected, method=method)
    widened = od is not None and od.overdispersed
    factors = od.factor(expected) if od is not None else np.ones_like(expected)
    for suffix, level in LEVELS.items():
        f_lo, f_hi = _count_funnel(expected, level, od)
        frame[f"funnel_lower_{suffix}"] = f_lo / pop * per
        frame[f"funnel_upper_{suffix}"] = f_hi / pop * per
    for suffix, level in LEVELS.items():
        if widened:
            verdict = _normal_verdict(z / factors, level)
        else:
            verdict = observed_interval_verdict(count, expected, level)
        frame[f"verdict_{suffix}"] = pd.array(verdict, dtype="str")
    frame["z_score"] = z
    _add_overdispersion_columns(frame, od, factors)
    frame.attrs["overdispersion"] = od
    return frame


def county_table(
    members: pd.DataFrame,
    *,
    per: float = 1000.0,
    total_label: str = "Total",
    overdispersion: str | None = OVERDISPERSION_METHODS[0],
) -> pd.DataFrame:
    """Every CSP in a force area (county): rate, rank, position and change.

    ``members``: ``area``, ``count``, ``population`` and optionally ``count_previous``
    (the same period a year earlier). Rows come out highest rate first, then a
    total row labelled ``total_label`` (its rate is the county rate; its rank is empty).

    Columns: area, count, population, rate (per ``per`` people), rank,
    ``verdict_95``, ``verdict_998`` and ``limit_factor`` (each area against the county
    rate, from :func:`peer_comparison` with the same ``overdispersion``; empty on the
    total row), and when ``count_previous`` is given: count_previous, change (count),
    change_pct (percent; empty when the previous count was 0). Whether a change is more
    than noise is a separate test (:mod:`csplib.indicators.significance`), not judged
    here. ``attrs["overdispersion"]`` as in :func:`peer_comparison`.
    """
    has_previous = "count_previous" in members.columns
    numeric = ["count", "population"] + (["count_previous"] if has_previous else [])
    frame = _check_members(members, numeric, "county")
    _check_positive(frame, "population")
    if (frame["area"] == total_label).any():
        raise ParameterError(
            f"an area is called '{total_label}', the label of the total row",
            column="area",
            fix="drop the total row from the input (it is added) or pass another total_label",
        )
    position = peer_comparison(
        frame[["area", "count", "population"]], per=per, overdispersion=overdispersion
    )

    total = {c: frame[c].sum() for c in numeric}
    total["area"] = total_label
    table = pd.concat([frame[["area", *numeric]], pd.DataFrame([total])], ignore_index=True)
    table["rate"] = table["count"] / table["population"] * per
    is_total = table.index == len(table) - 1
    table["rank"] = _rank(table["rate"].where(~is_total))
    by_area = position.set_index("area")
    for col in ("verdict_95", "verdict_998", "limit_factor"):
        table[col] = table["area"].map(by_area[col]).where(~is_total)
    if has_previous:
        table["change"] = table["count"] - table["count_previous"]
        prev = table["count_previous"]
        table["change_pct"] = (table["change"] / prev.where(prev > 0) * 100).astype(float)
    body = table[~is_total].sort_values(["rank", "area"], kind="stable")
    table = pd.concat([body, table[is_total]], ignore_index=True)
    columns = ["area", "count", "population", "rate", "rank"]
    columns += ["verdict_95", "verdict_998", "limit_factor"]
    if has_previous:
        columns += ["count_previous", "change", "change_pct"]
    table = table[columns]
    table["area"] = table["area"].astype("str")
    table["limit_factor"] = table["limit_factor"].astype(float)
    for col in ("verdict_95", "verdict_998"):
        table[col] = table[col].astype("object")
    table.attrs["overdispersion"] = position.attrs["overdispersion"]
    return table


# --- proportions ------------------------------------------------------------------------


def _proportion_funnel(
    p0: float, den: np.ndarray, level: float, od: Overdispersion | None
) -> tuple[np.ndarray, np.ndarray]:
    if od is None or not od.overdispersed:
        return inverted_wilson_limits(p0, den, level)
    se = np.sqrt(p0 * (1 - p0) / den)
    weights = np.where(se > 0, 1 / np.where(se > 0, se, 1) ** 2, np.nan)
    half = _z(level) * od.factor(weights) * se
    return np.clip(p0 - half, 0.0, 1.0), np.clip(p0 + half, 0.0, 1.0)


def proportion_funnel_curve(
    group_proportion: float,
    denominators: ArrayLike,
    *,
    overdispersion: Overdispersion | None = None,
) -> pd.DataFrame:
    """Funnel limits around a group proportion for a grid of denominators.

    The inverted Wilson limits (:func:`inverted_wilson_limits`, PHE's funnel), or the
    widened limits when ``overdispersion`` (from ``proportion_comparison(...).attrs``)
    says the group is overdispersed. Columns: denominator, expected, lower_95, upper_95,
    lower_998, upper_998 (proportions, 0 to 1).
    """
    den = np.asarray(denominators, dtype=float)
    if np.any(~np.isfinite(den)) or np.any(den <= 0):
        raise ParameterError("denominators must be above 0", fix="drop zero denominators")
    if not 0 <= group_proportion <= 1:
        raise ParameterError(
            f"group proportion {group_proportion} is not between 0 and 1",
            fix="give a proportion, not a percentage",
        )
    out = pd.DataFrame({"denominator": den, "expected": group_proportion * den})
    for suffix, level in LEVELS.items():
        lo, hi = _proportion_funnel(group_proportion, den, level, overdispersion)
        out[f"lower_{suffix}"] = lo
        out[f"upper_{suffix}"] = hi
    return out


def proportion_comparison(
    members: pd.DataFrame, *, overdispersion: str | None = OVERDISPERSION_METHODS[0]
) -> pd.DataFrame:
    """Compare each member's proportion with the pooled group proportion.

    ``members``: ``area``, ``numerator``, ``denominator`` (e.g. repeat victims / all
    victims). The group proportion is ``p0 = sum(numerator) / sum(denominator)``. The
    funnel at a member's denominator ``n`` is PHE's inverted Wilson limit
    ``p0 +/- z sqrt(p0 (1 - p0) / n)`` (cut at 0 and 1); a member outside it is one whose
    own Wilson interval excludes ``p0``. Overdispersion is handled as in
    :func:`peer_comparison`, with z = (p - p0) / sqrt(p0 (1 - p0) / n).

    Added columns (proportions 0 to 1): proportion, group_proportion, expected,
    rank (1 = highest), ci_lower_95, ci_upper_95 (Wilson interval of the member's own
    proportion), funnel_lower_95, funnel_upper_95, funnel_lower_998, funnel_upper_998,
    verdict_95, verdict_998, z_score, overdispersed, overdispersion_phi, limit_method,
    limit_factor; ``attrs["overdispersion"]``.
    """
    method = _method(overdispersion)
    frame = _check_members(members, ["numerator", "denominator"], "peer group")
    _check_positive(frame, "denominator")
    over = frame["area"][frame["numerator"] > frame["denominator"]]
    if not over.empty:
        raise ParameterError(
            f"area '{over.iloc[0]}' has a numerator larger than its denominator",
            column="numerator",
            fix="the numerator must be a part of the denominator",
        )
    num = frame["numerator"].to_numpy(dtype=float)
    den = frame["denominator"].to_numpy(dtype=float)
    p = num.sum() / den.sum()
    prop = num / den
    frame["proportion"] = prop
    frame["group_proportion"] = p
    frame["expected"] = p * den
    frame["rank"] = _rank(frame["proportion"])
    lo, hi = wilson_interval(num, den, 0.95)
    frame["ci_lower_95"] = lo
    frame["ci_upper_95"] = hi
    se = np.sqrt(p * (1 - p) / den)
    z = np.where(se > 0, (prop - p) / np.where(se > 0, se, 1), np.nan)
    weights = np.where(se > 0, 1 / np.where(se > 0, se, 1) ** 2, np.nan)
    od = None if method is None else estimate_overdispersion(z, weights, method=method)
    factors = od.factor(weights) if od is not None else np.ones_like(den)
    limits = {sx: _proportion_funnel(p, den, lv, od) for sx, lv in LEVELS.items()}
    for suffix, (f_lo, f_hi) in limits.items():
        frame[f"funnel_lower_{suffix}"] = f_lo
        frame[f"funnel_upper_{suffix}"] = f_hi
    for suffix, (f_lo, f_hi) in limits.items():
        frame[f"verdict_{suffix}"] = pd.array(_verdict(prop, f_lo, f_hi), dtype="str")
    frame["z_score"] = z
    _add_overdispersion_columns(frame, od, factors)
    frame.attrs["overdispersion"] = od
    return frame
