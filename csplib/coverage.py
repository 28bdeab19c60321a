"""Month coverage: which force-months are present, missing or incomplete.

A gap is never zero crime. The rule (a design choice of ours, documented in the README):

* **missing**: a month between a force's first and last month in the store (or asked
  for) with no street file at all;
* **incomplete**: a month whose crime count (ASB excluded) is below
  ``INCOMPLETE_RATIO`` (0.8) of the median of its neighbours (up to three months
  either side that are present and not themselves incomplete; the check repeats
  until no new month is flagged, so two short months side by side are both found),
  while ASB is *not* down by as much: the month's ASB ratio to its neighbours is at
  least ``ratio + ASB_MARGIN`` (0.15) higher, and the months on either side of the
  short run are themselves normal (a run next to another low month is a real fall,
  as in the 2020 lockdown, not a publishing gap). When a real fall
  hits crime and ASB alike (a holiday month, a lockdown) the month is not flagged. A
  force with no ASB rows at all uses a stricter crime ratio (``NO_ASB_RATIO``, 0.5).
* **present**: otherwise.

The Kent 2018-11 and 2018-12 files published on data.police.uk (crime about 2/3 and
1/3 of normal, ASB normal) are the case this rule was built on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

INCOMPLETE_RATIO = 0.8
ASB_MARGIN = 0.15
NO_ASB_RATIO = 0.5
WINDOW = 3

COVERAGE_COLUMNS = [
    "force", "month", "status", "crimes", "asb", "expected_crimes", "crime_ratio",
    "asb_ratio", "note",
]  # fmt: skip


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive, as 'YYYY-MM'.

    >>> month_range("2018-11", "2019-02")
    ['2018-11', '2018-12', '2019-01', '2019-02']
    """
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def _neighbour_median(values: np.ndarray, usable: np.ndarray, i: int) -> float:
    lo, hi = max(0, i - WINDOW), min(len(values), i + WINDOW + 1)
    idx = [j for j in range(lo, hi) if j != i and usable[j]]
    return float(np.median(values[idx])) if idx else float("nan")


def _ratios(values: np.ndarray, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    expected = np.array([_neighbour_median(values, usable, i) for i in range(len(values))])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, values / expected, np.nan)
    return expected, ratio


def _flag_incomplete(crimes: np.ndarray, asb: np.ndarray, present: np.ndarray):
    has_asb = asb.sum() > 0
    flagged = np.zeros(len(crimes), dtype=bool)
    for _ in range(len(crimes)):
        usable = present & ~flagged
        _, rc = _ratios(crimes, usable)
        _, ra = _ratios(asb, usable)
        if has_asb:
            new = present & (rc < INCOMPLETE_RATIO) & (ra >= rc + ASB_MARGIN)
        else:
            new = present & (rc < NO_ASB_RATIO)
        new &= ~np.isnan(rc)
        if not (new & ~flagged).any():
            break
        flagged |= new
    # A publishing gap is a dip between normal months. A run of low months next to
    # another low month that ASB does not explain away (e.g. the first lockdown
    # month, when ASB fell too) is a real fall, not missing data: unflag it.
    _, rc = _ratios(crimes, present & ~flagged)
    i = 0
    while i < len(flagged):
        if not flagged[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(flagged) and flagged[j + 1]:
            j += 1
        edges = [k for k in (i - 1, j + 1) if 0 <= k < len(flagged) and present[k]]
        if any(rc[k] < INCOMPLETE_RATIO for k in edges):
            flagged[i : j + 1] = False
        i = j + 1
    usable = present & ~flagged
    exp_c, rc = _ratios(crimes, usable)
    _, ra = _ratios(asb, usable)
    return flagged, exp_c, rc, ra


def compute_coverage(month_counts: pd.DataFrame, months: list[str] | None = None) -> pd.DataFrame:
    """Coverage per force and month from counts (columns force, month, crimes, asb).

    ``months`` widens the range checked (e.g. the months a report needs); by default
    each force is checked from its first to its last month.
    """
    rows = []
    for force, part in month_counts.groupby("force", sort=True):
        part = part.set_index("month")
        first, last = part.index.min(), part.index.max()
        if months:
            first, last = min(first, min(months)), max(last, max(months))
        span = month_range(first, last)
        present = np.array([m in part.index for m in span])
        crimes = np.array([part["crimes"].get(m, 0) for m in span], dtype=float)
        asb = np.array([part["asb"].get(m, 0) for m in span], dtype=float)
        flagged, exp_c, rc, ra = _flag_incomplete(crimes, asb, present)
        for i, month in enumerate(span):
            if not present[i]:
                rows.append((force, month, "missing", pd.NA, pd.NA, np.nan, np.nan, np.nan,
                             "no street file for this month: not zero crime"))  # fmt: skip
                continue
            status, note = "present", ""
            if flagged[i]:
                status = "incomplete"
                note = (
                    f"crimes {crimes[i]:,.0f} are {rc[i]:.0%} of the neighbouring months' "
                    f"median ({exp_c[i]:,.0f})"
                    + (f" while ASB is {ra[i]:.0%} of its median" if asb.sum() else "")
                )
            rows.append(
                (force, month, status, int(crimes[i]), int(asb[i]), exp_c[i], rc[i], ra[i], note)
            )
    out = pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
    return out.astype({"crimes": "Int64", "asb": "Int64", "note": "str"})


def problem_months(
    coverage: pd.DataFrame, months: list[str], forces: list[str] | None = None
) -> pd.DataFrame:
    """Rows of ``coverage`` for ``months`` (and forces) that are not 'present', plus
    months that coverage does not know at all (reported as 'missing')."""
    cov = coverage if forces is None else coverage[coverage["force"].isin(forces)]
    known = cov[cov["month"].isin(months)]
    bad = known[known["status"] != "present"]
    extra = []
    for force in forces if forces is not None else sorted(cov["force"].unique()):
        have = set(known.loc[known["force"] == force, "month"])
        for m in months:
            if m not in have:
                extra.append({"force": force, "month": m, "status": "missing",
                              "note": "month not in the store: not zero crime"})  # fmt: skip
    if extra:
        bad = pd.concat([bad, pd.DataFrame(extra)], ignore_index=True)
    return bad.sort_values(["force", "month"]).reset_index(drop=True)
