"""The annual strategic assessment: one method per section, each returning HTML.

``StrategicAssessment.load(...)`` reads what the assessment needs from the store once
(three financial years of crimes, coverage, geography, population, the partner table,
the Home Office recorded-crime table, the consultation responses and the plan register)
and works out every figure with the indicator functions
(:mod:`csplib.indicators.priorities`, :mod:`csplib.indicators.plan_values`,
:mod:`csplib.indicators.consultation` and the rest). Plan progress is judged against the
revision of the plan in force at the end of the year (:func:`csplib.plan.progress_in_force`);
consultation comments stay out of the report unless ``show_comments``. ``figures`` holds them as one
JSON-able dict (the report's ``figures.json``); the sections only format and draw them
(escaped, captioned, small numbers suppressed). The notebook is one call per section.

The year under assessment must be complete unless ``allow_incomplete``; the two years
before it may hold missing or incomplete months, and those are handled explicitly:
left out of both sides of every comparison (like-for-like months), shown as gaps in the
charts, and counted per complete month in the three-year table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from csplib import paths
from csplib.areas import Area, resolve_area
from csplib.errors import ParameterError
from csplib.indicators.change import rolling_12_months
from csplib.indicators.consultation import (
    compare_rankings,
    consultation_ranking,
    data_ranking,
    said_and_trend,
)
from csplib.indicators.counts import asb_mask, in_period, monthly_counts
from csplib.indicators.keyfigures import suppress_figures
from csplib.indicators.peers import county_table
from csplib.indicators.plan_values import (
    LatestValue,
    county_value,
    latest_values,
    partner_summary,
)
from csplib.indicators.priorities import (
    HARM_NOTE,
    annual_series,
    county_position,
    like_for_like_months,
    months_days,
    recorded_crime_change,
    rolling_comparison,
    score_priorities,
    significant_rises,
    year_on_year,
)
from csplib.indicators.suppression import suppress_series
from csplib.periods import Period, check_coverage, month_range, require_complete
from csplib.plan import Plan, indicator_progress, load_plan, progress_in_force
from csplib.report import html as h
from csplib.report.params import ReportParams
from csplib.sources.consultation import RESPONDENT_TYPES
from csplib.sources.population import population_for
from csplib.store import Store

#: Years in the series: the assessed year and the two before it.
YEARS = 3
INK, ACCENT, WARN, GREY = "#1b1b1b", "#00405f", "#b35c00", "#8c8c8c"
CRIME_COLUMNS = [
    "month", "force", "falls_within", "crime_type", "offence_group", "crime_class", "is_asb",
    "lsoa_code", "lsoa_name", "csp_code", "csp_name", "geo_status",
]  # fmt: skip


@dataclass
class AssessmentData:
    """What the assessment reads from the store, once."""

    store: Store
    area: Area
    period: Period
    crimes: pd.DataFrame  # every force the area touches, the three years
    coverage: pd.DataFrame
    lad: pd.DataFrame
    population: pd.DataFrame  # level 'lad'
    synthetic: bool
    plan: Plan | None = None
    plan_file: str | None = None
    partner: pd.DataFrame | None = None
    recorded: pd.DataFrame | None = None
    consultation: pd.DataFrame | None = None  # the store's table, every area (None: absent)
    notes: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[Period]:
        """The three financial years, oldest first."""
        out = [self.period]
        for _ in range(YEARS - 1):
            out.insert(0, out[0].same_period_last_year())
        return out

    @property
    def months(self) -> list[str]:
        return month_range(self.years[0].start, self.period.end)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


def load_assessment_data(params: ReportParams) -> AssessmentData:
    """Read the store for one assessment; refuse an incomplete year under assessment
    (unless ``allow_incomplete``)."""
    store = Store(params.store_path())
    period = params.parsed_period()
    lad = store.read("geography_lad") if store.has("geography_lad") else _empty(
        ["lad_code", "lad_name", "csp_code", "csp_name", "pfa_code", "pfa_name"]
    )  # fmt: skip
    forces = store.forces()
    if not forces:
        store.crimes()  # raises the "no crimes data; run csp ingest" error
    area = resolve_area(params.area, lad, forces)
    coverage = store.coverage()
    if not params.allow_incomplete:
        require_complete(period, coverage, list(area.forces))
    first = Period.fyear(int(period.start[:4]) - (YEARS - 1))
    crimes = store.crimes(CRIME_COLUMNS, months=month_range(first.start, period.end))
    pop = store.read("population") if store.has("population") else _empty(
        ["area_code", "area_name", "level", "year", "population"]
    )  # fmt: skip
    names = crimes["falls_within"].dropna().unique()
    synthetic = any("synthetic" in str(n).casefold() for n in names) or str(
        area.code or ""
    ).startswith("X")
    plan, plan_file = None, None
    if params.plan_file:
        path = params.project_path(params.plan_file)
        plan = load_plan(path)
        # Named relative to the project when inside it, so the figures do not depend on
        # how the path was given.
        plan_file = str(path.relative_to(paths.ROOT) if path.is_relative_to(paths.ROOT) else path)
    return AssessmentData(
        store=store, area=area, period=period, crimes=crimes, coverage=coverage, lad=lad,
        population=pop[pop["level"] == "lad"], synthetic=synthetic or bool(plan and plan.synthetic),
        plan=plan, plan_file=plan_file,
        partner=store.read("partner_indicators") if store.has("partner_indicators") else None,
        recorded=store.read("recorded_crime") if store.has("recorded_crime") else None,
        consultation=store.read("consultation") if store.has("consultation") else None,
    )  # fmt: skip


# --------------------------------------------------------------------------------------
# JSON-able figures
# --------------------------------------------------------------------------------------


def _clean(value: object, digits: int = 4) -> object:
    """Plain JSON values: NaN and <NA> -> None, numpy numbers -> Python, floats rounded."""
    if isinstance(value, dict):
        return {str(k): _clean(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v, digits) for v in value]
    if isinstance(value, np.ndarray):
        return [_clean(v, digits) for v in value.tolist()]
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else round(float(value), digits)
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict]:
    return [_clean(r) for r in frame.astype(object).to_dict("records")]  # type: ignore[misc]


def _population_by_year(pop: pd.DataFrame, lad_codes) -> dict[int, int]:
    """{mid-year: people} for the sum of ``lad_codes``, for years every code has."""
    codes = list(lad_codes)
    if pop.empty or not codes:
        return {}
    rows = pop[pop["area_code"].isin(codes)]
    out = {}
    for year, part in rows.groupby("year"):
        if set(part["area_code"]) == set(codes):
            out[int(year)] = int(part.groupby("area_code")["population"].first().sum())
    return out


def _csp_population(data: AssessmentData, csp: str, year: int) -> tuple[int, int] | None:
    codes = data.lad.loc[data.lad["csp_name"] == csp, "lad_code"].tolist()
    if data.population.empty or not codes:
        return None
    try:
        return population_for(data.population, codes, year)
    except ParameterError:
        return None


def _readings(
    register: Plan, latest: dict[str, LatestValue]
) -> tuple[dict[str, dict], dict[str, LatestValue]]:
    """Latest values as :func:`csplib.plan.progress_in_force` takes them, and the latest
    values with notes. Where a source's numerator and denominator disagree with its
    published value (beyond rounding), the value is judged alone and its note says so
    (as :func:`csplib.indicators.plan_values.plan_progress` does)."""
    readings, notes = {}, dict(latest)
    for ind in register.indicators:
        lv = latest[ind.id]
        if lv.value is None:
            continue
        reading = {"value": lv.value, "period": lv.period, "numerator": lv.numerator,
                   "denominator": lv.denominator}  # fmt: skip
        try:
            indicator_progress(ind, lv.value, str(lv.period), latest_numerator=lv.numerator,
                               latest_denominator=lv.denominator)  # fmt: skip
        except ParameterError:
            reading |= {"numerator": None, "denominator": None}
            notes[ind.id] = LatestValue(
                lv.indicator_id, lv.period, lv.value, None, None, lv.source,
                (lv.note + "; " if lv.note else "")
                + "numerator and denominator do not match the value: value used alone",
            )  # fmt: skip
        readings[ind.id] = reading
    return readings, notes


# --------------------------------------------------------------------------------------
# charts (matplotlib, drawn off-screen; each returns the figure and its alt text)
# --------------------------------------------------------------------------------------


def _label(month: str) -> str:
    return h.fmt_month(month)


def series_chart(
    monthly: pd.DataFrame,
    title: str,
    *,
    rolling: pd.DataFrame | None = None,
    highlight: list[str] | None = None,
    measure: str = "crimes",
) -> tuple:
    """Monthly counts (a gap and a marker where a month is flagged, never a dip), with
    rolling 12-month totals underneath when given. ``monthly``: month, count (``<NA>``
    for a flagged month); ``rolling``: month, rolling_12 (``<NA>`` for a window holding
    a flagged month); ``highlight``: months to shade (the period under report)."""
    months = list(monthly["month"].astype("str"))
    values = monthly["count"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    x = np.arange(len(months))
    panels = 2 if rolling is not None else 1
    fig, axes = plt.subplots(panels, 1, figsize=(9, 3.2 * panels), squeeze=False)
    ax = axes[0][0]
    if highlight:
        idx = [i for i, m in enumerate(months) if m in set(highlight)]
        if idx:
            ax.axvspan(min(idx) - 0.5, max(idx) + 0.5, color="#eef4f8", zorder=0)
    ax.plot(x, values, color=ACCENT, marker="o", markersize=3, linewidth=1.5, label=measure)
    gaps = np.isnan(values)
    top = np.nanmax(values) if (~gaps).any() else 1.0
    if gaps.any():
        ax.scatter(x[gaps], np.full(gaps.sum(), top * 0.05), marker="x", color=WARN, s=50,
                   zorder=3, label="month missing or incomplete: left out")  # fmt: skip
    ticks = x[:: max(1, len(x) // 9)]
    ax.set_xticks(ticks, [_label(months[i]) for i in ticks], fontsize=8)
    ax.set_ylabel(f"{measure} per month")
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=11, loc="left")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    known = [(m, v) for m, v in zip(months, values, strict=True) if not np.isnan(v)]
    alt = (
        f"Line chart of monthly {measure} from {_label(months[0])} to {_label(months[-1])}. "
        f"The lowest complete month is {min(known, key=lambda t: t[1])[1]:,.0f} "
        f"({_label(min(known, key=lambda t: t[1])[0])}) and the highest "
        f"{max(known, key=lambda t: t[1])[1]:,.0f} ({_label(max(known, key=lambda t: t[1])[0])}); "
        f"the latest, {_label(known[-1][0])}, is {known[-1][1]:,.0f}. "
        if known
        else f"Line chart of monthly {measure}: no complete month. "
    )
    flagged = [months[i] for i in np.flatnonzero(gaps)]
    if flagged:
        alt += (
            f"{', '.join(_label(m) for m in flagged)} is missing or incomplete and is shown "
            "as a gap with a cross, not as a real fall. "
        )
    if rolling is not None:
        ax2 = axes[1][0]
        r = rolling.set_index(rolling["month"].astype("str"))["rolling_12"].reindex(months)
        rv = r.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        ax2.plot(x, rv, color=INK, linewidth=1.8, label="rolling 12-month total")
        ax2.set_xticks(ticks, [_label(months[i]) for i in ticks], fontsize=8)
        ax2.set_ylabel(f"{measure}, 12 months to")
        ax2.legend(fontsize=8, frameon=False, loc="lower right")
        ax2.spines[["top", "right"]].set_visible(False)
        have = [(m, v) for m, v in zip(months, rv, strict=True) if not np.isnan(v)]
        if have:
            alt += (
                f"The lower panel shows rolling 12-month totals where every month of the window "
                f"is complete: {have[0][1]:,.0f} in the 12 months to {_label(have[0][0])} and "
                f"{have[-1][1]:,.0f} in the 12 months to {_label(have[-1][0])}; windows that "
                "include a flagged month are left blank."
            )
    fig.tight_layout()
    return fig, alt


def rate_bars(table: pd.DataFrame, area: str, title: str) -> tuple:
    """Horizontal bars of each partnership's rate per 1,000, the area highlighted."""
    body = table[table["area"] != "Total"].sort_values("rate")
    county = table[table["area"] == "Total"]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(body) + 1.3))
    colours = [WARN if a == area else ACCENT for a in body["area"]]
    ax.barh(body["area"], body["rate"], color=colours)
    if not county.empty:
        ax.axvline(float(county["rate"].iloc[0]), color=INK, linestyle="--", linewidth=1,
                   label="county rate")  # fmt: skip
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_xlabel("crimes per 1,000 residents")
    ax.set_title(title, fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    me = table[table["area"] == area]
    alt = (
        f"Bar chart of crimes per 1,000 residents for the {len(body)} partnerships in the county. "
    )
    if not me.empty:
        alt += (
            f"{area} is {float(me['rate'].iloc[0]):,.1f}, ranked {int(me['rank'].iloc[0])} of "
            f"{len(body)} (1 = highest)"
        )
        if not county.empty:
            alt += f", against a county rate of {float(county['rate'].iloc[0]):,.1f}"
        alt += "."
    return fig, alt


def score_bars(scores: pd.DataFrame, title: str) -> tuple:
    """Stacked bars of each candidate's points by component (consultation points when
    they were scored)."""
    s = scores.sort_values(["score", "count"]).tail(10)
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(s) + 1.3))
    left = np.zeros(len(s))
    parts = [("volume_points", "volume", ACCENT), ("trend_points", "trend", WARN),
             ("county_points", "county position", GREY)]  # fmt: skip
    said = "consultation_points" in scores and scores["consultation_points"].notna().any()
    if said:
        parts.append(("consultation_points", "consultation", "#6a9a3a"))
    for col, label, colour in parts:
        vals = s[col].fillna(0).to_numpy(dtype=float)
        ax.barh(s["candidate"], vals, left=left, color=colour, label=label)
        left += vals
    ax.set_xlabel("points (" + " + ".join(label for _, label, _ in parts) + ")")
    ax.set_title(title, fontsize=11, loc="left")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", labelsize=8)
    best = scores.head(3)
    names = ", ".join(label for _, label, _ in parts[:-1]) + " and " + parts[-1][1]
    alt = (
        f"Stacked bar chart of the priority score of each crime type, split into {names} "
        "points. Highest: "
        + "; ".join(
            f"{r.candidate} {int(r.score)} points ({int(r.volume_points)} volume, "
            f"{int(r.trend_points)} trend, {int(r.county_points)} county"
            + (f", {int(r.consultation_points)} consultation" if said else "")
            + ")"
            for r in best.itertuples()
        )
        + "."
    )
    return fig, alt


