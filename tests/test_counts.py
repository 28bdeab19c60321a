"""Counts of crime and ASB by area, period and group; rates per 1,000 and per day."""

from __future__ import annotations

import doctest
import math

import pandas as pd
import pytest

import csplib.indicators.counts as counts_module
from csplib.errors import CspError, ParameterError
from csplib.indicators.counts import (
    count_asb,
    count_by,
    count_crimes,
    in_period,
    monthly_counts,
    per_day,
    rate_per_1000,
    select_area,
)
from csplib.periods import Period
from csplib.schema import ASB, CRIME_TYPES

CSP_CODES = {"Maidstone": "E07000110", "Sevenoaks": "E07000111", None: None}


def make_crimes(spec: list[tuple[str, str, str | None, int]], force: str = "kent") -> pd.DataFrame:
    """Canonical-shaped crimes: ``(month, crime_type, csp_name, number of rows)``."""
    rows = []
    for month, crime_type, csp, n in spec:
        group, klass = CRIME_TYPES[crime_type]
        for _ in range(n):
            rows.append(
                {
                    "month": month,
                    "crime_type": crime_type,
                    "offence_group": group,
                    "crime_class": klass,
                    "is_asb": crime_type == ASB,
                    "csp_name": csp,
                    "csp_code": CSP_CODES[csp],
                    "force": force,
                    "lsoa_code": None if csp is None else "E01000001",
                    "geo_status": "no_location" if csp is None else "in_force_area",
                }
            )
    frame = pd.DataFrame(rows)
    frame["is_asb"] = frame["is_asb"].astype(bool)
    return frame


@pytest.fixture
def crimes() -> pd.DataFrame:
    return make_crimes(
        [
            ("2019-04", "Shoplifting", "Maidstone", 5),
            ("2019-04", "Robbery", "Maidstone", 2),
            ("2019-04", ASB, "Maidstone", 7),
            ("2019-05", "Violence and sexual offences", "Maidstone", 4),
            ("2019-05", "Burglary", "Sevenoaks", 3),
            ("2019-06", "Drugs", None, 1),  # no location: no CSP
            ("2019-06", ASB, "Sevenoaks", 2),
            ("2018-04", "Shoplifting", "Maidstone", 3),
        ]
    )


def test_doctests() -> None:
    result = doctest.testmod(counts_module)
    assert result.attempted > 0 and result.failed == 0


def test_total_recorded_crime_excludes_asb(crimes: pd.DataFrame) -> None:
    q1 = Period.fquarter(2019, 1)
    # 5 shoplifting + 2 robbery + 4 violence + 3 burglary + 1 drugs; ASB (7 + 2) apart
    assert count_crimes(crimes, q1) == 5 + 2 + 4 + 3 + 1
    assert count_asb(crimes, q1) == 7 + 2
    assert count_crimes(crimes) == 15 + 3
    assert count_crimes(crimes) + count_asb(crimes) == len(crimes)


def test_asb_is_excluded_whichever_flag_marks_it(crimes: pd.DataFrame) -> None:
    only_type = crimes.assign(is_asb=False)  # is_asb lost, crime type still says ASB
    assert count_crimes(only_type) == 18
    only_flag = crimes.copy()
    only_flag["crime_type"] = only_flag["crime_type"].where(~only_flag["is_asb"], "Unknown")
    assert count_crimes(only_flag) == 18
    assert count_asb(only_flag) == 9


def test_select_area_by_csp_code_name_and_force(crimes: pd.DataFrame) -> None:
    maidstone_rows = 5 + 2 + 7 + 4 + 3
    assert len(select_area(crimes, csp="E07000110")) == maidstone_rows
    assert len(select_area(crimes, csp="maidstone")) == maidstone_rows
    assert len(select_area(crimes, csp=" Maidstone ")) == maidstone_rows
    assert len(select_area(crimes, force="kent")) == len(crimes)
    assert len(select_area(crimes, force="Kent Police")) == len(crimes)
    assert len(select_area(crimes, csp="Sevenoaks", force="kent")) == 3 + 2


def test_select_area_unknown_names_suggest_close_matches(crimes: pd.DataFrame) -> None:
    with pytest.raises(ParameterError) as info:
        select_area(crimes, csp="Maidstne")
    assert "'Maidstne'" in str(info.value) and "did you mean 'Maidstone'" in str(info.value)
    with pytest.raises(ParameterError, match="essex"):
        select_area(crimes, force="Essex Police")
    with pytest.raises(ParameterError, match="csp= or force="):
        select_area(crimes)


def test_count_by_offence_group(crimes: pd.DataFrame) -> None:
    got = count_by(crimes, "offence_group", period=Period.fquarter(2019, 1))
    assert list(got.columns) == ["offence_group", "count"]
    assert dict(zip(got["offence_group"], got["count"], strict=True)) == {
        "Theft offences": 5 + 3,  # shoplifting + burglary
        "Violence against the person and sexual offences": 4,
        "Robbery": 2,
        "Drug offences": 1,
    }
    assert list(got["count"]) == sorted(got["count"], reverse=True)


