"""Harm: the ONS Crime Severity Score from Home Office offence-level counts and the
severity weights the user supplies, and harm per offence group and police.uk type.

CSS = sum over offence codes of (count x weight) / population x 1,000. A weight is
roughly the average sentence (in custody-day equivalents) for the offence, so the score
weighs a robbery far above a shoplifting. Codes without a weight are counted and named,
never silently scored zero. Without weights, harm is not scored (``None`` results).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csplib.sources.severity_weights import normalise_code

#: Home Office offence subgroup (or group) -> police.uk crime type it is published under.
SUBGROUP_TYPE = {
    "Domestic burglary": "Burglary",
    "Non-domestic burglary": "Burglary",
    "Residential burglary": "Burglary",
    "Non-residential burglary": "Burglary",
    "Theft from a vehicle": "Vehicle crime",
    "Theft of a motor vehicle": "Vehicle crime",
    "Vehicle interference": "Vehicle crime",
    "Theft from the person": "Theft from the person",
    "Bicycle theft": "Bicycle theft",
    "Shoplifting": "Shoplifting",
    "Other theft offences": "Other theft",
}
GROUP_TYPE = {
    "Violence against the person": "Violence and sexual offences",
    "Sexual offences": "Violence and sexual offences",
    "Robbery": "Robbery",
    "Criminal damage and arson": "Criminal damage and arson",
    "Drug offences": "Drugs",
    "Possession of weapons offences": "Possession of weapons",
    "Public order offences": "Public order",
    "Miscellaneous crimes": "Other crime",
    "Miscellaneous crimes against society": "Other crime",
}


def police_uk_type(group: str, subgroup: str | None) -> str | None:
    """The police.uk crime type a Home Office offence falls under (None: not published
    by police.uk, e.g. fraud)."""
    if subgroup in SUBGROUP_TYPE:
        return SUBGROUP_TYPE[subgroup]
    return GROUP_TYPE.get(group)


@dataclass(frozen=True)
class HarmResult:
    """``by_group``: offence_group, count, harm (sum count x weight), css (harm per 1,000
    residents), volume_share, harm_share (percent), volume_rank, harm_rank; the largest
    harm first. ``css``: the whole area's score. ``unweighted``: offence codes with counts
    but no weight (code -> count)."""

    area: str
    period: str
    population: int
    css: float
    total_count: int
    by_group: pd.DataFrame
    by_type: pd.DataFrame
    unweighted: dict[str, int]
    weights_source: str

    def to_figures(self) -> dict:
        return {
            "area": self.area,
            "period": self.period,
            "population": self.population,
            "crime_severity_score": round(self.css, 4),
            "weights_source": self.weights_source,
            "unweighted_codes": self.unweighted,
            "by_group": {
                r.offence_group: {
                    "count": int(r.count),
                    "harm": round(float(r.harm), 4),
                    "volume_rank": int(r.volume_rank),
                    "harm_rank": int(r.harm_rank),
                }
                for r in self.by_group.itertuples()
            },
        }


def weighted_counts(recorded: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Home Office rows with ``weight`` (NaN when the code has none) and ``harm``."""
    w = weights.assign(_code=weights["offence_code"].map(normalise_code))
    w = w.drop_duplicates("_code").set_index("_code")["weight"]
    out = recorded.copy()
    out["weight"] = out["offence_code"].map(normalise_code).map(w)
    out["harm"] = out["count"] * out["weight"]
    out["crime_type"] = [
        police_uk_type(g, s)
        for g, s in zip(out["offence_group"], out["offence_subgroup"], strict=True)
    ]
    return out


def crime_severity(
    recorded: pd.DataFrame,
    weights: pd.DataFrame,
    population: int,
    *,
    area: str = "",
    period: str = "",
) -> HarmResult:
    """Crime Severity Score and harm by offence group for Home Office rows already cut to
    one area and period (``recorded_crime`` table: offence_group, offence_subgroup,
    offence_code, count)."""
    rows = weighted_counts(recorded, weights)
    known = rows["weight"].notna()
    unweighted = (
        rows[~known & (rows["count"] > 0)].groupby("offence_code")["count"].sum().astype(int)
    )
    by_group = rows.groupby("offence_group").agg(
        count=("count", "sum"), harm=("harm", lambda s: float(s.sum(skipna=True)))
    )
    by_type = (
        rows[rows["crime_type"].notna()]
        .groupby("crime_type")
        .agg(count=("count", "sum"), harm=("harm", lambda s: float(s.sum(skipna=True))))
    )
    for t in (by_group, by_type):
        t["css"] = t["harm"] / population * 1000
        t["volume_share"] = t["count"] / t["count"].sum() * 100
        t["harm_share"] = t["harm"] / t["harm"].sum() * 100 if t["harm"].sum() else np.nan
        t["volume_rank"] = t["count"].rank(ascending=False, method="min").astype(int)
        t["harm_rank"] = t["harm"].rank(ascending=False, method="min").astype(int)
        t["harm_per_crime"] = t["harm"] / t["count"].where(t["count"] > 0)
    by_group = by_group.sort_values("harm", ascending=False).reset_index()
    by_type = by_type.sort_values("harm", ascending=False).reset_index()
    source = ", ".join(sorted(set(weights["source"].astype(str)))) if "source" in weights else ""
    return HarmResult(
        area=area,
        period=period,
        population=int(population),
        css=float(rows["harm"].sum(skipna=True)) / population * 1000,
        total_count=int(rows["count"].sum()),
        by_group=by_group,
        by_type=by_type,
        unweighted={str(k): int(v) for k, v in unweighted.items()},
        weights_source=source,
    )


def harm_weights_by_type(recorded: pd.DataFrame, weights: pd.DataFrame) -> dict[str, float]:
    """Average severity weight of a crime of each police.uk type (harm / count over the
    Home Office rows given), for weighting police.uk counts by harm in priority scoring.

    >>> rec = pd.DataFrame({"offence_group": ["Robbery", "Theft offences"],
    ...     "offence_subgroup": ["Robbery of personal property", "Shoplifting"],
    ...     "offence_code": ["34B", "46"], "count": [10, 100]})
    >>> w = pd.DataFrame({"offence_code": ["34B", "46"], "weight": [400.0, 10.0]})
    >>> harm_weights_by_type(rec, w)
    {'Robbery': 400.0, 'Shoplifting': 10.0}
    """
    rows = weighted_counts(recorded, weights)
    rows = rows[rows["weight"].notna() & rows["crime_type"].notna()]
    t = rows.groupby("crime_type").agg(count=("count", "sum"), harm=("harm", "sum"))
    t = t[t["count"] > 0]
    return {str(k): float(v) for k, v in (t["harm"] / t["count"]).items()}
