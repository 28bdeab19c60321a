"""Consultation responses: loader rules and the rankings, on hand-made tables."""

from __future__ import annotations

import pandas as pd
import pytest
from factories import write_csv

from csplib.errors import InputFormatError
from csplib.indicators.consultation import compare_rankings, consultation_ranking, data_ranking
from csplib.sources.consultation import load_consultation

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
    assert [x.split(" (")[0] for x in r.rejects["reason"]] == [
        "priority repeated for this respondent",
        "rank 1 used twice by this respondent",
        "respondent's type or area differs from line 2",
    ]


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
