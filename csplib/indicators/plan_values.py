"""Latest values of a community safety plan's indicators, gathered from the store's tables.

A plan register (:mod:`csplib.plan`) says where each indicator comes from: police-sourced
indicators are counted from the canonical ``crimes`` rows with
:meth:`csplib.plan.PoliceSpec.mask` (per 1,000 or 100,000 residents for a rate), partner
indicators are rows of the ``partner_indicators`` table. These functions find the latest
value of each, for a period **of the same kind as its baseline** (a financial year
against a financial year, a quarter against a quarter, a calendar year against a
calendar year), because :func:`csplib.plan.indicator_progress` compares like with like.

Pure: frames in, values out, no I/O. A value that cannot be found is returned with
``value=None`` and a ``note`` saying why; it is never guessed or read as zero.

>>> latest_period_like("2021/22", "2024-03"), latest_period_like("2021", "2024-03")
('2023/24', '2023')
>>> latest_period_like("2021/22 Q4", "2024-05")
'2023/24 Q4'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from csplib.errors import ParameterError
from csplib.periods import month_range
from csplib.plan import (
    INDICATOR_COLUMNS,
    UNIT_SCALE,
    VERDICT_COLUMNS,
    Indicator,
    Plan,
    indicator_progress,
    indicator_row,
    period_bounds,
)

__all__ = [
    "LatestValue",
    "add_verdicts",
    "align_partner_summary",
    "county_value",
    "indicator_verdict",
    "latest_period_like",
    "latest_values",
    "partner_summary",
    "partner_value",
    "plan_period_kind",
    "plan_period_months",
    "plan_progress",
    "police_value",
    "population_for_year",
    "stats19_value",
]

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(\d{4})$")
_FY = re.compile(r"^(\d{4})/(\d{2})$")
_FQ = re.compile(r"^(\d{4})/(\d{2}) Q([1-4])$")

#: Partner units that can stand for a plan unit, with the factor that converts them.
_UNIT_CONVERSIONS: dict[tuple[str, str], float] = {
    ("proportion", "percent"): 100.0,
}


@dataclass(frozen=True)
class LatestValue:
    """The latest value of one indicator (``value`` None when it could not be found).

    ``numerator``/``denominator`` are the counts behind a rate or percentage (None for
    counts, or when the source gives only the value); ``source`` says where it came
    from; ``note`` why a value is missing, or anything a reader should know about it.
    """

    indicator_id: str
    period: str | None
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    source: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_period_kind(period: str) -> str:
    """'month', 'year' (calendar), 'fyear' or 'fquarter' for a plan period string.

    >>> plan_period_kind("2023/24"), plan_period_kind("2023/24 Q1"), plan_period_kind("2023")
    ('fyear', 'fquarter', 'year')
    """
    text = str(period).strip()
    for kind, pattern in (("month", _MONTH), ("year", _YEAR), ("fyear", _FY), ("fquarter", _FQ)):
        if pattern.match(text):
            period_bounds(text)  # raises ValueError for '2023/25'
            return kind
    raise ValueError(f"period {text!r} is not a plan period (YYYY-MM, YYYY, YYYY/YY, YYYY/YY Qn)")


def plan_period_months(period: str) -> list[str]:
    """Every month (``YYYY-MM``) of a plan period.

    >>> plan_period_months("2023/24 Q4")
    ['2024-01', '2024-02', '2024-03']
    """
    start, end = period_bounds(period)
    return month_range(f"{start:%Y-%m}", f"{end:%Y-%m}")


def latest_period_like(baseline_period: str, not_after: str) -> str:
    """The latest period of the same kind as ``baseline_period`` that ends on or before
    month ``not_after`` (``YYYY-MM``): the period whose value is compared with the
    baseline when the data run to ``not_after``.
    """
    kind = plan_period_kind(baseline_period)
    m = _MONTH.match(str(not_after))
    if not m:
        raise ParameterError(f"'{not_after}' is not a month in the form YYYY-MM")
    year, month = int(m[1]), int(m[2])
    if kind == "month":
        return f"{year:04d}-{month:02d}"
    if kind == "year":
        last = year if month == 12 else year - 1
        return f"{last:04d}"
    if kind == "fyear":
        start = year - 1 if month >= 3 else year - 2  # financial years end in March
        return f"{start}/{(start + 1) % 100:02d}"
    # fquarter: the latest quarter end (Mar, Jun, Sep, Dec) not after the month
    end_month = month - month % 3
    end_year = year
    if end_month == 0:
        end_month, end_year = 12, year - 1
    fy = end_year if end_month >= 6 else end_year - 1
    quarter = {6: 1, 9: 2, 12: 3, 3: 4}[end_month]
    return f"{fy}/{(fy + 1) % 100:02d} Q{quarter}"


def population_for_year(population: Mapping[int, int], year: int) -> tuple[int, int] | None:
    """(people, year used) from mid-year estimates ``{year: people}``: the estimate for
    ``year``, else the nearest year (the earlier on a tie, as ``population_for`` does).

    >>> population_for_year({2021: 100, 2023: 120}, 2022)
    (100, 2021)
    """
    usable = {int(y): int(p) for y, p in population.items() if p and p > 0}
    if not usable:
        return None
    used = min(usable, key=lambda y: (abs(y - int(year)), y))
    return usable[used], used


def _start_year(period: str) -> int:
    return period_bounds(period)[0].year


def _flagged_in(period: str, flagged_months: Iterable[str]) -> list[str]:
    months = set(plan_period_months(period))
    return sorted(m for m in flagged_months if m in months)


def police_value(
    indicator: Indicator,
    crimes: pd.DataFrame,
    period: str,
    population: Mapping[int, int] | None = None,
    *,
    flagged_months: Iterable[str] = (),
) -> LatestValue:
    """Count the area's rows the indicator selects in ``period`` (a plan period string).

    ``crimes``: the area's rows of the canonical table (ASB included; the indicator's
    selection decides). ``population``: the area's mid-year estimates ``{year: people}``,
    needed for a rate; the estimate for the year the period starts in (or the nearest)
    is used. A period holding a month listed in ``flagged_months`` (missing or incomplete
    data) gets no value: a short count would look like a fall.
    """
    if indicator.source != "police" or indicator.police is None:
        raise ParameterError(f"indicator {indicator.id} is not police-sourced")
    bad = _flagged_in(period, flagged_months)
    if bad:
        return LatestValue(
            indicator.id, period, None, source="data.police.uk",
            note=f"{period} includes {', '.join(bad)}, which is missing or incomplete: no value",
        )  # fmt: skip
    months = plan_period_months(period)
    rows = crimes[crimes["month"].astype("str").isin(months)]
    count = int(indicator.police.mask(rows).sum())
    if indicator.unit == "count":
        return LatestValue(indicator.id, period, float(count), source="data.police.uk")
    scale = UNIT_SCALE.get(indicator.unit)
    if scale is None or indicator.unit == "percent":
        return LatestValue(
            indicator.id, period, None, source="data.police.uk",
            note=f"unit '{indicator.unit}' cannot be counted from police rows",
        )  # fmt: skip
    pop = population_for_year(population or {}, _start_year(period))
    if pop is None:
        return LatestValue(
            indicator.id, period, None, numerator=float(count), source="data.police.uk",
            note="no population estimate for the area: no rate",
        )  # fmt: skip
    people, year_used = pop
    return LatestValue(
        indicator.id, period, count / people * scale, numerator=float(count),
        denominator=float(people), source="data.police.uk",
        note=f"mid-{year_used} population {people:,}",
    )  # fmt: skip


def _partner_rows(partner: pd.DataFrame, name: str) -> pd.DataFrame:
    key = str(name).strip().casefold()
    return partner[partner["indicator"].astype("str").str.strip().str.casefold() == key]


def _same_area(values: pd.Series, area: str) -> pd.Series:
    return (values.astype("str").str.strip().str.casefold() == str(area).strip().casefold()).fillna(
        False
    )


def _number(x: object) -> float | None:
    if x is None or x is pd.NA:
        return None
    value = float(x)  # type: ignore[arg-type]
    return None if math.isnan(value) else value


def partner_value(
    indicator: Indicator, partner: pd.DataFrame, area: str, not_after: str
) -> LatestValue:
    """The latest row of ``partner`` (the ``partner_indicators`` table) for the indicator
    and ``area``, of the same period kind as the baseline and ending on or before month
    ``not_after``. A proportion is converted to a percentage; any other unit mismatch
    gives no value (a count is not a rate)."""
    if indicator.source != "partner" or not indicator.partner_indicator:
        raise ParameterError(f"indicator {indicator.id} is not partner-sourced")
    name = indicator.partner_indicator
    rows = _partner_rows(partner, name)
    rows = rows[_same_area(rows["area"], area)]
    if rows.empty:
        return LatestValue(
            indicator.id, None, None,
            note=f"the partner table has no '{name}' rows for {area}",
        )  # fmt: skip
    kind = plan_period_kind(indicator.baseline.period)
    limit = period_bounds(f"{not_after}")[1]
    candidates = []
    for rec in rows.to_dict("records"):
        period = str(rec["period"])
        try:
            if plan_period_kind(period) != kind or period_bounds(period)[1] > limit:
                continue
        except ValueError:
            continue
        candidates.append((period_bounds(period)[1], period, rec))
    if not candidates:
        return LatestValue(
            indicator.id, None, None,
            note=f"no '{name}' row for {area} of the baseline's period kind ({kind}) "
            f"ending by {not_after}",
        )  # fmt: skip
    _, period, rec = max(candidates, key=lambda c: c[0])
    unit = str(rec.get("unit") or "")
    source = str(rec.get("source") or "") if rec.get("source") is not None else ""
    value, num, den = _number(rec["value"]), _number(rec["numerator"]), _number(rec["denominator"])
    factor = 1.0
    if unit != indicator.unit:
        if (unit, indicator.unit) not in _UNIT_CONVERSIONS:
            return LatestValue(
                indicator.id, period, None, source=source,
                note=f"the partner table gives '{name}' as {unit}, the plan as {indicator.unit}",
            )  # fmt: skip
        factor = _UNIT_CONVERSIONS[(unit, indicator.unit)]
    if value is None:
        return LatestValue(indicator.id, period, None, source=source, note="no value given")
    if indicator.unit in ("count", "score"):
        num = den = None  # a count is its own numerator (indicator_progress refuses both)
    return LatestValue(indicator.id, period, value * factor, num, den, source=source)


def stats19_value(
    indicator: Indicator, ksi_by_year: Mapping[int, int] | None, period: str
) -> LatestValue:
    """People killed or seriously injured on the area's roads in calendar year ``period``,
    from ``ksi_by_year`` (recorded KSI per year of the loaded STATS19 data, 0 for a
    loaded year with none in the area; None when no STATS19 data is loaded): the same
    count the road safety section gives for that year.

    >>> ind = Indicator.model_validate({"id": "ksi", "name": "KSI", "source": "stats19",
    ...     "unit": "count", "baseline": {"value": 60, "period": "2021"},
    ...     "target": {"value": 50, "period": "2024"}, "direction": "reduce"})
    >>> stats19_value(ind, {2022: 57, 2023: 49}, "2023").value
    49.0
    >>> stats19_value(ind, {2022: 57}, "2023").note
    'the STATS19 data loaded has no 2023 (it covers 2022): no value'
    """
    if indicator.source != "stats19":
        raise ParameterError(f"indicator {indicator.id} is not STATS19-sourced")
    src = "DfT STATS19"
    if ksi_by_year is None:
        return LatestValue(
            indicator.id, period, None, source=src,
            note="no STATS19 road casualty data is loaded: ingest DfT's collision and "
            "casualty files to count people killed or seriously injured",
        )  # fmt: skip
    year = int(period)
    if year not in ksi_by_year:
        have = ", ".join(str(y) for y in sorted(ksi_by_year)) or "no year"
        return LatestValue(
            indicator.id, period, None, source=src,
            note=f"the STATS19 data loaded has no {period} (it covers {have}): no value",
        )  # fmt: skip
    return LatestValue(
        indicator.id, period, float(ksi_by_year[year]), source=src,
        note="recorded KSI, as in the road safety section",
    )  # fmt: skip


def county_value(
    indicator: Indicator,
    period: str,
    *,
    county_crimes: pd.DataFrame | None = None,
    county_population: Mapping[int, int] | None = None,
    partner: pd.DataFrame | None = None,
    county_areas: Sequence[str] = (),
    flagged_months: Iterable[str] = (),
) -> LatestValue:
    """The county's value of a rate or percentage indicator in ``period``, to set beside
    the area's: police rates from the county's rows and population; partner rates and
    percentages pooled over ``county_areas`` (sum of numerators over sum of denominators,
    only when every area reports both for the period). Counts get no county value (a
    county total is not comparable with a district's), nor do percentages reported
    without their counts (an average of percentages is not the county's percentage).
    """
    scale = UNIT_SCALE.get(indicator.unit)
    if scale is None:
        return LatestValue(indicator.id, period, None, note="counts are not compared")
    if indicator.source == "police":
        if county_crimes is None:
            return LatestValue(indicator.id, period, None, note="no county rows")
        return police_value(
            indicator, county_crimes, period, county_population, flagged_months=flagged_months
        )
    if partner is None or not county_areas:
        return LatestValue(indicator.id, period, None, note="no partner table")
    rows = _partner_rows(partner, indicator.partner_indicator or "")
    rows = rows[rows["period"].astype("str") == period]
    nums, dens = [], []
    for area in county_areas:
        hit = rows[_same_area(rows["area"], area)]
        if hit.empty:
            return LatestValue(indicator.id, period, None, note=f"{area} has no {period} row")
        num, den = _number(hit["numerator"].iloc[0]), _number(hit["denominator"].iloc[0])
        if num is None or not den:
            return LatestValue(
                indicator.id, period, None,
                note="reported without numerators and denominators: cannot be pooled",
            )  # fmt: skip
        nums.append(num)
        dens.append(den)
    return LatestValue(
        indicator.id, period, sum(nums) / sum(dens) * scale, sum(nums), sum(dens),
        source="partner table, pooled over the county",
    )  # fmt: skip


def latest_values(
    plan: Plan,
    *,
    crimes: pd.DataFrame,
    partner: pd.DataFrame | None,
    area: str,
    not_after: str,
    population: Mapping[int, int] | None = None,
    flagged_months: Iterable[str] = (),
    road_ksi: Mapping[int, int] | None = None,
) -> dict[str, LatestValue]:
    """The latest value of every indicator in ``plan``, keyed by indicator id.

    Police indicators are counted for the latest period like their baseline ending by
    ``not_after`` (the assessed year's last month); partner indicators take the latest
    such row in ``partner`` (None when the store has no partner table); STATS19
    indicators take the latest calendar year's recorded KSI from ``road_ksi`` (see
    :func:`stats19_value`).
    """
    flagged = list(flagged_months)
    out: dict[str, LatestValue] = {}
    for ind in plan.indicators:
        if ind.source == "police":
            period = latest_period_like(ind.baseline.period, not_after)
            out[ind.id] = police_value(ind, crimes, period, population, flagged_months=flagged)
        elif ind.source == "stats19":
            period = latest_period_like(ind.baseline.period, not_after)
            out[ind.id] = stats19_value(ind, road_ksi, period)
        elif partner is None or partner.empty:
            out[ind.id] = LatestValue(ind.id, None, None, note="no partner table in the store")
        else:
            out[ind.id] = partner_value(ind, partner, area, not_after)
    return out


SUMMARY_COLUMNS = [
    "indicator",
    "period",
    "value",
    "numerator",
    "denominator",
    "unit",
    "previous_period",
    "previous_value",
    "change",
    "significance",
    "source",
]


def _year_before(period: str) -> str | None:
    """The same period a year earlier: '2023/24' -> '2022/23', '2023/24 Q4' ->
    '2022/23 Q4', '2023' -> '2022', '2024-03' -> '2023-03'."""
    text = str(period)
    if m := _FQ.match(text):
        y = int(m[1]) - 1
        return f"{y}/{(y + 1) % 100:02d} Q{m[3]}"
    if m := _FY.match(text):
        y = int(m[1]) - 1
        return f"{y}/{(y + 1) % 100:02d}"
    if m := _YEAR.match(text):
        return f"{int(m[1]) - 1}"
    if m := _MONTH.match(text):
        return f"{int(m[1]) - 1}-{m[2]}"
    return None


def _change_label(unit: str, cur: Mapping[str, Any], prev: Mapping[str, Any]) -> str:
    """'Is it real?' for a partner indicator's change on the year before."""
    from statsmodels.stats.proportion import proportions_ztest

    from csplib.indicators.significance import poisson_change_test

    a, b = _number(cur.get("value")), _number(prev.get("value"))
    if a is None or b is None:
        return "not tested"
    if unit == "count":
        if not (a.is_integer() and b.is_integer() and a >= 0 and b >= 0):
            return "not tested"
        return poisson_change_test(int(a), int(b)).label
    nums = [_number(cur.get("numerator")), _number(prev.get("numerator"))]
    dens = [_number(cur.get("denominator")), _number(prev.get("denominator"))]
    if unit in ("percent", "proportion") and None not in nums and all(dens):
        _, p = proportions_ztest(nums, dens)
        if p >= 0.05:
            return "no significant change"
        return "significant rise" if a > b else "significant fall"
    return "not tested (no counts given)"


def partner_summary(partner: pd.DataFrame, area: str, not_after: str) -> pd.DataFrame:
    """Every partner indicator for ``area``: its latest value ending by month
    ``not_after``, the value for the same period a year earlier, and whether the change
    is more than chance (Poisson test for counts; pooled two-proportion z test for
    percentages given with their counts; otherwise 'not tested').

    Returns :data:`SUMMARY_COLUMNS`, one row per indicator, in name order.
    """
    rows = partner[_same_area(partner["area"], area)]
    limit = period_bounds(str(not_after))[1]
    out = []
    for name, part in rows.groupby("indicator", sort=True):
        recs = []
        for rec in part.to_dict("records"):
            try:
                end = period_bounds(str(rec["period"]))[1]
            except ValueError:
                continue
            if end <= limit:
                recs.append((end, len(plan_period_months(str(rec["period"]))), rec))
        if not recs:
            continue
        # The latest period; of two ending together (a year and its Q4) the longer.
        _, _, cur = max(recs, key=lambda t: (t[0], t[1]))
        before = _year_before(str(cur["period"]))
        prev = next((r for _, _, r in recs if str(r["period"]) == before), None)
        unit = str(cur.get("unit") or "")
        a = _number(cur.get("value"))
        b = _number(prev.get("value")) if prev else None
        out.append(
            {
                "indicator": str(name),
                "period": str(cur["period"]),
                "value": a,
                "numerator": _number(cur.get("numerator")),
                "denominator": _number(cur.get("denominator")),
                "unit": unit,
                "previous_period": before if prev else None,
                "previous_value": b,
                "change": None if a is None or b is None else a - b,
                "significance": _change_label(unit, cur, prev) if prev else "no earlier value",
                "source": None if cur.get("source") is None else str(cur.get("source")),
            }
        )
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)


PROGRESS_COLUMNS = [
    *INDICATOR_COLUMNS,
    "county_value",
    "latest_value",
    "latest_period",
    "target_value",
    "target_period",
    *VERDICT_COLUMNS,
    "test",
    "p_value",
    "latest_numerator",
    "latest_denominator",
    "note",
]


def plan_progress(
    plan: Plan, latest: Mapping[str, LatestValue], *, alpha: float = 0.05
) -> pd.DataFrame:
    """Progress of every indicator (:func:`csplib.plan.indicator_progress`) as a table in
    plan order, with the priority each belongs to.

    An indicator with no latest value gets status and RAG ``'no data'`` and the reason.
    Where the source's numerator and denominator disagree with its published value
    (rounding aside), the value is used alone and the note says so.
    """
    rows = []
    for priority in plan.priorities:
        for ind in priority.indicators:
            lv = latest.get(ind.id) or LatestValue(ind.id, None, None, note="not gathered")
            base = indicator_row(priority.name, ind) | {
                "county_value": ind.county.value if ind.county else None,
                "latest_numerator": lv.numerator,
                "latest_denominator": lv.denominator,
                "note": lv.note,
            }
            if lv.value is None:
                rows.append(
                    base | {"latest_value": None, "latest_period": lv.period, "change_pct": None,
                            "status": "no data", "rag": "no data", "rag_reason": lv.note,
                            "test": None, "p_value": None}
                )  # fmt: skip
                continue
            try:
                p = indicator_progress(
                    ind, lv.value, str(lv.period), latest_numerator=lv.numerator,
                    latest_denominator=lv.denominator, alpha=alpha,
                )  # fmt: skip
            except ParameterError:
                p = indicator_progress(ind, lv.value, str(lv.period), alpha=alpha)
                base["note"] = (lv.note + "; " if lv.note else "") + (
                    "numerator and denominator do not match the value: value used alone"
                )
            rows.append(base | p.judgement())
    return add_verdicts(pd.DataFrame(rows, columns=PROGRESS_COLUMNS), alpha=alpha)


# --------------------------------------------------------------------------------------
# one verdict per indicator
# --------------------------------------------------------------------------------------

#: What :func:`indicator_verdict` returns as ``significance``.
VERDICT_SIGNIFICANCE = ("significant rise", "significant fall", "no significant change",
                        "not tested", "no data")  # fmt: skip


def indicator_verdict(
    *,
    status: str,
    direction: str,
    baseline_value: float | None,
    latest_value: float | None,
    p_value: float | None,
    alpha: float = 0.05,
) -> dict[str, str]:
    """The one verdict on a plan indicator: its change from the baseline
    (``significance``), its ``rag`` and a plain-English ``verdict``, all from the same
    test, so a table can never say "significant fall / Green" while another says "no
    significant change", nor show a status its RAG contradicts.

    ``status`` is the progress against the target (:func:`csplib.plan.indicator_progress`:
    'achieved', 'on track', 'off track', 'no data', 'retired'); ``p_value`` the test of the
    change from the baseline (None when no test was possible). The rule (the same as
    :func:`csplib.plan.indicator_progress`'s RAG):

    * no data / retired: that, as RAG and verdict;
    * a real change against the target's direction (or any real change of a level to
      maintain): Red;
    * a real change in the target's direction: Green when the target is met or on track,
      else Amber ("improving, but behind the path to the target");
    * a change that could be chance: Amber, except a level to maintain (Green: held);
    * no test possible: Amber ("cannot be tested").

    >>> v = indicator_verdict(status="achieved", direction="reduce", baseline_value=2400,
    ...                       latest_value=1100, p_value=1e-9)
    >>> v["significance"], v["rag"], v["verdict"]
    ('significant fall', 'green', 'Target met: a real fall from the baseline')
    >>> indicator_verdict(status="achieved", direction="reduce", baseline_value=24,
    ...                   latest_value=20, p_value=0.5)["verdict"]
    'At target, but the fall from the baseline could be chance'
    """
    if status in ("no data", "retired"):
        return {"significance": "no data", "rag": status, "verdict": status.capitalize()}
    change = None
    known = [v for v in (baseline_value, latest_value) if v is not None and not pd.isna(v)]
    if len(known) == 2:
        change = float(latest_value) - float(baseline_value)  # type: ignore[arg-type]
    word = "rise" if (change or 0) > 0 else "fall"
    if p_value is None or pd.isna(p_value) or change is None:
        return {
            "significance": "not tested",
            "rag": "amber",
            "verdict": f"{status.capitalize()}, but the change cannot be tested (no counts given)",
        }
    if float(p_value) >= alpha or change == 0:
        if direction == "maintain":
            return {"significance": "no significant change", "rag": "green",
                    "verdict": "Level held: no real change from the baseline"}  # fmt: skip
        lead = {"achieved": "At target", "on track": "On track"}.get(status, "Off track")
        conj = "but" if status in ("achieved", "on track") else "and"
        return {
            "significance": "no significant change",
            "rag": "amber",
            "verdict": f"{lead}, {conj} the {word} from the baseline could be chance",
        }
    significance = f"significant {word}"
    improving = (change < 0) if direction == "reduce" else (change > 0)
    if direction == "maintain":
        return {"significance": significance, "rag": "red",
                "verdict": f"A real {word} from a level to maintain"}  # fmt: skip
    if not improving:
        return {"significance": significance, "rag": "red",
                "verdict": f"A real {word}, against the target"}  # fmt: skip
    if status == "achieved":
        return {"significance": significance, "rag": "green",
                "verdict": f"Target met: a real {word} from the baseline"}  # fmt: skip
    if status == "on track":
        return {"significance": significance, "rag": "green",
                "verdict": f"On track: a real {word} from the baseline"}  # fmt: skip
    return {"significance": significance, "rag": "amber",
            "verdict": f"A real {word}, but behind the path to the target"}  # fmt: skip


def add_verdicts(progress: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """A copy of a progress table (:func:`plan_progress`, or
    :func:`csplib.plan.progress_in_force`) with ``significance`` and ``verdict`` columns
    and its ``rag`` set by :func:`indicator_verdict`, so every table of the report that
    shows the indicator shows the same verdict."""
    out = progress.copy()
    verdicts = [
        indicator_verdict(
            status=str(r["status"]),
            direction=str(r["direction"]),
            baseline_value=r.get("baseline_value"),
            latest_value=r.get("latest_value"),
            p_value=r.get("p_value"),
            alpha=alpha,
        )
        for r in out.to_dict("records")
    ]
    out["significance"] = pd.Series(
        [v["significance"] for v in verdicts], index=out.index, dtype="object"
    )
    out["verdict"] = pd.Series([v["verdict"] for v in verdicts], index=out.index, dtype="object")
    out["rag"] = pd.Series([v["rag"] for v in verdicts], index=out.index, dtype="object")
    return out


def align_partner_summary(
    summary: pd.DataFrame, progress: pd.DataFrame, indicators: Iterable[Indicator]
) -> pd.DataFrame:
    """The partner table (:func:`partner_summary`) with each plan indicator's row
    carrying the plan's verdict (:func:`add_verdicts`) instead of a second test against
    the year before, which could disagree with it; ``compared_with`` says what each row's
    ``significance`` compares (the plan baseline, or the year before for indicators not
    in the plan)."""
    verdicts = progress.set_index("indicator_id") if "significance" in progress else None
    if verdicts is None:
        verdicts = add_verdicts(progress).set_index("indicator_id")
    by_name = {}
    for ind in indicators:
        if ind.partner_indicator and ind.id in verdicts.index:
            row = verdicts.loc[ind.id]
            by_name[str(ind.partner_indicator).strip().casefold()] = (
                str(row["significance"]),
                f"plan baseline ({row['baseline_period']})",
            )
    out = summary.copy()
    keys = out["indicator"].astype("str").str.strip().str.casefold()
    out["compared_with"] = [by_name[k][1] if k in by_name else "the year before" for k in keys]
    out["significance"] = [
        by_name[k][0] if k in by_name else sig
        for k, sig in zip(keys, out["significance"], strict=True)
    ]
    return out
