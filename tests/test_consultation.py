"""Consultation responses: loader rules and the rankings, on hand-made tables."""

from __future__ import annotations

import pandas as pd
import pytest
from factories import write_csv

from csplib.errors import InputFormatError
from csplib.indicators.consultation import (
    compare_rankings,
    consultation_ranking,
    crime_type_consultation,
    data_ranking,
    said_and_trend,
)
from csplib.sources.consultation import PRIORITY_CRIME_TYPES, load_consultation

HEADER = ["respondent_id", "respondent_type", "area", "priority", "rank", "comment"]


def test_example_template_loads_with_every_row_kept():
    from csplib.paths import ROOT

    r = load_consultation(ROOT / "data" / "templates" / "consultation_example.csv")
    assert r.rows_read == 11 and len(r.rejects) == 0
    # "ASB" is the same priority as "Anti-social behaviour".
    assert set(r.frame.loc[r.frame["respondent_id"] == "R005", "priority"]) == {
        "Anti-social behaviour", "Vehicle crime"}  # fmt: skip
    assert r.flags["free-text comments stored (kept out of shared reports unless enabled)"] == 2


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            ["R9", "councillor", "A", "ASB", "1", ""],
            "respondent_type is not one of resident, partner, business",
        ),
        (["", "resident", "A", "ASB", "1", ""], "respondent_id is empty"),
        (["R9", "resident", "", "ASB", "1", ""], "area is empty"),
        (["R9", "resident", "A", "", "1", ""], "priority is empty"),
        (["R9", "resident", "A", "ASB", "first", ""], "rank is not a whole number of 1 or more"),
        (["R9", "resident", "A", "ASB", "0", ""], "rank is not a whole number of 1 or more"),
        (["R9", "resident", "A", "ASB", "-1", ""], "rank is not a whole number of 1 or more"),
        (["R9", "resident", "A", "ASB", "1.5", ""], "rank is not a whole number of 1 or more"),
        (["R9", "resident", "A", "   ", "1", ""], "priority is empty"),
        (["  ", "resident", "A", "ASB", "1", ""], "respondent_id is empty"),
        (
            ["R9", "", "A", "ASB", "1", ""],
            "respondent_type is not one of resident, partner, business",
        ),
    ],
)
def test_bad_rows_are_rejected_with_reason_and_line(tmp_path, row, reason):
    path = write_csv(tmp_path / "c.csv", [HEADER, ["R1", "resident", "A", "Drugs", "1", ""], row])
    r = load_consultation(path)
    assert len(r.frame) == 1
    assert r.rejects["reason"].tolist() == [reason]
    assert r.rejects["source_line"].tolist() == [3]


def test_repeats_within_a_respondent_are_rejected(tmp_path):
    path = write_csv(tmp_path / "c.csv", [
        HEADER,
        ["R1", "resident", "A", "Drugs", "1", ""],
        ["R1", "resident", "A", "drugs", "2", ""],      # same priority again
        ["R1", "resident", "A", "Burglary", "1", ""],   # rank 1 used twice
        ["R1", "partner", "A", "Robbery", "3", ""],     # type changes
    ])  # fmt: skip
    r = load_consultation(path)
    assert len(r.frame) == 1
    # Reasons carry no line number (the earlier line has its own column), so the
    # summary counts one line per reason, not one per rejected row.
    assert r.rejects["reason"].tolist() == [
        "priority repeated for this respondent",
        "rank used twice by this respondent",
        "respondent's type or area differs from an earlier line",
    ]
    assert r.rejects["source_line"].tolist() == [3, 4, 5]
    assert r.rejects["related_line"].tolist() == [2, 2, 2]


def test_a_respondent_whose_area_changes_is_rejected(tmp_path):
    path = write_csv(tmp_path / "c.csv", [
        HEADER,
        ["R1", "resident", "A", "Drugs", "1", ""],
        ["R1", "resident", "B", "Burglary", "2", ""],   # same respondent, another area
    ])  # fmt: skip
    r = load_consultation(path)
    assert len(r.frame) == 1
    assert r.rejects["reason"].tolist() == [
        "respondent's type or area differs from an earlier line"
    ]
    assert r.rejects["source_line"].tolist() == [3]
    assert r.rejects["related_line"].tolist() == [2]


