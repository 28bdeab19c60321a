"""Stop and search: counts by object, outcome, ethnicity and age; find rate; and the
disproportionality of search rates by ethnicity against the resident population.

Method (also in docs/analyses.md):

* Outcomes fall in three groups: arrest; other action (every disposal other than arrest
  and no further action: community resolution, cannabis or khat warning, penalty notice,
  summons, caution); no further action.
* The find rate is the share of searches whose outcome was linked to the object of the
  search (police.uk's "Outcome linked to object of search" is True), among searches
  where that field is filled in.
* Self-defined ethnicity (police.uk's 18 categories) is grouped into the census's five
  high-level groups. "Not stated" and blanks are counted but have no rate.
* Search rate per 1,000 residents of each group, and the ratio of each group's rate to
  the White group's rate (the Home Office's comparison). The confidence interval is the
  ratio of two Poisson rates on the log scale: log(ratio) +/- z x sqrt(1/a + 1/b), where
  a and b are the two groups' search counts and populations are taken as fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from csplib.sources.ethnicity import GROUPS, NOT_STATED, high_level_group

ARREST = "arrest"
OTHER_ACTION = "other action"
NFA = "no further action"
NOT_RECORDED = "not recorded"
OUTCOME_GROUPS = (ARREST, OTHER_ACTION, NFA, NOT_RECORDED)

#: The Home Office's caveats on search rates by ethnicity, in plain English.
CAVEATS = (
    "Rates compare searches with the people who live in the area. Many people searched "
    "do not live here (visitors, commuters, people passing through), so a rate per "
    "resident is not the chance that a resident is searched.",
    "A count of searches is not a count of people: one person searched three times "
    "counts three times.",
    "Population by ethnicity comes from the census and ages as the area changes.",
    "Searches where the person did not state their ethnicity are counted in the total "
    "but cannot be given a rate.",
)

AGE_ORDER = ("under 10", "10-17", "18-24", "25-34", "over 34")


def search_outcome_group(outcome: object) -> str:
    """Arrest, other action, no further action or not recorded.

    >>> search_outcome_group("A no further action disposal")
    'no further action'
    >>> search_outcome_group("Khat or Cannabis warning")
    'other action'
    """
    if outcome is None or (not isinstance(outcome, str) and pd.isna(outcome)):
        return NOT_RECORDED
    key = " ".join(str(outcome).split()).casefold()
    if not key:
        return NOT_RECORDED
    if key.startswith("arrest") or key == "suspect arrested":
        return ARREST
    if "no further action" in key or key in ("nothing found - no further action",):
        return NFA
    return OTHER_ACTION


def _linked(series: pd.Series) -> pd.Series:
    """True / False / NA from police.uk's 'True', 'False' or blank (or real booleans)."""
    text = series.astype("string").str.strip().str.casefold()
    return text.map({"true": True, "false": False}).astype("boolean")


@dataclass(frozen=True)
class StopSearchResult:
    """Stop and search figures for an area and period.

    ``scope`` says where the searches are: "partnership" when placed by coordinates in
    the partnership's boundaries, "force" otherwise (``scope_note`` says so in words).
    ``by_ethnicity`` has one row per high-level group plus "Not stated" and "not
    recorded": searches, population, rate_per_1000, ratio (against White), ci_lower,
    ci_upper. ``by_object`` and ``by_age`` hold searches, find_rate (percent).
    """

    period: str
    scope: str
    scope_note: str
    total: int
    by_outcome: dict[str, int]
    find_rate: float | None  # percent of searches with the field filled in
    find_known: int
    by_object: pd.DataFrame
    by_age: pd.DataFrame
    by_ethnicity: pd.DataFrame
    method: str
    caveats: tuple[str, ...] = CAVEATS

    def to_figures(self) -> dict:
        """The ``stop_and_search`` key of figures.json."""

        def num(x):
            return None if x is None or pd.isna(x) else round(float(x), 4)

        return {
            "period": self.period,
            "scope": self.scope,
            "scope_note": self.scope_note,
            "total": self.total,
            "find_rate": num(self.find_rate),
            "by_outcome": self.by_outcome,
            "by_object": {
                r.object_of_search: {"searches": int(r.searches), "find_rate": num(r.find_rate)}
                for r in self.by_object.itertuples()
            },
            "by_age": {r.age_range: int(r.searches) for r in self.by_age.itertuples()},
            "by_ethnicity": {
                r.ethnic_group: {
                    "searches": int(r.searches),
                    "population": None if pd.isna(r.population) else int(r.population),
                    "rate_per_1000": num(r.rate_per_1000),
                    "ratio_to_white": num(r.ratio),
                    "ci_lower": num(r.ci_lower),
                    "ci_upper": num(r.ci_upper),
                }
                for r in self.by_ethnicity.itertuples()
            },
            "method": self.method,
        }


