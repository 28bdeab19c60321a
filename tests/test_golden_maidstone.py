"""Golden test on the seed's figures: Maidstone's quarterly briefing, April-June 2014.

Published (DOMAIN.md, the seed briefing): all crime 2,172 -> 2,357 (+185, +8.5%, "about
2 a day"); victim-based +7.5% (+144); non-victim-based +18.4% (+38); sexual offences
32 -> 57; "driven mainly by an increase in violence against the person, sexual offences
and robbery". The sentences must carry exactly these numbers.

The seed's class figures do not add up to its total (144 + 38 = 182, not 185: the
published table carried rows outside the two classes), so each measure's counts are
built here on their own, from the stated changes:

* victim-based: +144 at 7.5% -> previous = 144 / 0.075 = 1,920 (144 / 1,920 is exactly
  7.5%), current 1,920 + 144 = 2,064;
* non-victim-based: +38 at 18.4% -> previous between 38 / 0.1845 = 205.96 and
  38 / 0.1835 = 207.08, so 206 or 207; 206 is used: 38 / 206 = 18.45% to two places,
  18.4466...% exactly, 18.4% at one; current 206 + 38 = 244.

The offence groups (the seed publishes only sexual offences' counts) are set by hand to
add to the published totals: previous 520 + 32 + 14 + 1,055 + 345 + 110 + 16 + 60 + 20 =
2,172; current 640 + 57 + 37 + 1,055 + 325 + 130 + 22 + 66 + 25 = 2,357.

Per day: April-June has 30 + 31 + 30 = 91 days in both years; 185 / 91 = 2.033, shown
with one decimal under 10 a day (the one rounding rule): "2.0 a day", the seed's
"about 2 a day".
"""

from __future__ import annotations

import pandas as pd
import pytest
from scipy.stats import binomtest

from csplib.areas import Area
from csplib.indicators.keyfigures import key_figures
from csplib.indicators.narrative import MAX_WORDS, headline_change, word_count
from csplib.periods import Period

Q1 = Period.fquarter(2014, 1)
GROUPS = [  # group, class, previous, current
    ("Violence against the person", "victim-based", 520, 640),
    ("Sexual offences", "victim-based", 32, 57),
    ("Robbery", "victim-based", 14, 37),
    ("Theft offences", "victim-based", 1055, 1055),
    ("Criminal damage and arson", "victim-based", 345, 325),
    ("Drug offences", "non-victim-based", 110, 130),
    ("Possession of weapons offences", "non-victim-based", 16, 22),
    ("Public order offences", "non-victim-based", 60, 66),
    ("Miscellaneous crimes against society", "non-victim-based", 20, 25),
]
BANNED = ("p =", "p-value", "Benjamini", "Poisson", "Byar", "XmR", "significan")


def _crimes() -> pd.DataFrame:
    rows = []
    for group, klass, prev, cur in GROUPS:
        for month, n in (("2013-05", prev), ("2014-05", cur)):
            rows += [{"month": month, "crime_type": group, "offence_group": group,
                      "crime_class": klass, "is_asb": False, "force": "kent"}] * n  # fmt: skip
    return pd.DataFrame(rows)


def test_group_counts_add_up_to_the_published_totals() -> None:
    assert sum(g[2] for g in GROUPS) == 2172
    assert sum(g[3] for g in GROUPS) == 2357


def test_total_crime_sentence_carries_the_published_figures() -> None:
    assert Q1.days == Q1.same_period_last_year().days == 91
    assert headline_change("Total recorded crime", 2357, 2172, Q1) == (
        "Total recorded crime rose by 8.5% (185 more crimes, 2.0 a day) compared with the "
        "same quarter last year."
    )


def test_victim_based_sentence() -> None:
    # 144 / 1,920 = 7.5% exactly; 144 / 91 = 1.58 -> "1.6 a day" (one decimal under 10).
    # 2(sqrt(2064) - sqrt(1920)) = 3.23: a real rise.
    assert headline_change("Victim-based crime", 2064, 1920, Q1) == (
        "Victim-based crime rose by 7.5% (144 more crimes, 1.6 a day) compared with the "
        "same quarter last year."
    )


def test_non_victim_based_sentence_carries_the_figures_without_calling_noise_a_rise() -> None:
    # 206 -> 244: +38, +18.4%. The square-root test gives 2(sqrt(244.375) - sqrt(206.375))
    # / sqrt(2) = 1.79, p = 0.07: it could be chance, so the sentence states the figures
    # and does not call it a rise.
    assert headline_change("Non-victim-based crime", 244, 206, Q1) == (
        "Non-victim-based crime was 244 against 206 in the same quarter last year "
        "(+38, +18.4%): no significant change."
    )


def test_summary_names_the_seeds_drivers_and_every_significant_material_change() -> None:
    area = Area("Maidstone", "csp", "E07000110", ("kent",), ("E07000110",))
    flags = pd.DataFrame(columns=["force", "month", "status", "note"])
    f = key_figures(
        area, _crimes(), Q1, flags,
        county_groups={"Sexual offences": (700, 640)}, county_name="Kent",
        peer_groups={"Sexual offences": "within"},
    )  # fmt: skip
    # Rises: 120 + 25 + 23 + 20 + 6 + 6 + 5 = 205; falls: 20 (criminal damage); net 185.
    assert f["headline"] == (
        "Total recorded crime rose by 8.5% (185 more crimes, 2.0 a day) compared with the "
        "same quarter last year. Rises of 205, mainly violence against the person, sexual "
        "offences and robbery, were partly offset by falls of 20 in other groups."
    )
    groups = {g["group"]: g for g in f["by_group"]}
    # Sexual offences 32 -> 57: exact conditional test = binomial(89, 1/2) two-sided.
    p_sexual = binomtest(57, 89, 0.5).pvalue
    assert groups["Sexual offences"]["p_value"] == pytest.approx(p_sexual, abs=1e-5)
    # Benjamini-Hochberg over 9 groups: sexual offences has the 3rd smallest p-value
    # (after violence and robbery), so its adjusted p is p x 9 / 3.
    assert groups["Sexual offences"]["p_adjusted"] == pytest.approx(p_sexual * 3, abs=1e-5)
    assert f["summary"] == [
        # 120 / 520 = 23.08%
        "Violence against the person rose 23.1% (520 to 640), unlikely to be chance.",
        # 25 / 32 = 78.125% -> 78.1%; Kent 640 -> 700 is +9.4%, within Poisson noise.
        "Sexual offences rose 78.1% (32 to 57), unlikely to be chance; Kent as a whole was "
        "little changed (+9.4%); average against its most similar group.",
        # 23 / 14 = 164.29%; drug offences (+20, +18.2%) is material but could be chance.
        "Robbery rose 164.3% (14 to 37), unlikely to be chance.",
    ]
    for sentence in [*f["summary"], *f["headline"].split(". ")]:
        assert word_count(sentence) <= MAX_WORDS
        assert not any(token in sentence for token in BANNED), sentence
    # The p-values and method names live in the methods note only.
    assert "Benjamini-Hochberg" in f["methods_note"]
    assert (
        "Sexual offences (exact conditional test): p = 0.011 before adjustment" in f["methods_note"]
    )
