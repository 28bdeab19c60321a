"""Periods: parsing what users type, month arithmetic, and coverage checks."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

import csplib.periods as periods_module
from csplib.errors import CoverageError, ParameterError
from csplib.periods import Period, check_coverage, month_range, parse_period, require_complete


def test_doctests() -> None:
    result = doctest.testmod(periods_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "label"),
    [
        # financial quarters: Q1 = Apr-Jun ... Q4 = Jan-Mar of the next calendar year
        ("2019/20 Q1", "fquarter", "2019-04", "2019-06", "2019/20 Q1"),
        ("2019-20 Q1", "fquarter", "2019-04", "2019-06", "2019/20 Q1"),
        ("2019/2020 Q1", "fquarter", "2019-04", "2019-06", "2019/20 Q1"),
        ("FY2019 Q1", "fquarter", "2019-04", "2019-06", "2019/20 Q1"),
        ("FY2019/20 Q2", "fquarter", "2019-07", "2019-09", "2019/20 Q2"),
        ("Q3 2019/20", "fquarter", "2019-10", "2019-12", "2019/20 Q3"),
        ("FY19/20 Q1", "fquarter", "2019-04", "2019-06", "2019/20 Q1"),
        ("19-20 Q2", "fquarter", "2019-07", "2019-09", "2019/20 Q2"),
        ("2019/20 Q4", "fquarter", "2020-01", "2020-03", "2019/20 Q4"),
        ("1999/00 Q4", "fquarter", "2000-01", "2000-03", "1999/00 Q4"),
        # financial years: "2024/25" = Apr 2024 - Mar 2025
        ("2024/25", "fyear", "2024-04", "2025-03", "2024/25"),
        ("FY2019/20", "fyear", "2019-04", "2020-03", "2019/20"),
        ("FY2019", "fyear", "2019-04", "2020-03", "2019/20"),
        ("2019/2020", "fyear", "2019-04", "2020-03", "2019/20"),
        ("2019-2020", "fyear", "2019-04", "2020-03", "2019/20"),
        ("19/20", "fyear", "2019-04", "2020-03", "2019/20"),
        # calendar quarters
        ("2019Q2", "cquarter", "2019-04", "2019-06", "2019 Q2"),
        ("2019 Q2", "cquarter", "2019-04", "2019-06", "2019 Q2"),
        ("2019-Q4", "cquarter", "2019-10", "2019-12", "2019 Q4"),
        ("Q1 2020", "cquarter", "2020-01", "2020-03", "2020 Q1"),
        # months ("YYYY-MM" is always a month)
        ("2019-06", "month", "2019-06", "2019-06", "Jun 2019"),
        ("2011-12", "month", "2011-12", "2011-12", "Dec 2011"),
        ("Apr 2019", "month", "2019-04", "2019-04", "Apr 2019"),
        ("September 2019", "month", "2019-09", "2019-09", "Sep 2019"),
        # rolling 12 months
        ("12 months to 2019-06", "rolling12", "2018-07", "2019-06", "12 months to Jun 2019"),
        ("rolling 12 to 2019-06", "rolling12", "2018-07", "2019-06", "12 months to Jun 2019"),
        ("12 months to Jun 2019", "rolling12", "2018-07", "2019-06", "12 months to Jun 2019"),
        # calendar years
        ("CY2019", "cyear", "2019-01", "2019-12", "Jan-Dec 2019"),
        ("Jan-Dec 2019", "cyear", "2019-01", "2019-12", "Jan-Dec 2019"),
        ("calendar year 2019", "cyear", "2019-01", "2019-12", "Jan-Dec 2019"),
    ],
)
def test_parse_period_forms(text: str, kind: str, start: str, end: str, label: str) -> None:
    period = parse_period(text)
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)


@pytest.mark.parametrize(
    "text", ["  fy 2019 / 20   q1 ", "2019/20q1", "fy2019q1", "2019 - 20 Q1", "2019/20\tQ1"]
)
def test_parse_period_is_case_and_whitespace_tolerant(text: str) -> None:
    assert parse_period(text) == Period.fquarter(2019, 1)


def test_labels_parse_back_to_the_same_period() -> None:
    examples = [
        Period.month("2019-04"),
        Period.fquarter(2019, 4),
        Period.fyear(2019),
        Period.cquarter(2019, 2),
        Period.cyear(2019),
        Period.rolling12("2019-06"),
    ]
    for period in examples:
        assert parse_period(period.label) == period
        assert str(period) == period.label


def test_parse_period_passes_a_period_through() -> None:
    period = Period.fyear(2020)
    assert parse_period(period) is period


def test_months_and_days() -> None:
    q1 = Period.fquarter(2019, 1)
    assert q1.months == ["2019-04", "2019-05", "2019-06"]
    assert q1.days == 30 + 31 + 30  # 91
    # 2019/20 Q4 includes 29 February 2020; 2020/21 Q4 does not
    assert Period.fquarter(2019, 4).days == 31 + 29 + 31
    assert Period.fquarter(2020, 4).days == 31 + 28 + 31
    assert Period.fyear(2019).days == 366
    assert Period.fyear(2020).days == 365
    assert len(Period.rolling12("2019-06").months) == 12
    assert Period.month("2019-02").days == 28


def test_same_period_last_year_and_previous() -> None:
    q1 = Period.fquarter(2019, 1)
    assert q1.same_period_last_year() == Period.fquarter(2018, 1)
    assert q1.previous() == Period.fquarter(2018, 4)
    assert Period.fquarter(2019, 2).previous() == q1
    assert Period.cquarter(2019, 1).previous() == Period.cquarter(2018, 4)
    assert Period.month("2019-01").previous() == Period.month("2018-12")
    assert Period.month("2019-01").same_period_last_year() == Period.month("2018-01")
    assert Period.fyear(2019).previous() == Period.fyear(2018)
    r12 = Period.rolling12("2019-06")
    assert r12.previous() == r12.same_period_last_year() == Period.rolling12("2018-06")


def test_month_range() -> None:
    assert month_range("2019-11", "2020-02") == ["2019-11", "2019-12", "2020-01", "2020-02"]
    with pytest.raises(ParameterError):
        month_range("2020-02", "2019-11")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2019/20 Q5", "quarter Q5 does not exist"),
        ("2019 Q0", "quarter Q0 does not exist"),
        ("2019/21", "2019 must be followed by 20"),
        ("2019/2021 Q1", "2019 must be followed by 2020"),
        ("FY2019/18", "2019 must be followed by 20"),
        ("FY19/21", "2019 must be followed by 20"),
        ("2019-13", "month 13 does not exist"),
        ("2019-00", "month 00 does not exist"),
        ("12 months to 2019-13", "month 13 does not exist"),
        ("2019-20", "for the financial year write 2019/20"),
        ("2019", "ambiguous"),
        ("last quarter", "not recognised"),
        ("", "not recognised"),
        ("12 months to yesterday", "is not a month"),
    ],
)
def test_parse_period_errors_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ParameterError) as info:
        parse_period(text)
    message = str(info.value)
    assert f"'{text}'" in message
    assert says in message


def test_unrecognised_period_lists_accepted_forms() -> None:
    with pytest.raises(ParameterError) as info:
        parse_period("spring 2019")
    message = str(info.value)
    for form in ("2019/20 Q1", "FY2019 Q1", "2019 Q2", "2019-06", "12 months to 2019-06"):
        assert form in message


def test_period_rejects_inconsistent_construction() -> None:
    with pytest.raises(ParameterError):
        Period("fquarter", "2019-05", "2019-07")  # financial quarters start Apr/Jul/Oct/Jan
    with pytest.raises(ParameterError):
        Period("fyear", "2019-01", "2019-12")
    with pytest.raises(ParameterError):
        Period("week", "2019-01", "2019-01")
    with pytest.raises(ParameterError):
        Period("month", "2019-13", "2019-13")
    with pytest.raises(ParameterError):
        Period.fquarter(2019, 5)


# --- coverage ---------------------------------------------------------------------------


def _coverage(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["force", "month", "status", "note"])


def test_check_coverage_complete_period_has_no_flags() -> None:
    cov = _coverage([("kent", m, "present", None) for m in month_range("2019-01", "2019-12")])
    flags = check_coverage(Period.fquarter(2019, 1), cov)
    assert flags.empty
    assert list(flags.columns) == ["force", "month", "status", "note"]


def test_check_coverage_reports_missing_incomplete_and_unloaded_months() -> None:
    cov = _coverage(
        [
            ("kent", "2019-04", "present", None),
            ("kent", "2019-05", "incomplete", "file truncated"),
            ("essex", "2019-04", "present", None),
            ("essex", "2019-05", "missing", "not published"),
            ("essex", "2019-06", "present", None),
        ]
    )
    flags = check_coverage(Period.fquarter(2019, 1), cov)
    assert flags.to_dict("records") == [
        {"force": "essex", "month": "2019-05", "status": "missing", "note": "not published"},
        {"force": "kent", "month": "2019-05", "status": "incomplete", "note": "file truncated"},
        {"force": "kent", "month": "2019-06", "status": "missing", "note": "not loaded"},
    ]
    kent_only = check_coverage(Period.fquarter(2019, 1), cov, force="kent")
    assert set(kent_only["force"]) == {"kent"} and len(kent_only) == 2


def test_check_coverage_force_not_in_table_is_all_missing() -> None:
    cov = _coverage([("kent", "2019-04", "present", None)])
    flags = check_coverage(Period.month("2019-04"), cov, force="essex")
    assert flags[["force", "month", "status"]].to_dict("records") == [
        {"force": "essex", "month": "2019-04", "status": "missing"}
    ]
    empty = check_coverage(Period.month("2019-04"), cov.iloc[0:0])
    assert list(empty["status"]) == ["missing"]


def test_check_coverage_worst_status_wins_and_unknown_status_is_not_present() -> None:
    cov = _coverage(
        [
            ("kent", "2019-04", "present", None),
            ("kent", "2019-04", "incomplete", "second file short"),
            ("kent", "2019-05", "odd", None),
            ("kent", "2019-06", "present", None),
        ]
    )
    flags = check_coverage(Period.fquarter(2019, 1), cov)
    assert list(flags["status"]) == ["incomplete", "odd"]
    assert "unrecognised status" in flags["note"].iloc[1]


def test_check_coverage_accepts_a_month_list() -> None:
    cov = _coverage([("kent", "2019-04", "present", None)])
    flags = check_coverage(["2019-04", "2019-05"], cov)
    assert list(flags["month"]) == ["2019-05"]


def test_require_complete_raises_with_months_statuses_and_a_fix() -> None:
    cov = _coverage(
        [
            ("greater-manchester", "2019-06", "present", None),
            ("greater-manchester", "2019-07", "missing", "force stopped supplying data"),
            ("greater-manchester", "2019-08", "missing", None),
        ]
    )
    period = Period.fquarter(2019, 2)  # Jul-Sep 2019
    with pytest.raises(CoverageError) as info:
        require_complete(period, cov)
    message = str(info.value)
    assert "2019/20 Q2" in message
    assert "greater-manchester 2019-07 missing (force stopped supplying data)" in message
    assert "2019-08 missing" in message
    assert "2019-09 missing (not loaded)" in message
    assert "--allow-incomplete" in message and "allow_incomplete: true" in message

    flags = require_complete(period, cov, allow_incomplete=True)
    assert list(flags["month"]) == ["2019-07", "2019-08", "2019-09"]


def test_require_complete_returns_empty_flags_when_complete() -> None:
    cov = _coverage([("kent", m, "present", None) for m in ["2019-04", "2019-05", "2019-06"]])
    assert require_complete(Period.fquarter(2019, 1), cov).empty


def test_check_coverage_needs_the_canonical_columns() -> None:
    with pytest.raises(ParameterError, match="status"):
        check_coverage(Period.month("2019-04"), pd.DataFrame({"force": [], "month": []}))
