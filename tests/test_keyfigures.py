"""Key figures on a worked example whose numbers are set by hand."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from csplib.areas import Area
from csplib.indicators.keyfigures import key_figures, shared_figures, suppress_figures
from csplib.periods import parse_period


def rows(month: str, crime_type: str, group: str, klass: str, n: int) -> list[dict]:
    return [
        {"month": month, "crime_type": crime_type, "offence_group": group, "crime_class": klass,
         "is_asb": klass == "ASB", "csp_code": "X22000001", "csp_name": "Alpha", "force": "t"}
    ] * n  # fmt: skip


def test_key_figures_worked_example():
    # 2023/24 Q1 (Apr-Jun 2023) against 2022/23 Q1. By hand:
    # violence 120 -> 150 (+30), shoplifting 50 -> 60 (+10), drugs 30 -> 20 (-10);
    # total 200 -> 230 (+30, +15.0%); ASB 80 -> 70; victim-based 170 -> 210.
    data = []
    for month, scale in (("2022-04", 0), ("2023-04", 1)):
        v, s, d, a = (120, 50, 30, 80) if scale == 0 else (150, 60, 20, 70)
        data += rows(month, "Violence and sexual offences", "Violence", "victim-based", v)
        data += rows(month, "Shoplifting", "Theft offences", "victim-based", s)
        data += rows(month, "Drugs", "Drug offences", "non-victim-based", d)
        data += rows(month, "Anti-social behaviour", "Anti-social behaviour", "ASB", a)
    crimes = pd.DataFrame(data)
    area = Area("Alpha", "csp", "X22000001", ("t",), ("X07000001",))
    period = parse_period("2023/24 Q1")
    flags = pd.DataFrame(columns=["force", "month", "status", "note"])
    f = key_figures(area, crimes, period, flags, population=(50_000, 2023))
    t = f["total_crime"]
    assert (t["current"], t["previous"], t["change"]) == (230, 200, 30)
    assert t["pct_change"] == 15.0
    # Apr-Jun has 91 days: 230 / 91 = 2.527 a day, stored as shown (one decimal): 2.5.
    assert t["per_day_current"] == 2.5
    assert t["per_day_change"] == 0.3  # 30 / 91 = 0.330
    assert t["z"] == round(2 * (math.sqrt(230) - math.sqrt(200)), 3)
    assert (f["asb"]["current"], f["asb"]["previous"]) == (70, 80)
    assert (f["victim_based"]["current"], f["victim_based"]["previous"]) == (210, 170)
    assert (f["non_victim_based"]["current"], f["non_victim_based"]["previous"]) == (20, 30)
    groups = {g["group"]: g for g in f["by_group"]}
    assert groups["Violence"]["change"] == 30
    # Shares of the gross rises (30 + 10 = 40) and falls (10), whole percents, never of
    # the net +30 (which would make violence 100% and the three add to 100 only by
    # running past it when groups move apart).
    assert groups["Violence"]["pct_of_total_change"] == 75.0  # 30 of 40
    assert groups["Theft offences"]["pct_of_total_change"] == 25.0
    assert groups["Drug offences"]["pct_of_total_change"] == -100.0
    # Violence 120 -> 150: square-root test 2(sqrt(150.375) - sqrt(120.375)) / sqrt(2)
    # = 1.83, p = 0.068 before adjustment: no group changed significantly, so the summary
    # names none and the methods note says so.
    assert groups["Violence"]["p_value"] == pytest.approx(0.0679, abs=0.0005)
    assert all(not g["significant"] for g in f["by_group"])
    assert f["summary"] == []
    assert "No group's change was significant" in f["methods_note"]
    assert sum(g["change"] for g in f["by_group"]) == t["change"]
    assert f["rate_per_1000"]["current"] == round(230 / 50_000 * 1000, 3)  # 4.6
    assert f["months_used"] == ["2023-04", "2023-05", "2023-06"]
    assert f["previous_months_used"] == ["2022-04", "2022-05", "2022-06"]
    assert f["coverage"] == {"complete": True, "flags": []}
    json.dumps(f)  # plain JSON types only


def test_shared_figures_hide_small_counts_and_what_gives_them_back():
    figures = {
        "total_crime": {"current": 103, "previous": 100},
        "victim_based": {"current": 101, "previous": 95, "change": 6, "z": 0.6},
        "non_victim_based": {"current": 2, "previous": 5, "change": -3, "z": -1.0},
        "by_group": [
            {"group": "Theft", "current": 60, "previous": 50, "change": 10, "significance": "x"},
            {"group": "Violence", "current": 41, "previous": 45, "change": -4, "significance": "x"},
            {"group": "Drugs", "current": 2, "previous": 5, "change": -3, "significance": "x"},
        ],
    }
    shared = shared_figures(figures, threshold=5)
    groups = {g["group"]: g for g in shared["by_group"]}
    # Drugs 2 is small; alone it could be recomputed from the total (103 - 60 - 41), so
    # the next smallest count, Violence 41, is hidden too ("[c]").
    assert groups["Drugs"]["current"] == "<5"
    assert groups["Violence"]["current"] == "[c]"
    assert groups["Theft"]["current"] == 60
    assert groups["Drugs"]["change"] is None and groups["Drugs"]["significance"] is None
    assert groups["Drugs"]["previous"] == 5  # 5 is not small
    # Non-victim-based 2 is small and victim-based is its complement in the total.
    assert shared["non_victim_based"]["current"] == "<5"
    assert shared["victim_based"]["current"] == "[c]"
    assert shared["victim_based"]["z"] is None
    assert shared["total_crime"] == figures["total_crime"]
    assert figures["by_group"][2]["current"] == 2  # the input is not changed


def test_suppress_figures_walks_tables_and_lone_records():
    figures = {
        "total": {"current": 3, "previous": 40, "change": -37, "pct_change": -92.5},
        "groups": [
            {"group": "A", "count": 2, "rate": 0.1},
            {"group": "B", "count": 30, "rate": 1.5},
            {"group": "C", "count": 50, "rate": 2.5},
        ],
        "note": "counts of 2 are hidden",
    }
    out = suppress_figures(figures, threshold=5)
    # A lone small count: "<5", and its change and percentage go with it.
    assert out["total"] == {"current": "<5", "previous": 40, "change": None, "pct_change": None}
    # In a table, 2 is small and 30 (the next smallest) hides it from the total 82.
    assert [g["count"] for g in out["groups"]] == ["<5", "[c]", 50]
    assert [g["rate"] for g in out["groups"]] == [None, None, 2.5]
    assert out["note"] == figures["note"]


def test_a_data_gap_is_never_read_as_a_change():
    # This year's quarter has 30 crimes; last year's months were never loaded. The figures
    # must not say "rose from 0 to 30" nor call it significant.
    crimes = pd.DataFrame(rows("2023-04", "Shoplifting", "Theft offences", "victim-based", 30))
    area = Area("Alpha", "csp", "X22000001", ("t",), ())
    flags = pd.DataFrame(
        {"force": ["t"] * 3, "month": ["2022-04", "2022-05", "2022-06"],
         "status": ["missing"] * 3, "note": ["not loaded"] * 3}
    )  # fmt: skip
    f = key_figures(area, crimes, parse_period("2023/24 Q1"), flags)
    assert f["total_crime"]["current"] == 30
    assert f["total_crime"]["significance"] == "not compared: data gap"
    assert f["total_crime"]["z"] is None
    # Months that were never loaded are a gap, not zero crime: no previous count, no change.
    assert f["total_crime"]["previous"] is None and f["total_crime"]["change"] is None
    assert f["asb"]["previous"] is None
    assert all(g["previous"] is None and g["change"] is None for g in f["by_group"])
    assert all(g["significance"] == "not compared: data gap" for g in f["by_group"])
    assert "rose" not in f["headline"] and "not compared" in f["headline"]
    # The months in the report's date style, never ISO months in prose.
    assert "gaps (April 2022 missing, May 2022 missing, June 2022 missing)" in f["headline"]
    assert "2022-04" not in f["headline"]
    assert f["drivers"] == ""
    assert f["coverage"]["complete"] is False


def test_a_class_total_never_gives_back_a_lone_hidden_group():
    # Non-victim-based = drugs + weapons + public order + misc = 30 + 3 + 60 + 25 = 118.
    # Weapons (3) is hidden; its secondary partner is Robbery (victim-based), so publishing
    # non-victim-based 118 would give weapons back as 118 - 30 - 60 - 25. Both class
    # totals must be hidden too.
    groups = [("Theft offences", "victim-based", 400), ("Robbery", "victim-based", 8),
              ("Drug offences", "non-victim-based", 30),
              ("Possession of weapons offences", "non-victim-based", 3),
              ("Public order offences", "non-victim-based", 60),
              ("Miscellaneous crimes against society", "non-victim-based", 25)]  # fmt: skip
    figures = {
        "total_crime": {"current": 526, "previous": 500},
        "victim_based": {"current": 408, "previous": 400},
        "non_victim_based": {"current": 118, "previous": 100},
        "by_group": [
            {"group": g, "current": n, "previous": 100 if k == "victim-based" else 25}
            for g, k, n in groups
        ],
    }
    shared = shared_figures(figures, threshold=5)
    hidden = {g["group"] for g in shared["by_group"] if isinstance(g["current"], str)}
    assert "Possession of weapons offences" in hidden
    assert shared["non_victim_based"]["current"] == "[c]"
    assert shared["victim_based"]["current"] == "[c]"
    # Last year nothing was small: the class totals stay.
    assert shared["non_victim_based"]["previous"] == 100


def test_drivers_name_only_groups_that_moved_for_real():
    # Total 200 -> 260 (+60, significant). Violence +55: 2(sqrt(205.375) - sqrt(150.375))
    # / sqrt(2) = 2.92, p = 0.0035, 0.0105 after Benjamini-Hochberg over 3 groups:
    # significant. Robbery +3 and Drugs +2 are noise: not drivers.
    data = []
    for month, (v, r, d) in (("2022-04", (150, 20, 30)), ("2023-04", (205, 23, 32))):
        data += rows(month, "Violence and sexual offences", "Violence", "victim-based", v)
        data += rows(month, "Robbery", "Robbery", "victim-based", r)
        data += rows(month, "Drugs", "Drug offences", "non-victim-based", d)
    crimes = pd.DataFrame(data)
    area = Area("Alpha", "csp", "X22000001", ("t",), ())
    flags = pd.DataFrame(columns=["force", "month", "status", "note"])
    f = key_figures(area, crimes, parse_period("2023/24 Q1"), flags)
    assert f["total_crime"]["significance"] == "significant rise"
    assert f["drivers"] == "driven mainly by an increase in violence"
    violence = next(g for g in f["by_group"] if g["group"] == "Violence")
    assert violence["p_adjusted"] == pytest.approx(3 * violence["p_value"], rel=1e-3)
    # +55 on 150 is 36.7% and 55 crimes: material, so the summary names it.
    assert f["summary"] == ["Violence rose 36.7% (150 to 205), unlikely to be chance."]


def test_shared_figures_under_the_policy_keep_published_partnership_counts():
    from csplib.indicators.suppression import DisclosurePolicy

    figures = {
        "area_kind": "csp",
        "total_crime": {"current": 3875, "previous": 3700},
        "victim_based": {"current": 3875, "previous": 3700},
        "non_victim_based": {"current": 0, "previous": 0},
        "by_group": [
            {"group": "Homicide", "current": 4, "previous": 3, "change": 1},
            {"group": "Violence with injury", "current": 1671, "previous": 1500, "change": 171},
            {"group": "Violence without injury", "current": 2200, "previous": 2197, "change": 3},
        ],
    }
    # Without a policy: the old rule hides 4 and, to protect it, 1,671.
    old = shared_figures(figures)
    assert [g["current"] for g in old["by_group"]] == ["<5", "[c]", 2200]
    # The policy: a partnership's offence-group counts are published by the Home Office,
    # so nothing is hidden, and the note says why.
    shared = shared_figures(figures, policy=DisclosurePolicy())
    assert [g["current"] for g in shared["by_group"]] == [4, 1671, 2200]
    assert "already publish" in shared["suppression"]["rule"]
    # Configured to treat offence groups as sensitive: suppressed, the major groups kept
    # out of secondary suppression where possible (here none is possible: last resort).
    strict = shared_figures(
        figures, policy=DisclosurePolicy(sensitive=frozenset({"offence_group"}))
    )
    assert strict["by_group"][0]["current"] == "<5"
