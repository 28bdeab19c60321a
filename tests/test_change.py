"""Change on the same period last year, rolling 12 months, contribution to change."""

from __future__ import annotations

import doctest
import math
from fractions import Fraction

import pandas as pd
import pytest

import csplib.indicators.change as change_module
from csplib.errors import ParameterError
from csplib.indicators.change import (
    compare_counts,
    compare_periods,
    contribution_to_change,
    format_pct,
    gross_movement,
    pct_change,
    pct_label,
    pct_rounded,
    rolling_12_months,
    round_half_away,
)
from csplib.periods import Period, month_range
from csplib.schema import ASB, CRIME_TYPES


def test_doctests() -> None:
    result = doctest.testmod(change_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_maidstone_q1_2014_worked_example() -> None:
    # Maidstone, April-June 2014 against April-June 2013: 2,172 -> 2,357.
    c = compare_counts(2357, 2172, period=Period.fquarter(2014, 1))
    assert c.change == 2357 - 2172 == 185
    assert c.pct_change == pytest.approx(185 / 2172 * 100)  # 8.517...%
    assert 8.51 < c.pct_change < 8.52
    assert c.pct_label == "+8.5%"
    assert c.current_days == c.previous_days == 30 + 31 + 30  # 91
    assert c.per_day_change == pytest.approx(185 / 91)  # 2.03 a day
    assert round(c.per_day_change, 2) == 2.03


def test_fall_and_labels() -> None:
    c = compare_counts(2088, 2175)
    assert c.change == -87
    assert c.pct_change == pytest.approx(-87 / 2175 * 100)  # -4.0%
    assert c.pct_label == "-4.0%"
    assert c.per_day_change is None and c.current_days is None


def test_percentage_change_from_zero_is_undefined_and_labelled() -> None:
    assert pct_change(5, 0) is None
    assert pct_label(5, 0) == "n/a (was 0)"
    assert pct_label(0, 0) == "no change (0 both)"
    assert pct_label(10, 10) == "0.0%"
    c = compare_counts(5, 0, period=Period.month("2019-04"))
    assert c.pct_change is None and c.pct_label == "n/a (was 0)"
    assert c.per_day_change == pytest.approx(5 / 30)


def test_per_day_change_allows_for_a_leap_day() -> None:
    # 2019/20 Q4 is Jan-Mar 2020 (31 + 29 + 31 = 91 days); a year earlier, 90 days.
    c = compare_counts(910, 900, period=Period.fquarter(2019, 4))
    assert (c.current_days, c.previous_days) == (91, 90)
    assert c.per_day_change == pytest.approx(910 / 91 - 900 / 90)  # 10.0 - 10.0 = 0
    assert c.change == 10


@pytest.mark.parametrize("bad", [-1, 2.5, None, float("nan")])
def test_compare_counts_rejects_bad_counts(bad: object) -> None:
    with pytest.raises(ParameterError):
        compare_counts(bad, 10)  # type: ignore[arg-type]


def _crimes(spec: list[tuple[str, str, int]]) -> pd.DataFrame:
    rows = []
    for month, crime_type, n in spec:
        group, klass = CRIME_TYPES[crime_type]
        rows += [
            {
                "month": month,
                "crime_type": crime_type,
                "offence_group": group,
                "crime_class": klass,
                "is_asb": crime_type == ASB,
            }
        ] * n
    return pd.DataFrame(rows)


def test_compare_periods_by_group_against_same_quarter_last_year() -> None:
    crimes = _crimes(
        [
            ("2019-04", "Robbery", 6),
            ("2019-05", "Shoplifting", 10),
            ("2019-06", "Drugs", 2),
            ("2019-06", ASB, 50),
            ("2018-04", "Robbery", 4),
            ("2018-05", "Shoplifting", 12),
            ("2018-06", "Bicycle theft", 3),
            ("2019-07", "Robbery", 99),  # outside both periods
        ]
    )
    total = compare_periods(crimes, Period.fquarter(2019, 1))
    assert total[["current", "previous", "change"]].to_dict("records") == [
        {"current": 6 + 10 + 2, "previous": 4 + 12 + 3, "change": 18 - 19}
    ]
    assert total["per_day_change"].iloc[0] == pytest.approx(18 / 91 - 19 / 91)

    by_type = compare_periods(crimes, Period.fquarter(2019, 1), by="crime_type").set_index(
        "crime_type"
    )
    assert by_type.loc["Robbery", "change"] == 2
    assert by_type.loc["Robbery", "pct_change"] == pytest.approx(50.0)  # 2 / 4
    assert by_type.loc["Drugs", "previous"] == 0
    assert math.isnan(by_type.loc["Drugs", "pct_change"])
    assert by_type.loc["Drugs", "pct_label"] == "n/a (was 0)"
    assert by_type.loc["Bicycle theft", "current"] == 0
    assert ASB not in by_type.index
    assert by_type["change"].sum() == total["change"].iloc[0]

    asb = compare_periods(crimes, Period.fquarter(2019, 1), measure="asb")
    assert asb[["current", "previous"]].iloc[0].tolist() == [50, 0]


def test_rolling_12_months_worked_series() -> None:
    months = month_range("2017-01", "2019-12")  # 36 months
    counts = list(range(1, 37))  # 1, 2, ..., 36
    got = rolling_12_months(pd.DataFrame({"month": months, "count": counts}))
    assert list(got.columns) == [
        "month",
        "rolling_12",
        "previous_12",
        "change",
        "pct_change",
    ]
    assert got["rolling_12"].iloc[:11].isna().all()
    # 12 months to Dec 2017: 1 + ... + 12 = 78
    assert got["rolling_12"].iloc[11] == 78
    assert pd.isna(got["previous_12"].iloc[11])
    last = got.iloc[-1]
    # 12 months to Dec 2019: 25 + ... + 36 = 366; the 12 before: 13 + ... + 24 = 222
    assert (last["rolling_12"], last["previous_12"]) == (366, 222)
    assert last["change"] == 144
    assert last["pct_change"] == pytest.approx(144 / 222 * 100)


def test_rolling_12_months_unknown_month_is_not_zero() -> None:
    months = month_range("2018-01", "2019-12")
    frame = pd.DataFrame({"month": months, "count": pd.array([10] * 24, dtype="Int64")})
    frame.loc[months.index("2019-03"), "count"] = pd.NA  # a missing force-month
    gappy = frame.drop(index=months.index("2018-02"))  # a month absent from the input
    got = rolling_12_months(gappy).set_index("month")
    assert len(got) == 24  # the absent month is back, as unknown
    # windows ending Dec 2018 and Jan 2019 include Feb 2018
    assert got.loc["2018-12":"2019-01", "rolling_12"].isna().all()
    assert got.loc["2019-02", "rolling_12"] == 12 * 10  # Mar 2018 - Feb 2019, all known
    # every window that includes Mar 2019 is unknown
    assert got.loc["2019-03":"2019-12", "rolling_12"].isna().all()
    assert got["change"].isna().all()


def test_rolling_12_months_by_group() -> None:
    months = month_range("2018-01", "2019-12")
    frame = pd.concat(
        [
            pd.DataFrame({"month": months, "group": "A", "count": [1] * 24}),
            pd.DataFrame({"month": months, "group": "B", "count": [2] * 12 + [3] * 12}),
        ]
    )
    got = rolling_12_months(frame, by="group")
    end = got[got["month"] == "2019-12"].set_index("group")
    assert end.loc["A", "change"] == 0
    assert end.loc["B", "rolling_12"] == 36 and end.loc["B", "previous_12"] == 24
    assert end.loc["B", "pct_change"] == pytest.approx(50.0)
    with pytest.raises(ParameterError, match="more than one row"):
        rolling_12_months(frame)  # two rows per month without by=


def test_contribution_to_change_maidstone_style() -> None:
    current = {
        "Violence against the person and sexual offences": 820,
        "Shoplifting": 350,
        "Robbery": 60,
        "Burglary": 285,
        "Criminal damage and arson": 842,
    }
    previous = {
        "Violence against the person and sexual offences": 700,
        "Shoplifting": 300,
        "Robbery": 30,
        "Burglary": 300,
        "Criminal damage and arson": 842,
    }
    # total: 2,357 against 2,172
    assert sum(current.values()) == 2357 and sum(previous.values()) == 2172
    got = contribution_to_change(current, previous)
    assert list(got.columns) == [
        "group",
        "current",
        "previous",
        "change",
        "pct_change",
        "pct_of_total_change",
    ]
    assert list(got["group"]) == [
        "Violence against the person and sexual offences",  # +120
        "Shoplifting",  # +50
        "Robbery",  # +30
        "Criminal damage and arson",  # 0
        "Burglary",  # -15
    ]
    assert list(got["change"]) == [120, 50, 30, 0, -15]
    assert got["change"].sum() == 185
    # Shares of the gross rises (120 + 50 + 30 = 200) and of the gross falls (15), never
    # of the net 185: every share lies within -100..100.
    shares = dict(zip(got["group"], got["pct_of_total_change"], strict=True))
    assert shares["Violence against the person and sexual offences"] == pytest.approx(60.0)
    assert shares["Shoplifting"] == pytest.approx(25.0)  # 50 / 200
    assert shares["Robbery"] == pytest.approx(15.0)
    assert shares["Criminal damage and arson"] == 0.0
    assert shares["Burglary"] == pytest.approx(-100.0)  # all of the falls
    assert got["pct_of_total_change"].between(-100, 100).all()
    assert got.set_index("group").loc["Robbery", "pct_change"] == pytest.approx(100.0)


def test_contribution_to_change_fall_orders_biggest_falls_first() -> None:
    got = contribution_to_change(
        pd.Series({"A": 10, "B": 50, "C": 40}), pd.Series({"A": 20, "B": 80, "C": 35})
    )
    assert list(got["group"]) == ["B", "A", "C"]  # -30, -10, +5
    assert got["change"].sum() == -35
    # Falls of 40 (B 30, A 10) and a rise of 5 (C): 75% and 25% of the falls, all the rises.
    assert got["pct_of_total_change"].tolist() == pytest.approx([-75.0, -25.0, 100.0])


def test_contribution_to_change_with_no_total_change_still_shares_rises_and_falls() -> None:
    got = contribution_to_change({"A": 15, "B": 5}, {"A": 10, "B": 10})
    assert got["change"].sum() == 0
    assert list(got["change"]) == [5, -5]
    assert got["pct_of_total_change"].tolist() == [100.0, -100.0]
    still = contribution_to_change({"A": 10}, {"A": 10})
    assert still["pct_of_total_change"].isna().all()  # nothing moved: no shares


def test_shares_of_opposite_moves_never_leave_minus_100_to_100() -> None:
    # The case: a net change of +30 made of +145 and -115 gave shares of 483% and
    # -383% of the net change. Of the gross rises (145) and falls (115) they are 100/-100.
    got = contribution_to_change({"Up": 245, "Down": 185}, {"Up": 100, "Down": 300})
    assert got.set_index("group")["pct_of_total_change"].to_dict() == {"Up": 100.0, "Down": -100.0}
    assert gross_movement(got) == (145, 115)


def test_one_rounding_rule_half_away_from_zero_from_the_counts() -> None:
    # 79 more on 2,000 is 3.95% exactly; 1 more on 80 is 1.25% exactly. Half away from zero
    # gives 4.0 and 1.3 everywhere: the text (pct_label), a table (format_pct of the stored
    # value) and figures.json (pct_rounded). Python's formatting rounds the binary float
    # half to even: f"{1.25:.1f}" is 1.2 (1.25 is exact in binary), so a table formatting
    # a raw value could disagree with the text.
    assert f"{1.25:.1f}" == "1.2"
    assert pct_rounded(2079, 2000) == 4.0
    assert pct_label(2079, 2000) == "+4.0%"
    assert format_pct(pct_rounded(2079, 2000)) == "+4.0%"
    assert pct_label(1921, 2000) == "-4.0%"  # away from zero on the way down too
    # 1 on 8 is 12.5%: a tie at whole numbers, 13.
    assert pct_rounded(81, 80) == 1.3 and pct_rounded(79, 80) == -1.3
    assert str(round_half_away(Fraction(1, 8) * 100, 0)) == "13"
    assert pct_rounded(5, 0) is None and format_pct(None) == "n/a"


def test_contribution_to_change_group_in_one_period_only() -> None:
    got = contribution_to_change({"New": 4}, {"Old": 3}).set_index("group")
    assert got.loc["New", "previous"] == 0 and got.loc["Old", "current"] == 0
    assert math.isnan(got.loc["New", "pct_change"])
    assert got["change"].sum() == 1


def test_contribution_to_change_rejects_bad_counts() -> None:
    with pytest.raises(ParameterError):
        contribution_to_change({"A": -1}, {"A": 3})
