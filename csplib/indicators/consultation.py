"""What respondents want, ranked, and set beside what the data ranks highest. Pure.

The consultation ranking (a design choice of ours, stated in reports): a priority's
**support** is the share of respondents who chose it (each respondent counted once);
priorities are ranked by support, ties broken by the mean rank respondents gave it
(lower is more important; only respondents who ranked count). Small counts are left
to the report layer to suppress.
"""

from __future__ import annotations

import pandas as pd

from csplib.sources.consultation import PRIORITY_CRIME_TYPES, RESPONDENT_TYPES

RANKING_COLUMNS = ["priority", "respondents", *RESPONDENT_TYPES, "support_pct", "mean_rank", "rank"]


def consultation_ranking(responses: pd.DataFrame, area: str | None = None) -> pd.DataFrame:
    """Priorities by support among respondents (optionally for one area).

    ``responses``: the canonical consultation table (respondent_id, respondent_type,
    area, priority, rank). Returns columns ``priority, respondents, resident, partner,
    business, support_pct, mean_rank, rank`` (rank 1 = most support).

    >>> r = pd.DataFrame({"respondent_id": ["a", "a", "b", "c"],
    ...                   "respondent_type": ["resident", "resident", "partner", "resident"],
    ...                   "area": "X", "priority": ["ASB", "Drugs", "ASB", "Drugs"],
    ...                   "rank": pd.array([1, 2, None, 1], dtype="Int64")})
    >>> consultation_ranking(r)[["priority", "respondents", "support_pct", "rank"]].to_dict("records")
    [{'priority': 'ASB', 'respondents': 2, 'support_pct': 66.67, 'rank': 1}, {'priority': 'Drugs', 'respondents': 2, 'support_pct': 66.67, 'rank': 2}]
    """
    if area is not None:
        responses = responses[responses["area"].str.casefold() == area.casefold()]
    if responses.empty:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    total = responses["respondent_id"].nunique()
    g = responses.groupby("priority")
    out = pd.DataFrame({"respondents": g["respondent_id"].nunique()})
    for t in RESPONDENT_TYPES:
        sub = responses[responses["respondent_type"] == t]
        out[t] = sub.groupby("priority")["respondent_id"].nunique().reindex(out.index, fill_value=0)
    out["support_pct"] = (out["respondents"] / total * 100).round(2)
    out["mean_rank"] = g["rank"].mean().astype("float64").round(2)
    out = out.reset_index().sort_values(
        ["respondents", "mean_rank", "priority"], ascending=[False, True, True], na_position="last"
    )
    out["rank"] = range(1, len(out) + 1)
    out[["respondents", *RESPONDENT_TYPES]] = out[["respondents", *RESPONDENT_TYPES]].astype(
        "int64"
    )
    return out[RANKING_COLUMNS].reset_index(drop=True)


def data_ranking(crime_type_counts: pd.Series) -> pd.DataFrame:
    """Priorities ranked by the data: the crimes (or ASB incidents) that measure each
    priority, from counts by police.uk crime type. Priorities with no police measure
    are left out. Columns: priority, count, rank (1 = most)."""
    rows = [
        {"priority": p, "count": int(sum(crime_type_counts.get(t, 0) for t in types))}
        for p, types in PRIORITY_CRIME_TYPES.items()
    ]
    out = pd.DataFrame(rows).sort_values(["count", "priority"], ascending=[False, True])
    out["rank"] = range(1, len(out) + 1)
    return out.reset_index(drop=True)


def compare_rankings(said: pd.DataFrame, data: pd.DataFrame) -> pd.DataFrame:
    """Each priority's rank among respondents beside its rank in the data.

    Columns: priority, consultation_rank, support_pct, data_rank, count, agreement
    ('both high' when both ranks are in the top 3, 'residents higher', 'data higher',
    'both lower', or 'no police measure')."""
    merged = said[["priority", "rank", "support_pct"]].rename(columns={"rank": "consultation_rank"}).merge(
        data.rename(columns={"rank": "data_rank"}), on="priority", how="outer"
    )  # fmt: skip

    def agree(r) -> str:
        if pd.isna(r["data_rank"]):
            return "no police measure"
        c_high = pd.notna(r["consultation_rank"]) and r["consultation_rank"] <= 3
        d_high = r["data_rank"] <= 3
        if c_high and d_high:
            return "both high"
        if c_high:
            return "respondents rank it higher"
        if d_high:
            return "data ranks it higher"
        return "both lower"

    merged["agreement"] = merged.apply(agree, axis=1)
    merged = merged.sort_values(["consultation_rank", "data_rank"], na_position="last")
    return merged.astype(
        {"consultation_rank": "Int64", "data_rank": "Int64", "count": "Int64"}
    ).reset_index(drop=True)