def test_short_lines_are_rejected_and_the_rest_kept(tmp_path):
    path = write_csv(tmp_path / "c.csv", [HEADER, ["R1", "resident", "A", "Drugs"],
                                          ["R2", "resident", "A", "Drugs", "", ""]])  # fmt: skip
    r = load_consultation(path)
    assert r.frame["respondent_id"].tolist() == ["R2"]
    assert r.rejects["source_line"].tolist() == [2]
    assert r.rejects["reason"].iloc[0].startswith("short line")


def test_headers_types_and_names_are_matched_loosely_and_comments_kept_as_text(tmp_path):
    path = write_csv(tmp_path / "c.csv", [
        [f" {h.upper()} " for h in HEADER],
        ["R1", " Business ", "A", "anti social  behaviour", "", "Too many <b>thefts</b>"],
    ])  # fmt: skip
    r = load_consultation(path)
    assert len(r.rejects) == 0
    row = r.frame.iloc[0]
    assert (row["respondent_type"], row["priority"]) == ("business", "Anti-social behaviour")
    assert pd.isna(row["rank"]) and row["comment"] == "Too many <b>thefts</b>"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "the file is empty"), (b"\x00\x01PK\x03", "not a text")],
)
def test_empty_or_binary_files_are_refused_with_a_fix(tmp_path, content, message):
    path = tmp_path / "c.csv"
    path.write_bytes(content)
    with pytest.raises(InputFormatError, match=message):
        load_consultation(path)


def test_missing_column_names_the_template(tmp_path):
    path = write_csv(
        tmp_path / "c.csv", [["respondent_id", "area", "priority"], ["R1", "A", "ASB"]]
    )
    with pytest.raises(InputFormatError, match=r"consultation_template\.csv"):
        load_consultation(path)


def test_ranking_worked_example():
    # 4 respondents. ASB chosen by a, b, c (3 of 4 = 75%); Drugs by a, d (50%);
    # Burglary by d (25%). Mean rank of ASB over those who ranked: (1 + 2) / 2 = 1.5.
    responses = pd.DataFrame({
        "respondent_id": ["a", "a", "b", "c", "d", "d"],
        "respondent_type": ["resident", "resident", "business", "partner", "resident", "resident"],
        "area": "X",
        "priority": ["Anti-social behaviour", "Drugs", "Anti-social behaviour",
                     "Anti-social behaviour", "Drugs", "Burglary"],
        "rank": pd.array([1, 2, 2, None, 1, 2], dtype="Int64"),
    })  # fmt: skip
    t = consultation_ranking(responses).set_index("priority")
    assert t.loc["Anti-social behaviour", "respondents"] == 3
    assert t.loc["Anti-social behaviour", "support_pct"] == 75.0
    assert t.loc["Anti-social behaviour", "mean_rank"] == 1.5
    assert (t.loc["Anti-social behaviour", "resident"], t.loc["Anti-social behaviour", "business"],
            t.loc["Anti-social behaviour", "partner"]) == (1, 1, 1)  # fmt: skip
    assert t["rank"].to_dict() == {"Anti-social behaviour": 1, "Drugs": 2, "Burglary": 3}
    counts = pd.Series({"Anti-social behaviour": 50, "Burglary": 300, "Drugs": 10,
                        "Violence and sexual offences": 900, "Shoplifting": 200})  # fmt: skip
    data = data_ranking(counts).set_index("priority")
    assert data.loc["Violence", "rank"] == 1 and data.loc["Burglary", "rank"] == 2
    both = compare_rankings(consultation_ranking(responses), data_ranking(counts)).set_index(
        "priority"
    )
    assert both.loc["Burglary", "agreement"] == "both high"
    assert both.loc["Drugs", "agreement"] == "respondents rank it higher"
    assert both.loc["Violence", "agreement"] == "data ranks it higher"