def test_count_by_keeps_crimes_with_no_csp_as_their_own_group(crimes: pd.DataFrame) -> None:
    got = count_by(crimes, "csp_name", period=Period.fquarter(2019, 1))
    assert got["count"].sum() == count_crimes(crimes, Period.fquarter(2019, 1))
    unplaced = got[got["csp_name"].isna()]
    assert list(unplaced["count"]) == [1]


def test_count_by_asb_and_several_keys(crimes: pd.DataFrame) -> None:
    asb = count_by(crimes, "csp_name", measure="asb")
    assert dict(zip(asb["csp_name"], asb["count"], strict=True)) == {"Maidstone": 7, "Sevenoaks": 2}
    two = count_by(crimes, ["month", "crime_class"])
    assert set(two.columns) == {"month", "crime_class", "count"}
    april = two[(two["month"] == "2019-04") & (two["crime_class"] == "victim-based")]
    assert list(april["count"]) == [5 + 2]
    with pytest.raises(ParameterError):
        count_by(crimes, "offence_group", measure="everything")  # type: ignore[arg-type]


def test_in_period(crimes: pd.DataFrame) -> None:
    assert len(in_period(crimes, Period.month("2018-04"))) == 3


def test_monthly_counts_zero_fills_months_and_groups(crimes: pd.DataFrame) -> None:
    maidstone = select_area(crimes, csp="Maidstone")
    got = monthly_counts(maidstone, Period.fquarter(2019, 1), by="crime_type")
    assert list(got.columns) == ["month", "crime_type", "count"]
    # 3 months x 3 crime types seen in Maidstone (shoplifting, robbery, violence)
    assert len(got) == 9
    june = got[got["month"] == "2019-06"]
    assert list(june["count"]) == [0, 0, 0]
    total = monthly_counts(maidstone, ["2019-04", "2019-06"])
    assert list(total["month"]) == ["2019-04", "2019-05", "2019-06"]
    assert list(total["count"]) == [5 + 2, 4, 0]


def test_monthly_counts_with_coverage_never_reads_a_missing_month_as_zero(
    crimes: pd.DataFrame,
) -> None:
    coverage = pd.DataFrame(
        {
            "force": ["kent", "kent", "kent"],
            "month": ["2019-04", "2019-05", "2019-06"],
            "status": ["present", "present", "missing"],
        }
    )
    maidstone = select_area(crimes, csp="Maidstone")
    got = monthly_counts(maidstone, Period.fquarter(2019, 1), coverage=coverage)
    assert list(got["status"]) == ["present", "present", "missing"]
    assert got["count"].iloc[:2].tolist() == [7, 4]
    assert pd.isna(got["count"].iloc[2])


def test_rate_per_1000() -> None:
    # 2,357 crimes among 171,800 residents: 2357 / 171800 * 1000 = 13.7194...
    assert rate_per_1000(2357, 171_800) == pytest.approx(2357 / 171.8)
    assert rate_per_1000(0, 1000) == 0.0


@pytest.mark.parametrize("population", [0, -5, None, float("nan")])
def test_rate_per_1000_refuses_unusable_population(population: object) -> None:
    with pytest.raises(CspError, match="population"):
        rate_per_1000(10, population)  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match="population"):
        assert math.isnan(rate_per_1000(10, population, on_missing="nan"))  # type: ignore[arg-type]


def test_rate_per_1000_on_series_names_the_bad_areas() -> None:
    counts = pd.Series({"Maidstone": 2357, "Sevenoaks": 900, "Nowhere": 5})
    pops = pd.Series({"Maidstone": 171_800, "Sevenoaks": 120_000, "Nowhere": 0})
    with pytest.raises(CspError, match="Nowhere"):
        rate_per_1000(counts, pops)
    with pytest.warns(UserWarning, match="Nowhere"):
        rates = rate_per_1000(counts, pops, on_missing="nan")
    assert rates["Maidstone"] == pytest.approx(2357 / 171.8)
    assert rates["Sevenoaks"] == pytest.approx(900 / 120.0)
    assert math.isnan(rates["Nowhere"])
    per_resident = rate_per_1000(1, pd.Series({"A": 500, "B": 2000}))
    assert per_resident.tolist() == [2.0, 0.5]  # 1 / 500 * 1000, 1 / 2000 * 1000


def test_per_day() -> None:
    # April-June has 30 + 31 + 30 = 91 days
    assert per_day(185, Period.fquarter(2014, 1)) == pytest.approx(185 / 91)
    assert per_day(365, Period.fyear(2019)) == pytest.approx(365 / 366)
