"""Ingest end to end on small hand-made inputs: layouts, zips, geography, replacement."""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pytest
from factories import STREET_HEADER, csv_bytes, street_row, write_geography, write_street

from csplib.errors import InputFormatError
from csplib.ingest import ingest
from csplib.store import Store


def month_rows(month: str, n_crime: int, n_asb: int, lsoa: str = "X01000001") -> list[list[str]]:
    rows = [street_row(month=month, lsoa=lsoa, crime_id=f"{month}-{i}") for i in range(n_crime)]
    rows += [
        street_row(month=month, lsoa=lsoa, crime_type="Anti-social behaviour") for _ in range(n_asb)
    ]
    return rows


@pytest.fixture
def geo_files(tmp_path):
    return write_geography(tmp_path / "lookups")


def test_download_folder_is_ingested_and_assigned_to_partnerships(tmp_path, geo_files):
    raw = tmp_path / "raw"
    rows = [
        street_row(lsoa="X01000001"),  # Alpha
        street_row(lsoa="X01000002", crime_type="Shoplifting"),  # Alpha
        street_row(lsoa="X01000003"),  # Beta  -> CSP "Beta and Gamma"
        street_row(lsoa="X01000004"),  # Gamma -> CSP "Beta and Gamma"
        street_row(lsoa="X01000009"),  # Elsewhere: another force area
        street_row(lsoa="", lsoa_name="", lon="", lat="", location="No location"),
        street_row(lsoa="X01000001", crime_type="Anti-social behaviour"),
    ]
    write_street(raw, "2023-04", rows)
    report = ingest([*geo_files, raw], tmp_path / "store", latest_month="2024-12")
    assert report.ok
    crimes = Store(tmp_path / "store").crimes()
    assert len(crimes) == 7
    by_csp = crimes[~crimes["is_asb"]].groupby("csp_name", dropna=False).size()
    assert by_csp["Alpha"] == 2
    assert by_csp["Beta and Gamma"] == 2
    assert by_csp["Elsewhere"] == 1
    status = crimes["geo_status"].value_counts()
    assert status["outside_force_area"] == 1
    assert status["no_location"] == 1
    assert status["in_force_area"] == 5
    street = next(f for f in report.files if f.kind == "street")
    assert street.flags["outside_force_area"] == 1
    assert street.flags["no_location"] == 1


def test_lsoa_missing_from_the_list_falls_back_to_its_name_with_a_count(tmp_path, geo_files):
    raw = tmp_path / "raw"
    write_street(raw, "2023-04", [street_row(lsoa="X01000077", lsoa_name="Beta 009Z")])
    report = ingest([*geo_files, raw], tmp_path / "store", latest_month="2024-12")
    crimes = Store(tmp_path / "store").crimes()
    assert crimes["csp_name"].tolist() == ["Beta and Gamma"]
    street = next(f for f in report.files if f.kind == "street")
    assert street.flags["LSOA assigned to a district by its name (not in the LSOA list)"] == 1


def test_reingesting_a_month_replaces_it_and_never_duplicates(tmp_path, geo_files):
    raw = tmp_path / "raw"
    write_street(raw, "2023-04", month_rows("2023-04", 5, 2))
    store = tmp_path / "store"
    ingest([*geo_files, raw], store, latest_month="2024-12")
    write_street(raw, "2023-04", month_rows("2023-04", 3, 1))  # a corrected file
    report = ingest([raw], store, latest_month="2024-12")
    crimes = Store(store).crimes()
    assert len(crimes) == 4
    assert report.files[0].replaced == ["testshire/2023-04"]


def test_zip_is_read_in_place_including_nested_folders(tmp_path, geo_files):
    z = tmp_path / "download.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(
            "a/b/2023-04/2023-04-testshire-street.csv",
            csv_bytes([STREET_HEADER, *month_rows("2023-04", 4, 1)]),
        )
        zf.writestr(
            "2023-05/2023-05-testshire-street.csv",
            csv_bytes([STREET_HEADER, *month_rows("2023-05", 6, 2)]),
        )
        zf.writestr("../../evil/2023-06-testshire-street.csv", b"x")
        zf.writestr("notes.txt", b"not data")
    report = ingest([*geo_files, z], tmp_path / "store", latest_month="2024-12")
    crimes = Store(tmp_path / "store").crimes()
    assert crimes.groupby("month").size().to_dict() == {"2023-04": 5, "2023-05": 8}
    skipped = [f for f in report.files if f.kind == "skipped"]
    assert len(skipped) == 1 and "leaves the archive" in skipped[0].error
    assert not (tmp_path / "evil").exists()
    assert not report.ok  # the refused entry is reported as an error


def test_corrupt_zip_and_zip_without_csvs_are_clear_errors(tmp_path):
    bad = tmp_path / "cut.zip"
    bad.write_bytes(b"PK\x03\x04 this was cut short")
    with pytest.raises(InputFormatError, match="corrupt"):
        ingest([bad], tmp_path / "store")
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", b"hello")
    with pytest.raises(InputFormatError, match="no CSV"):
        ingest([empty], tmp_path / "store")


