"""The workbook's one multiple-testing policy, used by the briefing and the assessment.

A report that tests many changes at once (ten or so offence groups in a briefing, every
candidate priority or LSOA in an assessment) will find some "significant" by chance: at
5% each, one in twenty changes that are pure noise. The policy (a design choice of this
workbook, the same for every report):

* the changes tested together in one table of one report (the offence groups of a
  briefing, say) are one *family*;
* each change gets the two-sample Poisson test
  (:func:`csplib.indicators.significance.poisson_change_test`), and the family's
  p-values are adjusted by the Benjamini-Hochberg procedure (statsmodels
  ``multipletests(method="fdr_bh")``), which keeps the expected share of false
  discoveries among the changes called significant at or below ``alpha`` (5%);
* a change is significant when its *adjusted* p-value is below ``alpha``; reports
  describe, name as a driver, or colour only such changes.

A single headline figure (total recorded crime, say) is one test, not a family, and is
not adjusted. :func:`multiple_testing_note` is the sentence for a report's methods note.

Worked example (the test suite checks it by hand): p-values 0.01, 0.02, 0.03 and 0.50
are ranked 1-4; Benjamini-Hochberg multiplies each by 4 / rank and keeps the adjusted
values increasing from the top: 0.04, 0.04, 0.04, 0.50. At 5% the first three are
significant.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from csplib.errors import ParameterError
from csplib.indicators.significance import SMALL_COUNT_THRESHOLD, poisson_change_test

#: The policy's false discovery rate.
ALPHA = 0.05
#: statsmodels' name of the procedure.
METHOD = "fdr_bh"

__all__ = ["ALPHA", "METHOD", "adjust_p_values", "family_change_tests", "multiple_testing_note"]


def adjust_p_values(
    p_values: Sequence[float] | np.ndarray, alpha: float = ALPHA
) -> tuple[np.ndarray, np.ndarray]:
    """(adjusted p-values, significant) for one family of tests, by the policy.

    >>> adj, sig = adjust_p_values([0.01, 0.02, 0.03, 0.50])
    >>> [round(float(x), 4) for x in adj], [bool(x) for x in sig]
    ([0.04, 0.04, 0.04, 0.5], [True, True, True, False])
    """
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be between 0 and 1, got {alpha!r}")
    p = np.asarray(p_values, dtype="float64")
    if p.size == 0:
        return p.copy(), np.zeros(0, dtype=bool)
    if np.isnan(p).any():
        raise ParameterError("a p-value is missing: test every change of the family first")
    adjusted = multipletests(p, alpha, method=METHOD)[1]
    return adjusted, adjusted < alpha


def family_change_tests(
    frame: pd.DataFrame,
    *,
    current: str = "current",
    previous: str = "previous",
    current_exposure: float = 1.0,
    previous_exposure: float = 1.0,
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """A copy of ``frame`` with each row's change tested as one family.

    Adds ``z``, ``strength``, ``method``, ``p_value`` (the row's own test), ``p_adjusted``
    (Benjamini-Hochberg over the rows), ``significance`` ('significant rise',
    'significant fall' or 'no significant change', from ``p_adjusted``; the direction
    from the rates, so periods of different length compare fairly) and ``significant``
    (bool). Exposures are the lengths of the two periods (days).
    """
    for col in (current, previous):
        if col not in frame.columns:
            raise ParameterError(f"frame lacks column '{col}'")
    out = frame.copy()
    tests = [
        poisson_change_test(int(a), int(b), current_exposure, previous_exposure, alpha=alpha)
        for a, b in zip(out[current], out[previous], strict=True)
    ]
    out["z"] = pd.Series([t.z for t in tests], index=out.index, dtype="float64")
    out["strength"] = pd.Series([t.strength for t in tests], index=out.index, dtype="str")
    out["method"] = pd.Series([t.method for t in tests], index=out.index, dtype="str")
    out["p_value"] = pd.Series([t.p_value for t in tests], index=out.index, dtype="float64")
    adjusted, significant = adjust_p_values(out["p_value"].to_numpy(), alpha)
    out["p_adjusted"] = pd.Series(adjusted, index=out.index, dtype="float64")
    up = [t.current / t.current_exposure > t.previous / t.previous_exposure for t in tests]
    out["significance"] = pd.Series(
        [
            ("significant rise" if u else "significant fall") if s else "no significant change"
            for u, s in zip(up, significant, strict=True)
        ],
        index=out.index,
        dtype="str",
    )
    out["significant"] = pd.Series(significant, index=out.index, dtype="bool")
    return out


def multiple_testing_note(n_tests: int, what: str = "offence groups", alpha: float = ALPHA) -> str:
    """The methods-note sentence stating the policy for a family of ``n_tests``.

    >>> multiple_testing_note(10)
    'The changes in the 10 offence groups were tested together: each by the two-sample Poisson test (exact conditional test below 100 crimes in the two periods together, square-root test above), with p-values adjusted by the Benjamini-Hochberg method so that no more than 5% of the changes called significant are expected to be chance.'
    """
    if n_tests < 1:
        raise ParameterError(f"a family needs at least one test, got {n_tests}")
    pct = f"{alpha * 100:g}%"
    test = (
        f"the two-sample Poisson test (exact conditional test below {SMALL_COUNT_THRESHOLD} "
        "crimes in the two periods together, square-root test above)"
    )
    if n_tests == 1:
        return f"The change was tested by {test} at the {pct} level."
    return (
        f"The changes in the {n_tests:,} {what} were tested together: each by {test}, with "
        "p-values adjusted by the Benjamini-Hochberg method so that no more than "
        f"{pct} of the changes called significant are expected to be chance."
    )
