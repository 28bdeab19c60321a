"""Long trend and seasonal profile: a worked example with a gap."""

from __future__ import annotations

import pandas as pd
import pytest

from csplib.indicators.trend import ABOVE, BELOW, GAP, WITHIN, long_trend
from csplib.periods import month_range


def _store(counts: dict[str, int], asb: dict[str, int] | None = None):
    rows = []
    for m, n in counts.items():
        rows += [{"month": m, "force": "f", "offence_group": "Theft offences", "is_asb": False}] * n
    for m, n in (asb or {}).items():
        rows += [
            {"month": m, "force": "f", "offence_group": "Anti-social behaviour", "is_asb": True}
        ] * n
    return pd.DataFrame(rows)


def test_three_years_with_a_gap_and_the_season():
    months = month_range("2021-10", "2024-09")
    # 10 a month, but 2022-10 missing from the store, and the last October high (25)
    # and the last January low (2).
    counts = {m: 10 for m in months}
    counts.pop("2022-10")
    counts["2023-10"] = 25
    counts["2024-01"] = 2
    crimes = _store(counts, asb={m: 3 for m in months})
    coverage = pd.DataFrame(
        {
            "force": "f",
            "month": months,
            "status": ["missing" if m == "2022-10" else "present" for m in months],
        }
    )
    res = long_trend(
        crimes, coverage, "2024-09", population={2022: 10_000, 2023: 20_000, 2024: 40_000}
    )
    y = res.years[res.years.group == "Theft offences"].set_index("year")
    assert list(y.index) == [
        "12 months to Sep 2022",
        "12 months to Sep 2023",
        "12 months to Sep 2024",
    ]
    assert y.loc["12 months to Sep 2022", "count"] == 120
    assert y.loc["12 months to Sep 2022", "rate_per_1000"] == pytest.approx(120 / 10_000 * 1000)
    # The gap year has no total: its 11 months sum to 110, never read as a year.
    assert pd.isna(y.loc["12 months to Sep 2023", "count"])
    assert (
        y.loc["12 months to Sep 2023", "partial"] == 110
        and y.loc["12 months to Sep 2023", "months"] == 11
    )
    assert pd.isna(y.loc["12 months to Sep 2023", "rate_per_1000"])
    # 2024: 10 x 10 + 25 + 2 = 127, population of 2024 (the year of its seventh month).
    assert y.loc["12 months to Sep 2024", "count"] == 127
    assert y.loc["12 months to Sep 2024", "rate_per_1000"] == pytest.approx(127 / 40_000 * 1000)
    s = res.season[res.season.group == "Theft offences"].set_index("month")
    assert s.loc["2023-10", "position"] == ABOVE
    assert s.loc["2023-10", "earlier_years"] == 1  # 2022-10 is a gap, only 2021-10 counts
    assert s.loc["2024-01", "position"] == BELOW
    assert s.loc["2024-02", "position"] == WITHIN and s.loc["2024-02", "earlier_mean"] == 10
    assert res.notes and "2022-10" in res.notes[0]
    asb = long_trend(crimes, coverage, "2024-09", measure="asb")
    a = asb.years.set_index("year")
    assert a.loc["12 months to Sep 2022", "count"] == 36
    assert asb.season.set_index("month").loc["2023-10", "position"] == WITHIN
    gap = long_trend(crimes, coverage, "2023-09").season
    gap = gap[gap.group == "All crimes"].set_index("month")
    assert gap.loc["2022-10", "position"] == GAP
