"""What a quarterly briefing reads from the store, once: :class:`ReportData` and
:func:`load_data`, with the peer and county member counts the sections share
(:func:`members_counts`, :func:`peer_table`), the county's and the peer group's counts
by offence group for the summary's context (:func:`county_group_counts`,
:func:`peer_group_verdicts`) and the Home Office recorded-crime totals for the quarter
(:func:`home_office_totals`)."""

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
#: The control chart's history starts at the store's first month, at most this many
#: months before the quarter's end (five years: older months add little to the limits).
HISTORY_MONTHS = 60
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
    peer_group: str | None = None  # the group's id in the peer groups file
    forces: dict[str, str | None] = field(default_factory=dict)  # Store.forces()
    peer_group_name: str | None = None  # how the report names the group (never its id)
    peer_members: list[str] = field(default_factory=list)
    recorded: pd.DataFrame | None = None  # the Home Office recorded_crime table
    first_month: str | None = None  # the first month the store holds for the area's forces

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
    own = coverage[coverage["force"].isin(list(area.forces))]["month"] if not coverage.empty else []
    first = str(min(own)) if len(own) else None
    start = shift_month(period.end, -(HISTORY_MONTHS - 1))
    if first is not None:
        start = max(start, first)
    months = month_range(min(start, prev.start), period.end)
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
        boundaries=boundaries, synthetic=synthetic, forces=forces, first_month=first,
        recorded=store.read("recorded_crime") if store.has("recorded_crime") else None,
    )  # fmt: skip
    if params.peer_group:
        group = load_peer_group(params.project_path(params.peer_groups_file), params.peer_group)
        data.peers = peer_table(data, group.members, period)
        data.peer_group = params.peer_group
        data.peer_group_name = group.name or None
        data.peer_members = list(group.members)
    return data


def members_counts(data: ReportData, members: list[str], period: Period) -> pd.DataFrame:
    """Crimes (excluding ASB) and population for each member area in ``period``."""
    forces = data.forces or sorted(data.crimes["force"].dropna().unique())
    # Only the columns counted are filtered, and each area is counted with a mask.
    used = ["month", "force", "csp_code", "is_asb", "crime_type"]
    crimes = data.crimes[[c for c in used if c in data.crimes.columns]]
    counted, month = ~asb_mask(crimes), crimes["month"].astype("str")
    cur = crimes[counted & month.isin(period.months)]
    prev = crimes[counted & month.isin(period.same_period_last_year().months)]
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
        rows.append({"area": area.name, "count": int(area.mask(cur).sum()),
                     "count_previous": int(area.mask(prev).sum()), "population": pop[0]})  # fmt: skip
    return pd.DataFrame(rows)


def peer_table(data: ReportData, members: list[str], period: Period) -> pd.DataFrame:
    if data.area.name not in members:
        members = [data.area.name, *members]
    return peer_comparison(members_counts(data, members, period))


def _non_asb(crimes: pd.DataFrame, period: Period) -> pd.DataFrame:
    rows = in_period(crimes, period)
    return rows[~asb_mask(rows)]


def county_group_counts(data: ReportData, period: Period) -> dict[str, tuple[int, int]]:
    """Offence group -> (this period, the same period last year) for the county: the
    rows of the area's forces placed in one of its partnerships, as the county table
    counts them (so "Synthshire as a whole" and the table's total agree)."""
    c = data.crimes
    force = c[c["force"].isin(list(data.area.forces)) & c["csp_name"].isin(data.area.csp_names)]
    cur = _non_asb(force, period)["offence_group"].value_counts()
    prev = _non_asb(force, period.same_period_last_year())["offence_group"].value_counts()
    groups = sorted(set(cur.index) | set(prev.index))
    return {str(g): (int(cur.get(g, 0)), int(prev.get(g, 0))) for g in groups}


