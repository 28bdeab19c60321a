"""Whether the change between two crime counts is real or Poisson noise ("is it real?").

Two numbers are reported, because the field uses both:

* ``z``, the field's rule of thumb (DOMAIN.md): Z = 2(sqrt(current) - sqrt(previous));
  |Z| > 3 is a strong signal and |Z| > 2 a weak one (``strength``). Computed by hand here:
  it is one line and no library has it in this form.
* ``p_value`` from a proper two-sample test, computed by statsmodels
  (``statsmodels.stats.rates.test_poisson_2indep``), which decides ``label``
  ('significant rise', 'significant fall', 'no significant change') at level ``alpha``.

Why both: Z = 2(sqrt(a) - sqrt(b)) treats last year's count as the known expected value.
When both counts are noisy, as here, Z's spread under "no change" is about sqrt(2), not 1,
so reading Z as a standard normal score would call too many changes real. The two-sample
tests allow for that; hence a change can be a "weak" signal by the rule of thumb and still
"no significant change" (30 against 20: Z = 2.01, p = 0.16 by the square-root test, 0.20
exact). Narratives go by ``label``.

>>> t = poisson_change_test(2357, 2172)
>>> round(t.z, 3), t.strength, t.label, t.method
(3.888, 'strong', 'significant rise', 'sqrt')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats import rates as sm_rates
from statsmodels.stats.multitest import multipletests

from csplib.errors import ParameterError

#: Below this many crimes in the two periods together, method "auto" uses the exact
#: conditional test instead of the square-root normal approximation. A design choice: at
#: a + b = 100 the binomial behind the exact test has variance n/4 = 25, where the normal
#: approximation is usually taken to be adequate; below it the approximate p-values run
#: noticeably smaller than the exact ones (12 against 4: 0.044 approximate, 0.077 exact).
SMALL_COUNT_THRESHOLD = 100

METHODS = ("auto", "sqrt", "exact-cond", "etest")
LABELS = ("significant rise", "significant fall", "no significant change")
STRONG_Z = 3.0
WEAK_Z = 2.0


@dataclass(frozen=True)
class PoissonChangeTest:
    """Result of :func:`poisson_change_test`.

    ``z``: the field's 2(sqrt(a) - sqrt(b)) (exposure-adjusted; see the function).
    ``strength``: 'strong' (|z| > 3), 'weak' (|z| > 2) or 'none'.
    ``p_value``: two-sided p-value of ``method``; ``label`` compares it with ``alpha``.
    ``statistic``: the test statistic of ``method`` as statsmodels reports it (NaN for the
    exact test, which has none). ``p_value_exact``: the exact conditional test's p-value,
    always computed as a cross-check.
    """

    current: int
    previous: int
    current_exposure: float
    previous_exposure: float
    z: float
    strength: str
    p_value: float
    method: str
    alpha: float
    label: str
    statistic: float
    p_value_exact: float

    @property
    def significant(self) -> bool:
        return self.label != "no significant change"

    @property
    def direction(self) -> str:
        """'rise', 'fall' or 'none' (no significant change)."""
        return {"significant rise": "rise", "significant fall": "fall"}.get(self.label, "none")


def _whole(value: object, name: str) -> int:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if math.isnan(number) or number < 0 or number != int(number):
        raise ParameterError(f"{name} must be a count (a whole number >= 0), got {value!r}")
    return int(number)


def _positive(value: object, name: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not number > 0 or math.isinf(number):
        raise ParameterError(f"{name} must be a positive number, got {value!r}")
    return number


def _library_test(a: int, ea: float, b: int, eb: float, method: str) -> tuple[float, float]:
    """(statistic, two-sided p-value) from statsmodels, for the rate ratio = 1."""
    # statsmodels divides by a zero rate when a count is 0 (for its ratio field, which we
    # do not use); silence that, the p-value is still right.
    with np.errstate(divide="ignore", invalid="ignore"):
        result = sm_rates.test_poisson_2indep(a, ea, b, eb, method=method, alternative="two-sided")
    statistic = float(result.statistic) if result.statistic is not None else math.nan
    return statistic, float(result.pvalue)


def poisson_change_test(
    current: int,
    previous: int,
    current_exposure: float = 1.0,
    previous_exposure: float = 1.0,
    *,
    alpha: float = 0.05,
    method: str = "auto",
) -> PoissonChangeTest:
    """Test whether ``current`` differs from ``previous`` by more than Poisson noise.

    Exposures are the lengths of the two periods (days, say) when they differ: 2020/21 Q4
    (Jan-Mar 2021, 90 days) against Jan-Mar 2020 (91 days). The tests then compare rates
    (count / exposure). Exposure adjustment of ``z`` (by hand): last year's count is scaled
    to this period's length, z = 2(sqrt(a) - sqrt(b * ea / eb)); with equal exposures this
    is the field's 2(sqrt(a) - sqrt(b)).

    ``method``:

    * ``"sqrt"``: variance-stabilising square-root normal test (statsmodels method
      ``"sqrt"``, Gu et al. 2008 W5A: 2(sqrt(a + 3/8) - sqrt(b' + 3/8)) / sqrt(2) for equal
      exposures);
    * ``"exact-cond"``: exact conditional test: given a + b, a is binomial with
      p = ea / (ea + eb) under no change (statsmodels ``"exact-cond"``);
    * ``"etest"``: Krishnamoorthy and Thomson's E-test (statsmodels ``"etest"``), less
      conservative than the exact conditional test for small counts;
    * ``"auto"`` (default): ``"exact-cond"`` when a + b < :data:`SMALL_COUNT_THRESHOLD`,
      otherwise ``"sqrt"``.

    ``label`` is 'significant rise' / 'significant fall' when ``p_value < alpha`` (the
    direction from the rates), else 'no significant change'. Two zero counts give z = 0,
    p = 1 and method ``"none"``.

    >>> t = poisson_change_test(12, 4)
    >>> t.method, round(t.p_value, 4), t.label
    ('exact-cond', 0.0768, 'no significant change')
    """
    a, b = _whole(current, "current"), _whole(previous, "previous")
    ea = _positive(current_exposure, "current_exposure")
    eb = _positive(previous_exposure, "previous_exposure")
    if method not in METHODS:
        raise ParameterError(f"method '{method}' is not one of {', '.join(METHODS)}")
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be between 0 and 1, got {alpha!r}")

    z = 2 * (math.sqrt(a) - math.sqrt(b * ea / eb))
    strength = "strong" if abs(z) > STRONG_Z else "weak" if abs(z) > WEAK_Z else "none"

    if a + b == 0:
        return PoissonChangeTest(
            a, b, ea, eb, z, strength, 1.0, "none", alpha, "no significant change", math.nan, 1.0
        )
    used = method
    if method == "auto":
        used = "exact-cond" if a + b < SMALL_COUNT_THRESHOLD else "sqrt"
    statistic, p_value = _library_test(a, ea, b, eb, used)
    p_exact = p_value if used == "exact-cond" else _library_test(a, ea, b, eb, "exact-cond")[1]
    if used == "exact-cond":
        statistic = math.nan
    p_value = min(max(p_value, 0.0), 1.0)

    if p_value < alpha:
        label = "significant rise" if a / ea > b / eb else "significant fall"
    else:
        label = "no significant change"
    return PoissonChangeTest(
        current=a,
        previous=b,
        current_exposure=ea,
        previous_exposure=eb,
        z=z,
        strength=strength,
        p_value=p_value,
        method=used,
        alpha=alpha,
        label=label,
        statistic=statistic,
        p_value_exact=min(max(p_exact, 0.0), 1.0),
    )


SIGNIFICANCE_COLUMNS = ["z", "strength", "p_value", "method", "significance"]

#: Multiple-testing corrections :func:`add_significance` accepts (statsmodels names).
CORRECTIONS = ("fdr_bh", "bonferroni", "holm")


def adjust_p_values(p_values: Sequence[float], correction: str = "fdr_bh") -> np.ndarray:
    """p-values adjusted for the number of tests (statsmodels ``multipletests``).

    ``"fdr_bh"`` (default) is Benjamini-Hochberg: sort the m p-values, multiply the i-th
    smallest by m / i, then take running minima from the largest down (capped at 1);
    declaring adjusted p < alpha keeps the expected share of false discoveries below
    alpha. NaN p-values are left out of m and stay NaN.

    >>> [round(float(p), 4) for p in adjust_p_values([0.01, 0.04, 0.03, 0.2])]
    [0.04, 0.0533, 0.0533, 0.2]
    """
    if correction not in CORRECTIONS:
        raise ParameterError(
            f"correction '{correction}' is not one of {', '.join(CORRECTIONS)}",
            fix="use 'fdr_bh' (Benjamini-Hochberg, the workbook's default)",
        )
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method=correction)[1]
    return out


def add_significance(
    frame: pd.DataFrame,
    *,
    current: str = "current",
    previous: str = "previous",
    current_exposure: float | str = 1.0,
    previous_exposure: float | str = 1.0,
    alpha: float = 0.05,
    method: str = "auto",
    correction: str | None = None,
) -> pd.DataFrame:
    """A copy of ``frame`` with the test applied row by row (e.g. to the output of
    :func:`csplib.indicators.change.compare_periods`).

    Exposures are numbers, or names of columns holding them. Adds columns ``z``,
    ``strength``, ``p_value``, ``method`` and ``significance`` (the label).

    ``correction`` (e.g. ``"fdr_bh"``, Benjamini-Hochberg): when many rows are tested
    at once, also add ``p_adjusted`` (:func:`adjust_p_values` over all rows) and decide
    ``significance`` by ``p_adjusted < alpha`` instead of ``p_value < alpha``.
    """
    missing = [c for c in (current, previous) if c not in frame.columns]
    if missing:
        raise ParameterError(f"frame lacks column(s) {', '.join(missing)}")

    def exposure(spec: float | str) -> Sequence[float]:
        if isinstance(spec, str):
            if spec not in frame.columns:
                raise ParameterError(f"frame lacks exposure column '{spec}'")
            return list(frame[spec])
        return [spec] * len(frame)

    tests = [
        poisson_change_test(a, b, ea, eb, alpha=alpha, method=method)
        for a, b, ea, eb in zip(
            frame[current],
            frame[previous],
            exposure(current_exposure),
            exposure(previous_exposure),
            strict=True,
        )
    ]
    out = frame.copy()
    out["z"] = pd.Series([t.z for t in tests], index=frame.index, dtype="float64")
    out["strength"] = pd.Series([t.strength for t in tests], index=frame.index, dtype="str")
    out["p_value"] = pd.Series([t.p_value for t in tests], index=frame.index, dtype="float64")
    out["method"] = pd.Series([t.method for t in tests], index=frame.index, dtype="str")
    labels = [t.label for t in tests]
    if correction is not None:
        adjusted = adjust_p_values([t.p_value for t in tests], correction)
        out["p_adjusted"] = pd.Series(adjusted, index=frame.index, dtype="float64")
        labels = [
            t.label if p < alpha else "no significant change"
            for t, p in zip(tests, adjusted, strict=True)
        ]
    out["significance"] = pd.Series(labels, index=frame.index, dtype="str")
    return out