def test_same_month_twice_in_one_run_uses_the_first_and_rejects_the_second(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_street(a, "2023-04", month_rows("2023-04", 3, 0))
    write_street(b, "2023-04", month_rows("2023-04", 2, 0))
    report = ingest([a, b], tmp_path / "store", latest_month="2024-12")
    assert len(Store(tmp_path / "store").crimes()) == 3
    second = report.files[1]
    assert second.kept == 0 and second.rejected == 2
    t = report.totals()
    assert t["rows_read"] == t["kept"] + t["rejected"] == 5


def test_two_forces_with_overlapping_months_are_kept_apart(tmp_path):
    raw = tmp_path / "raw"
    write_street(raw, "2023-04", month_rows("2023-04", 3, 0), force_id="testshire")
    write_street(raw, "2023-04", month_rows("2023-04", 4, 0), force_id="otherland")
    ingest([raw], tmp_path / "store", latest_month="2024-12")
    crimes = Store(tmp_path / "store").crimes()
    assert crimes.groupby("force").size().to_dict() == {"otherland": 4, "testshire": 3}


def test_report_accounts_for_every_row_and_writes_rejects_with_reasons(tmp_path, geo_files):
    raw = tmp_path / "raw"
    rows = [*month_rows("2023-04", 3, 1), street_row(crime_type="Fraud"), street_row(lat="north")]
    write_street(raw, "2023-04", rows)
    (raw / "2023-04" / "2023-04-testshire-street.csv").write_bytes(
        (raw / "2023-04" / "2023-04-testshire-street.csv").read_bytes() + b"id,2023-04,Test"
    )
    store = tmp_path / "store"
    report = ingest([*geo_files, raw], store, latest_month="2024-12")
    street = next(f for f in report.files if f.kind == "street")
    assert (street.rows_read, street.kept, street.rejected) == (7, 4, 3)
    saved = json.loads((store / "ingest_report.json").read_text())
    assert saved["totals"]["rows_read"] == saved["totals"]["kept"] + saved["totals"]["rejected"]
    rejects = pd.read_csv(report.rejects_file)
    assert sorted(rejects["source_line"].tolist()) == [6, 7, 8]
    assert set(rejects["reason"]) == {
        "unknown crime type",
        "Latitude is not a number",
        "short line: 3 of 12 fields (truncated or cut short)",
    }


def test_unrecognised_file_is_reported_and_others_still_go_in(tmp_path):
    raw = tmp_path / "raw"
    write_street(raw, "2023-04", month_rows("2023-04", 2, 0))
    (raw / "mystery.csv").write_text("foo,bar\n1,2\n")
    report = ingest([raw], tmp_path / "store", latest_month="2024-12")
    assert not report.ok
    assert "does not recognise" in next(f for f in report.files if f.error).error
    assert len(Store(tmp_path / "store").crimes()) == 2


def test_lookup_ingested_after_the_crimes_reassigns_them(tmp_path, geo_files):
    raw = tmp_path / "raw"
    write_street(raw, "2023-04", [street_row(lsoa="X01000003")])
    store = tmp_path / "store"
    ingest([raw], store, latest_month="2024-12")
    assert Store(store).crimes()["csp_name"].isna().all()
    report = ingest(geo_files, store, latest_month="2024-12")
    assert Store(store).crimes()["csp_name"].tolist() == ["Beta and Gamma"]
    assert any("re-derived" in n for n in report.notes)


def test_missing_and_incomplete_months_are_flagged_not_zero(tmp_path):
    raw = tmp_path / "raw"
    for month, crimes, asb in [("2023-01", 100, 30), ("2023-02", 104, 29), ("2023-03", 40, 31),
                               ("2023-05", 98, 30), ("2023-06", 101, 32)]:  # fmt: skip
        write_street(raw, month, month_rows(month, crimes, asb))
    report = ingest([raw], tmp_path / "store", latest_month="2024-12")
    problems = {(p["month"], p["status"]) for p in report.coverage_problems}
    # March: 40 crimes against a neighbour median of 100 (40%) while ASB is normal.
    # April: no file at all.
    assert problems == {("2023-03", "incomplete"), ("2023-04", "missing")}


def test_csv_writer_neutralises_formula_cells_and_keeps_numbers(tmp_path):
    """OWASP's rule cell by cell, checked on the bytes a spreadsheet would open."""
    import csv

    from csplib.safecsv import write_csv

    frame = pd.DataFrame(
        {
            "text": ["=1+1", "+44 20", "-2+3", "@SUM(A1)", "\tx", "\rx", "plain", "-1.5", None],
            "count": pd.array([-3, 0, 1, 2, 3, 4, 5, 6, None], dtype="Int64"),
            "rate": [-0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    path = tmp_path / "out.csv"
    write_csv(path, frame)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["text", "count", "rate"]
    assert [r[0] for r in rows[1:]] == [
        "'=1+1", "'+44 20", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "plain", "-1.5", "",
    ]  # fmt: skip
    assert [r[1] for r in rows[1:3]] == ["-3", "0"] and rows[1][2] == "-0.5"
    assert frame["text"].iloc[0] == "=1+1"  # the caller's frame is not changed


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    """The limit is stated in the error; a zip entry over it is listed as not read."""
    from csplib.sources import base, files

    monkeypatch.setattr(base, "MAX_FILE_BYTES", 1 << 20)
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1 << 20)
    big = write_street(tmp_path / "in", "2023-04", month_rows("2023-04", 8000, 0))
    assert big.stat().st_size > 1 << 20
    small = write_street(tmp_path / "in", "2023-05", month_rows("2023-05", 3, 0))
    report = ingest([tmp_path / "in"], tmp_path / "store", latest_month="2024-12")
    err = next(f for f in report.files if f.name == str(big)).error
    assert "reads text files of up to 1 MiB" in err and "Fix:" in err
    assert next(f for f in report.files if f.name == str(small)).kept == 3
    with zipfile.ZipFile(tmp_path / "d.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(big, "2023-04/" + big.name)
    report = ingest([tmp_path / "d.zip"], tmp_path / "store2", latest_month="2024-12")
    (entry,) = report.files
    assert entry.kind == "skipped" and "more than the 1 MiB the workbook reads" in entry.error
