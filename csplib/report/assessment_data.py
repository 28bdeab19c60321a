"""What the strategic assessment reads from the store, once: :class:`AssessmentData`
and :func:`load_assessment_data` (three financial years of crimes, coverage, geography,
population, the partner table, the Home Office recorded-crime table, the consultation
responses, the plan register and the year on paper: county agreement, action plan and
timetable, :mod:`csplib.plan.year`), with the population helpers its sections share."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from csplib import paths
from csplib.areas import Area
from csplib.errors import ParameterError
from csplib.periods import Period, month_range, require_complete
from csplib.plan import Plan, load_plan
from csplib.plan.year import PlanYear, PlanYearFiles, build_plan_year
from csplib.report.analyses_data import AnalysesInputs, load_analyses_inputs
from csplib.report.data import open_area
from csplib.report.params import ReportParams, load_peer_group
from csplib.sources.population import population_for
from csplib.store import Store

#: Years in the series: the assessed year and the two before it.
YEARS = 3
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
    plan_year: PlanYear | None = None  # the year on paper (the default timetable at least)
    plan_year_files: PlanYearFiles | None = None  # as named by the parameters
    notes: list[str] = field(default_factory=list)
    analyses: AnalysesInputs | None = None  # the analyses sections' inputs (None: not read)

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
    store, lad, _, area = open_area(params)
    period = params.parsed_period()
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
    # The year on paper: without a plan_year key the default timetable is still shown.
    files = params.plan_year or PlanYearFiles()
    plan_year = build_plan_year(files, plan, period.label, params.project_path)
    return AssessmentData(
        store=store, area=area, period=period, crimes=crimes, coverage=coverage, lad=lad,
        population=pop[pop["level"] == "lad"], synthetic=synthetic or bool(plan and plan.synthetic),
        plan=plan, plan_file=plan_file,
        partner=store.read("partner_indicators") if store.has("partner_indicators") else None,
        recorded=store.read("recorded_crime") if store.has("recorded_crime") else None,
        consultation=store.read("consultation") if store.has("consultation") else None,
        analyses=load_analyses_inputs(store, area, period, _peer_group(params)),
        plan_year=plan_year, plan_year_files=params.plan_year,
    )  # fmt: skip


def _peer_group(params: ReportParams) -> tuple[str, tuple[str, ...]] | None:
    if not params.peer_group:
        return None
    group = load_peer_group(params.project_path(params.peer_groups_file), params.peer_group)
    return params.peer_group, tuple(group.members)


def population_by_year(pop: pd.DataFrame, lad_codes) -> dict[int, int]:
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


def csp_population(data: AssessmentData, csp: str, year: int) -> tuple[int, int] | None:
    codes = data.lad.loc[data.lad["csp_name"] == csp, "lad_code"].tolist()
    if data.population.empty or not codes:
        return None
    try:
        return population_for(data.population, codes, year)
    except ParameterError:
        return None