def _find_table(searches: pd.DataFrame, column: str, order=None) -> pd.DataFrame:
    key = searches[column].fillna("").astype(str).str.strip().replace("", "not recorded")
    linked = _linked(searches["outcome_linked_to_object_of_search"])
    frame = pd.DataFrame({column: key, "linked": linked})
    out = frame.groupby(column).agg(
        searches=("linked", "size"),
        known=("linked", "count"),
        found=("linked", lambda s: int(s.fillna(False).sum())),
    )
    out["find_rate"] = (out["found"] / out["known"].where(out["known"] > 0) * 100).astype(float)
    out = out.reset_index()
    if order:
        rank = {k: i for i, k in enumerate(order)}
        out = out.sort_values(column, key=lambda s: s.map(lambda v: rank.get(v, len(rank))))
    else:
        out = out.sort_values(["searches", column], ascending=[False, True])
    return out.reset_index(drop=True)


def rate_ratio(
    a: float, pop_a: float, b: float, pop_b: float, level: float = 0.95
) -> tuple[float, float, float]:
    """Ratio of two rates (a / pop_a) / (b / pop_b) with its log-scale confidence interval.

    >>> [round(x, 3) for x in rate_ratio(40, 1000, 100, 10000)]
    [4.0, 2.772, 5.772]
    """
    if a <= 0 or b <= 0 or pop_a <= 0 or pop_b <= 0:
        return (np.nan, np.nan, np.nan)
    ratio = (a / pop_a) / (b / pop_b)
    z = norm.ppf(0.5 + level / 2)
    se = np.sqrt(1 / a + 1 / b)
    return float(ratio), float(ratio * np.exp(-z * se)), float(ratio * np.exp(z * se))


def disproportionality(
    searches_by_group: dict[str, int],
    population_by_group: dict[str, int],
    *,
    reference: str = "White",
    level: float = 0.95,
) -> pd.DataFrame:
    """Search rate per 1,000 residents of each group and its ratio to the reference group.

    Columns: ethnic_group, searches, population, rate_per_1000, ratio, ci_lower, ci_upper.
    Groups without population (Not stated, not recorded) keep their searches, no rate."""
    groups = [*GROUPS, NOT_STATED, NOT_RECORDED]
    ref_a = searches_by_group.get(reference, 0)
    ref_pop = population_by_group.get(reference, 0)
    rows = []
    for g in groups:
        a = int(searches_by_group.get(g, 0))
        pop = population_by_group.get(g) if g in GROUPS else None
        rate = a / pop * 1000 if pop else np.nan
        if g in GROUPS and pop:
            ratio, lo, hi = rate_ratio(a, pop, ref_a, ref_pop, level)
            if g == reference:
                ratio, lo, hi = 1.0, np.nan, np.nan
        else:
            ratio = lo = hi = np.nan
        rows.append((g, a, pop if pop else np.nan, rate, ratio, lo, hi))
    return pd.DataFrame(
        rows,
        columns=[
            "ethnic_group",
            "searches",
            "population",
            "rate_per_1000",
            "ratio",
            "ci_lower",
            "ci_upper",
        ],
    )


