"""Golden sentences: the headline wording on worked examples, figures worked by hand."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

import csplib.indicators.narrative as narrative_module
from csplib.errors import ParameterError
from csplib.indicators.change import contribution_to_change
from csplib.indicators.narrative import (
    MAX_WORDS,
    change_phrase,
    drivers_sentence,
    format_per_day,
    headline_change,
    methods_note,
    summary_changes,
    word_count,
)
from csplib.indicators.significance import poisson_change_test
from csplib.periods import Period

Q1_2014 = Period.fquarter(2014, 1)  # April-June 2014: 30 + 31 + 30 = 91 days
Q1_2019 = Period.fquarter(2019, 1)


def test_doctests() -> None:
    result = doctest.testmod(narrative_module)
    assert result.attempted > 0 and result.failed == 0


def test_maidstone_rise() -> None:
    # 2,172 -> 2,357: +185; 185 / 2172 = 8.517% -> "8.5%"; 185 / 91 = 2.03 -> "2.0 a day"
    # (under 10 a day: one decimal, so the seed's "about 2 a day" reads "2.0 a day");
    # Z = 2(sqrt(2357) - sqrt(2172)) = 3.89, p = 0.006: a significant rise.
    test = poisson_change_test(2357, 2172, 91, 91)
    assert headline_change("Total recorded crime", 2357, 2172, Q1_2014, test=test) == (
        "Total recorded crime rose by 8.5% (185 more crimes, 2.0 a day) "
        "compared with the same quarter last year."
    )
    # the test defaults to the same one, with the quarters' lengths as exposures
    assert headline_change("Total recorded crime", 2357, 2172, Q1_2014) == (
        "Total recorded crime rose by 8.5% (185 more crimes, 2.0 a day) "
        "compared with the same quarter last year."
    )


def test_maidstone_rise_with_drivers() -> None:
    contributions = contribution_to_change(
        {
            "Violence against the person and sexual offences": 820,
            "Shoplifting": 350,
            "Robbery": 60,
            "Burglary": 285,
            "Criminal damage and arson": 842,
        },
        {
            "Violence against the person and sexual offences": 700,
            "Shoplifting": 300,
            "Robbery": 30,
            "Burglary": 300,
            "Criminal damage and arson": 842,
        },
    )
    # Burglary fell (300 -> 285) while the total rose: the rises (120 + 50 + 30 = 200) and
    # the falls (15) are stated apart, never as shares of the net 185. Say only violence
    # and robbery changed significantly: only they are named.
    contributions["significant"] = contributions["group"].isin(
        ["Violence against the person and sexual offences", "Robbery"]
    )
    drivers = drivers_sentence(contributions, significant="significant")
    assert drivers == (
        "rises of 200, mainly violence against the person and sexual offences and robbery, "
        "were partly offset by falls of 15 in other groups"
    )
    assert headline_change("Total recorded crime", 2357, 2172, Q1_2014, drivers=drivers) == (
        "Total recorded crime rose by 8.5% (185 more crimes, 2.0 a day) compared with the same "
        "quarter last year. Rises of 200, mainly violence against the person and sexual "
        "offences and robbery, were partly offset by falls of 15 in other groups."
    )
    # With every group rising, the clause becomes its own sentence about the rise.
    rising = contributions[contributions["change"] >= 0]
    assert headline_change(
        "Total recorded crime", 2357, 2172, Q1_2014,
        drivers=drivers_sentence(rising, significant="significant"),
    ) == (
        "Total recorded crime rose by 8.5% (185 more crimes, 2.0 a day) compared with the same "
        "quarter last year. The rise was driven mainly by increases in violence against the "
        "person and sexual offences and robbery."
    )  # fmt: skip


def test_quarter_fall() -> None:
    # 10,000 -> 9,600: -400; 400 / 10000 = 4.0%; 400 / 91 = 4.396 -> "4.4 a day"; Z = -4.04
    assert headline_change("Total recorded crime", 9600, 10000, Q1_2019) == (
        "Total recorded crime fell by 4.0% (400 fewer crimes, 4.4 a day) "
        "compared with the same quarter last year."
    )


def test_year_fall_allows_for_the_leap_day() -> None:
    # 2019/20 has 366 days (29 Feb 2020), 2018/19 has 365.
    # 9,125 -> 8,760: -365 = -4.0%; per day 8760/366 - 9125/365 = 23.934 - 25.000 = -1.066
    assert headline_change("Total recorded crime", 8760, 9125, Period.fyear(2019)) == (
        "Total recorded crime fell by 4.0% (365 fewer crimes, 1.1 a day) "
        "compared with the previous year."
    )


def test_a_fall_the_test_calls_noise_is_not_a_fall() -> None:
    # 2,175 -> 2,088 is -87 (-4.0%), but Z = 2(sqrt(2088) - sqrt(2175)) = -1.88 and the
    # two-sample p-value is about 0.18: no significant change.
    assert headline_change("Total recorded crime", 2088, 2175, Q1_2019) == (
        "Total recorded crime was 2,088 against 2,175 in the same quarter last year "
        "(-87, -4.0%): no significant change."
    )


def test_no_significant_change() -> None:
    # 998 -> 1,012: +14, 14 / 998 = 1.40%; Z = 2(31.81 - 31.59) = 0.44
    assert headline_change("Total recorded crime", 1012, 998, Q1_2019) == (
        "Total recorded crime was 1,012 against 998 in the same quarter last year "
        "(+14, +1.4%): no significant change."
    )


def test_no_significant_change_ignores_drivers() -> None:
    sentence = headline_change(
        "Total recorded crime", 1012, 998, Q1_2019, drivers="driven mainly by robbery"
    )
    assert "driven" not in sentence
    assert sentence.endswith(": no significant change.")


def test_zero_previous_significant() -> None:
    # 0 -> 12: exact p = 2 * 0.5**12 = 0.0005; 12 / 91 = 0.13 -> "0.1 a day"; no percentage
    assert headline_change("Robbery", 12, 0, Q1_2019) == (
        "Robbery rose from 0 to 12 (12 more crimes, 0.1 a day) "
        "compared with the same quarter last year."
    )


def test_zero_previous_not_significant() -> None:
    # 0 -> 3: exact p = 2 * 0.5**3 = 0.25
    assert headline_change("Robbery", 3, 0, Q1_2019) == (
        "Robbery was 3 against 0 in the same quarter last year (+3): no significant change."
    )


def test_singular_one_more_crime() -> None:
    assert change_phrase(1) == "1 more crime"
    assert change_phrase(-1) == "1 fewer crime"
    assert change_phrase(2) == "2 more crimes"
    assert change_phrase(1200, "incident") == "1,200 more incidents"
    assert change_phrase(1, "offence", "offences") == "1 more offence"
    # A change of one crime is never significant (8 against 7: exact p = 1), so the headline
    # gives the figures and says so; 1 / 7 = 14.3%.
    assert headline_change("Robbery", 8, 7, Q1_2019) == (
        "Robbery was 8 against 7 in the same quarter last year (+1, +14.3%): no significant change."
    )


def test_unchanged() -> None:
    assert headline_change("Total recorded crime", 998, 998, Q1_2019) == (
        "Total recorded crime was unchanged at 998 compared with the same quarter last year."
    )


def test_month_and_asb_units() -> None:
    # Apr 2018 -> Apr 2019: 480 -> 600, +120 = +25.0%; 120 / 30 = 4.0 a day
    assert headline_change(
        "Anti-social behaviour", 600, 480, Period.month("2019-04"), unit="incident"
    ) == (
        "Anti-social behaviour rose by 25.0% (120 more incidents, 4.0 a day) "
        "compared with the same month last year."
    )


def test_rolling_12_months() -> None:
    # Jul 2018-Jun 2019 against Jul 2017-Jun 2018 (365 days each): 9,000 -> 9,500,
    # +500 = 5.56%; 500 / 365 = 1.370 -> "1.4 a day"
    assert headline_change("Total recorded crime", 9500, 9000, Period.rolling12("2019-06")) == (
        "Total recorded crime rose by 5.6% (500 more crimes, 1.4 a day) "
        "compared with the previous 12 months."
    )


def test_previous_quarter_and_other_comparisons() -> None:
    q2 = Period.fquarter(2019, 2)  # Jul-Sep: 92 days; Apr-Jun: 91 days
    # 1,100 -> 1,300: +200 = 18.18%; per day 1300/92 - 1100/91 = 14.130 - 12.088 = 2.042
    assert headline_change("Robbery", 1300, 1100, q2, previous_period=q2.previous()) == (
        "Robbery rose by 18.2% (200 more crimes, 2.0 a day) compared with the previous quarter."
    )
    assert headline_change(
        "Robbery", 1012, 998, Q1_2019, previous_period=Period.fquarter(2017, 1)
    ) == ("Robbery was 1,012 against 998 in 2017/18 Q1 (+14, +1.4%): no significant change.")


def test_a_test_of_other_figures_is_refused() -> None:
    with pytest.raises(ParameterError, match="2357 against 2172"):
        headline_change("Total", 100, 90, Q1_2019, test=poisson_change_test(2357, 2172))


def test_format_per_day() -> None:
    # Under 10 a day: one decimal; from 10: whole numbers; halves away from zero.
    assert format_per_day(185 / 91) == "2.0"  # 2.033
    assert format_per_day(-87 / 91) == "1.0"  # 0.956
    assert format_per_day(1.55) == "1.6"  # a half goes up (Python's round gives 1.6 by luck)
    assert format_per_day(0.25) == "0.3"  # round(0.25, 1) would give 0.2 (half to even)
    assert format_per_day(-0.25) == "0.3"  # away from zero, sign dropped
    assert format_per_day(9.96) == "10"  # 10.0 at one decimal: a whole number
    assert format_per_day(12.5) == "13"  # round(12.5) would give 12
    assert format_per_day(0.45) == "0.5"
    assert format_per_day(0.04) == "under 0.1"
    assert format_per_day(12_345.4) == "12,345"


def test_drivers_of_a_fall() -> None:
    t = contribution_to_change(
        {"Burglary": 200, "Vehicle crime": 150, "Robbery": 40, "Drugs": 60},
        {"Burglary": 260, "Vehicle crime": 170, "Robbery": 35, "Drugs": 60},
    )
    # Falls of 60 + 20 = 80 against a rise of 5 (robbery): stated apart.
    assert drivers_sentence(t) == (
        "falls of 80, mainly burglary and vehicle crime, were partly offset by rises of 5, "
        "mainly robbery"
    )
    assert drivers_sentence(t[t["change"] <= 0], top=1) == (
        "driven mainly by a decrease in burglary"
    )


def test_drivers_names_only_groups_whose_own_change_is_significant() -> None:
    t = contribution_to_change(
        {"Robbery": 30, "Shoplifting": 50}, {"Robbery": 20, "Shoplifting": 55}
    )
    t["significant"] = [True, False]  # robbery, shoplifting (biggest move with the total first)
    assert drivers_sentence(t, significant="significant") == (
        "rises of 10, mainly robbery, were partly offset by falls of 5 in other groups"
    )
    t["significant"] = False
    assert drivers_sentence(t[t["change"] > 0], significant="significant") == (
        "spread across groups, none changing significantly on its own"
    )


def test_drivers_with_no_overall_change_says_so() -> None:
    t = contribution_to_change({"A": 15, "B": 5}, {"A": 10, "B": 10})
    # Rises of 5 exactly offset by falls of 5: "offset", not "partly offset".
    assert drivers_sentence(t) == "rises of 5, mainly a, were offset by falls of 5, mainly b"
    t = contribution_to_change({"A": 10, "B": 10}, {"A": 10, "B": 10})
    assert drivers_sentence(t) == "with no overall change to attribute to any group"


def test_drivers_keeps_acronyms_and_checks_arguments() -> None:
    t = contribution_to_change(
        {"VAWG offences": 30, "Robbery": 25}, {"VAWG offences": 10, "Robbery": 20}
    )
    assert drivers_sentence(t) == "driven mainly by increases in VAWG offences and robbery"
    with pytest.raises(ParameterError):
        drivers_sentence(t, top=0)
    with pytest.raises(ParameterError, match="change"):
        drivers_sentence(t.drop(columns="change"))


def _family(rows: list[tuple[str, int, int, bool, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["group", "current", "previous", "significant", "p_adjusted"])


def test_summary_names_every_significant_material_change_biggest_first() -> None:
    g = _family([
        ("Shoplifting", 300, 200, True, 0.0001),  # +100, +50%: material
        ("Robbery", 37, 19, True, 0.01),  # +18, +94.7%: material (the Northvale case)
        ("Burglary", 80, 100, True, 0.04),  # -20, -20%: material fall
        ("Theft offences", 2100, 2000, True, 0.03),  # +100 but +5%: not material
        ("Drugs", 6, 3, True, 0.04),  # +3: under 10 crimes, not material
        ("Vehicle crime", 150, 100, False, 0.2),  # could be chance: never named
    ])  # fmt: skip
    assert summary_changes(g) == [
        "Shoplifting rose 50.0% (200 to 300), very unlikely to be chance.",
        "Burglary fell 20.0% (100 to 80), unlikely to be chance.",
        "Robbery rose 94.7% (19 to 37), unlikely to be chance.",
    ]


def test_summary_county_and_peer_context() -> None:
    g = _family([("Shoplifting", 300, 200, True, 0.0001)])
    # County 2,000 -> 2,042 is +2.1% but could be chance (Z about 0.9): "little changed".
    # County 2,000 -> 2,400 (+20.0%) is real: "rose 20.0%".
    out = summary_changes(g, county={"Shoplifting": (2042, 2000)}, county_name="Synthshire")
    assert out == [
        "Shoplifting rose 50.0% (200 to 300), very unlikely to be chance; Synthshire as a "
        "whole was little changed (+2.1%)."
    ]
    out = summary_changes(
        g, county={"Shoplifting": (2400, 2000)}, county_name="Synthshire",
        peers={"Shoplifting": "significantly above"},
    )  # fmt: skip
    assert out == [
        "Shoplifting rose 50.0% (200 to 300), very unlikely to be chance; Synthshire as a "
        "whole rose 20.0%; above average against its most similar group."
    ]


def test_summary_sentences_stay_within_30_words() -> None:
    long = "Violence against the person with injury in the night-time economy of the town"
    g = _family([(long, 300, 200, True, 0.0001)])
    out = summary_changes(
        g, county={long: (2400, 2000)}, county_name="Synthshire", peers={long: "within"}
    )
    assert len(out) == 1
    for sentence in out[0].split(". "):
        assert word_count(sentence) <= MAX_WORDS
    with pytest.raises(ParameterError, match="significant"):
        summary_changes(g.drop(columns="significant"))


def test_methods_note_carries_p_values_and_method_names() -> None:
    g = _family([("Robbery", 37, 19, True, 0.0227), ("Drugs", 50, 50, False, 1.0)])
    g["p_value"], g["method"] = [0.0113, 1.0], ["exact-cond", "sqrt"]
    note = methods_note(g)
    assert "Benjamini-Hochberg" in note
    # Each p-value said once: the group's own, then the adjusted one.
    assert note.endswith(
        "Robbery (exact conditional test): p = 0.011 before adjustment, 0.023 after."
    )
    assert "= <" not in note and "((" not in note


def test_two_flat_sources_are_never_said_to_disagree() -> None:
    """Police.uk 1,004 -> 1,000 (-0.4%) and the Home Office 997 -> 1,000 (+0.3%) over
    a year: both could be chance, so they agree (both little changed), although their
    signs differ. A real police.uk rise of 20% (1,000 -> 1,200) beside a flat Home Office
    count does disagree."""
    from csplib.report.sections.reconcile import _ho_sentence

    flat = _ho_sentence("Drugs", (1000, 1004), (1000, 997), (365, 365), police_real=False)
    assert "disagree" not in flat and "much" not in flat
    assert flat.endswith("and that could be chance.")
    real = _ho_sentence("Drugs", (1200, 1000), (1000, 997), (365, 365), police_real=True)
    assert "the two sources disagree in direction" not in real  # both rose
    assert "a much smaller change" in real


def test_a_large_change_significant_only_before_adjustment_is_named_as_worth_watching():
    # Northvale's robbery, July to September 2024: 19 -> 37 (the sample). Alone, the
    # exact conditional test (equal exposures: 37 of 56 under Binomial(56, 1/2)) gives
    # p = 0.022; among ten offence groups whose other nine did not change, Benjamini-
    # Hochberg gives 0.022 x 10 / 1 = 0.22: not a real change, but large (+18, +95%).
    from scipy.stats import binomtest

    from csplib.indicators.multitest import family_change_tests
    from csplib.indicators.narrative import methods_note, summary_changes, watch_changes

    names = ["Robbery", *[f"Group {i}" for i in range(9)]]
    frame = pd.DataFrame({"group": names, "current": [37] + [50] * 9,
                          "previous": [19] + [50] * 9})  # fmt: skip
    tested = family_change_tests(frame)
    rob = tested.iloc[0]
    p = binomtest(37, 56, 0.5).pvalue
    assert p == pytest.approx(0.022, abs=1e-3)
    assert rob["p_value"] == pytest.approx(p)
    assert rob["p_adjusted"] == pytest.approx(min(p * 10, 1.0))
    assert not rob["significant"]
    assert summary_changes(tested) == []  # not a real change
    assert watch_changes(tested) == [
        "Robbery rose from 19 to 37; with this many offence groups compared, a rise this "
        "size could still be chance."
    ]
    note = methods_note(tested, watch=True)
    assert f"Robbery: p = 0.022 before adjustment, {p * 10:.3f} after." in note
    # A change under 10 crimes is not named, however small its p-value before adjustment.
    small = pd.DataFrame({"group": ["A", "B"], "current": [9, 50], "previous": [0, 50]})
    assert watch_changes(family_change_tests(small).assign(significant=False)) == []
