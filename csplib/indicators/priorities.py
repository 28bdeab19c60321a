"""Evidence for the strategic assessment's recommended priorities, and the score that
ranks them.

Four groups of pure functions (frames in, frames or dicts out, no I/O):

* **Year on year with flagged months** (:func:`like_for_like_months`,
  :func:`year_on_year`, :func:`annual_series`): a month whose data are missing or
  incomplete (the sample's 2022-12) must never show as a real dip, so a comparison
  leaves that calendar month out of *both* years and says so, and an annual series
  counts complete months only, with the number of them beside the total.
* **Emerging issues** (:func:`significant_rises`): rows (offence groups, LSOAs) whose
  count rose by more than Poisson noise, with a Benjamini-Hochberg correction because
  many places are tested at once (at 5%, one LSOA in twenty would otherwise "rise" by
  chance).
* **County position** (:func:`county_position`): each candidate's rate per 1,000 in the
  area against the county's pooled rate, with funnel limits
  (:func:`csplib.indicators.peers.peer_comparison`).
* **The score** (:func:`score_priorities`), documented below and in the report.

The scoring rule (a design choice of this workbook; the points are shown for every
candidate so the board can see why one ranks above another):

* **candidates**: the police.uk crime types and anti-social behaviour. ASB is not crime
  and is never added to crime totals, but residents rank it and partnerships tackle it,
  so it is scored beside the crime types: its volume is its share of crime and ASB
  together (ASB incidents / (total crime + ASB incidents)), its trend its own test (as
  in the key facts, outside the crime types' family), and it takes no harm points (it
  has no severity weight).
* **volume** (0-3): the share of the area's total recorded crime in the year (ASB: of
  crime and ASB together): 3 at 20% or more, 2 at 10%, 1 at 5%, else 0.
* **trend** (0-3): the year against the year before (like-for-like months), two-sample
  Poisson test at 5% (:func:`poisson_change_test`), the crime types adjusted as one
  family: 3 for a significant rise with |Z| > 3, 2 for a significant rise, 1 for no
  significant change, 0 for a significant fall.
* **county** (0-3): the rate per 1,000 against the county's pooled rate, funnel limits
  (Byar / exact Poisson): 3 above at 99.8%, 2 above at 95%, 1 within, 0 below or not
  compared.
* **harm** (0-3, only when harm weights are given): each crime type's share of the
  crime types' total harm (count x its average severity weight,
  :func:`csplib.indicators.harm.harm_weights_by_type`, which maps Home Office offences
  to police.uk types by :data:`csplib.indicators.harm.SUBGROUP_TYPE` and
  :data:`~csplib.indicators.harm.GROUP_TYPE`), with the volume thresholds; ASB scores
  0; not scored (NaN) without weights.
* **consultation** (0-3, only when consultation responses are given): what residents,
  partners and businesses said. Each candidate (a police.uk crime type) takes the
  consultation priority that it measures
  (:data:`csplib.sources.consultation.PRIORITY_CRIME_TYPES`: "Theft" is Other theft,
  Theft from the person and Bicycle theft), that priority's rank among respondents and
  its support, the share of respondents who chose it
  (:func:`csplib.indicators.consultation.consultation_ranking`): 3 if ranked 1-3, 2 if
  chosen by at least 20% of respondents, 1 if by at least 10%, 0 otherwise or when no
  respondent named it (:func:`consultation_points`); not scored (NaN) without responses.
  Consultation points should come from what residents ranked
  (:func:`csplib.indicators.consultation.resident_ranking`).

score = the sum (0-9 with neither harm weights nor consultation responses, 0-12 with
one of them, 0-15 with both); candidates are ranked by score, then by count; the top
``top_n`` (3) not held back are recommended. A stable problem scores 1 for trend, not
0, because a steady high volume still needs the partnership; only a change the test
cannot tell from noise is "no significant change". The consultation is one component
worth at most 3 points, the weight of each measure of the data: what people say moves a
priority up, but the data carries most of the score. A consultation priority with no
police measure ("Road safety") scores nothing here: the report sets its consultation
rank beside the data instead.

Recommendations follow the evidence:

* **not on volume alone**: a candidate that fell for real and whose rate is below the
  county's (and its peers', when given) is ``held_back``: not recommended, however
  large its volume, unless residents ranked it in their top three;
* **an emerging issue is not dropped**: a candidate outside the top ``top_n`` whose
  rise is real (after adjustment) and large enough to matter
  (:func:`csplib.indicators.narrative.is_material`: 10% and 10 crimes) is recommended
  too, marked ``emerging``, since a score built mostly on this year's volume would
  otherwise pass over a fast-growing problem;
* every candidate lists its **reasons for and against** in plain words, including a
  change that is significant on its own test but not after adjustment ("could still be
  chance") and where its rate stands against the county's within the usual spread.

Worked example (the test suite checks it): four crime types with counts 300, 100, 50
and 20 this year (total 470) against 200, 100, 80 and 18 last year, county verdicts
above at 99.8%, within, above at 95% and below. Shares 63.8%, 21.3%, 10.6%, 4.3% give
volume 3, 3, 2, 0; trends strong significant rise (Z = 6.36), no change, significant fall
(p = 0.008), no change give 3, 1, 0, 1; county 3, 1, 2, 0; scores 9, 5, 4, 1.

With consultation responses (the test suite checks this too): the same counts as
Violence and sexual offences, Shoplifting, Burglary and Drugs, and 10 respondents who
chose Anti-social behaviour (8), Drugs (5), Burglary (4), Violence (2) and Shoplifting
(1): ranks 1-5, support 80%, 50%, 40%, 20%, 10%. Consultation points: Violence 2
(rank 4, 20%), Shoplifting 1 (rank 5, 10%), Burglary 3 (rank 3), Drugs 3 (rank 2);
scores 11, 6, 7, 4, so Burglary (7) now ranks above Shoplifting (6).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from csplib.errors import ParameterError
from csplib.indicators.change import format_pct, pct_change, round_half_away
from csplib.indicators.consultation import crime_type_consultation
from csplib.indicators.multitest import METHOD, adjust_p_values
from csplib.indicators.narrative import is_material
from csplib.indicators.peers import ABOVE, BELOW, WITHIN, peer_comparison
from csplib.indicators.significance import poisson_change_test
from csplib.periods import Period, parse_period
from csplib.sources.consultation import PRIORITY_CRIME_TYPES

__all__ = [
    "ASB",
    "SCORE_COLUMNS",
    "LikeForLike",
    "annual_series",
    "consultation_points",
    "county_points",
    "county_position",
    "harm_points",
    "like_for_like_months",
    "months_days",
    "recorded_crime_change",
    "rolling_comparison",
    "score_priorities",
    "significant_rises",
    "trend_points",
    "volume_points",
    "year_on_year",
]

#: (at least this share of total crime, percent) -> points, checked in order.
VOLUME_THRESHOLDS: tuple[tuple[float, int], ...] = ((20.0, 3), (10.0, 2), (5.0, 1))

#: A rate within the county's limits is a reason for or against only when it is the
#: county's highest or lowest, or differs from the county's rate by this many percent.
COUNTY_GAP_PCT = 10.0

#: A consultation priority ranked this high or higher by respondents scores 3 points.
CONSULTATION_TOP = 3
#: (chosen by at least this share of respondents, percent) -> points, below the top ranks.
SUPPORT_THRESHOLDS: tuple[tuple[float, int], ...] = ((20.0, 2), (10.0, 1))

#: The candidate that is not crime (scored beside the crime types, never added to them).
ASB = "Anti-social behaviour"


# --------------------------------------------------------------------------------------
# year on year with flagged months
# --------------------------------------------------------------------------------------


def months_days(months: Iterable[str]) -> int:
    """Days in the given months (``YYYY-MM``), leap days included.

    >>> months_days(["2024-02", "2023-02"])
    57
    """
    total = 0
    for m in months:
        total += calendar.monthrange(int(m[:4]), int(m[5:7]))[1]
    return total


@dataclass(frozen=True)
class LikeForLike:
    """Months compared in each period, and the pairs left out (current, previous)."""

    current: list[str]
    previous: list[str]
    excluded: list[tuple[str, str]]

    @property
    def complete(self) -> bool:
        """True when nothing was left out."""
        return not self.excluded


def like_for_like_months(
    current: Period | Sequence[str], previous: Period | Sequence[str], flagged: Iterable[str]
) -> LikeForLike:
    """Pair each month of ``current`` with the month in the same position of
    ``previous`` (12 months earlier for a year against the year before) and drop every
    pair in which either month is flagged (missing or incomplete).

    So a year against a year with an incomplete December compares eleven months with
    eleven: the short month is neither read as a fall in the earlier year nor as a rise
    in the later one.

    >>> lfl = like_for_like_months(Period.fyear(2023), Period.fyear(2022), ["2022-12"])
    >>> len(lfl.current), lfl.excluded
    (11, [('2023-12', '2022-12')])
    """
    cur = current.months if isinstance(current, Period) else list(current)
    prev = previous.months if isinstance(previous, Period) else list(previous)
    if len(cur) != len(prev):
        raise ParameterError(
            f"periods of {len(cur)} and {len(prev)} months cannot be compared month by month"
        )
    bad = set(flagged)
    keep_c, keep_p, excluded = [], [], []
    for c, p in zip(cur, prev, strict=True):
        if c in bad or p in bad:
            excluded.append((c, p))
        else:
            keep_c.append(c)
            keep_p.append(p)
    return LikeForLike(keep_c, keep_p, excluded)


def _num(x: float | None, digits: int = 4) -> float | None:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return None
    return round(float(x), digits)


def year_on_year(current: int, previous: int, lfl: LikeForLike) -> dict:
    """Counts over the like-for-like months, their change and its significance.

    Exposures are the days in the months compared (a leap February counts 29), so the
    test compares daily rates. Returns current, previous, change, pct_change, z,
    strength, p_value, method, significance, months (compared), excluded (month pairs).
    """
    if not lfl.current:
        raise ParameterError("no month is complete in both periods: nothing to compare")
    test = poisson_change_test(
        int(current), int(previous), months_days(lfl.current), months_days(lfl.previous)
    )
    return {
        "current": int(current),
        "previous": int(previous),
        "change": int(current) - int(previous),
        "pct_change": _num(pct_change(int(current), int(previous)), 2),
        "z": _num(test.z, 3),
        "strength": test.strength,
        "p_value": _num(test.p_value, 5),
        "method": test.method,
        "significance": test.label,
        "months": len(lfl.current),
        "excluded": [list(pair) for pair in lfl.excluded],
    }


def annual_series(monthly: pd.DataFrame, years: Sequence[Period]) -> pd.DataFrame:
    """Totals per period over complete months only.

    ``monthly``: columns ``month`` and ``count``, where a flagged month's count is
    ``<NA>`` (as :func:`csplib.indicators.counts.monthly_counts` gives with
    ``coverage=``) and a month absent from the frame is unknown, never zero.

    Returns one row per period: ``period`` (label), ``count`` (sum over complete
    months), ``complete_months``, ``months`` (in the period), ``flagged_months``
    (list), ``per_month`` (count / complete months; NaN with none). The per-month
    average is what compares fairly across years when one has a short month.

    >>> m = pd.DataFrame({"month": Period.fyear(2022).months,
    ...                   "count": pd.array([10] * 8 + [None] + [10] * 3, dtype="Int64")})
    >>> r = annual_series(m, [Period.fyear(2022)]).iloc[0]
    >>> int(r["count"]), int(r["complete_months"]), float(r["per_month"]), r["flagged_months"]
    (110, 11, 10.0, ['2022-12'])
    """
    if not {"month", "count"} <= set(monthly.columns):
        raise ParameterError("monthly counts need columns month and count")
    series = monthly.set_index(monthly["month"].astype("str"))["count"]
    rows = []
    for period in years:
        values = series.reindex(period.months)
        known = values.notna()
        count = int(values[known].sum()) if known.any() else 0
        n = int(known.sum())
        rows.append(
            {
                "period": period.label,
                "count": count,
                "complete_months": n,
                "months": len(period.months),
                "flagged_months": [m for m, ok in zip(period.months, known, strict=True) if not ok],
                "per_month": count / n if n else np.nan,
            }
        )
    return pd.DataFrame(rows)


def rolling_comparison(monthly: pd.DataFrame, ends: Sequence[str]) -> pd.DataFrame:
    """The 12 months to each month in ``ends`` against the 12 months before, over the
    months complete in both windows (:func:`like_for_like_months`).

    ``monthly``: columns ``month`` and ``count``; a ``<NA>`` count or a month absent from
    the frame is unknown and its pair is left out. Returns one row per end month:
    ``end``, ``months`` (compared), ``current``, ``previous``, ``change``, ``pct_change``,
    ``p_value``, ``significance`` and ``excluded`` (the current-window months left out);
    the counts are ``<NA>`` when no pair is complete.

    >>> m = pd.DataFrame({"month": [f"2022-{i:02d}" for i in range(1, 13)]
    ...                   + [f"2023-{i:02d}" for i in range(1, 13)],
    ...                   "count": pd.array([10] * 11 + [None] + [12] * 12, dtype="Int64")})
    >>> r = rolling_comparison(m, ["2023-12"]).iloc[0]
    >>> int(r["months"]), int(r["current"]), int(r["previous"])
    (11, 132, 110)
    """
    series = monthly.set_index(monthly["month"].astype("str"))["count"]
    rows = []
    for end in ends:
        cur = Period.rolling12(end)
        prev = cur.same_period_last_year()
        values = series.reindex(cur.months + prev.months)
        unknown = [m for m, v in values.items() if pd.isna(v)]
        lfl = like_for_like_months(cur, prev, unknown)
        row: dict = {"end": end, "months": len(lfl.current)}
        row["excluded"] = [c for c, _ in lfl.excluded]
        if lfl.current:
            yoy = year_on_year(
                int(series.reindex(lfl.current).sum()), int(series.reindex(lfl.previous).sum()), lfl
            )
            row.update({k: yoy[k] for k in ("current", "previous", "change", "pct_change")})
            row["p_value"], row["significance"] = yoy["p_value"], yoy["significance"]
        else:
            row.update(dict.fromkeys(("current", "previous", "change", "pct_change", "p_value")))
            row["significance"] = "not compared"
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("current", "previous", "change"):
        out[col] = out[col].astype("Int64")
    for col in ("pct_change", "p_value"):
        out[col] = out[col].astype("float64")
    return out


# --------------------------------------------------------------------------------------
# emerging issues
# --------------------------------------------------------------------------------------


def significant_rises(
    frame: pd.DataFrame,
    *,
    current: str = "current",
    previous: str = "previous",
    current_exposure: float = 1.0,
    previous_exposure: float = 1.0,
    alpha: float = 0.05,
    correction: str | None = "fdr_bh",
    min_count: int = 0,
) -> pd.DataFrame:
    """Test every row's change and mark the significant rises.

    Each row gets the two-sample Poisson test of ``current`` against ``previous``
    (:func:`csplib.indicators.significance.poisson_change_test`; exposures are the
    lengths of the two periods) and columns ``change``, ``change_pct`` (percent; NaN from
    0), ``z``, ``p_value``, ``p_adjusted`` (the
    ``correction`` of statsmodels' ``multipletests`` over all rows tested; None for no
    correction), ``significance`` and ``rise`` (True for a rise whose adjusted p-value
    is below ``alpha`` and whose current count is at least ``min_count``). Rows are
    returned largest z first.
    """
    for col in (current, previous):
        if col not in frame.columns:
            raise ParameterError(f"frame lacks column '{col}'")
    out = frame.copy()
    if out.empty:
        out["change"] = pd.Series(dtype="int64")
        for col in ("change_pct", "z", "p_value", "p_adjusted"):
            out[col] = pd.Series(dtype="float64")
        out["significance"] = pd.Series(dtype="str")
        out["rise"] = pd.Series(dtype="bool")
        return out
    tests = [
        poisson_change_test(int(a), int(b), current_exposure, previous_exposure, alpha=alpha)
        for a, b in zip(out[current], out[previous], strict=True)
    ]
    out["change"] = out[current].astype("int64") - out[previous].astype("int64")
    out["change_pct"] = [
        pct_change(int(a), int(b)) for a, b in zip(out[current], out[previous], strict=True)
    ]
    out["change_pct"] = out["change_pct"].astype("float64")
    out["z"] = [t.z for t in tests]
    out["p_value"] = [t.p_value for t in tests]
    if correction == METHOD:  # the workbook's one policy (csplib.indicators.multitest)
        out["p_adjusted"] = adjust_p_values(out["p_value"].to_numpy(), alpha)[0]
    elif correction:
        out["p_adjusted"] = multipletests(out["p_value"].to_numpy(), alpha, method=correction)[1]
    else:
        out["p_adjusted"] = out["p_value"]
    up = np.array(
        [t.current / t.current_exposure > t.previous / t.previous_exposure for t in tests]
    )
    sig = out["p_adjusted"].to_numpy() < alpha
    out["significance"] = np.where(
        sig, np.where(up, "significant rise", "significant fall"), "no significant change"
    )
    out["rise"] = sig & up & (out[current].to_numpy() >= min_count)
    return out.sort_values("z", ascending=False, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------
# county position
# --------------------------------------------------------------------------------------


def county_position(
    counts: pd.DataFrame, population: Mapping[str, int] | pd.Series, area: str
) -> pd.DataFrame:
    """The area's rate per 1,000 for each candidate against the county's pooled rate.

    ``counts``: columns ``area``, ``candidate``, ``count`` (one row per county area and
    candidate; absent pairs count 0). ``population``: people per county area. For each
    candidate, :func:`csplib.indicators.peers.peer_comparison` over every county area
    gives the funnel verdicts. Returns ``candidate``, ``count``, ``rate``,
    ``county_rate``, ``rank`` (1 = highest of the county's areas), ``of``,
    ``verdict_95``, ``verdict_998``; candidates the county never recorded are left out.
    """
    pop = pd.Series(population, dtype="float64")
    if area not in pop.index:
        raise ParameterError(f"no population for {area}", fix="give every county area's population")
    rows = []
    for cand, part in counts.groupby("candidate", sort=True):
        per_area = part.groupby("area")["count"].sum().reindex(pop.index, fill_value=0)
        if per_area.sum() == 0:
            continue
        members = pd.DataFrame(
            {"area": pop.index, "count": per_area.to_numpy(), "population": pop.to_numpy()}
        )
        cmp = peer_comparison(members)
        me = cmp[cmp["area"] == area].iloc[0]
        rows.append(
            {
                "candidate": str(cand),
                "count": int(me["count"]),
                "rate": float(me["rate"]),
                "county_rate": float(me["group_rate"]),
                "rank": int(me["rank"]),
                "of": len(cmp),
                "verdict_95": str(me["verdict_95"]),
                "verdict_998": str(me["verdict_998"]),
            }
        )
    columns = [
        "candidate",
        "count",
        "rate",
        "county_rate",
        "rank",
        "of",
        "verdict_95",
        "verdict_998",
    ]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------------------
# the score
# --------------------------------------------------------------------------------------


def volume_points(share_pct: float) -> int:
    """Points for a share of total crime (percent): 3 at 20% or more, 2 at 10%, 1 at 5%.

    >>> [volume_points(x) for x in (63.8, 20.0, 10.6, 4.3)]
    [3, 3, 2, 0]
    """
    for threshold, points in VOLUME_THRESHOLDS:
        if share_pct >= threshold:
            return points
    return 0


harm_points = volume_points  # the same thresholds, on the share of total harm


def trend_points(significance: str, z: float) -> int:
    """Points for the change on the previous year: 3 significant rise with |Z| > 3,
    2 significant rise, 1 no significant change, 0 significant fall.

    >>> trend_points("significant rise", 6.36), trend_points("significant fall", -3.7)
    (3, 0)
    """
    if significance == "significant rise":
        return 3 if abs(z) > 3 else 2
    if significance == "significant fall":
        return 0
    return 1


def county_points(verdict_95: str | None, verdict_998: str | None) -> int:
    """Points for the position against the county: 3 above at 99.8%, 2 above at 95%,
    1 within, 0 below or not compared."""
    if verdict_998 == ABOVE:
        return 3
    if verdict_95 == ABOVE:
        return 2
    if verdict_95 == WITHIN:
        return 1
    return 0  # BELOW, or no comparison


def consultation_points(rank: int | None, support_pct: float | None) -> int:
    """Points for what respondents said about a candidate's priority: 3 if ranked 1-3,
    2 if chosen by at least 20% of respondents, 1 if by at least 10%, else 0 (also when
    no respondent named it: rank None).

    >>> [consultation_points(r, s) for r, s in ((1, 80.0), (3, 9.0), (4, 20.0), (5, 10.0),
    ...                                          (6, 9.9), (None, 0.0))]
    [3, 3, 2, 1, 0, 0]
    """
    if rank is None or pd.isna(rank):
        return 0
    if int(rank) <= CONSULTATION_TOP:
        return 3
    support = 0.0 if support_pct is None or pd.isna(support_pct) else float(support_pct)
    for threshold, points in SUPPORT_THRESHOLDS:
        if support >= threshold:
            return points
    return 0


SCORE_COLUMNS = [
    "candidate",
    "count",
    "share_pct",
    "volume_points",
    "current",
    "previous",
    "change_pct",
    "z",
    "p_value",
    "p_own",
    "trend",
    "trend_points",
    "harm_share_pct",
    "harm_points",
    "county_verdict",
    "county_points",
    "peer_verdict",
    "consultation_priority",
    "consultation_rank",
    "consultation_support_pct",
    "consultation_points",
    "score",
    "rank",
    "recommended",
    "emerging",
    "held_back",
    "reasons_for",
    "reasons_against",
]


def score_priorities(
    candidates: pd.DataFrame,
    *,
    total: int | None = None,
    current_exposure: float = 1.0,
    previous_exposure: float = 1.0,
    harm_weights: Mapping[str, float] | None = None,
    consultation: pd.DataFrame | None = None,
    priority_crime_types: Mapping[str, Sequence[str]] | None = None,
    alpha: float = 0.05,
    top_n: int = 3,
    correction: str | None = METHOD,
) -> pd.DataFrame:
    """Score candidate priorities by the rule in the module docstring.

    ``candidates``: one row per candidate with ``candidate`` (name), ``count`` (the
    year's count, for volume), ``current`` and ``previous`` (the counts compared for the
    trend: like-for-like months when a month is flagged; exposures are the lengths of
    the two sets of months) and optionally ``verdict_95``/``verdict_998`` (from
    :func:`county_position`; missing means not compared), ``rate``, ``county_rate``,
    ``county_rank`` and ``county_of`` (the area's rate per 1,000, the county's, and the
    area's rank among the county's ``county_of`` partnerships, 1 = highest: they put the
    county position into words in the reasons) and ``peer_verdict`` (against the most
    similar group). ``total``: the area's total recorded crime for the shares (default:
    the sum of the crime candidates' ``count``). ``harm_weights``: crime type -> average
    severity weight; without it harm is not scored (its columns are NaN); anti-social
    behaviour (:data:`ASB`) needs none and takes no harm points. ``consultation``: the
    area's consultation ranking
    (:func:`csplib.indicators.consultation.consultation_ranking`: priority, respondents,
    support_pct, rank); each candidate (a police.uk crime type) takes the rank and
    support of the priority that measures it (``priority_crime_types``, default
    :data:`csplib.sources.consultation.PRIORITY_CRIME_TYPES`) and
    :func:`consultation_points`. Without it (None) the consultation is not scored (its
    points are NaN); with an empty ranking every candidate scores 0 for it.

    The crime types' trends are one family of tests under the workbook's one
    multiple-testing policy (``correction``, default Benjamini-Hochberg,
    :mod:`csplib.indicators.multitest`; None tests each alone); ``p_value`` is then the
    adjusted p-value and ``p_own`` the test's own. ASB is tested on its own, as the key
    facts test it, so it has one verdict in the report.

    **Not on volume alone:** a candidate whose count fell significantly and whose rate
    is significantly below the county's (and below its peers', when given) is
    ``held_back``: not recommended however large its volume, unless residents ranked
    it in their top :data:`CONSULTATION_TOP`. **Emerging:** a candidate outside the
    first ``top_n`` whose rise is significant and material
    (:func:`csplib.indicators.narrative.is_material`) is recommended too (``emerging``).
    ``reasons_for`` and ``reasons_against`` list the evidence each way in plain words
    ("; "-separated).

    Returns :data:`SCORE_COLUMNS`, highest score first (ties: larger count first), with
    ``rank`` and ``recommended`` (the first ``top_n`` not held back, and the emerging).
    """
    need = ["candidate", "count", "current", "previous"]
    missing = [c for c in need if c not in candidates.columns]
    if missing:
        raise ParameterError(f"candidates lack column(s) {', '.join(missing)}")
    if candidates.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    frame = candidates.reset_index(drop=True)
    asb = frame["candidate"].astype("str").str.casefold() == ASB.casefold()
    total = int(frame.loc[~asb, "count"].sum()) if total is None else int(total)
    if total <= 0:
        raise ParameterError("total crime is 0: shares cannot be computed")
    harm = _harm_shares(frame, asb, harm_weights)
    said = _consultation_by_crime_type(consultation, priority_crime_types)
    tests, p_values = _trend_tests(
        frame, asb, current_exposure, previous_exposure, alpha=alpha, correction=correction
    )
    rows = []
    for i, r in frame.iterrows():
        is_asb = bool(asb[i])
        share = int(r["count"]) / (total + (int(r["count"]) if is_asb else 0)) * 100
        test = tests[i]
        p_adj = float(p_values[i])
        trend = (
            ("significant rise" if test.current / test.current_exposure
             > test.previous / test.previous_exposure else "significant fall")
            if p_adj < alpha else "no significant change"
        )  # fmt: skip
        v95, v998 = _text_or_none(r.get("verdict_95")), _text_or_none(r.get("verdict_998"))
        harm_share = np.nan if harm is None else harm[i]
        h_points: float = np.nan if harm is None else (0 if is_asb else harm_points(harm_share))
        c_priority, c_rank, c_support, c_points = _consultation_fields(said, str(r["candidate"]))
        row = {
            "candidate": str(r["candidate"]),
            "count": int(r["count"]),
            "share_pct": share,
            "volume_points": volume_points(share),
            "current": int(r["current"]),
            "previous": int(r["previous"]),
            "change_pct": pct_change(int(r["current"]), int(r["previous"])),
            "z": test.z,
            "p_value": p_adj,
            "p_own": float(test.p_value),
            "trend": trend,
            "trend_points": trend_points(trend, test.z),
            "harm_share_pct": harm_share,
            "harm_points": h_points,
            "county_verdict": v95 if v95 in (ABOVE, BELOW, WITHIN) else "not compared",
            "county_points": county_points(v95, v998),
            "peer_verdict": _text_or_none(r.get("peer_verdict")),
            "consultation_priority": c_priority,
            "consultation_rank": c_rank,
            "consultation_support_pct": c_support,
            "consultation_points": c_points,
        }
        row["score"] = (
            row["volume_points"]
            + row["trend_points"]
            + row["county_points"]
            + (0 if np.isnan(h_points) else int(h_points))
            + (0 if np.isnan(c_points) else int(c_points))
        )
        row.update(_reasons(row, _county_words(r), is_asb, alpha))
        rows.append(row)
    return _ranked(pd.DataFrame(rows), top_n)


def _text_or_none(value: object) -> str | None:
    """A verdict as text, None when it is missing."""
    return None if value is None or pd.isna(value) else str(value)


def _harm_shares(
    frame: pd.DataFrame, asb: pd.Series, harm_weights: Mapping[str, float] | None
) -> list[float] | None:
    """Each crime type's share (%) of the crime types' weighted harm, in ``frame`` order
    (NaN for ASB, which is not crime and has no severity weight).

    None (harm is not scored) without weights or when the weighted total is not positive.
    """
    if harm_weights is None:
        return None
    crime = frame[~asb]
    unknown = [c for c in crime["candidate"] if c not in harm_weights]
    if unknown:
        raise ParameterError(f"no harm weight for {', '.join(map(str, unknown))}")
    harm = crime["count"] * crime["candidate"].map(harm_weights).astype(float)
    harm_total = float(harm.sum())
    if not harm_total > 0:
        return None
    return [np.nan if asb[i] else float(harm[i]) / harm_total * 100 for i in frame.index]


def _consultation_by_crime_type(
    consultation: pd.DataFrame | None,
    priority_crime_types: Mapping[str, Sequence[str]] | None,
) -> pd.DataFrame | None:
    """The consultation ranking indexed by the crime type each priority measures."""
    if consultation is None:
        return None
    missing = [c for c in ("priority", "respondents", "support_pct", "rank")
               if c not in consultation.columns]  # fmt: skip
    if missing:
        raise ParameterError(
            f"consultation lacks column(s) {', '.join(missing)}",
            fix="pass the table consultation_ranking() returns",
        )
    mapping = PRIORITY_CRIME_TYPES if priority_crime_types is None else priority_crime_types
    return crime_type_consultation(consultation, mapping).set_index("crime_type")


def _trend_tests(
    frame: pd.DataFrame,
    asb: pd.Series,
    current_exposure: float,
    previous_exposure: float,
    *,
    alpha: float,
    correction: str | None,
) -> tuple[list, np.ndarray]:
    """Each candidate's change test, and its p-value adjusted over the crime types' family
    (ASB keeps its own p-value: it is not one of the crime types)."""
    tests = [
        poisson_change_test(int(a), int(b), current_exposure, previous_exposure, alpha=alpha)
        for a, b in zip(frame["current"], frame["previous"], strict=True)
    ]
    p_values = np.array([t.p_value for t in tests])
    crime = ~asb.to_numpy()
    if crime.any() and correction == METHOD:
        p_values[crime] = adjust_p_values(p_values[crime], alpha)[0]
    elif crime.any() and correction:
        p_values[crime] = multipletests(p_values[crime], alpha, method=correction)[1]
    return tests, p_values


def _consultation_fields(
    said: pd.DataFrame | None, candidate: str
) -> tuple[str | None, int | None, float, float]:
    """Priority, rank, support and points a candidate takes from the consultation.

    All missing (NaN points) when there is no consultation; 0 points when no priority
    measures the candidate.
    """
    if said is None:
        return None, None, np.nan, np.nan
    if candidate not in said.index:
        return None, None, np.nan, 0
    hit = said.loc[candidate]
    rank = None if pd.isna(hit["consultation_rank"]) else int(hit["consultation_rank"])
    support = float(hit["consultation_support_pct"])
    return str(hit["consultation_priority"]), rank, support, consultation_points(rank, support)


def _ranked(out: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """The scored rows typed, sorted, ranked, with the first ``top_n`` not held back
    recommended, and any emerging issue below them (a real and material rise) too."""
    out["change_pct"] = out["change_pct"].astype("float64")
    out["consultation_rank"] = out["consultation_rank"].astype("Int64")
    out["consultation_support_pct"] = out["consultation_support_pct"].astype("float64")
    out["consultation_points"] = out["consultation_points"].astype("float64")
    out["harm_points"] = out["harm_points"].astype("float64")
    out = out.sort_values(["score", "count", "candidate"], ascending=[False, False, True])
    out = out.reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    eligible = ~out["held_back"]
    top = eligible & (eligible.cumsum() <= top_n)
    rising = (out["trend"] == "significant rise") & pd.Series(
        [is_material(c, p) for c, p in zip(out["current"], out["previous"], strict=True)],
        index=out.index, dtype="bool",
    )  # fmt: skip
    out["emerging"] = rising & ~top
    out["recommended"] = top | out["emerging"]
    for i in out.index[out["emerging"]]:
        reason = "a real rise large enough to matter: recommended as an emerging issue"
        out.loc[i, "reasons_for"] = "; ".join(x for x in (out.loc[i, "reasons_for"], reason) if x)
    return out[SCORE_COLUMNS]


def _ordinal(n: int) -> str:
    """'1st', '2nd', '3rd', '11th'.

    >>> [_ordinal(n) for n in (1, 2, 3, 4, 11, 22)]
    ['1st', '2nd', '3rd', '4th', '11th', '22nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _county_words(r: pd.Series) -> dict | None:
    """The area's rate, the county's and the area's rank among the county's partnerships
    from a candidate row (None without the rates)."""
    rate, county = r.get("rate"), r.get("county_rate")
    if rate is None or county is None or pd.isna(rate) or pd.isna(county):
        return None
    out: dict = {"rate": float(rate), "county_rate": float(county)}
    rank, of = r.get("county_rank"), r.get("county_of")
    if rank is not None and of is not None and not pd.isna(rank) and not pd.isna(of):
        out["rank"], out["of"] = int(rank), int(of)
    return out


def _county_reason(verdict: str, where: dict | None) -> tuple[str | None, bool]:
    """(the county position in words, True when it argues for), or (None, _)."""
    rates = "" if where is None else (
        f" ({where['rate']:.1f} per 1,000 residents against {where['county_rate']:.1f})")  # fmt: skip
    if verdict == ABOVE:
        return "a rate above the county's" + rates, True
    if verdict == BELOW:
        return "a rate below the county's" + rates, False
    if verdict != WITHIN or where is None or not where["county_rate"] > 0:
        return None, False
    # Within the limits: said only when the rate is the county's highest or lowest, or
    # differs from the county's by at least COUNTY_GAP_PCT (a smaller gap is no reason).
    higher = where["rate"] > where["county_rate"]
    of = where.get("of", 0)
    extreme = of > 1 and where.get("rank") == (1 if higher else of)
    gap = abs(where["rate"] / where["county_rate"] - 1) * 100
    if extreme:
        text = f"the {'highest' if higher else 'lowest'} rate of the county's {of} partnerships"
    elif gap >= COUNTY_GAP_PCT:
        text = f"a rate {'above' if higher else 'below'} the county's"
    else:
        return None, False
    return text + rates + ", within the usual spread between partnerships", higher


def _reasons(row: dict, where: dict | None, is_asb: bool, alpha: float) -> dict:
    """held_back, reasons_for and reasons_against for one scored candidate."""
    share, trend, county = row["share_pct"], row["trend"], row["county_verdict"]
    peer = row["peer_verdict"]
    of_what = "crime and anti-social behaviour" if is_asb else "crime"
    pros, cons = [], []
    if row["volume_points"] >= 2:
        pros.append(f"a large share of {of_what} ({share:.1f}%)")
    elif row["volume_points"] == 0:
        cons.append(f"a small share of {of_what} ({share:.1f}%)")
    pct = row["change_pct"]
    if trend == "significant rise":
        pros.append(f"a real rise on the year before ({format_pct(pct)})")
    elif trend == "significant fall":
        cons.append(f"a real fall on the year before ({format_pct(pct)})")
    elif row["p_own"] < alpha and pct is not None and not pd.isna(pct) and pct != 0:
        (pros if pct > 0 else cons).append(
            f"{'rose' if pct > 0 else 'fell'} {abs(round_half_away(pct, 1))}% on the year "
            "before, though with this many crime types compared this could still be chance"
        )
    text, good = _county_reason(county, where)
    if text:
        (pros if good else cons).append(text)
    if peer == ABOVE:
        pros.append("a rate above its most similar group's")
    elif peer == BELOW:
        cons.append("a rate below its most similar group's")
    rank, priority = row["consultation_rank"], row["consultation_priority"]
    if priority is not None:
        if rank is not None and not pd.isna(rank) and int(rank) <= CONSULTATION_TOP:
            pros.append(f"residents ranked {priority} {_ordinal(int(rank))}")
        elif row["consultation_points"] and row["consultation_points"] > 0:
            pros.append(f"{priority} chosen by {row['consultation_support_pct']:.0f}% of residents")
        elif rank is None or pd.isna(rank):
            cons.append("no resident chose it in the consultation")
    if not np.isnan(row["harm_points"]) and not is_asb:
        harm = f"a {{}} share of harm ({row['harm_share_pct']:.1f}%)"
        if row["harm_points"] >= 2:
            pros.append(harm.format("large"))
        elif row["harm_points"] == 0:
            cons.append(harm.format("small"))
    residents_top = row["consultation_points"] == 3
    held = (
        trend == "significant fall"
        and county == BELOW
        and peer in (None, BELOW)
        and not residents_top
    )
    if held:
        cons.append("falling and below the county's rate: not recommended on volume alone")
    return {"held_back": bool(held), "reasons_for": "; ".join(pros),
            "reasons_against": "; ".join(cons)}  # fmt: skip


# --------------------------------------------------------------------------------------
# the Home Office recorded-crime table
# --------------------------------------------------------------------------------------


#: How :func:`recorded_crime_change` groups rows.
RECORDED_LEVELS = {
    "subgroup": ["offence_group", "offence_subgroup"],
    "group": ["offence_group"],
    "total": ["offence_group"],  # one row, offence_group 'Total'
}


def recorded_crime_change(
    recorded: pd.DataFrame, csp_name: str, year: str, previous_year: str, *, by: str = "subgroup"
) -> pd.DataFrame:
    """A CSP's Home Office recorded crime, ``year`` against ``previous_year`` (financial
    years like ``2023/24``), by offence ``"subgroup"`` (within group), ``"group"`` or as
    one ``"total"`` row (labelled 'Total').

    ``recorded``: the store's ``recorded_crime`` table. Columns: ``offence_group`` (and
    ``offence_subgroup`` by subgroup), ``current``, ``previous``, ``change``,
    ``pct_change``, ``z``, ``p_value``, ``significance`` (Poisson test, exposures the
    years' days), sorted by the keys. ``attrs['quarters']`` holds {year: [quarters
    present]}: a year with fewer than four quarters is not a whole year, and the caller
    must say so.
    """
    if by not in RECORDED_LEVELS:
        raise ParameterError(f"by must be one of {', '.join(RECORDED_LEVELS)}, not '{by}'")
    key = str(csp_name).strip().casefold()
    rows = recorded[recorded["csp_name"].astype("str").str.strip().str.casefold() == key]
    rows = rows[rows["financial_year"].isin([year, previous_year])]
    if by == "total":
        rows = rows.assign(offence_group="Total")
    quarters = {
        y: sorted(
            int(q) for q in rows.loc[rows["financial_year"] == y, "financial_quarter"].unique()
        )
        for y in (year, previous_year)
    }
    keys = RECORDED_LEVELS[by]
    columns = [*keys, "current", "previous", "change", "pct_change", "z", "p_value", "significance"]
    if rows.empty:
        table = pd.DataFrame(columns=columns)
        table.attrs["quarters"] = quarters
        return table
    table = (
        rows.pivot_table(index=keys, columns="financial_year", values="count", aggfunc="sum")
        .reindex(columns=[year, previous_year])
        .fillna(0)
        .astype("int64")
        .reset_index()
        .rename(columns={year: "current", previous_year: "previous"})
    )
    table.columns.name = None
    table["change"] = table["current"] - table["previous"]
    table["pct_change"] = [
        pct_change(int(a), int(b)) for a, b in zip(table["current"], table["previous"], strict=True)
    ]
    # Exposures are the years' lengths in days: 2023/24 has a leap day.
    days = parse_period(year).days, parse_period(previous_year).days
    tests = [
        poisson_change_test(int(a), int(b), *days)
        for a, b in zip(table["current"], table["previous"], strict=True)
    ]
    table["z"] = [t.z for t in tests]
    table["p_value"] = [t.p_value for t in tests]
    table["significance"] = [t.label for t in tests]
    table["pct_change"] = table["pct_change"].astype("float64")
    table = table.sort_values(keys).reset_index(drop=True)[columns]
    table.attrs["quarters"] = quarters
    return table