# --------------------------------------------------------------------------------------
# the assessment
# --------------------------------------------------------------------------------------


def _score_rules(consultation: bool) -> list[str]:
    """The priority score's rules in words (csplib.indicators.priorities documents them)."""
    rules = [
        "Volume: share of the area's total recorded crime in the year: 3 points at 20% or "
        "more, 2 at 10%, 1 at 5%, else 0.",
        "Trend: the year against the year before (like-for-like months), Poisson test at "
        "5%: 3 for a significant rise with |Z| > 3, 2 for a significant rise, 1 for no "
        "significant change, 0 for a significant fall.",
        "County position: the rate per 1,000 against the county's pooled rate (funnel "
        "limits): 3 above at 99.8%, 2 above at 95%, 1 within, 0 below.",
        "Harm: " + HARM_NOTE,
    ]
    if consultation:
        rules.append(
            "Consultation: each crime type takes the consultation priority that it measures "
            "(Violence: violence and sexual offences; Theft: other theft, theft from the "
            "person and bicycle theft; and so on): 3 points if respondents rank that priority "
            "in their top three, 2 if at least 20% of respondents chose it, 1 if at least "
            "10%, else 0 (also when nobody named it)."
        )
        rules.append(
            "Score = volume + trend + county + consultation (0 to 12); ties go to the larger "
            "count; the top three are recommended. The consultation weighs as much as each "
            "measure of the data, so the data carries 9 of the 12 points. Anti-social "
            "behaviour is not crime and is weighed through the plan's ASB indicator and the "
            "consultation section instead."
        )
    else:
        rules.append(
            "Consultation: not scored, as the store holds no consultation responses for this area."
        )
        rules.append(
            "Score = volume + trend + county (0 to 9); ties go to the larger count; the top "
            "three are recommended. Anti-social behaviour is not crime and is weighed "
            "through the plan's ASB indicator instead."
        )
    return rules


#: How the change kinds of a plan revision read in a report.
CHANGE_LABELS = {
    "add_indicator": "indicator added", "retire_indicator": "indicator retired",
    "move_target": "target moved", "change_baseline": "baseline changed",
    "add_priority": "priority added", "retire_priority": "priority retired",
    "rename_priority": "priority renamed", "change_priority": "priority refocused",
}  # fmt: skip


def _p_text(p: float) -> str:
    return "<0.0001" if p < 0.0001 else f"{p:.4f}"


