"""Population denominators: ONS workbook, tidy CSV, 2011 LSOA table, choosing a year."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlrd

from csplib.errors import InputFormatError, ParameterError
from csplib.sources.population import COLUMNS, load_population, population_for

MYE = "ons_population/ukmidyearestimates20192020ladcodes.xls"
CENSUS = "ons_census2011/census_2011_population_hh_lsoa.csv"


def _xlrd_all_ages(path: Path, code: str) -> float:
    """'All ages' for one code, read straight from the MYE2 Persons sheet with xlrd."""
    sheet = xlrd.open_workbook(str(path)).sheet_by_name("MYE2 - Persons")
    header = next(r for r in range(sheet.nrows) if sheet.cell_value(r, 0) == "Code")
    col = sheet.row_values(header).index("All ages")
    row = next(r for r in range(sheet.nrows) if sheet.cell_value(r, 0) == code)
    return sheet.cell_value(row, col)


def test_real_ons_workbook_maidstone_mid_2019(realdata: Path) -> None:
    path = realdata / MYE
    result = load_population(path)
    frame = result.frame
    assert list(frame.columns) == COLUMNS
    maidstone = frame[frame["area_code"] == "E07000110"]
    assert len(maidstone) == 1
    row = maidstone.iloc[0]
    assert row["population"] == 171_826  # the published figure
    assert row["population"] == _xlrd_all_ages(path, "E07000110")
    assert (row["area_name"], row["level"], row["year"]) == ("Maidstone", "lad", 2019)
    assert set(frame["year"]) == {2019}
    assert result.rejects.empty
    # the footnote under the table is not a data row, and it is reported
    assert any("footnote" in n for n in result.notes)
    assert frame.loc[frame["area_code"] == "E12000008", "level"].item() == "region"


def test_real_dartford_and_gravesham_sum(realdata: Path) -> None:
    path = realdata / MYE
    frame = load_population(path).frame
    expected = _xlrd_all_ages(path, "E07000107") + _xlrd_all_ages(path, "E07000109")
    assert population_for(frame, ["E07000107", "E07000109"], 2020) == (int(expected), 2019)


def test_real_workbook_year_argument_must_agree(realdata: Path) -> None:
    with pytest.raises(ParameterError, match="mid-2019"):
        load_population(realdata / MYE, year=2020)
    assert load_population(realdata / MYE, year=2019).frame["year"].eq(2019).all()


def test_real_census_2011_lsoa(realdata: Path) -> None:
    path = realdata / CENSUS
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    i_code, i_persons = header.index("LSOA Code"), header.index("Persons")  # first Persons
    wanted = next(r for r in rows if r[header.index("LSOA Name")] == "Maidstone 012C")
    expected = int(wanted[i_persons].replace(",", ""))

    result = load_population(path)
    assert result.rows_read == len(rows) and result.rejects.empty
    got = result.frame.set_index("area_code").loc[wanted[i_code]]
    assert got["population"] == expected
    assert (got["area_name"], got["level"], got["year"]) == ("Maidstone 012C", "lsoa", 2011)
    # the first LSOA in the file, as printed: "1,563" all usual residents
    # (1,517 in households and 46 communal are the other two 'Persons' columns)
    assert result.frame.set_index("area_code").loc["E01020634", "population"] == 1563


def test_tidy_csv_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(
        "area_code,area_name,level,year,population\n"
        'E07000110,Maidstone,lad,2019,"171,826"\n'  # line 2
        "E07000111,Sevenoaks,LAD,2019,120293\n"  # line 3 (level any case)
        "E07000112,Folkestone and Hythe,lad,2019,abc\n"  # line 4: not a number
        "E07000113,Swale,lad,2019,-5\n"  # line 5: negative
        "E07000114,Thanet,lad,19,141819\n"  # line 6: bad year
        "E07000115,Tonbridge and Malling,district,2019,132153\n"  # line 7: bad level
        ",Nowhere,lad,2019,1\n"  # line 8: no code
        "E07000110,Maidstone,lad,2019,171826\n"  # line 9: repeats line 2
        "E07000110,Maidstone,lad,2018,169955\n",  # line 10: another year: kept
        encoding="utf-8",
    )
    result = load_population(path)
    assert result.frame["population"].tolist() == [171_826, 120_293, 169_955]
    assert result.frame["level"].tolist() == ["lad", "lad", "lad"]
    assert result.rows_read == 9
    reasons = dict(zip(result.rejects["source_line"], result.rejects["reason"], strict=True))
    assert reasons == {
        4: "population is not a whole number",
        5: "population is negative",
        6: "year is not a year like 2019",
        7: "level is not one of lsoa, msoa, ward, lad, csp, pfa, county, region, country, other",
        8: "area code is empty",
        9: "area code and year repeat an earlier row",
    }
    # The earlier row's line has its own column, so every duplicate shares one reason.
    related = result.rejects.set_index("source_line")["related_line"]
    assert related[9] == 2 and related.drop(9).isna().all()


def test_tidy_csv_year_and_level_from_arguments(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text("Area_Code,Area_Name,Population\nE22000001,Some CSP,1000\n", encoding="utf-8")
    with pytest.raises(InputFormatError) as info:
        load_population(path)
    assert "'year'" in str(info.value) and "'level'" in str(info.value)
    frame = load_population(path, year=2021, level="csp").frame
    assert frame.iloc[0].to_dict() == {
        "area_code": "E22000001",
        "area_name": "Some CSP",
        "level": "csp",
        "year": 2021,
        "population": 1000,
    }


def _mye_workbook(path: Path, title: str | None) -> None:
    book = openpyxl.Workbook()
    males = book.active
    males.title = "MYE2 - Males"
    males.append(["Code", "Name", "Geography", "All ages"])
    males.append(["E07000110", "Maidstone", "Non-metropolitan District", 84000])
    persons = book.create_sheet("MYE2 - Persons")
    if title:
        persons["A1"] = title
    persons["A3"] = "Code"
    persons["B3"] = "Name"
    persons["C3"] = "Geography1"
    persons["D3"] = "All ages"
    persons["E3"] = 0
    rows = [
        ["E12000008", "SOUTH EAST", "Region", 9_217_265],  # row 4
        ["E10000016", "Kent", "County", 1_589_057],  # row 5
        ["E07000110", "Maidstone", "Non-metropolitan District", 175_829],  # row 6
        ["E07000111", "Sevenoaks", "Non-metropolitan District", "x"],  # row 7: bad
    ]
    for i, row in enumerate(rows, start=4):
        for j, value in enumerate(row, start=1):
            persons.cell(i, j, value)
    persons["A9"] = "1. Geography: see the notes tab."  # footnote after a blank row
    book.save(path)


def test_workbook_fixture_prefers_persons_and_finds_year(tmp_path: Path) -> None:
    path = tmp_path / "mye.xlsx"
    _mye_workbook(path, "Population estimates for local authorities, Mid-2021")
    result = load_population(path)
    frame = result.frame
    assert frame["population"].tolist() == [9_217_265, 1_589_057, 175_829]
    assert frame["level"].tolist() == ["region", "county", "lad"]
    assert set(frame["year"]) == {2021}
    assert result.rejects["source_line"].tolist() == [7]
    assert result.rejects["source_file"].tolist() == ["mye.xlsx [MYE2 - Persons]"]
    assert result.rows_read == 4  # the footnote on row 9 is not a row of the table
    assert any("rows 9" in n for n in result.notes)


def test_workbook_without_year_needs_argument(tmp_path: Path) -> None:
    path = tmp_path / "mye.xlsx"
    _mye_workbook(path, None)
    with pytest.raises(InputFormatError, match="year="):
        load_population(path)
    assert set(load_population(path, year=2022).frame["year"]) == {2022}


POP = pd.DataFrame(
    {
        "area_code": ["A", "A", "A", "B", "B"],
        "area_name": ["a", "a", "a", "b", "b"],
        "level": ["lad"] * 5,
        "year": [2017, 2019, 2021, 2019, 2021],
        "population": [100, 110, 120, 50, 60],
    }
)


def test_population_for_nearest_year_and_sum() -> None:
    assert population_for(POP, "A", 2019) == (110, 2019)
    assert population_for(POP, "A", 2018) == (100, 2017)  # tie 2017/2019: earlier
    assert population_for(POP, "A", 2030) == (120, 2021)
    # B has no 2017, so a CSP of A and B uses a year both have
    assert population_for(POP, ["A", "B"], 2017) == (160, 2019)
    assert population_for(POP, ("A", "B"), 2022) == (180, 2021)


def test_population_for_errors() -> None:
    with pytest.raises(ParameterError, match="C"):
        population_for(POP, ["A", "C"], 2019)
    doubled = pd.concat([POP, POP.iloc[[1]].assign(population=999)])
    with pytest.raises(ParameterError, match="two different 2019 populations"):
        population_for(doubled, "A", 2019)
