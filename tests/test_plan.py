"""Plan register: loading, clear errors, and progress worked out by hand."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from csplib.errors import ParameterError
from csplib.paths import PARAMETERS
from csplib.plan import (
    Plan,
    indicator_progress,
    load_plan,
    period_bounds,
    progress_table,
)

EXAMPLE = PARAMETERS / "plan_example.yaml"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(EXAMPLE)


def test_example_register_loads(plan):
    assert plan.synthetic is True
    assert "synthetic example" in plan.name
    assert "fictional" in plan.partnership
    assert plan.period == "2013-18"
    assert len(plan.priorities) == 5
    assert len(plan.indicators) == 9
    asb = plan.indicator("asb_rate")
    assert (asb.baseline.value, asb.county.value, asb.direction) == (22.67, 25.25, "reduce")
    assert asb.source == "police" and asb.police.asb is True
    da = plan.indicator("da_repeat_victims")
    assert (da.baseline.value, da.county.value, da.target.value) == (23.3, 23.5, 21.0)
    ksi = plan.indicator("ksi_casualties")
    assert (ksi.baseline.value, ksi.target.value, ksi.unit) == (58, 40, "count")
    needles = plan.indicator("needles_collected")
    assert (needles.baseline.value, needles.target.value) == (2400, 1200)
    assert plan.indicator("violence_recorded").police.crime_types == [
        "Violence and sexual offences"
    ]
    register = plan.register()
    assert len(register) == 9
    assert register["indicator_id"].is_unique


def test_police_selection_never_mixes_asb_with_crime(plan):
    crimes = pd.DataFrame(
        {
            "crime_type": ["Violence and sexual offences", "Burglary", "Anti-social behaviour"],
            "offence_group": [
                "Violence against the person and sexual offences",
                "Theft offences",
                "Anti-social behaviour",
            ],
            "is_asb": [False, False, True],
        }
    )
    assert plan.indicator("asb_rate").police.mask(crimes).tolist() == [False, False, True]
    assert plan.indicator("violence_recorded").police.mask(crimes).tolist() == [
        True,
        False,
        False,
    ]


def test_period_bounds():
    assert period_bounds("2012/13") == (date(2012, 4, 1), date(2013, 3, 31))
    assert period_bounds("2014/15 Q4") == (date(2015, 1, 1), date(2015, 3, 31))
    assert period_bounds("2015") == (date(2015, 1, 1), date(2015, 12, 31))
    assert period_bounds("2016-02") == (date(2016, 2, 1), date(2016, 2, 29))
    with pytest.raises(ValueError, match="not one of"):
        period_bounds("2012/14")


# ------------------------------------------------------------------ bad registers


def edited(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


KSI_TARGET = '        target: {value: 40, period: "2017"}\n'


@pytest.mark.parametrize(
    ("old", "new", "key_path", "expected"),
    [
        (
            KSI_TARGET,
            KSI_TARGET + "        targt: 35\n",
            "priorities[3].indicators[0].targt",
            "unknown key 'targt' (did you mean 'target'?)",
        ),
        (
            "baseline: {value: 2400,",
            "baseline: {value: lots,",
            "priorities[0].indicators[2].baseline.value",
            "valid number",
        ),
        (
            KSI_TARGET,
            "",
            "priorities[3].indicators[0].target",
            "required key 'target' is missing",
        ),
        (
            "direction: maintain",
            "direction: lower",
            "priorities[1].indicators[1].direction",
            "'reduce', 'increase' or 'maintain'",
        ),
        (
            'period: "2012"}',
            'period: "2012-13"}',
            "priorities[3].indicators[0].baseline.period",
            "YYYY/YY (financial year)",
        ),
        (
            "crime_types: [Violence and sexual offences]",
            "crime_types: [Violence]",
            "priorities[4].indicators[0].police.crime_types",
            "unknown crime type 'Violence'",
        ),
        (
            "        partner_indicator: needles_collected\n",
            "",
            "priorities[0].indicators[2]",
            "needs 'partner_indicator'",
        ),
        (
            "target: {value: 1200,",
            "target: {value: 2600,",
            "priorities[0].indicators[2]",
            "'reduce' needs a target below the baseline",
        ),
        (
            "numerator: 3650,",
            "numerator: 3950,",
            "priorities[0].indicators[0]",
            "numerator / denominator gives",
        ),
        (
            "        police:\n          asb: true\n",
            "        police:\n          asb: true\n          all_crime: true\n",
            "priorities[0].indicators[0].police",
            "ASB is not crime",
        ),
    ],
)
def test_bad_register_names_file_key_path_and_expectation(tmp_path, old, new, key_path, expected):
    path = edited(tmp_path, old, new)
    with pytest.raises(ParameterError) as info:
        load_plan(path)
    message = str(info.value)
    assert str(path) in message
    assert f"key {key_path}:" in message
    assert expected in message
    assert info.value.line is not None


def test_several_problems_are_listed_together(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("direction: maintain", "direction: lower").replace(
        "baseline: {value: 2400,", "baseline: {value: lots,"
    )
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match="2 problems") as info:
        load_plan(path)
    assert "priorities[1].indicators[1].direction (line " in str(info.value)
    assert "priorities[0].indicators[2].baseline.value (line " in str(info.value)


def test_yaml_errors_and_shapes(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\npriorities: [\n  - oops: {\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="not valid YAML") as info:
        load_plan(broken)
    assert info.value.line is not None
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="mapping of keys"):
        load_plan(listing)
    with pytest.raises(ParameterError, match="not found"):
        load_plan(tmp_path / "absent.yaml")


def test_only_safe_yaml_is_read(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.getcwd []\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="not valid YAML"):
        load_plan(path)


def test_unquoted_year_period_is_accepted(tmp_path):
    plan = load_plan(edited(tmp_path, 'period: "2012"}', "period: 2012}"))
    assert plan.indicator("first_time_entrants").baseline.period == "2012"


def test_duplicate_indicator_ids_rejected(tmp_path):
    path = edited(tmp_path, "id: needles_collected", "id: asb_rate")
    with pytest.raises(ParameterError, match="'asb_rate' is used twice"):
        load_plan(path)


# ------------------------------------------------------------------ progress


def days(a: date, b: date) -> int:
    return (b - a).days


def test_count_on_track_but_change_is_noise(plan):
    # KSI: 58 in 2012, target 40 by 2017; 45 in 2015.
    p = indicator_progress(plan.indicator("ksi_casualties"), 45, "2015")
    assert p.change_abs == -13
    assert p.change_pct == pytest.approx(100 * -13 / 58)
    elapsed = days(date(2012, 12, 31), date(2015, 12, 31)) / days(
        date(2012, 12, 31), date(2017, 12, 31)
    )
    assert p.elapsed_fraction == pytest.approx(elapsed)  # 1095 / 1826
    assert p.progress_fraction == pytest.approx(13 / 18)
    assert p.status == "on track"  # 0.722 of the way, 0.600 of the time
    # Conditional Poisson: given 103 casualties, the latest share is Binomial(103, 1/2).
    expected_p = stats.binomtest(45, 103, 0.5).pvalue
    assert p.p_value == pytest.approx(expected_p)
    assert expected_p > 0.05
    assert p.rag == "amber"
    assert p.rag_reason.startswith("no significant change")


def test_count_significant_fall_on_track_is_green(plan):
    needles = plan.indicator("needles_collected")
    p = indicator_progress(needles, 1500, "2015/16")
    elapsed = days(date(2013, 3, 31), date(2016, 3, 31)) / days(
        date(2013, 3, 31), date(2018, 3, 31)
    )
    assert p.elapsed_fraction == pytest.approx(elapsed)
    assert p.progress_fraction == pytest.approx(900 / 1200)
    assert p.status == "on track"
    assert p.p_value == pytest.approx(stats.binomtest(1500, 3900, 0.5).pvalue)
    assert p.rag == "green"


def test_count_significant_fall_behind_pace_is_amber(plan):
    p = indicator_progress(plan.indicator("needles_collected"), 2100, "2016/17")
    # 300 of 1,200 (0.25) after 1,461 of 1,826 days (0.80)
    assert p.progress_fraction == pytest.approx(0.25)
    assert p.elapsed_fraction == pytest.approx(1461 / 1826)
    assert p.status == "off track"
    assert p.p_value == pytest.approx(stats.binomtest(2100, 4500, 0.5).pvalue)
    assert p.p_value < 0.05
    assert p.rag == "amber"
    assert "behind" in p.rag_reason


def test_count_significant_rise_is_red(plan):
    p = indicator_progress(plan.indicator("needles_collected"), 2700, "2014/15")
    assert p.status == "off track"
    assert p.p_value == pytest.approx(stats.binomtest(2700, 5100, 0.5).pvalue)
    assert p.rag == "red"
    assert p.change_pct == pytest.approx(12.5)


def test_percentage_achieved_but_not_significant_is_amber(plan):
    # Repeat DA victims: 23.3% (233 / 1,000) at baseline; 205 / 1,000 = 20.5% now.
    p = indicator_progress(
        plan.indicator("da_repeat_victims"),
        20.5,
        "2014/15",
        latest_numerator=205,
        latest_denominator=1000,
    )
    assert p.status == "achieved"  # 20.5 <= 21
    pooled = (205 + 233) / 2000
    z = (0.205 - 0.233) / math.sqrt(pooled * (1 - pooled) * (1 / 1000 + 1 / 1000))
    assert p.p_value == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert p.p_value > 0.05
    assert p.rag == "amber"
    assert p.change_abs == pytest.approx(-2.8)


def test_rate_from_counts_significant_fall_is_green(plan):
    # ASB: 3,650 incidents / 161,000 people at baseline; 3,100 / 165,000 now.
    p = indicator_progress(
        plan.indicator("asb_rate"),
        None,
        "2015/16",
        latest_numerator=3100,
        latest_denominator=165000,
    )
    assert p.latest_value == pytest.approx(1000 * 3100 / 165000)
    assert p.status == "achieved"  # 18.79 <= 21.5
    # Given 6,750 incidents, the latest share is Binomial(6750, 165000 / 326000).
    expected = stats.binomtest(3100, 6750, 165000 / 326000).pvalue
    assert p.p_value == pytest.approx(expected)
    assert p.rag == "green"


def test_maintain_within_tolerance_is_green_when_not_significant(plan):
    p = indicator_progress(
        plan.indicator("marac_police_referrals"),
        None,
        "2014/15",
        latest_numerator=140,
        latest_denominator=200,
    )
    assert p.latest_value == pytest.approx(70.0)
    assert p.status == "achieved"  # |70 - 72| <= 5% of 72 = 3.6
    assert p.rag == "green"
    off = indicator_progress(
        plan.indicator("marac_police_referrals"),
        None,
        "2014/15",
        latest_numerator=100,
        latest_denominator=200,
    )
    assert off.status == "off track"
    assert off.rag == "red"  # 50% against 72%: a significant move away


def test_untestable_change_is_never_called(plan):
    p = indicator_progress(plan.indicator("first_time_entrants"), 500, "2015")
    assert p.status == "achieved"
    assert p.rag == "amber"
    assert p.p_value is None
    assert p.rag_reason.startswith("not tested")


def test_progress_table_and_bad_input(plan):
    rows = progress_table(
        [
            indicator_progress(plan.indicator("ksi_casualties"), 45, "2015"),
            indicator_progress(plan.indicator("needles_collected"), 1500, "2015/16"),
        ]
    )
    assert rows["indicator_id"].tolist() == ["ksi_casualties", "needles_collected"]
    assert rows["rag"].tolist() == ["amber", "green"]
    with pytest.raises(ParameterError, match="not one of"):
        indicator_progress(plan.indicator("ksi_casualties"), 45, "2015-16")
    with pytest.raises(ParameterError, match="latest_value"):
        indicator_progress(plan.indicator("asb_rate"), None, "2015/16")
    with pytest.raises(ParameterError, match=r"gives 20\.5 percent, not the latest value 22"):
        indicator_progress(
            plan.indicator("da_repeat_victims"),
            22,
            "2014/15",
            latest_numerator=205,
            latest_denominator=1000,
        )
    with pytest.raises(ParameterError, match="do not apply"):
        indicator_progress(plan.indicator("ksi_casualties"), 45, "2015", latest_denominator=2)