def stop_search_summary(
    searches: pd.DataFrame,
    *,
    period_label: str,
    population_by_group: dict[str, int] | None = None,
    scope: str = "force",
    scope_note: str | None = None,
) -> StopSearchResult:
    """Stop and search figures for the given rows (already cut to the area and period).

    ``population_by_group``: residents by high-level ethnic group (``population_for_area``)
    for rates and ratios; without it the ethnicity table has counts only.
    """
    groups = searches["outcome"].map(search_outcome_group)
    by_outcome = {g: int((groups == g).sum()) for g in OUTCOME_GROUPS}
    linked = _linked(searches["outcome_linked_to_object_of_search"])
    known = int(linked.count())
    find = float(linked.fillna(False).sum()) / known * 100 if known else None
    eth = searches["self_defined_ethnicity"].map(high_level_group).fillna(NOT_RECORDED)
    by_group = eth.value_counts().to_dict()
    table = disproportionality(by_group, population_by_group or {})
    note = scope_note or (
        "Searches in the partnership, placed by their coordinates."
        if scope == "partnership"
        else "Searches by the whole force: no boundaries were loaded to place searches "
        "in the partnership, so these are force-level figures."
    )
    return StopSearchResult(
        period=period_label,
        scope=scope,
        scope_note=note,
        total=len(searches),
        by_outcome=by_outcome,
        find_rate=find,
        find_known=known,
        by_object=_find_table(searches, "object_of_search"),
        by_age=_find_table(searches, "age_range", (*AGE_ORDER, NOT_RECORDED)),
        by_ethnicity=table,
        method=(
            "Search rate per 1,000 residents of each ethnic group (self-defined, five census "
            "groups); ratio to the White group's rate with a 95% interval for the ratio of two "
            "Poisson rates on the log scale. Find rate: searches whose outcome was linked to "
            "the object of the search, of those where this is recorded."
        ),
    )


def population_for_area(
    population_ethnicity: pd.DataFrame,
    area_codes: list[str] | tuple[str, ...],
    year: int | None = None,
) -> dict[str, int]:
    """Residents by high-level group summed over ``area_codes`` (districts) for ``year``
    (default: the latest year every district has)."""
    rows = population_ethnicity[population_ethnicity["area_code"].isin(list(area_codes))]
    if rows.empty:
        return {}
    if year is None:
        per_area = rows.groupby("area_code")["year"].max()
        year = int(per_area.min())
    rows = rows[rows["year"] == year]
    return {str(k): int(v) for k, v in rows.groupby("ethnic_group")["population"].sum().items()}


def place_searches(searches: pd.DataFrame, boundaries: dict, lsoa_codes: set[str]) -> pd.Series:
    """True for searches whose coordinates fall inside one of ``lsoa_codes``' polygons
    (GeoJSON FeatureCollection of LSOA boundaries). Searches without coordinates: False."""
    from shapely import contains_xy
    from shapely.geometry import shape
    from shapely.ops import unary_union

    feats = boundaries.get("features") or []
    polys = []
    for f in feats:
        props = f.get("properties") or {}
        code = next(
            (
                v
                for k, v in props.items()
                if k.upper().startswith("LSOA") and k.upper().endswith("CD")
            ),
            None,
        )
        if code in lsoa_codes:
            polys.append(shape(f["geometry"]))
    inside = pd.Series(False, index=searches.index)
    if not polys:
        return inside
    area = unary_union(polys)
    lon = pd.to_numeric(searches["longitude"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(searches["latitude"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    hit = np.zeros(len(searches), dtype=bool)
    hit[ok] = contains_xy(area, lon[ok], lat[ok])
    inside[:] = hit
    return inside
