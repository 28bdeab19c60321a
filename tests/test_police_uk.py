"""Street, outcome and stop-and-search loaders on hand-made files."""

from __future__ import annotations

import pytest
from factories import STREET_HEADER, csv_bytes, street_row

from csplib.errors import InputFormatError
from csplib.sources.police_uk import (
    attach_latest_outcome,
    load_outcomes,
    load_searches,
    load_street,
    parse_file_name,
)

NAME = "2023-04-testshire-street.csv"


def load(rows, name=NAME, **kw):
    return load_street(csv_bytes([STREET_HEADER, *rows]), name, latest_month="2024-12", **kw)


def test_every_row_is_kept_or_rejected_with_a_reason_and_line():
    rows = [
        street_row(),  # line 2: fine
        street_row(month="2023-05"),  # line 3: not the file's month
        street_row(crime_type="Fraud"),  # line 4: not a police.uk type
        street_row(lon="abc"),  # line 5: not a number
        street_row(lon="0", lat="0"),  # line 6: kept, location set missing
        street_row(crime_type="Violent crime"),  # line 7: legacy name, kept
        street_row(crime_type="Anti-social behaviour"),  # line 8: ASB, kept
    ]
    r = load(rows)
    assert r.rows_read == 7
    assert len(r.frame) == 4
    rej = r.rejects.set_index("source_line")
    assert rej.loc[3, "reason"] == "Month differs from the file name's month 2023-04"
    assert rej.loc[4, "reason"] == "unknown crime type"
    assert rej.loc[4, "value"] == "Fraud"
    assert rej.loc[5, "column"] == "Longitude"
    kept = r.to_pandas().set_index("source_line")
    assert kept.loc[6, "longitude"] != kept.loc[6, "longitude"]  # NaN
    assert r.flags["coordinates outside Great Britain or (0,0): set to missing"] == 1
    assert kept.loc[7, "crime_type"] == "Violence and sexual offences"
    assert kept.loc[7, "crime_type_raw"] == "Violent crime"
    assert bool(kept.loc[8, "is_asb"]) and kept.loc[8, "crime_class"] == "ASB"
    assert kept.loc[2, "crime_class"] == "victim-based"


@pytest.mark.parametrize(
    ("month", "reason"),
    [
        ("2031-01", "Month is in the future (after 2024-12)"),
        ("2009-05", "Month is before data.police.uk began (2010-12)"),
        ("April 2023", "Month is not in the form YYYY-MM"),
    ],
)
def test_impossible_months_are_rejected(month, reason):
    r = load([street_row(month=month)], name="my-own-extract.csv")
    assert r.rejects["reason"].tolist() == [reason]


def test_a_file_without_the_download_name_takes_months_from_its_rows():
    r = load([street_row(month="2023-04"), street_row(month="2023-05")], name="extract.csv")
    assert sorted(r.frame["month"].to_pylist()) == ["2023-04", "2023-05"]
    assert set(r.frame["force"].to_pylist()) == {"testshire-police"}


def test_outcomes_header_given_as_street_file_is_a_clear_error():
    header = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
              "Location", "LSOA code", "LSOA name", "Outcome type"]  # fmt: skip
    with pytest.raises(InputFormatError) as info:
        load_street(csv_bytes([header, ["x"] * 10]), NAME)
    msg = str(info.value)
    assert NAME in msg and "line 1" in msg and "outcomes" in msg and "Fix:" in msg


def test_missing_column_is_named():
    header = [h for h in STREET_HEADER if h != "LSOA code"]
    with pytest.raises(InputFormatError, match="'LSOA code'"):
        load_street(csv_bytes([header]), NAME)


def test_repeated_crime_ids_are_kept_and_counted():
    rows = [street_row(crime_id="dup"), street_row(crime_id="dup"), street_row(crime_id="dup")]
    r = load(rows)
    assert len(r.frame) == 3
    assert r.flags["repeated Crime ID (kept: police.uk publishes some)"] == 2


def test_parse_file_name_handles_paths_inside_zips():
    assert parse_file_name("x.zip!2019-02/2019-02-west-midlands-outcomes.csv") == (
        "2019-02",
        "west-midlands",
        "outcomes",
    )
    assert parse_file_name("crimes.csv") is None


OUTCOME_HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                  "Location", "LSOA code", "LSOA name", "Outcome type"]  # fmt: skip


def test_latest_outcome_is_joined_by_crime_id():
    f = "Testshire Police"
    out1 = load_outcomes(
        csv_bytes(
            [
                OUTCOME_HEADER,
                ["a", "2023-04", f, f, "", "", "", "", "", "Under investigation"],
                ["b", "2023-04", f, f, "", "", "", "", "", "Offender given a caution"],
                ["", "2023-04", f, f, "", "", "", "", "", "Orphan"],
            ]
        ),
        "2023-04-testshire-outcomes.csv",
        latest_month="2024-12",
    )
    assert len(out1.frame) == 2 and out1.reject_reasons() == {"outcome without a Crime ID": 1}
    out2 = load_outcomes(
        csv_bytes([OUTCOME_HEADER, ["a", "2023-06", f, f, "", "", "", "", "", "Local resolution"]]),
        "2023-06-testshire-outcomes.csv",
        latest_month="2024-12",
    )
    import pandas as pd

    outcomes = pd.concat([out1.to_pandas(), out2.to_pandas()])
    crimes = pd.DataFrame({"crime_id": ["a", "b", "c"]})
    joined = attach_latest_outcome(crimes, outcomes).set_index("crime_id")
    assert joined.loc["a", "latest_outcome"] == "Local resolution"
    assert joined.loc["b", "latest_outcome"] == "Offender given a caution"
    assert pd.isna(joined.loc["c", "latest_outcome"])


SEARCH_HEADER = ["Type", "Date", "Part of a policing operation", "Policing operation", "Latitude",
                 "Longitude", "Gender", "Age range", "Self-defined ethnicity",
                 "Officer-defined ethnicity", "Legislation", "Object of search", "Outcome",
                 "Outcome linked to object of search",
                 "Removal of more than just outer clothing"]  # fmt: skip


def test_searches_keep_the_file_month_when_a_utc_date_crosses_midnight():
    rows = [
        ["Person search", "2023-04-01T10:00:00+00:00", "", "", "52.1", "-1.5", "Male", "18-24",
         "", "White", "Misuse of Drugs Act 1971 (section 23)", "Controlled drugs",
         "A no further action disposal", "False", "False"],
        ["Person search", "2023-03-31T23:30:00+00:00", "", "", "", "", "Male", "18-24",
         "", "White", "", "Controlled drugs", "Arrest", "True", "False"],
        ["Person search", "yesterday", "", "", "", "", "Male", "18-24",
         "", "White", "", "Controlled drugs", "Arrest", "True", "False"],
    ]  # fmt: skip
    r = load_searches(
        csv_bytes([SEARCH_HEADER, *rows]),
        "2023-04-testshire-stop-and-search.csv",
        latest_month="2024-12",
    )
    assert r.frame["month"].to_pylist() == ["2023-04", "2023-04"]
    assert r.flags["Date (UTC) falls outside the file's month: file month used"] == 1
    assert r.reject_reasons() == {"Date is not an ISO date (YYYY-MM-DDThh:mm:ss)": 1}
    assert r.rejects["source_line"].tolist() == [4]


def test_rows_without_any_force_are_rejected_not_crashed():
    rows = [street_row(), street_row(force="")]
    r = load(rows, name="extract.csv")
    assert len(r.frame) == 1
    assert r.rejects["source_line"].tolist() == [3]
    assert r.rejects["reason"].iloc[0].startswith("no force")
