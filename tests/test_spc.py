"""XmR charts: limits worked by hand and series built to fire each rule exactly once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csplib.errors import ParameterError
from csplib.indicators.spc import assurance, chart_summary, spc_signals, xmr

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


# --- baseline, trial limits, trending series, dates -------------------------------------


def test_baseline_as_a_pair_of_months_and_the_summary_names_them():
    # Months 2022-03 .. 2022-12 (ten of the alternating 10, 12) set the limits: mean 11,
    # mean MR 2 -> limits 5.68 .. 16.32; ten points are trial limits.
    chart = xmr(series([*BASELINE, 11, 17]), baseline=("2022-03", "2022-12"))
    assert chart["mean"].iloc[0] == pytest.approx(11.0)
    assert chart["upper_limit"].iloc[0] == pytest.approx(16.32)
    assert chart["in_baseline"].tolist() == [False] * 2 + [True] * 10 + [False] * 2
    assert chart["trial_limits"].all()
    summary = chart_summary(chart)
    assert (summary.baseline_start, summary.baseline_end) == ("2022-03", "2022-12")
    assert summary.baseline_points == 10 and summary.trial_limits
    assert "trial limits" in summary.notes()[0] and "10 months" in summary.notes()[0]
    with pytest.raises(ParameterError, match="2021-01"):
        xmr(series(BASELINE), baseline=("2021-01", "2022-06"))


def test_twelve_baseline_points_are_not_trial_limits():
    assert not chart_after_baseline([11])["trial_limits"].any()
    assert xmr(series(BASELINE[:11]))["trial_limits"].all()
    assert chart_summary(chart_after_baseline([11])).notes() == []


def test_a_trending_series_says_so_and_names_no_improvement():
    # Crime falling by 2 a month with small wobbles: every rule fires "low", which a
    # single mean would call improvement. Kendall's tau of the 24 values against time is
    # close to -1 (p far below 5%), so the baseline is trending.
    values = [100 - 2 * i + (1 if i % 2 else -1) for i in range(24)]
    chart = xmr(series(values))
    assert chart["baseline_trending"].all()
    assert chart.attrs["baseline_trend"] == "falling"
    assert "special cause improvement" not in set(chart["variation"])
    assert "special cause concern" not in set(chart["variation"])
    signals = spc_signals(chart)
    assert not signals.empty and set(signals["assessment"]) == {"neutral"}
    summary = chart_summary(chart)
    assert summary.baseline_trend == "falling"
    assert any("not called an improvement" in note for note in summary.notes())
    # A stable baseline is not trending.
    assert not chart_after_baseline([11])["baseline_trending"].any()


def test_signals_carry_dates_and_old_ones_can_be_left_out():
    # 17 (2023-02) is outside the limits; a report on April 2023 onwards drops it.
    chart = chart_after_baseline([11, 17, 11, 10])
    signals = spc_signals(chart)
    assert signals[["start", "end"]].values.tolist() == [["2023-02", "2023-02"]]
    assert spc_signals(chart, since="2023-02").shape[0] == 1
    assert spc_signals(chart, since="2023-04").empty
    with pytest.raises(ParameterError, match="since"):
        spc_signals(chart, since="April 2023")


# --- NHSRplotthedots options ------------------------------------------------------------


def test_nhsrplotthedots_two_of_three_same_side_example():
    # NHSRplotthedots tests/testthat/test-ptd_spc_standard.R ("it only reports special
    # cause for 2 of 3 points close to limits when they are on the same side of the
    # mean"): 1, -1 repeated 8 times, then point 15 = 5.5 and point 16 = -5.5; both
    # points must be common cause.
    data = [1.0, -1.0] * 8
    data[14], data[15] = 5.5, -5.5
    chart = xmr(series(data), convention="nhsrplotthedots")
    assert chart["variation"].tolist()[-2:] == ["common cause", "common cause"]
    # By hand: mean 0; moving ranges 2 (x13), 6.5, 11 -> mean 43.5 / 15 = 2.9; the
    # screen drops 11 > 3.267 x 2.9 = 9.47, leaving (26 + 6.5) / 14 = 2.32143.
    assert chart["mean"].iloc[0] == pytest.approx(0.0)
    assert chart["mean_moving_range"].iloc[0] == pytest.approx(32.5 / 14)
    assert chart.attrs["screened_moving_ranges"] == 1
    # Making Data Count keeps the 11: mean MR 2.9.
    assert xmr(series(data))["mean_moving_range"].iloc[0] == pytest.approx(2.9)


def test_nhsrplotthedots_published_limits_for_twenty_normal_values():
    # NHSRplotthedots tests/testthat/_snaps/ptd_spc_standard.md and _snaps/ptd_spc.md:
    # the 20 values (printed to 3 significant figures) give mean 0.142, lpl -3.01,
    # upl 3.29 with screen_outliers = TRUE, all 20 points common cause. The printed values
    # are rounded, hence the tolerance.
    y = [-0.560, -0.230, 1.56, 0.0705, 0.129, 1.72, 0.461, -1.27, -0.687, -0.446,
         1.22, 0.360, 0.401, 0.111, -0.556, 1.79, 0.498, -1.97, 0.701, -0.473]  # fmt: skip
    chart = xmr(series(y), convention="nhsrplotthedots")
    assert chart["mean"].iloc[0] == pytest.approx(0.142, abs=0.001)
    assert chart["lower_limit"].iloc[0] == pytest.approx(-3.01, abs=0.01)
    assert chart["upper_limit"].iloc[0] == pytest.approx(3.29, abs=0.01)
    assert set(chart["variation"]) == {"common cause"}


def test_nhsrplotthedots_seven_point_trend():
    # NHSRplotthedots tests/testthat/test-ptd_calculate_point_type.R: 1:6 is no trend,
    # 1:7 is; c(1:3, 3:6) (a repeated value) is none. Here after the stable baseline.
    six = chart_after_baseline([6, 7, 8, 9, 10, 11], convention="nhsrplotthedots")
    seven = chart_after_baseline([6, 7, 8, 9, 10, 11, 12], convention="nhsrplotthedots")
    tie = chart_after_baseline([6, 7, 8, 8, 9, 10, 11], convention="nhsrplotthedots")
    assert not six["trend_of_6"].any()
    assert seven["trend_of_6"].tolist()[-7:] == [True] * 7
    assert not tie["trend_of_6"].any()
    assert spc_signals(seven).query("rule == 'trend_of_6'")["points"].tolist() == [7]
    # Making Data Count's 6-point rule fires on the six.
    assert chart_after_baseline([6, 7, 8, 9, 10, 11])["trend_of_6"].any()
    # The option can be set on its own.
    assert not chart_after_baseline([6, 7, 8, 9, 10, 11], trend_length=7)["trend_of_6"].any()


def test_two_of_three_beyond_the_limit_counts_only_in_making_data_count():
    # 15 is between the two-sigma line (14.547) and the limit (16.32); 17 is beyond the
    # limit. Making Data Count counts both (2 of 3 beyond two sigma); NHSRplotthedots
    # counts only the 15, so its 2-of-3 rule does not fire (17 still fires
    # outside_limits).
    mdc = chart_after_baseline([11, 15, 17, 11])
    ptd = chart_after_baseline([11, 15, 17, 11], convention="nhsrplotthedots")
    assert mdc["two_of_three"].tolist()[-3:-1] == [True, True]
    assert not ptd["two_of_three"].any()
    assert ptd.loc["2023-03", "outside_limits"]
    with pytest.raises(ParameterError, match="convention"):
        xmr(series(BASELINE), convention="western-electric")
