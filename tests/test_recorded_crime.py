"""Police recorded crime open-data tables: CSV, xlsx and ods, bad rows, real Kent totals."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from csplib.errors import InputFormatError
from csplib.sources.recorded_crime import COLUMNS, load_recorded_crime

HEADER = (
    "Financial Year,Financial Quarter,Force Name,CSP Name,Offence Description,"
    "Offence Group,Offence Subgroup,Offence Code,Number of Offences"
)


def write(tmp_path: Path, text: str, name: str = "prc.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csp_level_csv_padding_and_thousands(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + "\n" + "2017/18,1,Kent,Maidstone,Violence with injury,Violence against the person,"
        'Violence with injury,8N," 1,234 "\n'
        + "2017/18,1,Kent,Maidstone,Shoplifting,Theft offences,Shoplifting,46, 87 \n"
        + "2017/18,2,Kent,Maidstone,Wildlife,Miscellaneous crimes,Miscellaneous crimes,96,-00 \n",
    )
    result = load_recorded_crime(path)
    assert list(result.frame.columns) == COLUMNS
    assert result.frame["count"].tolist() == [1234, 87, 0]
    assert result.frame["count"].dtype == "int64"
    assert result.frame["financial_quarter"].tolist() == [1, 1, 2]
    assert result.frame["csp_name"].tolist() == ["Maidstone"] * 3
    assert result.frame["offence_code"].tolist() == ["8N", "46", "96"]
    assert result.rows_read == 3 and result.rejects.empty


def test_force_level_reordered_columns_any_case(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "number of offences,OFFENCE CODE,Force  Name,offence subgroup,Offence Group,"
        "Offence Description,financial quarter, Financial Year \n"
        " 12 ,28E,Kent,Domestic burglary,Theft offences,Burglary - Residential,4,2017-18\n"
        '"2,001",46,Essex,Shoplifting,Theft offences,Shoplifting,Q3,2017/2018\n',
    )
    frame = load_recorded_crime(path).frame
    assert frame["force_name"].tolist() == ["Kent", "Essex"]
    assert frame["count"].tolist() == [12, 2001]
    assert frame["financial_quarter"].tolist() == [4, 3]
    # both spellings of the year become the canonical form
    assert frame["financial_year"].tolist() == ["2017/18", "2017/18"]
    assert frame["csp_name"].isna().all()  # force level: no CSP


def test_missing_columns_named_in_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Financial Year,Financial Quarter,Force Name,Offence Description,Offence Group,"
        "Offence Subgroup\n2017/18,1,Kent,a,b,c\n",
    )
    with pytest.raises(InputFormatError) as info:
        load_recorded_crime(path)
    text = str(info.value)
    assert "prc.csv" in text and "line 1" in text
    assert "'Offence Code'" in text and "'Number of Offences'" in text
    assert "Fix:" in text


def test_bad_rows_rejected_with_line_numbers(tmp_path: Path) -> None:
    rows = [
        "2017/18,1,Kent,Maidstone,d,g,s,8N, 10 ",  # line 2: kept
        "2017/18,1,Kent,Maidstone,d,g,s,8N, abc ",  # line 3: count not a number
        "2017/18,1,Kent,Maidstone,d,g,s,8N,",  # line 4: count empty
        "2017,1,Kent,Maidstone,d,g,s,8N, 5 ",  # line 5: year
        "2017/18,5,Kent,Maidstone,d,g,s,8N, 5 ",  # line 6: quarter
        "2017/19,2,Kent,Maidstone,d,g,s,8N, 5 ",  # line 7: years not consecutive
        "2017/18,2,Kent,,d,g,s,8N, 5 ",  # line 8: CSP name empty
        "2017/18,2,Kent,Maidstone,d,g,s,8N, 1.5 ",  # line 9: not whole
        "2017/18,3,Kent,Maidstone,d,g,s,8N, 7 ",  # line 10: kept
    ]
    path = write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    result = load_recorded_crime(path)
    assert result.frame["count"].tolist() == [10, 7]
    assert result.rows_read == 9
    got = dict(zip(result.rejects["source_line"], result.rejects["reason"], strict=True))
    assert got == {
        3: "number of offences is not a whole number",
        4: "number of offences is not a whole number",
        5: "financial year is not like 2017/18",
        6: "financial quarter is not 1, 2, 3 or 4",
        7: "financial year is not like 2017/18",
        8: "CSP name is empty",
        9: "number of offences is not a whole number",
    }
    line3 = result.rejects[result.rejects["source_line"] == 3].iloc[0]
    assert line3["column"] == "Number of Offences" and line3["value"] == " abc "
    assert set(result.rejects["source_file"]) == {"prc.csv"}


def test_short_line_reported_by_shared_reader(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n2017/18,1,Kent,Maidstone,d,g,s,8N, 3 \n2017/18,1,Kent\n")
    result = load_recorded_crime(path)
    assert result.rows_read == 2 and len(result.frame) == 1
    assert result.rejects.iloc[0]["source_line"] == 3
    assert result.rejects.iloc[0]["reason"].startswith("short line")


def test_negative_counts_kept_and_flagged_or_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + "\n2017/18,4,Kent,Maidstone,Homicide,V,H,1, 3 \n"
        "2017/18,4,Kent,Maidstone,Homicide,V,H,1,-1 \n",
    )
    kept = load_recorded_crime(path)
    # a net adjustment: the published quarter total is 3 + (-1) = 2
    assert kept.frame["count"].sum() == 2
    assert kept.flags["negative_count"] == 1 and kept.rejects.empty
    strict = load_recorded_crime(path, reject_negative=True)
    assert strict.frame["count"].tolist() == [3]
    assert strict.rejects["source_line"].tolist() == [3]
    assert strict.rejects["reason"].tolist() == ["number of offences is negative"]


def test_xlsx_round_trip_finds_header_and_row_numbers(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes["A1"] = "Police recorded crime by CSP: notes"
    data = book.create_sheet("Data")
    data["A1"] = "Police recorded crime open data, CSP level"  # title row
    # row 2 and 3 blank; header on row 4
    data.append([])
    data.append([])
    data.append(HEADER.split(","))
    data.append(["2017/18", 1, "Kent", "Maidstone", "d", "g", "s", "8N", 1234])  # row 5
    data.append(["2017/18", 2.0, "Kent", "Maidstone", "d", "g", "s", "8N", 56.0])  # row 6
    data.append([])  # row 7 blank: layout, not a record
    data.append(["2017/18", 3, "Kent", "Maidstone", "d", "g", "s", "8N", "n/a"])  # row 8
    data.append(["2017/18", 4, "Kent", "Maidstone", "d", "g", "s", "8N", " 1,001 "])  # row 9
    path = tmp_path / "prc.xlsx"
    book.save(path)

    result = load_recorded_crime(path)
    assert result.frame["count"].tolist() == [1234, 56, 1001]
    assert result.frame["financial_quarter"].tolist() == [1, 2, 4]
    assert result.rows_read == 4
    assert result.rejects["source_line"].tolist() == [8]
    assert result.rejects["source_file"].tolist() == ["prc.xlsx [Data]"]
    assert any("Notes" in n for n in result.notes)


def test_ods_read_with_odf(tmp_path: Path) -> None:
    table = pd.DataFrame(
        [
            HEADER.split(","),
            ["2017/18", 1, "Kent", "Maidstone", "d", "g", "s", "8N", 40],
            ["2017/18", 1, "Kent", "Tonbridge and Malling", "d", "g", "s", "8N", 2],
        ]
    )
    path = tmp_path / "prc.ods"
    table.to_excel(path, engine="odf", header=False, index=False)
    result = load_recorded_crime(path)
    assert result.frame["count"].tolist() == [40, 2]
    assert result.frame["csp_name"].tolist() == ["Maidstone", "Tonbridge and Malling"]


def test_spreadsheet_errors_name_sheet_and_row(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Table"
    sheet["A1"] = "Title"
    sheet.append(["Financial Year", "Financial Quarter", "Force Name"])  # row 2
    path = tmp_path / "bad.xlsx"
    book.save(path)
    with pytest.raises(InputFormatError) as info:
        load_recorded_crime(path)
    assert "bad.xlsx [Table], line 2" in str(info.value)
    assert "'Number of Offences'" in str(info.value)

    other = openpyxl.Workbook()
    other.active["A1"] = "nothing here"
    path2 = tmp_path / "none.xlsx"
    other.save(path2)
    with pytest.raises(InputFormatError, match="Financial Year"):
        load_recorded_crime(path2)


def test_real_kent_quarter_totals_2017_18(realdata: Path) -> None:
    path = realdata / "home_office_prc" / "prc-pfa-mar2013-onwards-tables201718.csv"
    expected: Counter = Counter()
    n_rows = 0
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            n_rows += 1
            if row["Force Name"] == "Kent":
                expected[int(row["Financial Quarter"])] += int(row["Number of Offences"].strip())
    # the figures published for Kent in 2017/18
    assert dict(expected) == {1: 41_233, 2: 45_726, 3: 46_337, 4: 43_891}

    result = load_recorded_crime(path)
    assert result.rows_read == n_rows and result.rejects.empty
    kent = result.frame[result.frame["force_name"] == "Kent"]
    got = kent.groupby("financial_quarter")["count"].sum().to_dict()
    assert got == dict(expected)
    assert set(result.frame["financial_year"]) == {"2017/18"}
    assert result.frame["csp_name"].isna().all()
