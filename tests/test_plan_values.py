"""Latest values of plan indicators from crimes and partner tables, worked out by hand."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest
from scipy.stats import binomtest

from csplib.indicators import plan_values as plan_values_module
from csplib.indicators.plan_values import (
    county_value,
    latest_period_like,
    latest_values,
    partner_summary,
    partner_value,
    plan_period_months,
    plan_progress,
    police_value,
)
from csplib.paths import PARAMETERS
from csplib.plan import Plan, load_plan


def test_doctests() -> None:
    result = doctest.testmod(plan_values_module)
    assert result.failed == 0 and result.attempted > 0


def test_latest_period_like_the_baseline():
    assert latest_period_like("2021/22", "2024-03") == "2023/24"
    assert latest_period_like("2021/22", "2024-02") == "2022/23"
    assert latest_period_like("2021/22 Q4", "2024-03") == "2023/24 Q4"
    assert latest_period_like("2021/22 Q1", "2024-08") == "2024/25 Q1"
    assert latest_period_like("2021/22 Q1", "2024-01") == "2023/24 Q3"
    assert latest_period_like("2021", "2024-03") == "2023"
    assert latest_period_like("2021", "2023-12") == "2023"
    assert latest_period_like("2021-06", "2024-03") == "2024-03"
    assert plan_period_months("2023") == [f"2023-{m:02d}" for m in range(1, 13)]


PLAN = Plan.model_validate(
    {
        "name": "Test plan",
        "partnership": "Town",
        "period": "2022-25",
        "priorities": [
            {
                "name": "Safer streets",
                "lead": "Someone",
                "indicators": [
                    {"id": "asb_rate", "name": "ASB per 1,000", "source": "police",
                     "police": {"asb": True}, "unit": "rate_per_1000",
                     "baseline": {"value": 6.0, "period": "2021/22", "numerator": 6,
                                  "denominator": 1000},
                     "target": {"value": 4.0, "period": "2024/25"}, "direction": "reduce"},
                    {"id": "burglary", "name": "Burglary", "source": "police",
                     "police": {"crime_types": ["Burglary"]}, "unit": "count",
                     "baseline": {"value": 100, "period": "2021/22"},
                     "target": {"value": 80, "period": "2024/25"}, "direction": "reduce"},
                    {"id": "repeat_da", "name": "Repeat DA (%)", "source": "partner",
                     "partner_indicator": "Repeat DA", "unit": "percent",
                     "baseline": {"value": 25.0, "period": "2021/22", "numerator": 250,
                                  "denominator": 1000},
                     "target": {"value": 20.0, "period": "2024/25"}, "direction": "reduce"},
                    {"id": "ksi", "name": "KSI", "source": "partner",
                     "partner_indicator": "KSI", "unit": "count",
                     "baseline": {"value": 50, "period": "2021"},
                     "target": {"value": 40, "period": "2024"}, "direction": "reduce"},
                ],
            }
        ],
    }
)  # fmt: skip


def _crimes() -> pd.DataFrame:
    rows = []
    # 2023/24: 3 ASB incidents, 60 burglaries; one burglary in 2022/23 (not counted).
    rows += [("2023-05", "Anti-social behaviour", "Anti-social behaviour", True)] * 3
    rows += [("2023-06", "Burglary", "Theft offences", False)] * 60
    rows += [("2022-06", "Burglary", "Theft offences", False)]
    return pd.DataFrame(rows, columns=["month", "crime_type", "offence_group", "is_asb"])


PARTNER = pd.DataFrame(
    {
        "indicator": [
            "Repeat DA",
            "Repeat DA",
            "Repeat DA",
            "KSI",
            "KSI",
            "Repeat DA",
            "Repeat DA",
        ],
        "area": ["Town", "Town", "Town", "Town", "Town", "Village", "Village"],
        "period": ["2022/23", "2023/24", "2024/25 Q1", "2022", "2023", "2023/24", "2022/23"],
        "numerator": [240, 180, 40, None, None, 60, 50],
        "denominator": [1000, 900, 200, None, None, 100, 100],
        "value": [24.0, 20.0, 20.0, 45, 41, 60.0, 50.0],
        "unit": ["percent", "percent", "percent", "count", "count", "percent", "percent"],
        "source": ["DA unit"] * 3 + ["STATS19"] * 2 + ["DA unit"] * 2,
    }
)


def test_police_values_count_the_selection_per_population():
    asb, burglary = PLAN.indicator("asb_rate"), PLAN.indicator("burglary")
    v = police_value(asb, _crimes(), "2023/24", {2022: 900, 2023: 1000})
    # 3 incidents / mid-2023 population 1,000 x 1,000 = 3.0 per 1,000.
    assert (v.value, v.numerator, v.denominator) == (3.0, 3.0, 1000.0)
    assert "mid-2023" in v.note
    b = police_value(burglary, _crimes(), "2023/24")
    assert b.value == 60.0 and b.numerator is None
    # A period with a flagged month has no value (a short count would read as a fall).
    flagged = police_value(burglary, _crimes(), "2023/24", flagged_months=["2023-12"])
    assert flagged.value is None and "2023-12" in flagged.note
    # A rate without a population has no value, never a rate per an invented population.
    assert police_value(asb, _crimes(), "2023/24", {}).value is None


def test_partner_value_takes_the_latest_period_of_the_baseline_kind():
    da = partner_value(PLAN.indicator("repeat_da"), PARTNER, "town", "2024-03")
    # 2024/25 Q1 is a quarter (and later): the latest financial year is 2023/24.
    assert (da.period, da.value, da.numerator, da.denominator) == ("2023/24", 20.0, 180, 900)
    ksi = partner_value(PLAN.indicator("ksi"), PARTNER, "Town", "2024-03")
    assert (ksi.period, ksi.value, ksi.numerator) == ("2023", 41, None)
    missing = partner_value(PLAN.indicator("ksi"), PARTNER, "Village", "2024-03")
    assert missing.value is None and "no 'KSI' rows for Village" in missing.note
    as_proportion = PARTNER.assign(value=PARTNER["value"] / 100, unit="proportion")
    converted = partner_value(PLAN.indicator("repeat_da"), as_proportion, "Town", "2024-03")
    assert converted.value == pytest.approx(20.0)
    as_rate = PARTNER.assign(unit="rate_per_1000")
    refused = partner_value(PLAN.indicator("repeat_da"), as_rate, "Town", "2024-03")
    assert refused.value is None and "rate_per_1000" in refused.note


def test_county_value_pools_numerators_and_denominators():
    # Town 180 / 900 and Village 60 / 100: (180 + 60) / (900 + 100) = 24.0%, not the
    # average of 20% and 60%.
    cv = county_value(
        PLAN.indicator("repeat_da"), "2023/24", partner=PARTNER, county_areas=["Town", "Village"]
    )
    assert cv.value == pytest.approx(24.0)
    assert county_value(PLAN.indicator("ksi"), "2023", partner=PARTNER).value is None


def test_plan_progress_rag_worked_examples():
    latest = latest_values(
        PLAN, crimes=_crimes(), partner=PARTNER, area="Town", not_after="2024-03",
        population={2021: 1000, 2023: 1000},
    )  # fmt: skip
    table = plan_progress(PLAN, latest).set_index("indicator_id")
    # Burglary 100 -> 60 (target 80 by 2024/25): achieved. Exact conditional test: given
    # 160, 60 is Binomial(160, 1/2): p = 0.0019 -> a real fall, achieved -> green.
    p = binomtest(60, 160, 0.5).pvalue
    assert table.loc["burglary", "p_value"] == pytest.approx(p)
    assert (table.loc["burglary", "status"], table.loc["burglary", "rag"]) == ("achieved", "green")
    # ASB 6 -> 3 per 1,000 (same population): 3 against 6 is Binomial(9, 1/2): p = 0.508,
    # so amber although the rate halved (and the target of 4 is met).
    assert table.loc["asb_rate", "p_value"] == pytest.approx(binomtest(3, 9, 0.5).pvalue)
    assert (table.loc["asb_rate", "status"], table.loc["asb_rate", "rag"]) == ("achieved", "amber")
    # Repeat DA 25.0% (250/1000) -> 20.0% (180/900), target 20.0 met: pooled z test.
    pbar = (250 + 180) / (1000 + 900)
    z = (180 / 900 - 250 / 1000) / (pbar * (1 - pbar) * (1 / 900 + 1 / 1000)) ** 0.5
    from scipy.stats import norm

    assert table.loc["repeat_da", "p_value"] == pytest.approx(2 * norm.sf(abs(z)))
    assert table.loc["repeat_da", "rag"] == "green"
    # KSI 50 (2021) -> 41 (2023): Binomial(91, 1/2), p = 0.40: amber; not yet on the path.
    assert table.loc["ksi", "latest_period"] == "2023"
    assert table.loc["ksi", "rag"] == "amber"
    assert list(table["priority"].unique()) == ["Safer streets"]


def test_plan_progress_without_a_value_says_why():
    latest = latest_values(PLAN, crimes=_crimes(), partner=None, area="Town", not_after="2024-03")
    table = plan_progress(PLAN, latest).set_index("indicator_id")
    assert table.loc["ksi", "rag"] == "no data"
    assert "no partner table" in table.loc["ksi", "rag_reason"]


def test_partner_summary_compares_with_the_year_before():
    out = partner_summary(PARTNER, "Town", "2024-03").set_index("indicator")
    assert out.loc["Repeat DA", ["period", "previous_period"]].tolist() == ["2023/24", "2022/23"]
    assert out.loc["Repeat DA", "change"] == pytest.approx(-4.0)
    # 180/900 against 240/1000: pooled z test p = 0.036 -> a real fall.
    assert out.loc["Repeat DA", "significance"] == "significant fall"
    assert out.loc["KSI", ["period", "previous_period", "value", "previous_value"]].tolist() == [
        "2023", "2022", 41, 45,
    ]  # fmt: skip
    assert out.loc["KSI", "significance"] == "no significant change"


def test_the_synthchester_register_uses_names_in_the_sample_partner_table(sample_store):
    from csplib.store import Store

    store, manifest = sample_store
    plan = load_plan(PARAMETERS / "plan_synthchester.yaml")
    partner = Store(store).read("partner_indicators")
    rows = partner[partner["area"] == manifest["main_partnership"]]
    for ind in plan.indicators:
        if ind.source == "partner":
            assert ind.partner_indicator in set(rows["indicator"]), ind.id


# --- one verdict per indicator -----------------------------------------------------------


def test_one_verdict_needles():
    from csplib.indicators.plan_values import indicator_verdict

    # Discarded needles, reduce 2,400 -> 1,200; latest 1,100: exact conditional test of
    # 1,100 against 2,400 (equal periods) is binomial(3,500, 1/2): p far below 0.001.
    p = binomtest(1100, 3500, 0.5).pvalue
    v = indicator_verdict(status="achieved", direction="reduce", baseline_value=2400,
                          latest_value=1100, p_value=p)  # fmt: skip
    assert v == {"significance": "significant fall", "rag": "green",
                 "verdict": "Target met: a real fall from the baseline"}  # fmt: skip


def test_a_status_and_its_rag_never_disagree():
    from csplib.indicators.plan_values import indicator_verdict

    cases = [  # status, direction, baseline, latest, p -> significance, rag, verdict
        ("achieved", "reduce", 24, 20, 0.5,
         "no significant change", "amber", "At target, but the fall from the baseline could be chance"),
        ("on track", "reduce", 24, 22, 0.01,
         "significant fall", "green", "On track: a real fall from the baseline"),
        ("off track", "reduce", 24, 23, 0.01,
         "significant fall", "amber", "A real fall, but behind the path to the target"),
        ("off track", "reduce", 24, 30, 0.01,
         "significant rise", "red", "A real rise, against the target"),
        ("off track", "maintain", 50, 53, 0.3,
         "no significant change", "green", "Level held: no real change from the baseline"),
        ("off track", "increase", 50, 49, 0.6,
         "no significant change", "amber", "Off track, and the fall from the baseline could be chance"),
        ("on track", "reduce", 24, 20, None,
         "not tested", "amber", "On track, but the change cannot be tested (no counts given)"),
    ]  # fmt: skip
    for status, direction, base, latest, p, sig, rag, text in cases:
        v = indicator_verdict(status=status, direction=direction, baseline_value=base,
                              latest_value=latest, p_value=p)  # fmt: skip
        assert (v["significance"], v["rag"], v["verdict"]) == (sig, rag, text)


def test_add_verdicts_and_the_partner_table_agree():
    from types import SimpleNamespace

    from csplib.indicators.plan_values import add_verdicts, align_partner_summary

    progress = pd.DataFrame({
        "indicator_id": ["needles"], "status": ["achieved"], "direction": ["reduce"],
        "baseline_value": [2400.0], "baseline_period": ["2021/22"], "latest_value": [1100.0],
        "p_value": [1e-40], "rag": ["green"],
    })  # fmt: skip
    judged = add_verdicts(progress)
    assert judged.loc[0, "significance"] == "significant fall" and judged.loc[0, "rag"] == "green"
    # The partner table tested 1,100 against the year before (1,150): no significant
    # change. For a plan indicator the report states one verdict: the plan's.
    summary = pd.DataFrame({
        "indicator": ["Needles picked up", "Street drinking reports"],
        "significance": ["no significant change", "significant rise"],
    })  # fmt: skip
    plan = [SimpleNamespace(id="needles", partner_indicator="Needles picked up")]
    out = align_partner_summary(summary, judged, plan)
    assert out["significance"].tolist() == ["significant fall", "significant rise"]
    assert out["compared_with"].tolist() == ["plan baseline (2021/22)", "the year before"]
