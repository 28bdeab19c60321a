"""XmR charts: limits worked by hand and series built to fire each rule exactly once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csplib.errors import ParameterError
from csplib.indicators.spc import assurance, spc_signals, xmr

RULE_COLUMNS = ["outside_limits", "run_of_7", "trend_of_6", "two_of_three"]


def months(n: int, start_year: int = 2022) -> list[str]:
    return [f"{start_year + i // 12}-{i % 12 + 1:02d}" for i in range(n)]


def series(values: list[float]) -> pd.Series:
    return pd.Series(values, index=months(len(values)), dtype=float)


# Baseline of 12 months alternating 10, 12 (2022-01 .. 2022-12):
# mean = 11, every moving range = 2, mean MR = 2,
# limits = 11 +/- 2.66 x 2 = 5.68 and 16.32,
# sigma = 2.66/3 x 2 = 1.77333, two-sigma lines 7.45333 and 14.54667.
# It never runs, trends or leaves the two-sigma band, so whatever follows decides.
BASELINE = [10.0, 12.0] * 6


def chart_after_baseline(tail: list[float], **kwargs) -> pd.DataFrame:
    return xmr(series(BASELINE + tail), baseline=12, **kwargs)


def fired(chart: pd.DataFrame) -> dict[str, list[str]]:
    return {rule: chart.index[chart[rule]].tolist() for rule in RULE_COLUMNS}


def test_worked_twelve_month_series():
    values = [20, 24, 18, 22, 25, 19, 21, 23, 20, 26, 22, 24]
    # sum = 264 -> mean 22.
    # moving ranges 4, 6, 4, 3, 6, 2, 2, 3, 6, 4, 2 -> sum 42 over 11 -> 3.81818.
    # limits 22 +/- 2.66 x 42/11 = 22 +/- 10.15636 -> 11.84364 and 32.15636.
    # sigma = 2.66/3 x 42/11 = 3.38545; 2 sigma 15.22909 .. 28.77091;
    # 1 sigma 18.61455 .. 25.38545.
    chart = xmr(series(values))
    mean_mr = 42 / 11
    assert chart["mean"].iloc[0] == pytest.approx(22.0)
    assert chart["mean_moving_range"].iloc[0] == pytest.approx(mean_mr)
    assert np.isnan(chart["moving_range"].iloc[0])
    assert chart["moving_range"].iloc[1:].tolist() == [4, 6, 4, 3, 6, 2, 2, 3, 6, 4, 2]
    assert chart["upper_limit"].iloc[0] == pytest.approx(32.15636, abs=1e-5)
    assert chart["lower_limit"].iloc[0] == pytest.approx(11.84364, abs=1e-5)
    assert chart["upper_two_sigma"].iloc[0] == pytest.approx(28.77091, abs=1e-5)
    assert chart["lower_two_sigma"].iloc[0] == pytest.approx(15.22909, abs=1e-5)
    assert chart["upper_one_sigma"].iloc[0] == pytest.approx(25.38545, abs=1e-5)
    assert chart["lower_one_sigma"].iloc[0] == pytest.approx(18.61455, abs=1e-5)
    assert chart.index.tolist() == months(12)
    assert not chart[RULE_COLUMNS].to_numpy().any()
    assert set(chart["variation"]) == {"common cause"}
    assert spc_signals(chart).empty


def test_baseline_sets_the_limits():
    chart = chart_after_baseline([11, 17, 11, 10])
    # Mean and limits come from the 12 baseline months, not all 16.
    assert chart["mean"].tolist() == pytest.approx([11.0] * 16)
    assert chart["upper_limit"].iloc[-1] == pytest.approx(16.32)
    assert chart["lower_limit"].iloc[-1] == pytest.approx(5.68)
    assert chart["upper_two_sigma"].iloc[-1] == pytest.approx(14.54667, abs=1e-5)
    assert chart["in_baseline"].tolist() == [True] * 12 + [False] * 4
    # Without the baseline the 17 would raise the mean: (132 + 49) / 16 = 11.3125.
    assert xmr(series([*BASELINE, 11, 17, 11, 10]))["mean"].iloc[0] == pytest.approx(11.3125)


def test_outside_limits_fires_once():
    # 17 > 16.32; the points beside it (11, 11, 10) are near the mean.
    chart = chart_after_baseline([11, 17, 11, 10])
    assert fired(chart) == {
        "outside_limits": ["2023-02"],
        "run_of_7": [],
        "trend_of_6": [],
        "two_of_three": [],
    }
    assert chart.loc["2023-02", "variation"] == "special cause concern"
    signals = spc_signals(chart)
    assert signals["rule"].tolist() == ["outside_limits"]
    assert signals["description"].iloc[0] == (
        "special cause concern: 1 month above the upper process limit in 2023-02"
    )


def test_run_of_7_fires_once_and_flags_every_point():
    # 11 sits on the mean and breaks a run; seven 11.5s are above it (within 1 sigma).
    chart = chart_after_baseline([11, 11.5, 11.5, 11.5, 11.5, 11.5, 11.5, 11.5, 11])
    assert fired(chart) == {
        "outside_limits": [],
        "run_of_7": ["2023-02", "2023-03", "2023-04", "2023-05", "2023-06", "2023-07", "2023-08"],
        "trend_of_6": [],
        "two_of_three": [],
    }
    signals = spc_signals(chart)
    assert len(signals) == 1
    row = signals.iloc[0]
    assert (row["rule"], row["start"], row["end"], row["points"]) == (
        "run_of_7",
        "2023-02",
        "2023-08",
        7,
    )
    assert row["description"] == (
        "special cause concern: 7 months in a row above the mean from 2023-02 to 2023-08"
    )


def test_six_in_a_row_is_not_a_run():
    chart = chart_after_baseline([11, 11.5, 11.5, 11.5, 11.5, 11.5, 11.5, 11])
    assert not chart["run_of_7"].any()
    assert spc_signals(chart).empty


def test_run_below_the_mean_is_improvement_for_crime():
    chart = chart_after_baseline([11] + [10.5] * 7 + [11])
    signals = spc_signals(chart)
    assert signals["assessment"].tolist() == ["improvement"]
    assert (
        signals["description"]
        .iloc[0]
        .startswith("special cause improvement: 7 months in a row below the mean")
    )
    # The same chart for an indicator where higher is better reads as concern.
    assert spc_signals(chart, higher_is="improvement")["assessment"].tolist() == ["concern"]
    flipped = chart_after_baseline([11] + [10.5] * 7 + [11], higher_is="improvement")
    assert flipped.loc["2023-02", "variation"] == "special cause concern"


def test_trend_of_6_fires_once():
    # 12 (Dec) -> 11 -> 9.5 falls, then 9.5, 10, 10.5, 11.5, 12, 12.5 is 6 values each
    # above the one before (5 rises); 11 ends it. Nothing leaves the two-sigma band and
    # the sides of the mean are -,-,-,+,+,+: no run.
    chart = chart_after_baseline([11, 9.5, 10, 10.5, 11.5, 12, 12.5, 11])
    assert fired(chart) == {
        "outside_limits": [],
        "run_of_7": [],
        "trend_of_6": ["2023-02", "2023-03", "2023-04", "2023-05", "2023-06", "2023-07"],
        "two_of_three": [],
    }
    signals = spc_signals(chart)
    assert signals[["rule", "side", "points"]].values.tolist() == [["trend_of_6", "rising", 6]]
    assert signals["description"].iloc[0] == (
        "special cause concern: 6 months in a row rising from 2023-02 to 2023-07"
    )


def test_five_rising_values_are_not_a_trend_and_ties_break_one():
    assert not chart_after_baseline([11, 9.5, 10, 10.5, 11.5, 12, 11])["trend_of_6"].any()
    # A repeated value is not a rise.
    tied = chart_after_baseline([11, 9.5, 10, 10.5, 10.5, 11.5, 12, 12.5, 11])
    assert not tied["trend_of_6"].any()


def test_falling_trend_is_improvement():
    chart = chart_after_baseline([11, 12.5, 12, 11.5, 10.5, 10, 9.5, 11])
    signals = spc_signals(chart)
    assert signals[["rule", "side", "assessment"]].values.tolist() == [
        ["trend_of_6", "falling", "improvement"]
    ]


def test_two_of_three_fires_once():
    # 15 is beyond the upper two-sigma line (14.547) but inside the limit (16.32).
    chart = chart_after_baseline([11, 15, 11.5, 15, 11])
    assert fired(chart) == {
        "outside_limits": [],
        "run_of_7": [],
        "trend_of_6": [],
        "two_of_three": ["2023-02", "2023-04"],
    }
    signals = spc_signals(chart)
    assert signals[["rule", "start", "end", "points"]].values.tolist() == [
        ["two_of_three", "2023-02", "2023-04", 2]
    ]
    assert signals["description"].iloc[0] == (
        "special cause concern: 2 of 3 months beyond two sigma above the mean "
        "from 2023-02 to 2023-04"
    )


def test_two_of_three_needs_the_same_side_and_a_three_month_window():
    # Four months apart: no window of three holds both.
    assert not chart_after_baseline([11, 15, 11.5, 11.5, 15, 11])["two_of_three"].any()
    # One above the upper and one below the lower two-sigma line.
    assert not chart_after_baseline([11, 15, 11, 7, 11])["two_of_three"].any()


def test_neutral_direction():
    chart = chart_after_baseline([11, 17, 11, 10], higher_is="neutral")
    assert chart.loc["2023-02", "variation"] == "special cause neutral"
    assert spc_signals(chart)["assessment"].tolist() == ["neutral"]


def test_assurance_against_a_target():
    chart = chart_after_baseline([11, 11])  # limits 5.68 .. 16.32
    assert assurance(chart, 20) == "consistently meets target"  # crime below 20
    assert assurance(chart, 3) == "consistently misses target"
    assert assurance(chart, 11) == "hit and miss"
    assert assurance(chart, 20, higher_is="improvement") == "consistently misses target"


def test_bad_series_are_refused_with_the_month():
    with pytest.raises(ParameterError, match="2022-03 is missing"):
        xmr(pd.Series([1.0, 2.0, 3.0], index=["2022-01", "2022-02", "2022-04"]))
    with pytest.raises(ParameterError, match="2022-02 has no numeric value"):
        xmr(pd.Series([1.0, np.nan, 3.0], index=["2022-01", "2022-02", "2022-03"]))
    with pytest.raises(ParameterError, match="out of order"):
        xmr(pd.Series([1.0, 2.0], index=["2022-02", "2022-01"]))
    with pytest.raises(ParameterError, match="not a month"):
        xmr(pd.Series([1.0, 2.0], index=["2022-1", "2022-2"]))
    with pytest.raises(ParameterError, match="baseline"):
        xmr(series([1.0, 2.0, 3.0]), baseline=1)
    with pytest.raises(ParameterError, match="higher_is"):
        xmr(series([1.0, 2.0, 3.0]), higher_is="bad")  # type: ignore[arg-type]
    # Gaps are allowed when asked for.
    chart = xmr(
        pd.Series([1.0, 2.0, 3.0], index=["2022-01", "2022-02", "2022-04"]),
        require_consecutive=False,
    )
    assert chart["mean"].iloc[0] == pytest.approx(2.0)