class StrategicAssessment:
    """Sections of the annual strategic assessment for one area and financial year."""

    def __init__(
        self, data: AssessmentData, threshold: int = 5, *, show_comments: bool = False
    ) -> None:
        self.data = data
        self.threshold = threshold
        # Free-text comments can identify people: printed only when asked for.
        self.show_comments = bool(show_comments)
        self.period = data.period
        self.previous = data.period.same_period_last_year()
        self.years = data.years
        area = data.area
        self.flags = check_coverage(data.months, data.coverage, list(area.forces))
        self.flagged = sorted(set(self.flags["month"]))
        self.lfl = like_for_like_months(self.period, self.previous, self.flagged)
        self.area_crimes = area.select(data.crimes)
        self.tables: dict[str, pd.DataFrame] = {}
        self.figures: dict = {}
        self._compute()

    @classmethod
    def load(cls, **params) -> StrategicAssessment:
        """Build from notebook parameters (the same keys as a parameter file)."""
        p = ReportParams(report="strategic_assessment", **params)
        return cls(load_assessment_data(p), threshold=p.threshold, show_comments=p.show_comments)

    def save_figures(self, path: str | Path | None) -> Path | None:
        """Write the figures as JSON (the report's ``figures.json``), small counts
        suppressed (:func:`~csplib.indicators.keyfigures.suppress_figures`)."""
        if not path:
            return None
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        shared = suppress_figures(self.figures, self.threshold)
        out.write_text(json.dumps(shared, indent=2), encoding="utf-8")
        return out

    # ---- computing (indicator functions only; nothing here is formatted) ------------
    def _compute(self) -> None:
        d, f = self.data, self.figures
        area, period = d.area, self.period
        f.update({
            "area": area.name, "area_kind": area.kind, "area_code": area.code,
            "period": period.label, "previous_period": self.previous.label,
            "years": [y.label for y in self.years], "months_used": period.months,
            "synthetic": d.synthetic, "threshold": self.threshold,
            "coverage": {
                "year_complete": not any(m in period.months for m in self.flagged),
                "flags": _records(self.flags),
            },
            "comparison": {
                "current_months": self.lfl.current, "previous_months": self.lfl.previous,
                "excluded": [list(p) for p in self.lfl.excluded],
            },
        })  # fmt: skip
        crimes = self.area_crimes
        asb = asb_mask(crimes)
        cur_rows = crimes["month"].isin(self.lfl.current)
        prev_rows = crimes["month"].isin(self.lfl.previous)
        year_rows = crimes["month"].isin(period.months)
        f["total_crime"] = year_on_year(
            int((cur_rows & ~asb).sum()), int((prev_rows & ~asb).sum()), self.lfl
        ) | {"year": int((year_rows & ~asb).sum())}
        f["asb"] = year_on_year(
            int((cur_rows & asb).sum()), int((prev_rows & asb).sum()), self.lfl
        ) | {"year": int((year_rows & asb).sum())}
        year = int(period.start[:4])
        self.pop_by_year = _population_by_year(d.population, area.lad_codes)
        pop = population_for(d.population, list(area.lad_codes), year) if self.pop_by_year else None
        f["rate_per_1000"] = (
            {"current": f["total_crime"]["year"] / pop[0] * 1000, "population": pop[0],
             "population_year": pop[1]} if pop else None
        )  # fmt: skip
        self._series()
        self._county()
        self._plan()
        self._partner()
        self._consultation()
        self._emerging()
        self._priorities()
        self._recorded()
        self.figures = _clean(f)  # type: ignore[assignment]

    def _series(self) -> None:
        d, f = self.data, self.figures
        forces = list(d.area.forces)
        monthly = monthly_counts(self.area_crimes, d.months, coverage=d.coverage, force=forces)
        monthly_asb = monthly_counts(
            self.area_crimes, d.months, measure="asb", coverage=d.coverage, force=forces
        )
        self.tables["monthly"] = monthly
        self.tables["rolling"] = rolling_12_months(monthly[["month", "count"]])
        crime_years = annual_series(monthly, self.years)
        asb_years = annual_series(monthly_asb, self.years)
        crime_years["asb"] = asb_years["count"]
        crime_years["asb_per_month"] = asb_years["per_month"]
        self.tables["three_year"] = crime_years
        f["three_year"] = _records(crime_years)
        ends = [m for m in self.period.months if m[5:] in ("03", "06", "09", "12")]
        self.tables["rolling_table"] = rolling_comparison(monthly[["month", "count"]], ends)
        f["rolling_12"] = _records(self.tables["rolling_table"])

    def _county_members(self) -> pd.DataFrame | None:
        """Per county CSP: the year's crimes and population, and like-for-like counts."""
        d = self.data
        if not d.area.csp_names:
            return None
        county = d.crimes[
            d.crimes["csp_name"].isin(d.area.csp_names) & d.crimes["force"].isin(d.area.forces)
        ]
        county = county[~asb_mask(county)]
        year = int(self.period.start[:4])
        rows = []
        for csp in d.area.csp_names:
            pop = _csp_population(d, csp, year)
            if pop is None:
                return None
            own = county[county["csp_name"] == csp]
            rows.append({
                "area": csp, "count": int(own["month"].isin(self.period.months).sum()),
                "population": pop[0],
                "lfl_current": int(own["month"].isin(self.lfl.current).sum()),
                "lfl_previous": int(own["month"].isin(self.lfl.previous).sum()),
            })  # fmt: skip
        self.county_crimes = county
        return pd.DataFrame(rows)

    def _county(self) -> None:
        members = self._county_members()
        self.county_members = members
        if members is None:
            self.figures["county"] = None
            return
        rates = county_table(members[["area", "count", "population"]])
        change = county_table(
            members[["area", "lfl_current", "population", "lfl_previous"]].rename(
                columns={"lfl_current": "count", "lfl_previous": "count_previous"}
            )
        )
        rates = rates.merge(
            change[["area", "count", "count_previous", "change_pct"]].rename(
                columns={"count": "lfl_current", "count_previous": "lfl_previous"}
            ),
            on="area",
        )
        self.tables["county"] = rates
        self.figures["county"] = _records(rates)

    def _plan(self) -> None:
        d, plan = self.data, self.data.plan
        if plan is None:
            self.figures["plan"] = None
            return
        # Progress is judged against the register in force at the end of the year: a
        # revision before then may have moved a target, added an indicator (judged from
        # then on) or retired one (shown as retired). A plan that starts after the year
        # is judged against the register it starts with.
        month = max(self.period.end, plan.start_month)
        register = plan.in_force(month)
        self.register = register
        latest = latest_values(
            register, crimes=self.area_crimes, partner=d.partner, area=d.area.name,
            not_after=self.period.end, population=self.pop_by_year, flagged_months=self.flagged,
        )  # fmt: skip
        readings, latest = _readings(register, latest)
        progress = progress_in_force(plan, month, readings)
        by_id = {i.id: i for i in register.indicators}
        county_lads = d.lad.loc[d.lad["csp_name"].isin(d.area.csp_names), "lad_code"]
        county_pop = _population_by_year(d.population, county_lads)
        county_rows = d.crimes[d.crimes["csp_name"].isin(d.area.csp_names)]
        extra = []
        for r in progress.itertuples():
            ind = by_id.get(r.indicator_id)
            lv = latest.get(r.indicator_id) or LatestValue(r.indicator_id, None, None)
            cv = None
            if ind is not None and lv.period:
                cv = county_value(
                    ind, lv.period, county_crimes=county_rows, county_population=county_pop,
                    partner=d.partner, county_areas=list(d.area.csp_names),
                    flagged_months=self.flagged,
                ).value  # fmt: skip
            extra.append({
                "county_value": ind.county.value if ind is not None and ind.county else None,
                "county_latest": cv,
                "latest_numerator": lv.numerator if ind is not None else None,
                "latest_denominator": lv.denominator if ind is not None else None,
                "note": lv.note if ind is not None else "",
            })  # fmt: skip
        progress = pd.concat([progress, pd.DataFrame(extra, index=progress.index)], axis=1)
        # Say why there is no value (the store lacks it, or its period is flagged).
        nodata = (progress["rag"] == "no data") & (progress["note"].fillna("") != "")
        progress.loc[nodata, "rag_reason"] = progress.loc[nodata, "note"]
        progress.loc[nodata, "latest_period"] = [
            latest[i].period for i in progress.loc[nodata, "indicator_id"]
        ]
        self.tables["plan"] = progress
        info = register.revised_by
        assert info is not None
        self.tables["plan_changes"] = plan.latest_revision_changes(month)
        self.tables["plan_changes_in_year"] = plan.changes_between(self.previous.end, month)
        self.figures["plan"] = {
            "name": plan.name, "file": d.plan_file, "synthetic": plan.synthetic,
            "judged_at": month,
            "revision": {"title": info.title, "effective": info.effective, "why": info.why,
                         "original": info.original},
            "revisions": _records(plan.revisions_table()),
            "latest_revision_changes": _records(self.tables["plan_changes"]),
            "changes_in_year": _records(self.tables["plan_changes_in_year"]),
            "indicators": _records(progress),
            "rag_counts": {k: int(v) for k, v in progress["rag"].value_counts().items()},
        }  # fmt: skip

    def _partner(self) -> None:
        d = self.data
        if d.partner is None or d.partner.empty:
            self.figures["partner"] = None
            return
        table = partner_summary(d.partner, d.area.name, self.period.end)
        self.tables["partner"] = table
        self.figures["partner"] = _records(table)

    def _consultation_rows(self) -> pd.DataFrame | None:
        """The area's consultation responses (None when the store has no table). A
        whole force area takes the responses of every partnership in it."""
        table = self.data.consultation
        if table is None:
            return None
        area = self.data.area
        names = {area.name.casefold()}
        if area.kind == "force":
            names |= {n.casefold() for n in area.csp_names}
        return table[table["area"].astype("str").str.strip().str.casefold().isin(names)]

    def _consultation(self) -> None:
        rows = self._consultation_rows()
        self.said = None  # the consultation ranking, when there are responses
        if rows is None or rows.empty:
            self.consultation_note = (
                "No consultation responses: the store holds no consultation table, so what "
                "residents and partners said cannot be set beside the data. Ingest the "
                "responses (template: data/templates/consultation_template.csv) to add it."
                if rows is None else
                f"The store's consultation responses include none for {self.data.area.name}, "
                "so what residents and partners said cannot be set beside the data."
            )  # fmt: skip
            self.figures["consultation"] = None
            return
        said = consultation_ranking(rows)
        year = self.area_crimes[self.area_crimes["month"].isin(self.period.months)]
        data = data_ranking(year.groupby("crime_type").size())
        both = compare_rankings(said, data).merge(
            said[["priority", "respondents", *RESPONDENT_TYPES, "mean_rank"]], on="priority",
            how="left",
        )  # fmt: skip
        for col in ("respondents", *RESPONDENT_TYPES):
            both[col] = both[col].fillna(0).astype("int64")
        people = rows.drop_duplicates("respondent_id")["respondent_type"].value_counts()
        by_type = people.reindex(list(RESPONDENT_TYPES), fill_value=0).astype("int64")
        text = rows["comment"].astype("string").str.strip()
        comments = rows.loc[text.notna() & (text != ""), ["respondent_type", "priority", "comment"]]
        self.said = said
        self.tables["consultation"] = both
        self.tables["consultation_by_type"] = by_type
        self.tables["consultation_comments"] = comments.reset_index(drop=True)
        self.figures["consultation"] = {
            "respondents": int(rows["respondent_id"].nunique()),
            "by_type": {k: int(v) for k, v in by_type.items()},
            "ranking": _records(said),
            "data_ranking": _records(data),
            "comparison": _records(both),
            "top_said": said["priority"].head(3).tolist(),
            "top_data": data["priority"].head(3).tolist(),
            # Only how many: the text stays out of the figures, shown or not.
            "comments": len(comments),
            "comments_shown": self.show_comments,
        }  # fmt: skip

    def _lfl_counts(self, key: str | list[str]) -> pd.DataFrame:
        """Like-for-like crime counts per ``key`` (ASB left out), every key of either year."""
        rows = self.area_crimes[~asb_mask(self.area_crimes)]
        keys = [key] if isinstance(key, str) else key
        cur = rows[rows["month"].isin(self.lfl.current)].groupby(keys).size()
        prev = rows[rows["month"].isin(self.lfl.previous)].groupby(keys).size()
        out = pd.concat([cur.rename("current"), prev.rename("previous")], axis=1)
        return out.fillna(0).astype("int64").reset_index()

    def _emerging(self) -> None:
        days = months_days(self.lfl.current), months_days(self.lfl.previous)
        groups = significant_rises(
            self._lfl_counts("offence_group"), current_exposure=days[0],
            previous_exposure=days[1], min_count=self.threshold,
        )  # fmt: skip
        lsoas = significant_rises(
            self._lfl_counts(["lsoa_code", "lsoa_name"]), current_exposure=days[0],
            previous_exposure=days[1], min_count=self.threshold,
        )  # fmt: skip
        self.tables["emerging_groups"] = groups
        self.tables["emerging_lsoas"] = lsoas
        self.figures["emerging"] = {
            "groups": _records(groups[groups["rise"]]),
            "lsoas": _records(lsoas[lsoas["rise"]]),
            "lsoas_tested": len(lsoas),
            "groups_tested": len(groups),
        }
        if self.said is None:
            self.figures["emerging"]["said_and_trend"] = None
            return
        # What respondents rank highest beside what rose: crime and ASB by type over the
        # like-for-like months.
        rows = self.area_crimes
        cur = rows[rows["month"].isin(self.lfl.current)].groupby("crime_type").size()
        prev = rows[rows["month"].isin(self.lfl.previous)].groupby("crime_type").size()
        both = said_and_trend(
            self.said, cur, prev, current_exposure=days[0], previous_exposure=days[1]
        )
        self.tables["said_and_trend"] = both
        self.figures["emerging"]["said_and_trend"] = _records(both)

    def _priorities(self) -> None:
        crimes = self.area_crimes[~asb_mask(self.area_crimes)]
        year = crimes[crimes["month"].isin(self.period.months)]
        cand = self._lfl_counts("crime_type").rename(columns={"crime_type": "candidate"})
        counts = year.groupby("crime_type").size()
        cand["count"] = cand["candidate"].map(counts).fillna(0).astype("int64")
        members = self.county_members
        if members is not None:
            county = self.county_crimes[self.county_crimes["month"].isin(self.period.months)]
            by = county.groupby(["csp_name", "crime_type"]).size().reset_index(name="count")
            by = by.rename(columns={"csp_name": "area", "crime_type": "candidate"})
            pos = county_position(by, members.set_index("area")["population"], self.data.area.name)
            cand = cand.merge(pos[["candidate", "verdict_95", "verdict_998"]], on="candidate",
                              how="left")  # fmt: skip
        days = months_days(self.lfl.current), months_days(self.lfl.previous)
        scores = score_priorities(
            cand, total=self.figures["total_crime"]["year"], current_exposure=days[0],
            previous_exposure=days[1], consultation=self.said,
        )  # fmt: skip
        self.tables["priorities"] = scores
        self.figures["priorities"] = {
            "scores": _records(scores),
            "recommended": list(scores.loc[scores["recommended"], "candidate"]),
            "harm_scored": False,
            "consultation_scored": self.said is not None,
        }

    def _recorded(self) -> None:
        d = self.data
        if d.recorded is None:
            self.figures["recorded_crime"] = None
            return
        args = (d.recorded, d.area.name, self.period.label, self.previous.label)
        sub = recorded_crime_change(*args)
        if sub.empty:
            self.figures["recorded_crime"] = None
            return
        groups = recorded_crime_change(*args, by="group")
        total = recorded_crime_change(*args, by="total")
        self.tables["recorded"] = sub
        self.tables["recorded_groups"] = groups
        self.figures["recorded_crime"] = {
            "quarters": dict(sub.attrs["quarters"]),
            "groups": _records(groups),
            "total": _records(total)[0],
            "subgroups": _records(sub),
        }

    # ---- formatting helpers --------------------------------------------------------
    def _count(self, n: object) -> str:
        """A count as shown in shared tables: 1..threshold-1 become '<threshold'."""
        if n is None or n is pd.NA or (isinstance(n, float) and np.isnan(n)):
            return "n/a"
        n = int(n)  # type: ignore[arg-type]
        return f"<{self.threshold}" if 0 < n < self.threshold else f"{n:,}"

    def _hide(self, shown: pd.Series, *counts: pd.Series) -> pd.Series:
        """``shown`` with '[c]' wherever one of ``counts`` is small (1 to threshold - 1):
        a share or change next to a published total or count would reveal it."""
        small = pd.Series(False, index=shown.index)
        for c in counts:
            values = pd.to_numeric(c, errors="coerce").reindex(shown.index)
            small |= (values > 0) & (values < self.threshold)
        return shown.where(~small.fillna(False).astype(bool), "[c]")

    def _lfl_note(self) -> str:
        if not self.lfl.excluded:
            return "Every month of both years is complete: the whole years are compared."
        pairs = "; ".join(f"{h.fmt_month(c)} and {h.fmt_month(p)}" for c, p in self.lfl.excluded)
        bad = ", ".join(h.fmt_month(m) for m in self.flagged)
        return (
            f"{bad} is missing or incomplete in the data, so the same calendar month is left "
            f"out of both years ({pairs}): {len(self.lfl.current)} months are compared with "
            f"{len(self.lfl.previous)}, never a short month with a full one."
        )

    def _value(self, unit: str, value: object) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "n/a"
        v = float(value)  # type: ignore[arg-type]
        if unit == "count":
            return self._count(v) if v.is_integer() else f"{v:,.1f}"
        if unit == "percent":
            return f"{v:.1f}%"
        return f"{v:,.2f}"

    # ---- sections ------------------------------------------------------------------
    def title(self) -> h.Html:
        f = self.figures
        kind = "partnership" if self.data.area.kind == "csp" else "force area"
        parts = []
        if self.data.synthetic:
            parts.append(h.synthetic_banner())
        parts.append(h.Html(
            f"<h1>Strategic assessment: {h.esc(f['area'])}, {h.esc(self.period.label)}</h1>"
        ))  # fmt: skip
        parts.append(h.paragraph(
            f"The annual strategic assessment of crime and disorder for the {kind} {f['area']}: "
            f"the financial year {self.period.label} (April {self.period.start[:4]} to March "
            f"{self.period.end[:4]}) against {self.previous.label}, with three years of trend.",
            "subtitle",
        ))  # fmt: skip
        return h.join(parts)

    def summary(self) -> h.Html:
        """Headline sentences and the key facts table."""
        f = self.figures
        t, a = f["total_crime"], f["asb"]
        items = []
        verb = {"significant rise": "rose", "significant fall": "fell"}.get(t["significance"])
        months = (
            "" if not t["excluded"] else f" (over the {t['months']} months complete in both years)"
        )
        if verb:
            items.append(
                f"Total recorded crime {verb} by {abs(t['pct_change'] or 0):.1f}% on "
                f"{self.previous.label}{months}: {t['current']:,} crimes against {t['previous']:,}."
            )
        else:
            items.append(
                f"Total recorded crime was {t['current']:,} against {t['previous']:,} in "
                f"{self.previous.label}{months} ({h.fmt_pct(t['pct_change'])}): no significant change."
            )
        items.append(
            f"{t['year']:,} crimes were recorded in {self.period.label}"
            + (f", {f['rate_per_1000']['current']:.1f} per 1,000 residents." if f["rate_per_1000"] else ".")
        )  # fmt: skip
        items.append(
            f"Anti-social behaviour (not counted as crime): {a['current']:,} incidents against "
            f"{a['previous']:,} ({h.fmt_pct(a['pct_change'])}; {a['significance']})."
        )
        if f["county"]:
            me = next((r for r in f["county"] if r["area"] == f["area"]), None)
            if me:
                items.append(
                    f"{f['area']} ranks {me['rank']} of {len(f['county']) - 1} partnerships in the "
                    "county for crimes per 1,000 residents (1 = highest)."
                )
        if f["plan"]:
            rc, rev = f["plan"]["rag_counts"], f["plan"]["revision"]
            against = "as first published" if rev["original"] else f"as of the {rev['title']}"
            retired = rc.get("retired", 0)
            items.append(
                f"Plan indicators ({against}): "
                + ", ".join(f"{rc.get(k, 0)} {k}" for k in ("green", "amber", "red", "no data"))
                + (f"; {retired} retired by a revision and no longer judged" if retired else "")
                + "."
            )
        if f["consultation"]:
            items.append(
                "Consultation respondents rank highest: "
                + ", ".join(f["consultation"]["top_said"])
                + "; the data ranks highest: "
                + ", ".join(f["consultation"]["top_data"])
                + "."
            )
        rec = f["priorities"]["recommended"]
        if rec:
            items.append(
                "Recommended priorities from the evidence"
                + (" and the consultation" if f["priorities"]["consultation_scored"] else "")
                + ": "
                + ", ".join(rec)
                + "."
            )
        parts = [h.paragraph(items[0], "headline"), h.bullet_list(items[1:])]
        if self.lfl.excluded:
            parts.append(h.callout(self._lfl_note(), "warning"))
        rows = []
        for key, label in (("total_crime", "Total recorded crime (excluding ASB)"),
                           ("asb", "Anti-social behaviour incidents")):  # fmt: skip
            x = f[key]
            rows.append({
                "Measure": label, self.period.label: self._count(x["current"]),
                self.previous.label: self._count(x["previous"]),
                "Change": h.fmt_signed(x["change"]), "Change %": h.fmt_pct(x["pct_change"]),
                "Is it real?": x["significance"],
            })  # fmt: skip
        parts.append(h.table(
            pd.DataFrame(rows),
            f"Key facts: {f['area']}, {self.period.label} against {self.previous.label}"
            + (f" ({t['months']} like-for-like months)" if t["excluded"] else ""),
            numeric=[self.period.label, self.previous.label, "Change", "Change %"],
            row_header="Measure",
            note="'Is it real?': two-sample Poisson test of the counts (exact conditional test "
            "for small counts), exposures the days compared.",
        ))  # fmt: skip
        return h.join(parts)

    def total_crime(self) -> h.Html:
        """Three financial years: monthly chart with rolling 12 months, and tables."""
        f = self.figures
        monthly, rolling = self.tables["monthly"], self.tables["rolling"]
        fig, alt = series_chart(
            monthly, f"Monthly recorded crime, {f['area']}", rolling=rolling,
            highlight=self.period.months,
        )  # fmt: skip
        caption = (
            f"Monthly recorded crime (excluding ASB), {h.fmt_month(self.data.months[0])} to "
            f"{h.fmt_month(self.period.end)}, the year under assessment shaded; below, rolling "
            "12-month totals."
        )
        if self.flagged:
            caption += (
                f" {', '.join(h.fmt_month(m) for m in self.flagged)}: data missing or incomplete, "
                "shown as a gap (cross), and rolling totals whose window includes it are left out."
            )
        parts = [h.figure(fig, alt, caption)]
        rows = []
        for r in f["three_year"]:
            note = "all 12 months complete" if not r["flagged_months"] else (
                f"{', '.join(h.fmt_month(m) for m in r['flagged_months'])} missing or incomplete: "
                f"left out; {r['complete_months']} months counted"
            )  # fmt: skip
            rows.append({
                "Financial year": r["period"], "Crimes": self._count(r["count"]),
                "Complete months": str(r["complete_months"]),
                "Crimes per complete month": h.fmt_float(r["per_month"], 0),
                "ASB incidents": self._count(r["asb"]),
                "ASB per complete month": h.fmt_float(r["asb_per_month"], 0), "Note": note,
            })  # fmt: skip
        parts.append(h.table(
            pd.DataFrame(rows), f"Recorded crime and ASB over three financial years, {f['area']}",
            numeric=["Crimes", "Complete months", "Crimes per complete month", "ASB incidents",
                     "ASB per complete month"],
            row_header="Financial year",
            note="A year with a missing or incomplete month is counted over its complete months "
            "only; compare years by the per-month figures, not the totals.",
        ))  # fmt: skip
        rows = []
        for r in f["rolling_12"]:
            excl = (
                "; left out: " + ", ".join(h.fmt_month(m) for m in r["excluded"])
                if r["excluded"] else ""
            )  # fmt: skip
            rows.append({
                "12 months to": h.fmt_month(r["end"]), "Crimes": self._count(r["current"]),
                "12 months before": self._count(r["previous"]),
                "Change %": h.fmt_pct(r["pct_change"]),
                "Months compared": f"{r['months']}{excl}", "Is it real?": r["significance"],
            })  # fmt: skip
        parts.append(h.table(
            pd.DataFrame(rows), f"Rolling 12 months at each quarter end of {self.period.label}",
            numeric=["Crimes", "12 months before", "Change %"], row_header="12 months to",
            note="Each window is compared with the 12 months before it over the months complete "
            "in both, so a short month never reads as a change.",
        ))  # fmt: skip
        return h.join(parts)

    def county(self) -> h.Html:
        f = self.figures
        if not f["county"]:
            return h.callout(
                "County comparison not available: the store needs the ONS lookup and a "
                "population estimate for every partnership in the county.",
                "warning",
            )
        t = self.tables["county"]
        fig, alt = rate_bars(t, f["area"], f"Crimes per 1,000 residents, {self.period.label}")
        frame = pd.DataFrame({
            "Partnership": t["area"], "Crimes": t["count"].map(self._count),
            "Population": t["population"].map(h.fmt_int),
            "Rate per 1,000": t["rate"].map(lambda x: h.fmt_float(x, 1)),
            "Rank": t["rank"].map(lambda x: "" if pd.isna(x) else h.fmt_int(x)),
            "Change % (like-for-like)": self._hide(
                t["change_pct"].map(h.fmt_pct), t["lfl_current"], t["lfl_previous"]
            ),
        })  # fmt: skip
        return h.figure(
            fig, alt, f"Crimes per 1,000 residents, every partnership in {self.data.area.pfa_name}, "
            f"{self.period.label}."
        ) + h.table(
            frame,
            f"Every partnership in {self.data.area.pfa_name}: crimes and rate per 1,000, {self.period.label}",
            numeric=["Crimes", "Population", "Rate per 1,000", "Rank", "Change % (like-for-like)"],
            row_header="Partnership",
            note="Rank 1 = highest rate. Populations are ONS mid-year estimates for the year the "
            "financial year starts in. Crimes with no location cannot be placed in a partnership "
            "and are not in these rows. " + self._lfl_note(),
        )  # fmt: skip

    def plan_priorities(self) -> h.Html:
        """Which revision of the plan is in force and what it changed, then one
        sub-section per plan priority: its indicators' progress against that revision."""
        d = self.data
        if d.plan is None:
            return h.paragraph(
                "No plan register was given (parameter 'plan_file'), so progress against the "
                "plan's indicators is not shown."
            )
        prog = self.tables["plan"]
        rev = self.figures["plan"]["revision"]
        judged = h.fmt_month(self.figures["plan"]["judged_at"])
        if rev["original"]:
            version = (
                f"Progress is judged against the register as first published, which is in "
                f"force in {judged}: the plan has not been revised by then."
            )
        else:
            version = (
                f"Progress is judged against the register in force in {judged}: the "
                f"{rev['title']}, in force from {h.fmt_month(rev['effective'])} ({rev['why']}). "
                "Targets it moved are the ones used, indicators it added are judged from "
                "then on, and indicators retired by then are listed as retired, not judged."
            )
        parts = [h.paragraph(
            f"Progress on {self.register.name}: each indicator's latest value against its baseline "
            "and target. RAG follows a significance test, not the size of the change: amber "
            "means no change that can be told from chance (or none that can be tested), "
            "green a real change in the target direction that is on track or achieved, red a "
            "real change against it."
        ), h.paragraph(version)]  # fmt: skip
        parts.extend(self._plan_changes(rev))
        shown = set()
        for i, priority in enumerate(self.register.priorities, start=1):
            rows = prog[prog["priority"] == priority.name]
            shown.add(priority.name)
            parts.append(h.heading(f"Priority {i}: {priority.name}", 3))
            parts.append(h.paragraph(f"Lead: {priority.lead}. {priority.description}".strip()))
            parts.append(self._plan_table(
                rows, f"Priority {i}, {priority.name}: indicators, baselines, targets and progress"
            ))  # fmt: skip
        gone = prog[~prog["priority"].isin(shown)]
        if not gone.empty:  # retired with a priority no longer in force
            parts.append(h.heading("Indicators of priorities retired from the plan", 3))
            parts.append(self._plan_table(gone, "Indicators retired with their priority"))
        return h.join(parts)

    def _changes_frame(self, changes: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({
            "Change": changes["change"].map(lambda k: CHANGE_LABELS.get(k, k)),
            "From": changes["effective"].map(h.fmt_month), "Revision": changes["revision"],
            "Priority": changes["priority"].fillna(""),
            "Indicator": changes["indicator"].fillna(""),
            "Before": changes["before"].fillna(""), "After": changes["after"].fillna(""),
            "Why": changes["why"].fillna(""),
        })  # fmt: skip

    def _plan_changes(self, rev: dict) -> list[h.Html]:
        """The table of what changed at the revision in force, and of any other revision
        that took effect during the year."""
        if rev["original"]:
            return []
        last = self.tables["plan_changes"]
        parts = [h.table(
            self._changes_frame(last),
            f"What changed at the {rev['title']} (in force from {h.fmt_month(rev['effective'])})",
            row_header="Change",
            note="Before and after are the plan's own figures. Each change's reason is the "
            "revision's unless it gives its own.",
        )]  # fmt: skip
        year = self.tables["plan_changes_in_year"]
        other = year[year["revision"] != rev["title"]]
        if not other.empty:
            parts.append(h.table(
                self._changes_frame(other),
                f"Other revisions that took effect during {self.period.label}",
                row_header="Change",
            ))  # fmt: skip
        return parts

    def _plan_table(self, rows: pd.DataFrame, caption: str) -> h.Html:
        retired = rows["rag"] == "retired"
        frame = pd.DataFrame({
            "Indicator": rows["name"],
            "Baseline": [f"{self._value(r.unit, r.baseline_value)} ({r.baseline_period})"
                         for r in rows.itertuples()],
            "County": [self._value(r.unit, r.county_value) if r.county_value is not None
                       and not pd.isna(r.county_value) else "n/a" for r in rows.itertuples()],
            "County now": [self._value(r.unit, r.county_latest) for r in rows.itertuples()],
            "Target": [f"{self._value(r.unit, r.target_value)} ({r.target_period}, {r.direction})"
                       for r in rows.itertuples()],
            "Latest": ["not judged" if gone else self._latest_cell(r)
                       for r, gone in zip(rows.itertuples(), retired, strict=True)],
            "Status": rows["status"], "RAG": rows["rag"].str.capitalize(),
            "Why": rows["rag_reason"],
        })  # fmt: skip
        return h.table(
            frame, caption,
            numeric=["Baseline", "County", "County now", "Target", "Latest"],
            row_header="Indicator",
            note="County: the county value at the baseline, from the plan; County now: the "
            "county's value in the latest period (rates and percentages only; counts are "
            "not compared). Status compares progress with the pro-rata path from baseline "
            "to target. Baselines and targets are those of the revision in force; a retired "
            "indicator shows the last ones it had.",
        )  # fmt: skip

    def _latest_cell(self, r) -> str:
        if r.latest_value is None or pd.isna(r.latest_value):
            return "n/a"
        num = r.latest_numerator
        if num is not None and not pd.isna(num) and 0 < float(num) < self.threshold:
            return f"[c] ({r.latest_period})"  # a small numerator would be revealed
        return f"{self._value(r.unit, r.latest_value)} ({r.latest_period})"

    def partner_indicators(self) -> h.Html:
        f = self.figures
        if not f["partner"]:
            return h.paragraph("The store holds no partner indicators for this area.")
        t = self.tables["partner"]
        rows = []
        for r in t.itertuples():
            small = (
                r.numerator is not None
                and not pd.isna(r.numerator)
                and 0 < r.numerator < self.threshold
            )
            rows.append({
                "Indicator": r.indicator, "Latest period": r.period,
                "Value": "[c]" if small else self._value(r.unit, r.value),
                "Cases / total": "" if r.numerator is None or pd.isna(r.numerator) else
                (f"{self._count(r.numerator)} / {h.fmt_int(r.denominator)}"),
                "Year before": "" if r.previous_period is None or pd.isna(r.previous_period) else
                f"{self._value(r.unit, r.previous_value)} ({r.previous_period})",
                "Is it real?": r.significance, "Source": r.source,
            })  # fmt: skip
        return h.table(
            pd.DataFrame(rows),
            f"Partner indicators for {f['area']}, latest to {h.fmt_month(self.period.end)}",
            numeric=["Value", "Cases / total", "Year before"], row_header="Indicator",
            note="From the partner indicator table (data/templates). 'Is it real?': Poisson test "
            "for counts, two-proportion test for percentages with their counts; percentages "
            "given without counts cannot be tested.",
        )  # fmt: skip

    def _said_cells(self) -> pd.DataFrame:
        """Respondent counts as published, per consultation priority: the counts by type
        (``resident``, ``partner``, ``business``), ``respondents`` (all who chose it) and
        ``exact`` (False when that total is hidden or small, so its support and mean rank
        must be hidden too).

        Each priority's row is published with its total only (the respondents who chose
        it; the support beside it gives it away anyway), and no total across priorities
        is published, so each row is suppressed on its own: counts of 1 to threshold - 1
        become "<threshold", with secondary suppression so the row total cannot give one
        back. A total that is itself small is a count of people and is shown as a range.
        """
        both = self.tables["consultation"]
        out = {}
        for r in both.itertuples():
            counts = pd.Series(
                [getattr(r, t) for t in RESPONDENT_TYPES], index=list(RESPONDENT_TYPES)
            )
            shown = suppress_series(counts, threshold=self.threshold, total_label="all")
            total = int(r.respondents)
            small = 0 < total < self.threshold
            exact = not (small or shown.mask["all"])
            out[r.priority] = {
                **{t: h.fmt_display(shown.display[t]) for t in RESPONDENT_TYPES},
                "respondents": h.fmt_display(shown.display["all"])
                if exact
                else (f"<{self.threshold}" if small else "[c]"),
                "exact": exact,
            }
        return pd.DataFrame.from_dict(out, orient="index")

    def consultation(self) -> h.Html:
        """What residents, partners and businesses said, beside what the data ranks
        highest. Respondent counts are suppressed; comments only with show_comments."""
        f = self.figures["consultation"]
        if f is None:
            return h.callout(self.consultation_note, "note")
        both = self.tables["consultation"]
        label = {"resident": "Residents", "partner": "Partners", "business": "Businesses"}
        who = suppress_series(self.tables["consultation_by_type"], threshold=self.threshold)
        counts = ", ".join(
            f"{h.fmt_display(who.display[t])} {label[t].lower()}" for t in RESPONDENT_TYPES
        )
        parts = [h.paragraph(
            f"{h.fmt_display(who.display.iloc[-1])} people responded to the consultation "
            f"({counts}). A priority's support is the share of respondents who chose it; "
            "priorities are ranked by support (ties: the mean rank respondents gave it, 1 = "
            f"most important). The data ranks the same priorities by what was recorded in "
            f"{self.period.label}: crimes of the police.uk types that measure each (and "
            "anti-social behaviour incidents for ASB)."
        )]  # fmt: skip
        if f["top_said"]:
            parts.append(h.bullet_list([
                "Respondents rank highest: " + ", ".join(f["top_said"]) + ".",
                "The data ranks highest: " + ", ".join(f["top_data"]) + ".",
                "In both top threes: "
                + (", ".join(p for p in f["top_said"] if p in f["top_data"]) or "none") + ".",
            ]))  # fmt: skip
        cells = self._said_cells()
        rows = []
        for r in both.itertuples():
            c = cells.loc[r.priority]
            # Nobody chose it: nothing to show; otherwise shown only beside an exact total.
            show = r.respondents > 0 and c["exact"]
            blank = "" if r.respondents == 0 else "[c]"
            rows.append({
                "Priority": r.priority, **{label[t]: c[t] for t in RESPONDENT_TYPES},
                "Respondents": c["respondents"],
                "Support": f"{r.support_pct:.1f}%" if show else blank,
                "Respondents' rank": "" if pd.isna(r.consultation_rank)
                else h.fmt_int(r.consultation_rank),
                "Mean rank given": h.fmt_float(r.mean_rank, 1) if show else blank,
                "Rank in the data": "" if pd.isna(r.data_rank) else h.fmt_int(r.data_rank),
                f"Recorded in {self.period.label}": "n/a" if pd.isna(r.count)
                else self._count(r.count),
                "Agreement": r.agreement,
            })  # fmt: skip
        numeric = [label[t] for t in RESPONDENT_TYPES] + [
            "Respondents", "Support", "Respondents' rank", "Mean rank given", "Rank in the data",
            f"Recorded in {self.period.label}",
        ]  # fmt: skip
        parts.append(h.table(
            pd.DataFrame(rows),
            f"What respondents ranked highest and what the data ranks highest, "
            f"{self.figures['area']}, {self.period.label}",
            numeric=numeric, row_header="Priority",
            note=f"Respondent counts of 1-{self.threshold - 1} are shown as <{self.threshold}; "
            "[c] hides a count (or a support or mean rank) that would reveal one: in each row "
            "the respondents by type add up to the respondents who chose the priority. 'Both high': "
            "in the top three of both rankings. A priority with no police measure (such as "
            "road safety) is compared with partner data in the plan section instead. "
            "Recorded counts: crimes, or ASB incidents for anti-social behaviour.",
        ))  # fmt: skip
        n = f["comments"]
        if n == 0:
            parts.append(h.paragraph("No free-text comments were received."))
        elif not self.show_comments:
            parts.append(h.paragraph(
                f"{self._count(n)} free-text comment{'s' if n != 1 else ''} were received. "
                "Comments are kept out of shared reports because they can identify people; "
                "set the parameter show_comments to include them."
            ))  # fmt: skip
        else:
            c = self.tables["consultation_comments"]
            parts.append(h.table(
                pd.DataFrame({"Respondent": c["respondent_type"].str.capitalize(),
                              "Priority": c["priority"], "Comment": c["comment"]}),
                f"Free-text comments, as written ({self._count(n)})", row_header="Respondent",
                note="Shown because show_comments is set. Check them for names, addresses and "
                "other details that identify people before sharing this report.",
            ))  # fmt: skip
        return h.join(parts)

    def emerging_issues(self) -> h.Html:
        f = self.figures
        e = f["emerging"]
        parts = [h.paragraph(
            "Offence groups and neighbourhoods (LSOAs) whose crime rose by more than chance "
            f"between {self.previous.label} and {self.period.label}, like-for-like months. "
            f"With {e['lsoas_tested']} LSOAs tested at once, p-values are adjusted "
            "(Benjamini-Hochberg, 5% false discovery rate) so chance rises are not reported."
        )]  # fmt: skip
        g = pd.DataFrame(e["groups"])
        if g.empty:
            parts.append(h.paragraph("No offence group rose significantly."))
        else:
            parts.append(h.table(pd.DataFrame({
                "Offence group": g["offence_group"], self.period.label: g["current"].map(self._count),
                self.previous.label: g["previous"].map(self._count),
                "Change %": self._hide(g["change_pct"].map(h.fmt_pct), g["current"], g["previous"]),
                "Adjusted p": g["p_adjusted"].map(_p_text),
            }), f"Offence groups with a significant rise, {self.period.label}",
                numeric=[self.period.label, self.previous.label, "Change %", "Adjusted p"],
                row_header="Offence group"))  # fmt: skip
        lsoas = pd.DataFrame(e["lsoas"])
        if lsoas.empty:
            parts.append(h.paragraph("No neighbourhood (LSOA) rose significantly."))
        else:
            parts.append(h.table(pd.DataFrame({
                "LSOA": lsoas["lsoa_name"].fillna(lsoas["lsoa_code"]),
                self.period.label: lsoas["current"].map(self._count),
                self.previous.label: lsoas["previous"].map(self._count),
                "Change": self._hide(lsoas["change"].map(h.fmt_signed), lsoas["current"],
                                     lsoas["previous"]),
                "Adjusted p": lsoas["p_adjusted"].map(_p_text),
            }), f"Neighbourhoods (LSOAs) with a significant rise, {self.period.label}",
                numeric=[self.period.label, self.previous.label, "Change", "Adjusted p"],
                row_header="LSOA", note=self._lfl_note()))  # fmt: skip
        parts.append(self._said_and_trend())
        return h.join(parts)

    def _said_and_trend(self) -> h.Html:
        """Issues respondents raise beside what the data shows rising (both ways)."""
        if self.figures["emerging"]["said_and_trend"] is None:
            return h.paragraph(
                "No consultation responses for this area, so emerging issues come from the "
                "data alone."
            )
        t = self.tables["said_and_trend"]
        if t.empty:
            return h.paragraph("Respondents named no priority that the data can measure.")
        frame = pd.DataFrame({
            "Priority": t["priority"],
            "Respondents' rank": t["consultation_rank"].map(
                lambda x: "not chosen" if pd.isna(x) else h.fmt_int(x)),
            "Measured by": t["crime_types"],
            self.period.label: t["current"].map(self._count),
            self.previous.label: t["previous"].map(self._count),
            "Change %": self._hide(t["change_pct"].map(h.fmt_pct), t["current"], t["previous"]),
            "Is it real?": t["trend"], "Adjusted p": t["p_adjusted"].map(_p_text),
            "Reading": t["reading"],
        })  # fmt: skip
        return h.table(
            frame,
            f"Emerging issues from both sides: what respondents rank in their top three and "
            f"what rose in the data, {self.period.label}",
            numeric=["Respondents' rank", self.period.label, self.previous.label, "Change %",
                     "Adjusted p"],
            row_header="Priority",
            note="Each consultation priority is measured by the police.uk crime types listed "
            "(ASB incidents for anti-social behaviour), like-for-like months, Poisson test "
            "with p-values adjusted for the priorities tested (Benjamini-Hochberg). "
            + self._lfl_note(),
        )  # fmt: skip

    def recommended_priorities(self) -> h.Html:
        f = self.figures
        scores = self.tables["priorities"]
        if scores.empty:
            return h.paragraph("No crime recorded: nothing to score.")
        rec = f["priorities"]["recommended"]
        said = f["priorities"]["consultation_scored"]
        parts = [
            h.paragraph(
                "Recommended priorities, from the evidence: " + ", ".join(rec) + ". Each police.uk "
                "crime type is scored on volume, trend and its position in the county"
                + (", and on what residents, partners and businesses said in the consultation"
                   if said else "")
                + "; the table shows every component so the board can see why one ranks above "
                "another."
            ),
            h.bullet_list(_score_rules(said)),
        ]  # fmt: skip
        fig, alt = score_bars(scores, "Priority score by component")
        parts.append(
            h.figure(fig, alt, "Priority score of each crime type, by component (top ten).")
        )
        frame = pd.DataFrame({
            "Rank": scores["rank"].map(h.fmt_int), "Crime type": scores["candidate"],
            "Crimes": scores["count"].map(self._count),
            "Share of crime": self._hide(scores["share_pct"].map(lambda x: f"{x:.1f}%"),
                                         scores["count"]),
            "Volume points": scores["volume_points"].map(h.fmt_int),
            "Change %": self._hide(scores["change_pct"].map(h.fmt_pct), scores["current"],
                                   scores["previous"]),
            "Trend": scores["trend"],
            "Trend points": scores["trend_points"].map(h.fmt_int),
            "County": scores["county_verdict"],
            "County points": scores["county_points"].map(h.fmt_int),
        })  # fmt: skip
        numeric = ["Rank", "Crimes", "Share of crime", "Volume points", "Change %",
                   "Trend points", "County points", "Score"]  # fmt: skip
        if said:
            frame["Consultation priority"] = scores["consultation_priority"].fillna("none")
            frame["Respondents' rank"] = scores["consultation_rank"].map(
                lambda x: "not chosen" if pd.isna(x) else h.fmt_int(x))  # fmt: skip
            # A support of a priority whose respondents are hidden would give them back.
            exact = self._said_cells()["exact"]
            frame["Support"] = [
                "" if pd.isna(x) else f"{x:.1f}%" if p not in exact.index or exact[p] else "[c]"
                for p, x in zip(scores["consultation_priority"],
                                scores["consultation_support_pct"], strict=True)
            ]  # fmt: skip
            frame["Consultation points"] = scores["consultation_points"].map(h.fmt_int)
            numeric += ["Respondents' rank", "Support", "Consultation points"]
        frame["Score"] = scores["score"].map(h.fmt_int)
        frame["Recommended"] = scores["recommended"].map({True: "yes", False: ""})
        note = self._lfl_note()
        if said:
            note += (
                " Support is the share of all respondents who chose the priority (shown in the "
                "consultation section with its suppressed counts)."
            )
        parts.append(h.table(
            frame, f"Priority scores for {f['area']}, {self.period.label}",
            numeric=numeric, row_header="Crime type", note=note,
        ))  # fmt: skip
        return h.join(parts)

    def recorded_crime(self) -> h.Html:
        f = self.figures
        rc = f["recorded_crime"]
        if not rc:
            return h.paragraph(
                "The store holds no Home Office recorded-crime table for this partnership: "
                "ingest the 'police recorded crime by CSP' open-data table to separate violence "
                "against the person from sexual offences."
            )
        t = self.tables["recorded"]
        cur_label, prev_label = self.period.label, self.previous.label
        span = f"{f['area']}, {cur_label} against {prev_label}"
        parts = []
        short = {y: q for y, q in rc["quarters"].items() if len(q) < 4}
        if short:
            parts.append(h.callout(
                "Not whole years: " + "; ".join(f"{y} has quarters {', '.join(map(str, q)) or 'none'}"
                                                for y, q in short.items()) + ".", "warning"))  # fmt: skip
        groups = self.tables["recorded_groups"].set_index("offence_group")
        cur = suppress_series(groups["current"], threshold=self.threshold)
        prev = suppress_series(groups["previous"], threshold=self.threshold)
        rows = []
        for g, r in groups.iterrows():
            hidden = bool(cur.mask[g] or prev.mask[g])
            rows.append({
                "Offence group": g, cur_label: h.fmt_display(cur.display[g]),
                prev_label: h.fmt_display(prev.display[g]),
                "Change": "[c]" if hidden else h.fmt_signed(r["change"]),
                "Change %": "[c]" if hidden else h.fmt_pct(r["pct_change"]),
                "Is it real?": "[c]" if hidden else r["significance"],
            })  # fmt: skip
        tot = rc["total"]
        rows.append({"Offence group": "Total", cur_label: h.fmt_display(cur.display.iloc[-1]),
                     prev_label: h.fmt_display(prev.display.iloc[-1]),
                     "Change": h.fmt_signed(tot["change"]), "Change %": h.fmt_pct(tot["pct_change"]),
                     "Is it real?": tot["significance"]})  # fmt: skip
        parts.append(h.table(
            pd.DataFrame(rows), f"Home Office recorded crime by offence group, {span}",
            numeric=[cur_label, prev_label, "Change", "Change %"], row_header="Offence group",
            note="The official counts (police recorded crime by CSP), which separate violence "
            "against the person from sexual offences. They are complete in every month, "
            "unlike the police.uk extract.",
        ))  # fmt: skip
        rows = []
        for g, part in t.groupby("offence_group", sort=True):
            if cur.mask[g] or prev.mask[g]:
                continue  # the group's own total is hidden: its subgroups would reveal it
            sc = suppress_series(
                part.set_index("offence_subgroup")["current"], threshold=self.threshold
            )
            sp = suppress_series(
                part.set_index("offence_subgroup")["previous"], threshold=self.threshold
            )
            for r in part.itertuples():
                hidden = bool(sc.mask[r.offence_subgroup] or sp.mask[r.offence_subgroup])
                rows.append({
                    "Subgroup": r.offence_subgroup, "Offence group": g,
                    cur_label: h.fmt_display(sc.display[r.offence_subgroup]),
                    prev_label: h.fmt_display(sp.display[r.offence_subgroup]),
                    "Change %": "[c]" if hidden else h.fmt_pct(r.pct_change),
                    "Is it real?": "[c]" if hidden else r.significance,
                })  # fmt: skip
        parts.append(h.table(
            pd.DataFrame(rows), f"Home Office recorded crime by offence subgroup, {span}",
            numeric=[cur_label, prev_label, "Change %"], row_header="Subgroup",
            note=f"Counts of 1-{self.threshold - 1} are shown as <{self.threshold}; [c] hides a "
            "figure that would reveal one (within each group, whose total is in the table "
            "above). 'Is it real?': Poisson test, exposures the days in each year.",
        ))  # fmt: skip
        return h.join(parts)

    def data_quality(self) -> h.Html:
        d = self.data
        force_rows = d.crimes[d.crimes["force"].isin(d.area.forces)]
        year_rows = in_period(force_rows, self.period)
        no_loc = int((year_rows["geo_status"] == "no_location").sum())
        outside = int((year_rows["geo_status"] == "outside_force_area").sum())
        items = [
            f"Months in the three-year window: {h.fmt_month(d.months[0])} to {h.fmt_month(d.months[-1])}.",
            f"The year under assessment, {self.period.label}, is "
            + ("complete." if self.figures["coverage"]["year_complete"]
               else "NOT complete: its figures are too low."),
            f"{no_loc:,} of the force's rows in {self.period.label} have no location or LSOA and "
            "cannot be placed in a partnership.",
            f"{outside:,} of the force's rows in {self.period.label} fall in LSOAs outside its area.",
            self._lfl_note(),
        ]  # fmt: skip
        rp = self.figures["rate_per_1000"]
        items.append(
            f"Population: ONS mid-{rp['population_year']} estimate ({rp['population']:,})."
            if rp else "Population: not loaded, so no rates per 1,000."
        )  # fmt: skip
        if self.figures["recorded_crime"]:
            q = self.figures["recorded_crime"]["quarters"]
            items.append("Home Office table quarters present: " + "; ".join(
                f"{y}: {', '.join(f'Q{x}' for x in v) or 'none'}" for y, v in q.items()) + ".")  # fmt: skip
        parts = [h.bullet_list(items)]
        if not self.flags.empty:
            frame = pd.DataFrame({
                "Month": self.flags["month"].map(h.fmt_month), "Force": self.flags["force"],
                "Status": self.flags["status"], "Note": self.flags["note"].fillna(""),
                "How it is handled": [
                    "left out of both years of every comparison; a gap in the charts; counted "
                    "per complete month in the three-year table" for _ in range(len(self.flags))
                ],
            })  # fmt: skip
            parts.append(h.table(
                frame, "Coverage flags in the three-year window", row_header="Month",
                note="A missing or incomplete month is never read as a fall in crime.",
            ))  # fmt: skip
        return h.join(parts)

    def sources(self) -> h.Html:
        d = self.data
        items = [
            "Crimes: data.police.uk street-level crime (locations snapped to anonymous map "
            "points; about two months' publication lag; fraud and computer misuse absent). "
            "Anti-social behaviour is reported separately and never counted as crime.",
            "Home Office police recorded crime by CSP (open data), where the store holds it.",
            "Partner indicators: the partner indicator tables ingested into the store.",
            f"Plan register: {d.plan_file or 'none given'}"
            + (
                f"; progress judged against the register in force in "
                f"{h.fmt_month(self.figures['plan']['judged_at'])} "
                f"({self.figures['plan']['revision']['title']})."
                if self.figures["plan"]
                else "."
            ),
            "Consultation: each respondent counted once per priority chosen; support = the "
            "share of respondents who chose a priority; priorities ranked by support, ties by "
            "the mean rank given. The data's ranking: the year's counts of the police.uk crime "
            "types that measure each priority (csplib.sources.consultation.PRIORITY_CRIME_TYPES; "
            "ASB incidents for anti-social behaviour). Free-text comments are kept out of the "
            "report unless show_comments is set."
            if self.figures["consultation"]
            else "Consultation: none in the store for this area.",
            "Priority score: "
            + " ".join(_score_rules(self.figures["priorities"]["consultation_scored"])),
            "Change: the financial year against the year before, over months complete in both "
            "years; rolling 12 months the same way.",
            "Is it real? Two-sample Poisson test (exact conditional test for small counts), "
            "Z = 2(√current − √previous) for the strength of the signal; emerging issues "
            "adjusted for multiple testing (Benjamini-Hochberg).",
            "County: rates per 1,000 residents; funnel limits by Byar's method (exact Poisson "
            "below 10) around the county's pooled rate.",
            "RAG: significance test first (csplib.plan.indicator_progress); a change that could be "
            "chance is amber, never red or green.",
            f"Small numbers: counts of 1-{self.threshold - 1} (crimes, and consultation "
            f"respondents) are shown as <{self.threshold}; [c] hides a figure that would reveal "
            "one.",
            h.LICENCE,
            f"Produced {date.today():%d %B %Y} with CSP Workbook.",
        ]
        return h.bullet_list(items)
