"""Outcome groups and outcome shares: worked examples and the real police.uk files."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from csplib.indicators import outcomes as oc
from csplib.periods import Period
from csplib.sources import police_uk


def _crimes(rows):
    return pd.DataFrame(
        rows, columns=["crime_id", "month", "offence_group", "is_asb", "last_outcome_category"]
    )


def test_every_group_has_its_words():
    assert oc.outcome_group("Suspect charged") == oc.CHARGED
    assert oc.outcome_group("Defendant found not guilty") == oc.CHARGED  # charged, then tried
    assert oc.outcome_group("Local resolution") == oc.CAUTION
    assert oc.outcome_group("Investigation complete; no suspect identified") == oc.NO_SUSPECT
    assert oc.outcome_group("Unable to prosecute suspect") == oc.EVIDENTIAL
    assert oc.outcome_group("Under investigation") == oc.UNDER_INVESTIGATION
    assert oc.outcome_group("Action to be taken by another organisation") == oc.OTHER
    assert oc.outcome_group("Status update unavailable") == oc.NOT_PUBLISHED
    assert oc.outcome_group("Something new") is None


def test_street_shares_worked_example():
    # 2019/20 Q1: theft 4 crimes (2 no suspect, 1 charged, 1 under investigation),
    # violence 2 (1 evidential, 1 caution); ASB never counted. Same quarter last year:
    # theft 1 crime, charged. The force adds one robbery, no suspect.
    area = _crimes(
        [
            (
                "a",
                "2019-04",
                "Theft offences",
                False,
                "Investigation complete; no suspect identified",
            ),
            (
                "b",
                "2019-05",
                "Theft offences",
                False,
                "Investigation complete; no suspect identified",
            ),
            ("c", "2019-05", "Theft offences", False, "Offender fined"),
            ("d", "2019-06", "Theft offences", False, "Under investigation"),
            ("e", "2019-06", "Violence", False, "Unable to prosecute suspect"),
            ("f", "2019-06", "Violence", False, "Offender given a caution"),
            ("", "2019-06", "Anti-social behaviour", True, ""),
            ("g", "2018-04", "Theft offences", False, "Suspect charged"),
        ]
    )
    force = pd.concat(
        [
            area,
            _crimes(
                [
                    (
                        "h",
                        "2019-04",
                        "Robbery",
                        False,
                        "Investigation complete; no suspect identified",
                    )
                ]
            ),
        ]
    )
    res = oc.outcome_shares(
        area, force, Period.fquarter(2019, 1), age_months=6, latest_month="2020-03"
    )
    fig = res.to_figures()
    assert fig["counts"]["period"]["Theft offences"][oc.NO_SUSPECT] == 2
    assert fig["counts"]["period"]["Theft offences"][oc.CHARGED] == 1
    assert fig["counts"]["period"]["All crimes"][oc.EVIDENTIAL] == 1
    assert sum(fig["counts"]["period"]["All crimes"].values()) == 6  # ASB left out
    assert fig["counts"]["previous"]["Theft offences"][oc.CHARGED] == 1
    assert fig["counts"]["force"]["Robbery"][oc.NO_SUSPECT] == 1
    assert fig["period"] == res.period and fig["previous"] == res.previous  # labels kept
    t = res.table
    share = t[
        (t.scope == "period")
        & (t.offence_group == "Theft offences")
        & (t.outcome_group == oc.NO_SUSPECT)
    ]
    assert share["share"].iloc[0] == pytest.approx(50.0)
    assert res.method == "street files" and not res.comparable
    assert "at least 6 months" in res.cut_off


def test_outcome_at_age_uses_only_outcomes_known_by_the_cut_off():
    crimes = _crimes(
        [
            ("a", "2019-04", "Theft offences", False, "Suspect charged"),
            ("b", "2019-04", "Theft offences", False, "Suspect charged"),
            ("c", "2018-04", "Theft offences", False, "Suspect charged"),
        ]
    )
    outcomes = pd.DataFrame(
        {
            "crime_id": ["a", "a", "b", "c", "c"],
            "month": ["2019-05", "2019-12", "2020-02", "2018-06", "2019-09"],
            "outcome_type": [
                "Under investigation",
                "Suspect charged",  # 8 months after the crime: too late for a 6-month cut
                "Suspect charged",
                "Unable to prosecute suspect",
                "Suspect charged",  # 17 months on
            ],
        }
    )
    got = oc.outcome_at_age(crimes, outcomes, 6)
    assert got.tolist() == [
        "Under investigation",
        "Under investigation",
        "Unable to prosecute suspect",
    ]
    res = oc.outcome_shares(
        crimes, crimes, Period.fquarter(2019, 1), outcomes=outcomes, age_months=6
    )
    fig = res.to_figures()
    assert fig["counts"]["period"]["Theft offences"][oc.UNDER_INVESTIGATION] == 2
    assert fig["counts"]["previous"]["Theft offences"][oc.EVIDENTIAL] == 1
    assert res.comparable and "6 months after" in res.cut_off


def test_outcomes_looked_up_once_are_each_crimes_outcome_at_age():
    # The same three crimes as above, with an ASB row (no outcome), an index with
    # repeats (positions count, not labels) and the rows in another order.
    crimes = _crimes(
        [
            ("c", "2018-04", "Theft offences", False, "Suspect charged"),
            ("", "2019-04", "Anti-social behaviour", True, None),
            ("a", "2019-04", "Theft offences", False, "Suspect charged"),
            ("b", "2019-04", "Theft offences", False, "Suspect charged"),
        ]
    ).set_axis([7, 7, 3, 3])
    outcomes = pd.DataFrame(
        {
            "crime_id": ["a", "a", "b", "c", "c"],
            "month": ["2019-05", "2019-12", "2020-02", "2018-06", "2019-09"],
            "outcome_type": ["Under investigation", "Suspect charged", "Suspect charged",
                             "Unable to prosecute suspect", "Suspect charged"],
        }
    )  # fmt: skip
    once = oc.with_outcome_at_age(crimes, outcomes, 6)
    column = once[oc.at_age_column(6)]
    assert column.tolist()[0] == "Unable to prosecute suspect" and pd.isna(column.iloc[1])
    assert column.tolist()[2:] == ["Under investigation", "Under investigation"]
    # outcome_shares reads the column in place of its own look-up: the same table.
    period = Period.fquarter(2019, 1)
    own = oc.outcome_shares(crimes, crimes, period, outcomes=outcomes, age_months=6)
    read = oc.outcome_shares(once, once, period, outcomes=outcomes, age_months=6)
    pd.testing.assert_frame_equal(own.table, read.table)
    assert read.to_figures()["counts"]["period"]["Theft offences"][oc.UNDER_INVESTIGATION] == 2


def _street(realdata, folder):
    return sorted((realdata / "police_uk" / folder).glob("*.csv"))


def test_every_real_outcome_category_has_a_group(realdata):
    seen = set()
    for folder in ("city_of_london_street_2018-04_to_2020-11", "kent_street_2018-10_to_2019-02"):
        for path in _street(realdata, folder):
            with path.open(encoding="utf-8-sig", newline="") as fh:
                seen |= {r["Last outcome category"] for r in csv.DictReader(fh)}
    assert len(seen) > 20
    assert [c for c in seen if oc.outcome_group(c) is None] == []


def test_real_city_of_london_quarter(realdata):
    files = [
        p
        for p in _street(realdata, "city_of_london_street_2018-04_to_2020-11")
        if p.name[:7] in ("2018-04", "2018-05", "2018-06", "2019-04", "2019-05", "2019-06")
    ]
    frames = [police_uk.load_street(p.read_bytes(), p.name).to_pandas() for p in files]
    crimes = pd.concat(frames, ignore_index=True)
    res = oc.outcome_shares(crimes, crimes, Period.fquarter(2019, 1), latest_month="2020-11")
    # Independently, with the csv module: crimes and "no suspect" rows in Apr-Jun 2019.
    total = no_suspect = 0
    for p in files:
        if not p.name.startswith("2019"):
            continue
        with p.open(encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                if r["Crime type"] == "Anti-social behaviour":
                    continue
                total += 1
                no_suspect += (
                    r["Last outcome category"] == "Investigation complete; no suspect identified"
                )
    fig = res.to_figures()
    assert sum(fig["counts"]["period"]["All crimes"].values()) == total == 2210  # PROVENANCE.md
    assert fig["counts"]["period"]["All crimes"][oc.NO_SUSPECT] == no_suspect
    assert res.unmapped == ()
