"""Evidence for recommended priorities and the priority score, worked out by hand."""

from __future__ import annotations

import doctest
import math

import pandas as pd
import pytest
from scipy.stats import norm

from csplib.errors import ParameterError
from csplib.indicators import priorities as priorities_module
from csplib.indicators.consultation import consultation_ranking
from csplib.indicators.peers import ABOVE, BELOW, WITHIN
from csplib.indicators.priorities import (
    annual_series,
    consultation_points,
    county_position,
    like_for_like_months,
    months_days,
    recorded_crime_change,
    rolling_comparison,
    score_priorities,
    significant_rises,
    year_on_year,
)
from csplib.periods import Period, month_range


def test_doctests() -> None:
    result = doctest.testmod(priorities_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


# ------------------------------------------------------------------ the worked example

WORKED = pd.DataFrame(
    {
        "candidate": ["A", "B", "C", "D"],
        "count": [300, 100, 50, 20],
        "current": [300, 100, 50, 20],
        "previous": [200, 100, 80, 18],
        "verdict_95": [ABOVE, WITHIN, ABOVE, BELOW],
        "verdict_998": [ABOVE, WITHIN, WITHIN, WITHIN],
    }
)


def _sqrt_test_p(a: int, b: int) -> float:
    """Two-sided p of the square-root test for equal exposures (Gu et al. W5A), by hand."""
    stat = 2 * (math.sqrt(a + 3 / 8) - math.sqrt(b + 3 / 8)) / math.sqrt(2)
    return 2 * norm.sf(abs(stat))


def test_priority_score_worked_example_by_hand():
    scores = score_priorities(WORKED).set_index("candidate")
    # Volume: shares of 470 crimes: 63.8%, 21.3%, 10.6%, 4.3% -> 3, 3, 2, 0.
    assert scores.loc["A", "share_pct"] == pytest.approx(300 / 470 * 100)
    assert scores["volume_points"].to_dict() == {"A": 3, "B": 3, "C": 2, "D": 0}
    # Trend: A 300 vs 200: Z = 2(sqrt 300 - sqrt 200) = 6.357 (> 3) and significant -> 3;
    # B unchanged -> 1; C 50 vs 80: p = 0.0083 by the square-root test -> fall -> 0;
    # D 20 vs 18 (exact test, a + b < 100): no significant change -> 1.
    assert scores.loc["A", "z"] == pytest.approx(2 * (math.sqrt(300) - math.sqrt(200)))
    assert scores.loc["A", "z"] == pytest.approx(6.357, abs=1e-3)
    # The four trends are one family (Benjamini-Hochberg): C has the 2nd smallest of 4
    # p-values (A's is far smaller), so its adjusted p is 0.0083 x 4 / 2 = 0.0165 < 0.05.
    assert scores.loc["C", "p_value"] == pytest.approx(_sqrt_test_p(50, 80) * 4 / 2)
    assert scores.loc["C", "p_value"] == pytest.approx(0.0165, abs=1e-4)
    assert scores["trend"].to_dict() == {
        "A": "significant rise",
        "B": "no significant change",
        "C": "significant fall",
        "D": "no significant change",
    }
    assert scores["trend_points"].to_dict() == {"A": 3, "B": 1, "C": 0, "D": 1}
    # County: above at 99.8% -> 3, within -> 1, above at 95% only -> 2, below -> 0.
    assert scores["county_points"].to_dict() == {"A": 3, "B": 1, "C": 2, "D": 0}
    assert scores["score"].to_dict() == {"A": 9, "B": 5, "C": 4, "D": 1}
    assert scores["rank"].to_dict() == {"A": 1, "B": 2, "C": 3, "D": 4}
    assert scores["recommended"].to_dict() == {"A": True, "B": True, "C": True, "D": False}
    # Without harm weights harm is not scored.
    assert scores["harm_points"].isna().all()


def test_harm_weights_add_a_fourth_component():
    # Harm = count x weight: 300, 1000, 50, 20 of 1,370 -> 21.9%, 73.0%, 3.6%, 1.5%.
    weights = {"A": 1.0, "B": 10.0, "C": 1.0, "D": 1.0}
    scores = score_priorities(WORKED, harm_weights=weights).set_index("candidate")
    assert scores.loc["B", "harm_share_pct"] == pytest.approx(1000 / 1370 * 100)
    assert scores["harm_points"].to_dict() == {"A": 3, "B": 3, "C": 0, "D": 0}
    assert scores["score"].to_dict() == {"A": 12, "B": 8, "C": 4, "D": 1}
    with pytest.raises(ParameterError, match="no harm weight for D"):
        score_priorities(WORKED, harm_weights={"A": 1, "B": 1, "C": 1})


def _responses(choices: dict[str, list[int]]) -> pd.DataFrame:
    """Consultation rows: priority -> the respondents (numbers) who chose it, unranked."""
    rows = [(f"r{i}", p) for p, who in choices.items() for i in who]
    return pd.DataFrame({
        "respondent_id": [r for r, _ in rows], "respondent_type": "resident", "area": "X",
        "priority": [p for _, p in rows], "rank": pd.array([None] * len(rows), dtype="Int64"),
    })  # fmt: skip


def test_consultation_adds_a_component_worked_by_hand():
    # The worked example's counts as real crime types; 10 respondents chose
    # Anti-social behaviour (8 of them), Drugs (5), Burglary (4), Violence (2) and
    # Shoplifting (1): ranked 1-5 by support 80%, 50%, 40%, 20%, 10%.
    frame = WORKED.assign(candidate=["Violence and sexual offences", "Shoplifting", "Burglary",
                                     "Drugs"])  # fmt: skip
    ranking = consultation_ranking(_responses({
        "Anti-social behaviour": [0, 1, 2, 3, 4, 5, 6, 7], "Drugs": [0, 1, 2, 3, 4],
        "Burglary": [5, 6, 7, 8], "Violence": [8, 9], "Shoplifting": [9],
    }))  # fmt: skip
    assert ranking["priority"].tolist()[:5] == [
        "Anti-social behaviour", "Drugs", "Burglary", "Violence", "Shoplifting"]  # fmt: skip
    scores = score_priorities(frame, consultation=ranking).set_index("candidate")
    # Violence: rank 4, chosen by 2 of 10 = 20% -> 2; Shoplifting: rank 5, 10% -> 1;
    # Burglary: rank 3 -> 3; Drugs: rank 2 -> 3.
    assert scores["consultation_priority"].to_dict() == {
        "Violence and sexual offences": "Violence", "Shoplifting": "Shoplifting",
        "Burglary": "Burglary", "Drugs": "Drugs"}  # fmt: skip
    assert scores["consultation_rank"].to_dict() == {
        "Violence and sexual offences": 4, "Shoplifting": 5, "Burglary": 3, "Drugs": 2}  # fmt: skip
    assert scores["consultation_support_pct"].to_dict() == {
        "Violence and sexual offences": 20.0, "Shoplifting": 10.0, "Burglary": 40.0,
        "Drugs": 50.0}  # fmt: skip
    assert scores["consultation_points"].to_dict() == {
        "Violence and sexual offences": 2, "Shoplifting": 1, "Burglary": 3, "Drugs": 3}  # fmt: skip
    # The data's points are unchanged (9, 5, 4, 1); with the consultation 11, 6, 7, 4.
    data_points = scores[["volume_points", "trend_points", "county_points"]].sum(axis=1)
    assert data_points.to_dict() == {"Violence and sexual offences": 9, "Shoplifting": 5,
                                     "Burglary": 4, "Drugs": 1}  # fmt: skip
    assert scores["score"].to_dict() == {"Violence and sexual offences": 11, "Shoplifting": 6,
                                         "Burglary": 7, "Drugs": 4}  # fmt: skip
    # Burglary (7) now ranks above Shoplifting (6).
    assert scores["rank"].to_dict() == {"Violence and sexual offences": 1, "Burglary": 2,
                                        "Shoplifting": 3, "Drugs": 4}  # fmt: skip


def test_consultation_is_optional_and_backward_compatible():
    without = score_priorities(WORKED)
    assert without["consultation_points"].isna().all()
    assert without["consultation_rank"].isna().all()
    # A ranking that names none of the candidates scores 0 for everyone, nothing else moves.
    nobody = consultation_ranking(_responses({"Road safety": [0, 1]}))
    with_it = score_priorities(WORKED, consultation=nobody)
    assert (with_it["consultation_points"] == 0).all()
    assert with_it["score"].tolist() == without["score"].tolist()
    # Crime types reach a priority through the mapping given, "Theft" covering three.
    theft = consultation_ranking(_responses({"Theft": [0, 1, 2], "Drugs": [3]}))
    frame = pd.DataFrame({"candidate": ["Bicycle theft", "Other theft", "Robbery"],
                          "count": [10, 10, 10], "current": [10, 10, 10],
                          "previous": [10, 10, 10]})  # fmt: skip
    s = score_priorities(frame, consultation=theft).set_index("candidate")
    assert s["consultation_points"].to_dict() == {"Bicycle theft": 3, "Other theft": 3,
                                                  "Robbery": 0}  # fmt: skip
    assert s.loc["Robbery", "consultation_priority"] == "Robbery"
    assert pd.isna(s.loc["Robbery", "consultation_rank"])
    with pytest.raises(ParameterError, match="consultation lacks column"):
        score_priorities(WORKED, consultation=pd.DataFrame({"priority": ["Drugs"]}))


@pytest.mark.parametrize(
    ("rank", "support", "points"),
    [(1, 5.0, 3), (3, 0.5, 3), (4, 20.0, 2), (4, 19.99, 1), (7, 10.0, 1), (7, 9.99, 0),
     (None, 0.0, 0)],
)  # fmt: skip
def test_consultation_points_thresholds(rank, support, points):
    assert consultation_points(rank, support) == points


def test_score_ties_go_to_the_larger_count_and_total_sets_the_share():
    frame = pd.DataFrame(
        {"candidate": ["small", "big"], "count": [60, 90], "current": [60, 90],
         "previous": [60, 90]}
    )  # fmt: skip
    scores = score_priorities(frame, total=1000, top_n=1)
    # Shares of 1,000: 6% and 9% -> 1 point each; trend 1 each; not compared -> 0.
    assert list(scores["candidate"]) == ["big", "small"]
    assert list(scores["score"]) == [2, 2]
    assert list(scores["county_verdict"]) == ["not compared", "not compared"]
    assert list(scores["recommended"]) == [True, False]


# ------------------------------------------------------------------ flagged months


def test_like_for_like_months_drop_a_flagged_month_from_both_years():
    lfl = like_for_like_months(Period.fyear(2023), Period.fyear(2022), ["2022-12"])
    assert len(lfl.current) == len(lfl.previous) == 11
    assert "2023-12" not in lfl.current and "2022-12" not in lfl.previous
    assert lfl.excluded == [("2023-12", "2022-12")]
    assert not lfl.complete
    assert like_for_like_months(Period.fyear(2023), Period.fyear(2022), []).complete


def test_year_on_year_uses_the_days_compared():
    lfl = like_for_like_months(["2024-02"], ["2023-02"], [])
    assert months_days(lfl.current) == 29 and months_days(lfl.previous) == 28
    # 29 a day-rate equal to 28: 290 in 29 days against 280 in 28 days is no change.
    yoy = year_on_year(290, 280, lfl)
    assert yoy["change"] == 10 and yoy["pct_change"] == pytest.approx(10 / 280 * 100, abs=0.01)
    assert yoy["z"] == pytest.approx(0.0, abs=1e-9)
    assert yoy["significance"] == "no significant change"
    assert yoy["months"] == 1 and yoy["excluded"] == []


def test_annual_series_counts_complete_months_only():
    months = month_range("2021-04", "2024-03")
    counts = [100] * len(months)
    counts[months.index("2022-12")] = None  # incomplete: <NA>, never a low number
    monthly = pd.DataFrame({"month": months, "count": pd.array(counts, dtype="Int64")})
    years = [Period.fyear(2021), Period.fyear(2022), Period.fyear(2023)]
    out = annual_series(monthly, years)
    assert list(out["count"]) == [1200, 1100, 1200]
    assert list(out["complete_months"]) == [12, 11, 12]
    assert list(out["per_month"]) == [100.0, 100.0, 100.0]
    assert out["flagged_months"].tolist() == [[], ["2022-12"], []]


def test_rolling_comparison_leaves_out_unknown_months_pairwise():
    months = month_range("2022-01", "2023-12")
    counts = [10] * 12 + [12] * 12
    counts[months.index("2022-06")] = None
    monthly = pd.DataFrame({"month": months, "count": pd.array(counts, dtype="Int64")})
    out = rolling_comparison(monthly, ["2023-12", "2022-12"]).set_index("end")
    # 12 months to Dec 2023 against 2022, June left out of both: 11 x 12 against 11 x 10.
    assert out.loc["2023-12", "months"] == 11
    assert (out.loc["2023-12", "current"], out.loc["2023-12", "previous"]) == (132, 110)
    assert out.loc["2023-12", "excluded"] == ["2023-06"]
    # The 12 months before Dec 2022 are not in the data at all: nothing is compared.
    assert out.loc["2022-12", "months"] == 0
    assert pd.isna(out.loc["2022-12", "current"])
    assert out.loc["2022-12", "significance"] == "not compared"


# ------------------------------------------------------------------ emerging issues


def test_significant_rises_adjusts_for_many_tests_by_hand():
    frame = pd.DataFrame(
        {"place": ["p", "q", "r"], "current": [200, 130, 31], "previous": [100, 100, 30]}
    )
    raw = significant_rises(frame, correction=None).set_index("place")
    adj = significant_rises(frame).set_index("place")
    p = raw["p_value"]
    # Benjamini-Hochberg by hand: sort p ascending, p_(i) x m / i, then the running
    # minimum from the largest down.
    order = p.sort_values()
    m = len(order)
    scaled = [order.iloc[i] * m / (i + 1) for i in range(m)]
    bh = [min(scaled[i:]) for i in range(m)]
    for place, value in zip(order.index, bh, strict=True):
        assert adj.loc[place, "p_adjusted"] == pytest.approx(min(value, 1.0))
    assert bool(adj.loc["p", "rise"]) is True
    assert bool(adj.loc["r", "rise"]) is False
    assert adj.loc["p", "change"] == 100 and adj.loc["p", "change_pct"] == pytest.approx(100.0)
    # A rise on a count under min_count is not reported.
    assert not significant_rises(frame, min_count=250)["rise"].any()


def test_county_position_against_the_pooled_rate():
    # Ten areas of 10,000 people. X: A has 200 crimes, the other nine 18-22 (chance-sized
    # spread), so A stands out even after the limits allow for areas differing. Y: all 10.
    others = [18, 19, 20, 21, 22, 18, 19, 21, 22]
    areas = ["A"] + [f"B{i}" for i in range(9)]
    counts = pd.DataFrame(
        {
            "area": areas + areas,
            "candidate": ["X"] * 10 + ["Y"] * 10,
            "count": [200, *others] + [10] * 10,
        }
    )
    pop = dict.fromkeys(areas, 10_000)
    out = county_position(counts, pop, "A").set_index("candidate")
    # X: A's rate 20 per 1,000 against the county's (200 + 180) / 100,000 = 3.8 per 1,000.
    assert out.loc["X", "rate"] == pytest.approx(20.0)
    assert out.loc["X", "county_rate"] == pytest.approx(3.8)
    assert out.loc["X", "rank"] == 1 and out.loc["X", "of"] == 10
    assert out.loc["X", "verdict_998"] == ABOVE
    # Y: all equal -> within.
    assert out.loc["Y", "verdict_95"] == WITHIN


def test_recorded_crime_change_by_subgroup_group_and_total():
    rows = []
    for fy, counts in (("2023/24", (10, 4, 7)), ("2022/23", (8, 2, 9))):
        for q in (1, 2, 3, 4):
            for (group, sub), n in zip(
                [("Violence against the person", "Violence with injury"),
                 ("Sexual offences", "Rape offences"),
                 ("Sexual offences", "Other sexual offences")],
                counts, strict=True,
            ):  # fmt: skip
                rows.append({"financial_year": fy, "financial_quarter": q, "csp_name": "Town",
                             "offence_group": group, "offence_subgroup": sub, "count": n})  # fmt: skip
    rows.append({"financial_year": "2023/24", "financial_quarter": 1, "csp_name": "Other",
                 "offence_group": "Sexual offences", "offence_subgroup": "Rape offences",
                 "count": 99})  # fmt: skip
    table = pd.DataFrame(rows)
    sub = recorded_crime_change(table, "town", "2023/24", "2022/23").set_index("offence_subgroup")
    assert sub.loc["Rape offences", ["current", "previous", "change"]].tolist() == [16, 8, 8]
    assert sub.loc["Rape offences", "pct_change"] == pytest.approx(100.0)
    groups = recorded_crime_change(table, "Town", "2023/24", "2022/23", by="group")
    groups = groups.set_index("offence_group")
    # Violence against the person and sexual offences stay separate.
    assert groups.loc["Sexual offences", ["current", "previous"]].tolist() == [44, 44]
    assert groups.loc["Violence against the person", ["current", "previous"]].tolist() == [40, 32]
    total = recorded_crime_change(table, "Town", "2023/24", "2022/23", by="total")
    assert total[["offence_group", "current", "previous"]].values.tolist() == [["Total", 84, 76]]
    assert sub.attrs["quarters"] == {"2023/24": [1, 2, 3, 4], "2022/23": [1, 2, 3, 4]}
    assert recorded_crime_change(table, "Nowhere", "2023/24", "2022/23").empty


def test_recommendations_follow_the_evidence_with_reasons_for_and_against():
    # Shoplifting is the biggest (600 of 1,000, volume 3) but fell for real (800 -> 600:
    # square-root test Z about -5, p < 0.001) and is below the county's rate and its
    # peers': not recommended on volume alone. ASB can be a candidate.
    cand = pd.DataFrame({
        "candidate": ["Shoplifting", "Burglary", "Robbery", "Anti-social behaviour", "Drugs"],
        "count": [600, 250, 100, 500, 50], "current": [600, 250, 100, 500, 50],
        "previous": [800, 200, 60, 400, 50],
        "verdict_95": [BELOW, ABOVE, WITHIN, ABOVE, WITHIN],
        "verdict_998": [BELOW, WITHIN, WITHIN, ABOVE, WITHIN],
        "peer_verdict": [BELOW, ABOVE, None, None, None],
    })  # fmt: skip
    scores = score_priorities(cand, total=1000).set_index("candidate")
    shop = scores.loc["Shoplifting"]
    assert shop["volume_points"] == 3 and shop["trend"] == "significant fall"
    assert bool(shop["held_back"]) and not bool(shop["recommended"])
    assert "not recommended on volume alone" in shop["reasons_against"]
    assert "a large share of crime (60.0%)" in shop["reasons_for"]
    assert "a rate below its most similar group's" in shop["reasons_against"]
    # ASB 500 against 1,000 crimes: 500 / 1,500 = 33.3% of crime and ASB together.
    assert scores.loc["Anti-social behaviour", "share_pct"] == pytest.approx(500 / 1500 * 100)
    assert bool(scores.loc["Anti-social behaviour", "recommended"])
    assert "a real rise on the year before" in scores.loc["Burglary", "reasons_for"]
    recommended = list(scores.index[scores["recommended"]])
    assert len(recommended) == 3 and "Shoplifting" not in recommended


def test_asb_harm_emerging_and_reasons_worked_by_hand():
    # Four crime types (1,000 crimes) and anti-social behaviour, every rate within the
    # county's limits; harm weights per crime type; one recommendation by score.
    cand = pd.DataFrame({
        "candidate": ["Violence and sexual offences", "Criminal damage and arson",
                      "Shoplifting", "Burglary", "Anti-social behaviour"],
        "count": [500, 300, 150, 50, 600], "current": [500, 300, 150, 50, 600],
        "previous": [400, 352, 100, 50, 640],
        "verdict_95": [WITHIN] * 5, "verdict_998": [WITHIN] * 5,
        "rate": [10.0, 5.0, 3.0, 1.0, 12.0], "county_rate": [10.0, 8.0, 3.1, 1.0, 12.5],
        "county_rank": [4, 8, 5, 4, 5], "county_of": [8] * 5,
    })  # fmt: skip
    weights = {"Violence and sexual offences": 100.0, "Criminal damage and arson": 10.0,
               "Shoplifting": 10.0, "Burglary": 300.0}  # fmt: skip
    s = score_priorities(cand, total=1000, harm_weights=weights, top_n=1).set_index("candidate")
    asb, cd = "Anti-social behaviour", "Criminal damage and arson"
    # Volume: 50%, 30%, 15%, 5% of 1,000 crimes; ASB 600 of 1,000 + 600 = 37.5%.
    assert s.loc[asb, "share_pct"] == pytest.approx(37.5)
    assert s["volume_points"].to_dict() == {"Violence and sexual offences": 3, cd: 3,
                                            "Shoplifting": 2, "Burglary": 1, asb: 3}  # fmt: skip
    # ASB is tested on its own (600 against 640, p = 0.256), not in the crime family.
    assert s.loc[asb, "p_value"] == pytest.approx(_sqrt_test_p(600, 640))
    # The crime family (BH over 4): criminal damage 300 against 352 has p = 0.042 on its
    # own, the 3rd smallest, so 0.042 x 4 / 3 = 0.056 after adjustment: no real change.
    p_cd = _sqrt_test_p(300, 352)
    assert 0.0375 < p_cd < 0.05
    assert s.loc[cd, "p_own"] == pytest.approx(p_cd)
    assert s.loc[cd, "p_value"] == pytest.approx(p_cd * 4 / 3)
    assert s.loc[cd, "trend"] == "no significant change"
    # Harm: 500 x 100, 300 x 10, 150 x 10, 50 x 300 = 50,000, 3,000, 1,500, 15,000 of
    # 69,500: 71.9%, 4.3%, 2.2%, 21.6% -> 3, 0, 0, 3; ASB has no weight: NaN, 0 points.
    assert s.loc["Burglary", "harm_share_pct"] == pytest.approx(15000 / 69500 * 100)
    assert pd.isna(s.loc[asb, "harm_share_pct"])
    assert s["harm_points"].to_dict() == {"Violence and sexual offences": 3, cd: 0,
                                          "Shoplifting": 0, "Burglary": 3, asb: 0}  # fmt: skip
    # Trend: violence Z = 2(sqrt 500 - sqrt 400) = 4.72 and shoplifting 2(sqrt 150 -
    # sqrt 100) = 4.49, both real rises -> 3; the rest 1. County: within -> 1 each.
    # Scores: 3+3+1+3 = 10; 3+1+1+0 = 5; 2+3+1+0 = 6; 1+1+1+3 = 6; 3+1+1+0 = 5.
    assert s["score"].to_dict() == {"Violence and sexual offences": 10, cd: 5,
                                    "Shoplifting": 6, "Burglary": 6, asb: 5}  # fmt: skip
    assert list(s.index) == ["Violence and sexual offences", "Shoplifting", "Burglary", asb, cd]
    # One by score; shoplifting's real rise of 50% (100 -> 150) is large enough to
    # matter, so it is recommended too, as an emerging issue.
    assert s["recommended"].to_dict() == {"Violence and sexual offences": True, cd: False,
                                          "Shoplifting": True, "Burglary": False, asb: False}  # fmt: skip
    assert list(s.index[s["emerging"]]) == ["Shoplifting"]
    assert "a real rise on the year before (+50.0%)" in s.loc["Shoplifting", "reasons_for"]
    assert "emerging issue" in s.loc["Shoplifting", "reasons_for"]
    # Reasons against criminal damage: its fall (-14.8%) passes its own test but not the
    # family's, and its rate is the lowest of the county's 8 partnerships.
    against = s.loc[cd, "reasons_against"]
    assert "fell 14.8% on the year before, though with this many crime types compared" in against
    assert (
        "the lowest rate of the county's 8 partnerships (5.0 per 1,000 residents against 8.0)"
        in against
    )
    assert "a small share of harm (4.3%)" in against
    assert "a large share of crime and anti-social behaviour (37.5%)" in s.loc[asb, "reasons_for"]
    assert "a large share of harm (21.6%)" in s.loc["Burglary", "reasons_for"]
    # A rate 3% under the county's (3.0 against 3.1), neither highest nor lowest, is no
    # reason either way.
    assert "county" not in s.loc["Shoplifting", "reasons_against"]
