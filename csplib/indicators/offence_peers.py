"""Peers by offence: each offence group's rate against a peer group (or the county),
with the funnel limits of ``csplib.indicators.peers.peer_comparison``, and the groups
where the area is significantly above or below.

The comparison itself (limits, any widening for overdispersion, labels) is
``peer_comparison``'s; this module only runs it once per offence group and collects
the area's row.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from csplib.errors import ParameterError
from csplib.indicators.peers import ABOVE, BELOW, peer_comparison


def offence_peer_table(
    counts: pd.DataFrame,
    populations: pd.DataFrame,
    area: str,
    *,
    per: float = 1000.0,
    **options: Any,
) -> pd.DataFrame:
    """The area's position in each offence group against the group of areas given.

    ``counts``: area, offence_group, count (one row per area and group; a group missing
    for an area counts 0). ``populations``: area, population (every member). Returns one
    row per offence group with the columns of ``peer_comparison`` for ``area`` (rate,
    group_rate, ratio, rank, ci_*, funnel_*, verdict_*), plus ``offence_group`` and
    ``members`` (how many areas were compared), sorted by ratio, highest first."""
    if area not in set(populations["area"]):
        raise ParameterError(
            f"'{area}' is not among the areas compared",
            fix="pass the area's own population row with its peers'",
        )
    grid = pd.MultiIndex.from_product(
        [populations["area"].unique(), sorted(counts["offence_group"].unique())],
        names=["area", "offence_group"],
    )
    full = (
        counts.groupby(["area", "offence_group"])["count"].sum().reindex(grid, fill_value=0)
    ).reset_index()
    full = full.merge(populations[["area", "population"]], on="area")
    rows = []
    for group, part in full.groupby("offence_group", sort=True):
        table = peer_comparison(
            part[["area", "count", "population"]].reset_index(drop=True), per=per, **options
        )
        own = table[table["area"] == area].iloc[0].to_dict()
        own["offence_group"] = group
        own["members"] = len(table)
        rows.append(own)
    out = pd.DataFrame(rows)
    lead = ["offence_group", "area", "count", "population", "members"]
    out = out[lead + [c for c in out.columns if c not in lead]]
    return out.sort_values(["ratio", "offence_group"], ascending=[False, True]).reset_index(
        drop=True
    )


def significant_groups(table: pd.DataFrame, *, verdict: str = "verdict_95") -> pd.DataFrame:
    """Rows of ``offence_peer_table`` where the area is significantly above or below its
    peers (by ``verdict``): offence_group, count, rate, group_rate, ratio, verdict; the
    ones above first, each part by ratio."""
    sig = table[table[verdict].isin([ABOVE, BELOW])].copy()
    sig["_above"] = sig[verdict] == ABOVE
    sig = sig.sort_values(["_above", "ratio"], ascending=[False, False])
    cols = ["offence_group", "count", "rate", "group_rate", "ratio", verdict]
    return sig[cols].rename(columns={verdict: "verdict"}).reset_index(drop=True)
