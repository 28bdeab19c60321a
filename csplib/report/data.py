"""What a quarterly briefing reads from the store, once: :class:`ReportData` and
:func:`load_data`, with the peer and county member counts the sections share."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from csplib.areas import Area, resolve_area
from csplib.errors import ParameterError
from csplib.indicators.counts import asb_mask, in_period
from csplib.indicators.peers import peer_comparison
from csplib.periods import Period, check_coverage, month_range, require_complete, shift_month
from csplib.report.params import ReportParams, load_peer_group
from csplib.sources.population import population_for
from csplib.store import Store

TREND_MONTHS = 36
#: The crimes columns reports use (reading only these keeps a report quick).
REPORT_COLUMNS = [
    "month", "force", "falls_within", "longitude", "latitude", "location", "lsoa_code",
    "lsoa_name", "crime_type", "offence_group", "crime_class", "is_asb", "csp_code",
    "csp_name", "geo_status",
]  # fmt: skip


def area_population(pop: pd.DataFrame, codes, year: int) -> tuple[int, int] | None:
    """(people, mid-year) for the sum of ``codes`` nearest ``year``; None when not loaded."""
    if pop.empty or not codes:
        return None
    try:
        return population_for(pop, list(codes), year)
    except ParameterError:
        return None


@dataclass
class ReportData:
    """What a report reads from the store, once."""

    store: Store
    area: Area
    period: Period
    crimes: pd.DataFrame  # every force the report touches (area, county, peers)
    coverage: pd.DataFrame
    lad: pd.DataFrame
    population: pd.DataFrame  # level 'lad'
    lsoa_population: pd.DataFrame
    boundaries: list[dict] | None
    synthetic: bool
    peers: pd.DataFrame | None = None
    peer_group: str | None = None
    forces: dict[str, str | None] = field(default_factory=dict)  # Store.forces()

    @property
    def area_crimes(self) -> pd.DataFrame:
        return self.area.select(self.crimes)


def open_area(params: ReportParams) -> tuple[Store, pd.DataFrame, dict, Area]:
    """(store, the ONS lookup, the store's forces, the report's area) for a report."""
    store = Store(params.store_path())
    lad = store.read("geography_lad") if store.has("geography_lad") else pd.DataFrame(
        columns=["lad_code", "lad_name", "csp_code", "csp_name", "pfa_code", "pfa_name"]
    )  # fmt: skip
    forces = store.forces()
    if not forces:
        store.crimes()  # raises the "no crimes data; run csp ingest" error
    return store, lad, forces, resolve_area(params.area, lad, forces)


def load_data(params: ReportParams) -> ReportData:
    """Read the store for one report and check its period is covered."""
    store, lad, forces, area = open_area(params)
    period = params.parsed_period()
    coverage = store.coverage()
    prev = period.same_period_last_year()
    trend_start = shift_month(period.end, -(TREND_MONTHS - 1))
    months = month_range(min(trend_start, prev.start), period.end)
    crimes = store.crimes(REPORT_COLUMNS, months=months)
    flags = check_coverage(prev.months + period.months, coverage, list(area.forces))
    if not flags.empty and not params.allow_incomplete:
        for p in (prev, period):
            require_complete(p, coverage, list(area.forces))
    pop = store.read("population") if store.has("population") else pd.DataFrame(
        columns=["area_code", "area_name", "level", "year", "population"]
    )  # fmt: skip
    boundaries = None
    bpath = store.root / "boundaries" / "lsoa.geojson"
    if bpath.exists():
        boundaries = json.loads(bpath.read_text(encoding="utf-8")).get("features")
    names = crimes["falls_within"].dropna().unique() if "falls_within" in crimes else []
    synthetic = any("synthetic" in str(n).casefold() for n in names) or str(
        area.code or ""
    ).startswith("X")
    data = ReportData(
        store=store, area=area, period=period, crimes=crimes, coverage=coverage, lad=lad,
        population=pop[pop["level"] == "lad"], lsoa_population=pop[pop["level"] == "lsoa"],
        boundaries=boundaries, synthetic=synthetic, forces=forces,
    )  # fmt: skip
    if params.peer_group:
        group = load_peer_group(params.project_path(params.peer_groups_file), params.peer_group)
        data.peers = peer_table(data, group.members, period)
        data.peer_group = params.peer_group
    return data


def members_counts(data: ReportData, members: list[str], period: Period) -> pd.DataFrame:
    """Crimes (excluding ASB) and population for each member area in ``period``."""
    forces = data.forces or sorted(data.crimes["force"].dropna().unique())
    cur = in_period(data.crimes, period)
    cur = cur[~asb_mask(cur)]
    prev = in_period(data.crimes, period.same_period_last_year())
    prev = prev[~asb_mask(prev)]
    year = int(period.start[:4])
    rows = []
    for name in members:
        area = resolve_area(name, data.lad, forces)
        pop = area_population(data.population, area.lad_codes, year)
        if pop is None:
            raise ParameterError(
                f"no population for peer '{name}'",
                fix="ingest ONS mid-year population estimates covering every peer",
            )
        rows.append({"area": area.name, "count": len(area.select(cur)),
                     "count_previous": len(area.select(prev)), "population": pop[0]})  # fmt: skip
    return pd.DataFrame(rows)


def peer_table(data: ReportData, members: list[str], period: Period) -> pd.DataFrame:
    if data.area.name not in members:
        members = [data.area.name, *members]
    return peer_comparison(members_counts(data, members, period))