def test_crime_type_consultation_maps_priorities_to_crime_types():
    said = pd.DataFrame({"priority": ["Theft", "Drugs", "Road safety"], "respondents": [6, 3, 9],
                         "support_pct": [60.0, 30.0, 90.0], "rank": [2, 3, 1]})  # fmt: skip
    t = crime_type_consultation(said).set_index("crime_type")
    # Every crime type PRIORITY_CRIME_TYPES names, once; "Theft" covers three of them.
    assert set(t.index) == {c for types in PRIORITY_CRIME_TYPES.values() for c in types}
    for c in ("Other theft", "Theft from the person", "Bicycle theft"):
        assert (t.loc[c, "consultation_priority"], t.loc[c, "consultation_rank"]) == ("Theft", 2)
    assert t.loc["Drugs", "consultation_support_pct"] == 30.0
    # Road safety has no police measure, so no crime type carries its rank 1.
    assert 1 not in set(t["consultation_rank"].dropna())
    assert pd.isna(t.loc["Robbery", "consultation_rank"])
    assert t.loc["Robbery", "consultation_respondents"] == 0


def test_said_and_trend_sets_both_views_side_by_side_by_hand():
    # Respondents rank ASB 1, Drugs 2, Road safety 3 (no police measure), Burglary 4.
    said = pd.DataFrame({"priority": ["Anti-social behaviour", "Drugs", "Road safety", "Burglary"],
                         "respondents": [8, 6, 5, 2], "support_pct": [80.0, 60.0, 50.0, 20.0],
                         "rank": [1, 2, 3, 4]})  # fmt: skip
    current = {"Anti-social behaviour": 500, "Drugs": 100, "Burglary": 300, "Robbery": 20}
    previous = {"Anti-social behaviour": 400, "Drugs": 98, "Burglary": 200, "Robbery": 15}
    t = said_and_trend(said, current, previous).set_index("priority")
    # ASB 500 vs 400: Z = 2(sqrt 500 - sqrt 400) = 4.72, a significant rise, and raised.
    assert t.loc["Anti-social behaviour", "z"] == pytest.approx(2 * (500**0.5 - 400**0.5))
    assert t.loc["Anti-social behaviour", "reading"] == "raised and rising"
    # Drugs 100 vs 98: no change; raised by respondents only.
    assert t.loc["Drugs", "reading"] == "raised; no significant rise in the data"
    # Burglary 300 vs 200 rose (Z = 6.36) but is 4th for respondents.
    assert t.loc["Burglary", "reading"] == "rising; not in respondents' top 3"
    assert t.loc["Burglary", "change_pct"] == pytest.approx(50.0)
    # Robbery 20 vs 15 is noise and nobody ranked it; Road safety has no police measure.
    assert list(t.index) == ["Anti-social behaviour", "Drugs", "Burglary"]
    # Exposures: the same counts over 365 against 366 days barely move the test.
    longer = said_and_trend(said, current, previous, current_exposure=365, previous_exposure=366)
    assert longer["reading"].tolist() == t["reading"].tolist()


def test_consultation_points_follow_what_residents_ranked():
    from csplib.indicators.consultation import resident_ranking

    # Three residents chose Burglary (one also Drugs); four partners chose Drugs. Over
    # everyone Drugs leads (5 of 7); among residents Burglary does (3 of 3).
    rows = pd.DataFrame({
        "respondent_id": ["r1", "r1", "r2", "r3", "p1", "p2", "p3", "p4"],
        "respondent_type": ["resident"] * 4 + ["partner"] * 4,
        "area": "X",
        "priority": ["Burglary", "Drugs", "Burglary", "Burglary", "Drugs", "Drugs", "Drugs", "Drugs"],
        "rank": pd.array([1, 2, 1, 1, 1, 1, 1, 1], dtype="Int64"),
    })  # fmt: skip
    ranked = resident_ranking(rows).set_index("priority")
    assert ranked.loc["Burglary", "rank"] == 1 and ranked.loc["Burglary", "respondents"] == 3
    assert ranked.loc["Drugs", "respondents"] == 1
    assert ranked.loc["Drugs", "support_pct"] == pytest.approx(33.33, abs=0.01)
