"""Partner indicator tables: the shipped template and example, and every rule."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest

from csplib.errors import InputFormatError
from csplib.paths import DATA
from csplib.sources.partner import COLUMNS, load_partner_indicators, parse_period

TEMPLATES = DATA / "templates"
HEADER = "indicator,area,period,numerator,denominator,value,unit,source"


def write(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "partner.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_template_is_header_only() -> None:
    path = TEMPLATES / "partner_indicators_template.csv"
    assert path.read_text(encoding="utf-8").strip() == HEADER
    result = load_partner_indicators(path)
    assert result.rows_read == 0 and list(result.frame.columns) == COLUMNS


def test_example_loads_cleanly_with_hand_computed_values() -> None:
    result = load_partner_indicators(TEMPLATES / "partner_indicators_example.csv")
    assert result.rejects.empty
    assert result.rows_read == 18
    assert set(result.frame["area"]) == {"Example District (synthetic)"}
    frame = result.frame.set_index(["indicator", "period"])
    # 70 repeat victims of 300: 23.33...%, reported as 23.3
    assert frame.loc[("Repeat domestic abuse victims (%)", "2023/24 Q1"), "value"] == (
        pytest.approx(23.3333333, abs=1e-6)
    )
    # 3,901 incidents, 172,100 residents: 22.667 per 1,000
    assert frame.loc[("ASB incidents per 1000 population", "2023/24"), "value"] == (
        pytest.approx(22.667054, abs=1e-6)
    )
    assert frame.loc[("MARAC referrals from police (%)", "2023/24"), "value"] == 75.0
    # a count with only a numerator takes it as its value
    assert frame.loc[("First-time entrants to youth justice", "2023/24"), "value"] == 41
    assert frame.loc[("Discarded needles collected", "2022/23"), "value"] == 2312
    assert frame.loc[("Year 11 students reached by the RUSH programme", "2023/24"), "value"] == (
        2950
    )
    survey = frame.loc[("Perception that drunk or rowdy behaviour is a problem (%)", "2023")]
    assert survey["value"] == 18.5 and math.isnan(survey["numerator"])
    assert frame.loc[("Road users killed or seriously injured", "2022"), "value"] == 58


def test_parse_period_forms() -> None:
    assert parse_period("2023/24") == "2023/24"
    assert parse_period(" 2023/24  q4 ") == "2023/24 Q4"
    assert parse_period("2099/2100") == "2099/00"
    assert parse_period("2023-04") == "2023-04"
    assert parse_period("2023") == "2023"
    assert parse_period("April 2023") == "2023-04"
    assert parse_period("2023-04-01") == "2023-04"  # what Excel makes of a typed 2023-04
    for bad in ["2023/25", "2023/24 Q5", "2023-00", "2023-13", "Q1 2023", "23", "", "Smarch 2023"]:
        assert parse_period(bad) is None, bad


def test_each_rule_rejected_with_reason_and_line(tmp_path: Path) -> None:
    rows = {
        2: "DA repeats,Maidstone,2023/24 Q1,70,300,23.3,percent,police",  # ok
        3: "DA repeats,Maidstone,2023/24 Q2,70,300,24.0,percent,police",
        4: "DA repeats,Maidstone,2023/24 Q3,70,0,,percent,police",
        5: "DA repeats,Maidstone,2023/24 Q4,301,300,,percent,police",
        6: "Survey,Maidstone,2023,,,101,percent,survey",
        7: "Needles,Maidstone,2023-04,-3,,,count,council",
        8: "Needles,Maidstone,2023-05,,,,count,council",
        9: "Needles,Maidstone,April-ish,12,,,count,council",
        10: "Needles,Maidstone,2023-06,12,,,items,council",
        11: "Needles,Maidstone,2023-07,twelve,,,count,council",
        12: "Needles,Maidstone,2023-08,,40,,count,council",
        13: ",Maidstone,2023-09,12,,,count,council",
        14: "Needles,,2023-09,12,,,count,council",
        15: "KSI,Maidstone,2023,58,1000,,count,DfT",
        16: "Share,Maidstone,2023,,,1.2,proportion,council",
        17: "DA repeats,Maidstone,2023/24 Q1,70,300,23.3,percent,police",  # repeats line 2
        18: "Needles,Maidstone,2023-10,12,,13,count,council",
        19: "Reoffending,Maidstone,2022,96,,,percent,MoJ",
        20: "Needles,Maidstone,2023-11,,,-4,count,council",
        21: "Change,Maidstone,2023,,,-4,other,council",  # ok: 'other' may be signed
        22: "ASB rate,Maidstone,2023/24,3901,172100,22.67,rate_per_1000,council",  # ok
        23: "ASB rate,Maidstone,2023/24,3901,172100,22.7,Rate_Per_1000,council",  # repeat of 22
        24: "DA share,Maidstone,2023/24,70,300,23.3%,percent,police",  # ok: % sign
    }
    path = write(tmp_path, list(rows.values()))
    result = load_partner_indicators(path)
    assert result.rows_read == len(rows)
    got = dict(zip(result.rejects["source_line"], result.rejects["reason"], strict=True))
    assert got == {
        3: "value disagrees with numerator / denominator",  # 70/300 = 23.33%, not 24.0
        4: "denominator is zero",
        5: "numerator is greater than denominator",
        6: "percentage over 100",
        7: "numerator is negative (counts cannot be)",
        8: "give a value, or a numerator (and denominator)",
        9: "period is not a financial year 2023/24, quarter 2023/24 Q1, month 2023-04 or year 2023",
        10: "unknown unit: use count, percent, rate_per_1000, proportion, other",
        11: "numerator is not a number",
        12: "a denominator is given without a numerator",
        13: "indicator is empty",
        14: "area is empty",
        15: "a count has no denominator: use unit percent, proportion or rate_per_1000",
        16: "proportion over 1",
        17: "repeats the indicator, area, period and unit of line 2",
        18: "value disagrees with numerator / denominator",  # a count of 12 is not 13
        19: "a percent needs a value, or a denominator to go with the numerator",
        20: "value is negative, which a count cannot be",
        23: "repeats the indicator, area, period and unit of line 22",
    }
    assert result.rejects["source_line"].is_monotonic_increasing
    line3 = result.rejects[result.rejects["source_line"] == 3].iloc[0]
    assert line3["column"] == "value" and line3["value"].startswith("24.0 (computed 23.3333")
    kept = result.frame.set_index("indicator")
    assert kept.loc["Change", "value"] == -4
    assert kept.loc["DA share", "value"] == pytest.approx(70 / 300 * 100)
    assert kept.loc["ASB rate", "unit"] == "rate_per_1000"


def test_rounding_tolerance_follows_the_digits_written(tmp_path: Path) -> None:
    # 1/3 = 33.333...%: "33" (within 0.5) and "33.33" (within 0.005) agree; "33.4" does not
    path = write(
        tmp_path,
        [
            "A,X,2023,1,3,33,percent,",
            "B,X,2023,1,3,33.33,percent,",
            "C,X,2023,1,3,33.4,percent,",
            "D,X,2023,1,3,0.333,proportion,",
        ],
    )
    result = load_partner_indicators(path)
    assert result.frame["indicator"].tolist() == ["A", "B", "D"]
    assert result.rejects["source_line"].tolist() == [4]
    assert result.frame["source"].isna().all()  # an empty source is missing


def test_missing_columns_error_points_at_template(tmp_path: Path) -> None:
    path = write(tmp_path, ["DA,X,2023,1,3,percent"], header="indicator,area,period,num,den,unit")
    with pytest.raises(InputFormatError) as info:
        load_partner_indicators(path)
    text = str(info.value)
    assert "partner.csv, line 1" in text
    assert "'numerator'" in text and "'denominator'" in text and "'value'" in text
    assert "partner_indicators_template.csv" in text


def test_any_column_order_and_extra_columns_noted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ["count,Needles,2023-04,187,,,Maidstone,collected by street cleansing"],
        header="Unit,Indicator,Period,Numerator,Denominator,Value,Area,Notes",
    )
    result = load_partner_indicators(path)
    row = result.frame.iloc[0]
    assert (row["indicator"], row["area"], row["value"]) == ("Needles", "Maidstone", 187)
    assert result.notes == ["columns ignored (not in the template): Notes"]


def test_xlsx_partner_table_rows_by_spreadsheet_row(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Indicators"
    sheet["A1"] = "Youth justice return, Q1"
    sheet.append(HEADER.split(","))  # row 2
    sheet.append(["FTE", "Maidstone", "2023/24 Q1", 9, None, None, "count", "YJS"])  # row 3
    sheet.append(["FTE", "Maidstone", "2023/24 Q2", 9, 0, None, "count", "YJS"])  # row 4
    path = tmp_path / "yjs.xlsx"
    book.save(path)
    result = load_partner_indicators(path)
    assert result.frame["value"].tolist() == [9.0]
    assert result.rejects["source_line"].tolist() == [4]
    assert result.rejects["reason"].tolist() == ["denominator is zero"]
    assert result.rejects["source_file"].tolist() == ["yjs.xlsx [Indicators]"]
