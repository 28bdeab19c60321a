"""What the assessment's analyses sections read from the store, once
(:class:`AnalysesInputs`, :func:`load_analyses_inputs`): five years of the area's and its
force's crimes with outcomes and districts, outcomes files, stop-and-search rows, LSOA
boundaries, residents by ethnic group, the LSOA-to-ward lookup, LSOA populations,
severity weights, STATS19 collisions and casualties, and the peer group if one is set.
A table the store does not hold is None: its section says so."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from csplib.areas import Area
from csplib.periods import Period, month_range, shift_month
from csplib.store import Store

#: Years of the long trend (the assessed year and up to four before it).
TREND_YEARS = 5
#: Outcomes are compared at this age (months after the crime month).
OUTCOME_AGE = 6
COLUMNS = [
    "crime_id", "month", "force", "falls_within", "offence_group", "crime_type", "is_asb",
    "lsoa_code", "lsoa_name", "lad_code", "csp_code", "csp_name", "last_outcome_category",
]  # fmt: skip
#: The crimes columns the outcomes section reads (:func:`csplib.areas.Area.select` and
#: :func:`csplib.indicators.outcomes.outcome_shares`): all the explorer's outcomes and
#: stop-and-search views need, so it reads only these.
OUTCOMES_COLUMNS = [
    "crime_id", "month", "force", "csp_code", "offence_group", "is_asb", "last_outcome_category",
]  # fmt: skip


@dataclass(frozen=True)
class AnalysesInputs:
    """The analyses sections' inputs (None: not in the store)."""

    crimes: pd.DataFrame  # the area's forces, five years to the period's end
    first_month: str  # the first month read
    outcomes: pd.DataFrame | None  # outcomes files (crime_id, month, outcome_type)
    searches: pd.DataFrame | None  # the period's stop-and-search rows, the area's forces
    boundaries: dict | None  # LSOA boundaries (GeoJSON FeatureCollection)
    area_lsoas: frozenset[str]  # the partnership's LSOA codes (ONS lookup)
    population_ethnicity: pd.DataFrame | None
    lsoa_ward: pd.DataFrame | None
    lsoa_population: pd.DataFrame | None  # lsoa_code, population (the year's mid-year)
    severity_weights: pd.DataFrame | None
    collisions: pd.DataFrame | None
    casualties: pd.DataFrame | None
    peer_group: tuple[str, tuple[str, ...]] | None = None  # (name, members)


def _table(store: Store, name: str) -> pd.DataFrame | None:
    return store.read(name) if store.has(name) else None


def area_lsoas(store: Store, area: Area) -> frozenset[str]:
    """A partnership's LSOA codes by the ONS lookup (empty for a force, or without the
    lookup): the one part of :class:`AnalysesInputs` that is not its forces'."""
    if not store.has("geography_lsoa") or area.kind != "csp":
        return frozenset()
    geo = store.read("geography_lsoa")
    if "lad_code" not in geo:
        return frozenset()
    return frozenset(geo.loc[geo["lad_code"].isin(area.lad_codes), "lsoa_code"])


def load_analyses_inputs(
    store: Store,
    area: Area,
    period: Period,
    peer_group: tuple[str, tuple[str, ...]] | None = None,
    *,
    columns: list[str] = COLUMNS,
) -> AnalysesInputs:
    """Read the analyses' inputs for ``area`` and the year ``period``; of the crimes,
    only ``columns`` (the explorer reads :data:`OUTCOMES_COLUMNS`)."""
    first = shift_month(period.end, -(12 * TREND_YEARS - 1))
    months = month_range(first, period.end)
    forces = list(area.forces)
    crimes = store.crimes(columns, forces=forces, months=months)
    outcomes = None
    if store.has("outcomes"):
        outcomes = store.read(
            "outcomes", ["crime_id", "month", "outcome_type", "source_line"], forces=forces
        )
    searches = None
    if store.has("searches"):
        searches = store.read("searches", forces=forces, months=period.months)
    boundaries = None
    path = store.root / "boundaries" / "lsoa.geojson"
    if path.exists():
        boundaries = json.loads(path.read_text(encoding="utf-8"))
    lsoas = area_lsoas(store, area)
    pop = _table(store, "population")
    lsoa_pop = None
    if pop is not None:
        lsoa_pop = pop[pop["level"] == "lsoa"]
        if lsoa_pop.empty:
            lsoa_pop = None
        else:
            years = sorted(lsoa_pop["year"].unique())
            year = max([y for y in years if y <= int(period.start[:4])] or years[:1])
            lsoa_pop = lsoa_pop[lsoa_pop["year"] == year]
            lsoa_pop = lsoa_pop.rename(columns={"area_code": "lsoa_code"})
    return AnalysesInputs(
        crimes=crimes, first_month=first, outcomes=outcomes, searches=searches,
        boundaries=boundaries, area_lsoas=lsoas,
        population_ethnicity=_table(store, "population_ethnicity"),
        lsoa_ward=_table(store, "lsoa_ward"), lsoa_population=lsoa_pop,
        severity_weights=_table(store, "severity_weights"),
        collisions=_table(store, "road_collisions"), casualties=_table(store, "road_casualties"),
        peer_group=peer_group,
    )  # fmt: skip
