"""What respondents want, ranked, and set beside what the data ranks highest. Pure.

The consultation ranking (a design choice of ours, stated in reports): a priority's
**support** is the share of respondents who chose it (each respondent counted once);
priorities are ranked by support, ties broken by the mean rank respondents gave it
(lower is more important; only respondents who ranked count). Small counts are left
to the report layer to suppress.

Two bridges to the crime data, through
:data:`csplib.sources.consultation.PRIORITY_CRIME_TYPES` (priority -> police.uk crime
types): :func:`crime_type_consultation` gives each crime type the rank and support of
the priority it measures (the consultation component of the priority score,
:func:`csplib.indicators.priorities.score_priorities`), and :func:`said_and_trend` sets
the priorities respondents rank highest beside the priorities whose crime rose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from csplib.indicators.change import pct_change
from csplib.indicators.multitest import METHOD, adjust_p_values
from csplib.indicators.significance import poisson_change_test
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


def resident_ranking(responses: pd.DataFrame, area: str | None = None) -> pd.DataFrame:
    """:func:`consultation_ranking` over residents' responses only: what the priority
    score's consultation points follow (partners and businesses are shown beside it, but
    the points go to what residents ranked).

    >>> r = pd.DataFrame({"respondent_id": ["a", "b", "c"],
    ...                   "respondent_type": ["resident", "partner", "partner"],
    ...                   "area": "X", "priority": ["Drugs", "ASB", "ASB"],
    ...                   "rank": pd.array([1, 1, 1], dtype="Int64")})
    >>> resident_ranking(r)[["priority", "respondents", "rank"]].to_dict("records")
    [{'priority': 'Drugs', 'respondents': 1, 'rank': 1}]
    """
    return consultation_ranking(responses[responses["respondent_type"] == "resident"], area)


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


#: Columns of :func:`crime_type_consultation`.
CRIME_TYPE_COLUMNS = [
    "crime_type",
    "consultation_priority",
    "consultation_rank",
    "consultation_support_pct",
    "consultation_respondents",
]


def crime_type_consultation(
    ranking: pd.DataFrame, mapping: Mapping[str, Sequence[str]] = PRIORITY_CRIME_TYPES
) -> pd.DataFrame:
    """What respondents said about each police.uk crime type: the consultation
    priority that it measures (``mapping``: priority -> crime types), with that
    priority's rank, support and respondents from ``ranking``
    (:func:`consultation_ranking`).

    One row per crime type in ``mapping``. A crime type whose priority nobody chose
    keeps its priority name, with rank ``<NA>``, support 0 and 0 respondents. Where
    two priorities name the same crime type, the better ranked one stands for it.

    >>> said = pd.DataFrame({"priority": ["Theft", "Drugs"], "respondents": [6, 3],
    ...                      "support_pct": [60.0, 30.0], "rank": [1, 2]})
    >>> t = crime_type_consultation(said, {"Theft": ["Other theft", "Bicycle theft"],
    ...                                    "Drugs": ["Drugs"], "Robbery": ["Robbery"]})
    >>> t["crime_type"].tolist(), t["consultation_rank"].tolist()
    (['Other theft', 'Bicycle theft', 'Drugs', 'Robbery'], [1, 1, 2, <NA>])
    >>> t["consultation_support_pct"].tolist()
    [60.0, 60.0, 30.0, 0.0]
    """
    said = ranking.set_index("priority") if not ranking.empty else None
    best: dict[str, dict] = {}
    for priority, types in mapping.items():
        hit = said is not None and priority in said.index
        row = {
            "consultation_priority": priority,
            "consultation_rank": int(said.loc[priority, "rank"]) if hit else None,
            "consultation_support_pct": float(said.loc[priority, "support_pct"]) if hit else 0.0,
            "consultation_respondents": int(said.loc[priority, "respondents"]) if hit else 0,
        }
        for crime_type in types:
            old = best.get(crime_type)
            if old is None or (
                row["consultation_rank"] is not None
                and (old["consultation_rank"] is None
                     or row["consultation_rank"] < old["consultation_rank"])
            ):  # fmt: skip
                best[crime_type] = {"crime_type": crime_type, **row}
    out = pd.DataFrame(list(best.values()), columns=CRIME_TYPE_COLUMNS)
    return out.astype({"consultation_rank": "Int64", "consultation_respondents": "int64",
                       "consultation_support_pct": "float64"})  # fmt: skip


#: Columns of :func:`said_and_trend`.
SAID_AND_TREND_COLUMNS = [
    "priority",
    "consultation_rank",
    "support_pct",
    "respondents",
    "crime_types",
    "current",
    "previous",
    "change_pct",
    "z",
    "p_value",
    "p_adjusted",
    "trend",
    "raised",
    "rising",
    "reading",
]


def said_and_trend(
    ranking: pd.DataFrame,
    current: Mapping[str, int] | pd.Series,
    previous: Mapping[str, int] | pd.Series,
    *,
    current_exposure: float = 1.0,
    previous_exposure: float = 1.0,
    top: int = 3,
    alpha: float = 0.05,
    correction: str | None = "fdr_bh",
    mapping: Mapping[str, Sequence[str]] = PRIORITY_CRIME_TYPES,
) -> pd.DataFrame:
    """Emerging issues seen from both sides: the priorities respondents rank in their
    top ``top``, and the priorities whose crimes (or ASB incidents) rose by more than
    chance, each with the other side's view.

    ``current``/``previous``: counts by police.uk crime type over the months compared
    (like-for-like); a priority's count is the sum over its crime types (``mapping``),
    tested with :func:`csplib.indicators.significance.poisson_change_test` (exposures:
    the days compared). Every priority with a police measure is tested, so p-values
    are adjusted for the number tested (``correction``, as statsmodels' ``multipletests``
    names it; None for none) and ``trend`` goes by the adjusted p-value. Priorities
    with no police measure are left out.

    ``raised``: ranked 1 to ``top`` by respondents; ``rising``: a significant rise.
    ``reading`` says which: 'raised and rising', 'raised; no significant rise in the
    data' or 'rising; not in respondents' top N'. Rows: raised first (by rank), then the
    rest by z, largest first.
    """
    cur = pd.Series(current, dtype="float64")
    prev = pd.Series(previous, dtype="float64")
    said = ranking.set_index("priority") if not ranking.empty else None
    rows = []
    for priority, types in mapping.items():
        a = int(sum(cur.get(t, 0) for t in types))
        b = int(sum(prev.get(t, 0) for t in types))
        test = poisson_change_test(a, b, current_exposure, previous_exposure, alpha=alpha)
        hit = said is not None and priority in said.index
        rank = int(said.loc[priority, "rank"]) if hit else None
        rows.append({
            "priority": priority, "consultation_rank": rank,
            "support_pct": float(said.loc[priority, "support_pct"]) if hit else 0.0,
            "respondents": int(said.loc[priority, "respondents"]) if hit else 0,
            "crime_types": ", ".join(types), "current": a, "previous": b,
            "change_pct": pct_change(a, b), "z": test.z, "p_value": test.p_value,
            "up": a / current_exposure > b / previous_exposure,
        })  # fmt: skip
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=SAID_AND_TREND_COLUMNS)
    p = out["p_value"].to_numpy(dtype=float)
    if correction == METHOD:  # the workbook's one policy (csplib.indicators.multitest)
        out["p_adjusted"] = adjust_p_values(p, alpha)[0]
    else:
        out["p_adjusted"] = multipletests(p, alpha, method=correction)[1] if correction else p
    sig = out["p_adjusted"] < alpha
    out["trend"] = np.where(sig, np.where(out["up"], "significant rise", "significant fall"),
                            "no significant change")  # fmt: skip
    out["consultation_rank"] = out["consultation_rank"].astype("Float64")
    out["raised"] = (out["consultation_rank"] <= top).fillna(False).astype(bool)
    out["rising"] = out["trend"] == "significant rise"
    out = out[out["raised"] | out["rising"]].copy()
    out["reading"] = np.where(
        out["raised"] & out["rising"], "raised and rising",
        np.where(out["raised"], "raised; no significant rise in the data",
                 f"rising; not in respondents' top {top}"),
    )  # fmt: skip
    out["_order"] = out["consultation_rank"].fillna(float("inf"))
    out = out.astype({"consultation_rank": "Int64", "change_pct": "float64"})
    out = out.sort_values(["_order", "z"], ascending=[True, False], kind="stable")
    return out[SAID_AND_TREND_COLUMNS].reset_index(drop=True)