def peer_group_verdicts(data: ReportData, period: Period) -> dict[str, str]:
    """Offence group -> the area's verdict against its peer group's pooled rate for that
    group (``verdict_95`` of :func:`peer_comparison`, overdispersion-widened limits):
    empty without a peer group, or when a member has no population."""
    if not data.peer_members:
        return {}
    forces = data.forces or sorted(data.crimes["force"].dropna().unique())
    cur = _non_asb(data.crimes, period)
    members = list(dict.fromkeys([data.area.name, *data.peer_members]))
    year = int(period.start[:4])
    counts, pops = {}, {}
    for name in members:
        area = resolve_area(name, data.lad, forces)
        pop = area_population(data.population, area.lad_codes, year)
        if pop is None:
            return {}
        counts[area.name] = area.select(cur)["offence_group"].value_counts()
        pops[area.name] = pop[0]
    out = {}
    for g in sorted({str(x) for c in counts.values() for x in c.index}):
        frame = pd.DataFrame({
            "area": list(counts), "count": [int(c.get(g, 0)) for c in counts.values()],
            "population": list(pops.values()),
        })  # fmt: skip
        if frame["count"].sum() == 0:
            continue
        me = peer_comparison(frame)
        out[g] = str(me.loc[me["area"] == data.area.name, "verdict_95"].iloc[0])
    return out


def home_office_totals(data: ReportData, period: Period) -> tuple[int, int] | None:
    """(this quarter, the same quarter last year) of the Home Office recorded-crime table
    for the area (its partnership's rows, or the force's), or None when the table is
    not loaded or does not hold both quarters. Financial quarters only."""
    rows = _home_office_rows(data, period)
    if rows is None:
        return None
    out = []
    for p in (period, period.same_period_last_year()):
        year, quarter = _financial_quarter(p)
        q = rows[
            (rows["financial_year"] == year) & (rows["financial_quarter"].astype(int) == quarter)
        ]
        if q.empty:
            return None
        out.append(int(q["count"].sum()))
    return out[0], out[1]


def _home_office_rows(data: ReportData, period: Period) -> pd.DataFrame | None:
    """The Home Office table's rows for the report's area (financial quarters only)."""
    rec = data.recorded
    if rec is None or rec.empty or period.kind != "fquarter":
        return None
    area = data.area
    if area.kind == "csp":
        key = rec["csp_name"].astype("str").str.strip().str.casefold() == area.name.casefold()
    else:
        names = {str(n).casefold() for n in (area.pfa_name, area.name) if n}
        key = rec["force_name"].astype("str").str.strip().str.casefold().isin(names)
    return rec[key]


def home_office_group_totals(
    data: ReportData, period: Period, parts: dict[str, list[tuple[str, str | None]]]
) -> dict[str, tuple[int, int]]:
    """name -> (this quarter, the same quarter last year) of the Home Office table for the
    area, for each name's (offence group, subgroup or None) parts; a name is left out when
    the table lacks either quarter or holds none of its offences. Group names match by
    their start (the miscellaneous group's name differs between releases)."""
    rows = _home_office_rows(data, period)
    if rows is None or rows.empty:
        return {}
    quarters = [_financial_quarter(p) for p in (period, period.same_period_last_year())]
    in_q = [
        (rows["financial_year"] == y) & (rows["financial_quarter"].astype(int) == q)
        for y, q in quarters
    ]
    if not all(m.any() for m in in_q):
        return {}
    group = rows["offence_group"].astype("str").str.casefold()
    subgroup = rows["offence_subgroup"].astype("str").str.casefold()
    out = {}
    for name, pieces in parts.items():
        mask = pd.Series(False, index=rows.index)
        for g, sub in pieces:
            m = group.str.startswith(g.casefold())
            mask |= m if sub is None else m & (subgroup == sub.casefold())
        if mask.any():
            cur, prev = (int(rows.loc[mask & q, "count"].sum()) for q in in_q)
            out[name] = (cur, prev)
    return out


def _financial_quarter(period: Period) -> tuple[str, int]:
    """('2024/25', 2) for the financial quarter July to September 2024."""
    y, m = int(period.start[:4]), int(period.start[5:7])
    first = y if m >= 4 else y - 1
    return f"{first}/{str(first + 1)[2:]}", (m - 4) % 12 // 3 + 1
