"""Population denominators -> the ``population`` table, and picking a year for a rate.

Reads ONS mid-year estimates as ONS publishes them (the MYE2 "Persons" sheet of the
.xls/.xlsx/.ods workbook), a tidy CSV (area_code, area_name, level, year, population)
and the 2011 Census population by LSOA CSV.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from csplib.errors import InputFormatError, ParameterError
from csplib.sources.base import (
    LoadResult,
    bad_text_reason,
    check_columns,
    decode,
    empty_rejects,
    make_rejects,
    read_path_bytes,
    read_table,
    shown,
)
from csplib.sources.spreadsheet import (
    SPREADSHEET_SUFFIXES,
    find_header_row,
    norm_name,
    open_workbook,
    rows_below,
    sheet_text,
)

TABLE = "population"
COLUMNS = ["area_code", "area_name", "level", "year", "population"]

#: Levels a population row may have.
LEVELS = ("lsoa", "msoa", "ward", "lad", "csp", "pfa", "county", "region", "country", "other")

#: ONS "Geography" column of the MYE workbooks -> level.
GEOGRAPHY_LEVELS = {
    "country": "country",
    "region": "region",
    "county": "county",
    "metropolitan county": "county",
    "non-metropolitan district": "lad",
    "metropolitan district": "lad",
    "unitary authority": "lad",
    "london borough": "lad",
    "council area": "lad",
    "local government district": "lad",
}

#: GSS code prefix -> level, for files without a Geography column.
CODE_PREFIX_LEVELS = {
    **dict.fromkeys(["K02", "K03", "K04", "E92", "W92", "S92", "N92"], "country"),
    "E12": "region",
    **dict.fromkeys(["E10", "E11"], "county"),
    **dict.fromkeys(["E06", "E07", "E08", "E09", "W06", "S12", "N09"], "lad"),
    **dict.fromkeys(["E01", "W01"], "lsoa"),
    **dict.fromkeys(["E02", "W02"], "msoa"),
    **dict.fromkeys(["E05", "W05"], "ward"),
    **dict.fromkeys(["E22", "W22"], "csp"),
    **dict.fromkeys(["E23", "W15"], "pfa"),
}

BAD_POPULATION = "population is not a whole number"
NEGATIVE_POPULATION = "population is negative"
NO_CODE = "area code is empty"
BAD_YEAR = "year is not a year like 2019"
NO_YEAR = "no year: give a year in the file or load with year="
BAD_LEVEL = "level is not one of " + ", ".join(LEVELS)
NO_LEVEL = "no level: give a level in the file or load with level="
DUPLICATE = "area code and year repeat an earlier row"

_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)")
_CODE = re.compile(r"[A-Z]\d{8}")


def load_population(path: Path, *, year: int | None = None, level: str | None = None) -> LoadResult:
    """Load population estimates from an ONS workbook, a tidy CSV or the 2011 LSOA CSV.

    * ``.xls``/``.xlsx``/``.ods``: the ONS mid-year estimates workbook. The sheet with
      'Persons' in its name (else the first that fits) and its header row (cells
      'Code', 'Name' and 'All ages') are found automatically; the year comes from the
      title ("... mid-2019") or ``year=``. The level comes from the Geography column
      ('Non-metropolitan District' -> 'lad', 'Region' -> 'region', ...).
    * a CSV with 'LSOA Code' and 'Persons' columns: the 2011 Census population by LSOA
      (level 'lsoa', year 2011, all usual residents).
    * any other CSV: a tidy table with area_code, area_name, population and, unless
      given as ``year=``/``level=``, year and level columns.

    ``year`` and ``level`` fill in what the file does not say; a ``year`` that
    contradicts the file is an error. Footnote rows under an ONS table are not data:
    they are skipped and listed in ``notes``. Rows whose population is not a
    non-negative whole number are rejected with their line (or spreadsheet row).
    """
    path = Path(path)
    if level is not None and level not in LEVELS:
        raise ParameterError(
            f"level={level!r} is not a population level", fix="use one of " + ", ".join(LEVELS)
        )
    if path.suffix.casefold() in SPREADSHEET_SUFFIXES:
        return _load_ons_workbook(path, year, level)
    data = read_path_bytes(path)
    text, encoding = decode(data, path.name)
    first = next(csv.reader([re.split("[\r\n]", text, maxsplit=1)[0]]))
    keys = [norm_name(h.lstrip("\ufeff")) for h in first]
    if "lsoa code" in keys and "persons" in keys:
        return _load_census_lsoa(path, text, first, keys, year, encoding)
    return _load_tidy(path, data, year, level)


# --------------------------------------------------------------------------------------
# ONS mid-year estimates workbook


def _is_mye_header(cells: list[str]) -> bool:
    return "code" in cells and "name" in cells and "all ages" in cells


def _load_ons_workbook(path: Path, year: int | None, level: str | None) -> LoadResult:
    header_row: int | None = None
    with open_workbook(path) as book:
        # MYE2 comes as Persons, Males and Females sheets with identical headers: prefer
        # Persons so a rate is never computed on one sex by accident.
        order = sorted(book.sheet_names, key=lambda s: "persons" not in s.casefold())
        for sheet in order:
            text = sheet_text(book, sheet)
            header_row = find_header_row(text, _is_mye_header)
            if header_row is not None:
                break
    if header_row is None:
        raise InputFormatError(
            "no sheet has a header row with 'Code', 'Name' and 'All ages'",
            file=path.name,
            fix="give the ONS mid-year estimates workbook (sheet 'MYE2 - Persons') or a "
            "tidy CSV with area_code, area_name, level, year, population",
        )
    source_file = f"{path.name} [{sheet}]"
    sheet_year = _year_from_title(sheet, text.loc[: header_row - 1])
    if sheet_year is not None and year is not None and sheet_year != year:
        raise ParameterError(
            f"year={year} was given but the sheet says mid-{sheet_year}",
            file=source_file,
            fix=f"leave out year= or give year={sheet_year}",
        )
    use_year = sheet_year if sheet_year is not None else year
    if use_year is None:
        raise InputFormatError(
            "cannot tell which mid-year the estimates are for (no 'Mid-YYYY' in the title)",
            file=source_file,
            fix="load it with year=YYYY",
        )

    keys = [norm_name(v) for v in text.loc[header_row].tolist()]
    names = {keys.index("code"): "area_code", keys.index("name"): "area_name"}
    names[keys.index("all ages")] = "population"
    # ONS numbers its footnotes into header cells ("Geography1").
    geography = [i for i, k in enumerate(keys) if re.fullmatch(r"geography\d*", k)]
    if geography:
        names[geography[0]] = "geography"
    body = rows_below(text, header_row, names)
    if "geography" not in body:
        body["geography"] = ""
    body = body.apply(lambda s: s.str.strip() if s.name != "source_line" else s)

    # A footnote sits in the first column with nothing else on its row.
    footnote = (~body["area_code"].str.fullmatch(_CODE.pattern)) & (
        (body[["area_name", "population", "geography"]] == "").all(axis=1)
    )
    notes = []
    if footnote.any():
        rows = ", ".join(str(n) for n in body.loc[footnote, "source_line"])
        notes.append(f"{int(footnote.sum())} footnote row(s) under the table skipped (rows {rows})")
    body = body[~footnote]

    level_col = body["geography"].str.casefold().map(GEOGRAPHY_LEVELS)
    level_col = level_col.fillna(body["area_code"].map(_level_from_code))
    body = body.assign(level=level_col.fillna(level or pd.NA), year=str(use_year))
    frame, rejects = _validate(body, source_file, {"population": "All ages"})
    notes.append(f"sheet '{sheet}', header on row {header_row}, mid-{use_year}")
    return LoadResult(TABLE, frame, rejects, str(path), Counter(), notes)


def _year_from_title(sheet: str, above: pd.DataFrame) -> int | None:
    """The year in 'Mid-2019' (or 'mid 2019') in the sheet name or the rows above the header."""
    texts = [sheet] + [v for v in above.to_numpy().ravel().tolist() if v]
    for t in texts:
        m = re.search(r"\bmid[-\s]?(\d{4})\b", str(t), flags=re.IGNORECASE)
        if m:
            return int(m.group(1))
    return None


def _level_from_code(code: str) -> str | None:
    return CODE_PREFIX_LEVELS.get(str(code)[:3])


# --------------------------------------------------------------------------------------
# 2011 Census population by LSOA


def _load_census_lsoa(
    path: Path,
    text: str,
    header: list[str],
    keys: list[str],
    year: int | None,
    encoding: str = "utf-8",
) -> LoadResult:
    """The ONS 2011 Census LSOA table repeats 'Persons' (usual residents, then those in
    households, then in communal establishments), which ``read_table`` refuses, so it
    is read with the csv module and the *first* 'Persons' column is used."""
    if year is not None and year != 2011:
        raise ParameterError(
            f"year={year} was given but this is the 2011 Census LSOA table",
            file=path.name,
            fix="leave out year= or give year=2011",
        )
    check_columns(
        [h.lstrip("\ufeff").strip() for h in header],
        ["LSOA Code", "LSOA Name", "Persons"],
        path.name,
        "the 2011 Census population by LSOA table",
    )
    i_code, i_name, i_pop = keys.index("lsoa code"), keys.index("lsoa name"), keys.index("persons")
    width = max(i_code, i_name, i_pop) + 1
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    rows: list[tuple[str, str, str, int]] = []
    short: list[tuple[int, str]] = []
    damaged: list[tuple[int, str, str]] = []
    line = reader.line_num + 1
    for rec in reader:
        this_line, line = line, reader.line_num + 1
        if not rec or all(v.strip() == "" for v in rec):
            continue
        reason = bad_text_reason(rec, encoding)
        if reason:
            damaged.append((this_line, shown(",".join(rec)), reason))
            continue
        if len(rec) < width:
            short.append((this_line, ",".join(rec)))
            continue
        rows.append((rec[i_code], rec[i_name], rec[i_pop], this_line))
    body = pd.DataFrame(rows, columns=["area_code", "area_name", "population", "source_line"])
    body = body.astype({c: "str" for c in ("area_code", "area_name", "population")})
    body = body.apply(lambda s: s.str.strip() if s.name != "source_line" else s)
    body = body.assign(level="lsoa", year="2011")
    frame, rejects = _validate(body, path.name, {"population": "Persons"})
    if short:
        lines, values = zip(*short, strict=True)
        short_rejects = make_rejects(
            path.name, lines, "short line (truncated or cut short)", None, values
        )
        rejects = pd.concat([short_rejects, rejects], ignore_index=True)
    for line, value, reason in damaged:
        rejects = pd.concat(
            [rejects, make_rejects(path.name, [line], reason, None, [value])], ignore_index=True
        )
    notes = ["2011 Census: population is all usual residents (the first 'Persons' column)"]
    return LoadResult(TABLE, frame, rejects, str(path), Counter(), notes)


# --------------------------------------------------------------------------------------
# Tidy CSV


def _load_tidy(path: Path, data: bytes, year: int | None, level: str | None) -> LoadResult:
    table = read_table(data, path.name)
    keys = [norm_name(h) for h in table.header]
    required = ["area_code", "area_name", "population"]
    required += ["year"] if year is None else []
    required += ["level"] if level is None else []
    check_columns(
        [re.sub(r"\s+", " ", h).strip() for h in table.header],
        required,
        path.name,
        "a population table",
        "give the columns area_code, area_name, level, year, population "
        "(or load with year= / level= when every row shares them)",
    )
    body = pd.DataFrame({"source_line": table.frame["source_line"]})
    for column in COLUMNS:
        if column in keys:
            body[column] = table.frame[table.header[keys.index(column)]].str.strip()
        else:
            body[column] = ""
    if year is not None:
        body["year"] = body["year"].mask(body["year"] == "", str(year))
    body["level"] = body["level"].str.casefold()
    if level is not None:
        body["level"] = body["level"].mask(body["level"] == "", level)
    frame, rejects = _validate(body, path.name, {})
    rejects = pd.concat([r for r in (table.rejects, rejects) if len(r)] or [empty_rejects()])
    return LoadResult(TABLE, frame, rejects.reset_index(drop=True), str(path), Counter(), [])


# --------------------------------------------------------------------------------------
# Shared checks


def _year(text: str) -> int | None:
    m = re.fullmatch(r"(?:mid[-\s]?)?(\d{4})", str(text).strip(), flags=re.IGNORECASE)
    return int(m.group(1)) if m and 1800 <= int(m.group(1)) <= 2200 else None


def _validate(
    body: pd.DataFrame, source_file: str, published: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep rows with a code, a known level, a year and a whole non-negative population.

    ``body`` holds stripped strings in COLUMNS plus ``source_line``; ``published``
    names columns as the file spells them, for the rejects.
    """
    body = body.reset_index(drop=True)
    pop_text = body["population"].astype("str")
    pop_ok = pop_text.str.fullmatch(_NUMBER.pattern).fillna(False)
    population = pd.to_numeric(pop_text.where(pop_ok).str.replace(",", ""), errors="coerce")
    years = body["year"].astype("str").map({v: _year(v) for v in body["year"].unique()})
    level = body["level"].astype("str")
    checks = [
        (body["area_code"] == "", "area_code", NO_CODE),
        (body["year"] == "", "year", NO_YEAR),
        (years.isna(), "year", BAD_YEAR),
        (level.isna() | (level == ""), "level", NO_LEVEL),
        (~level.isin(LEVELS), "level", BAD_LEVEL),
        (population.isna(), "population", BAD_POPULATION),
        (population < 0, "population", NEGATIVE_POPULATION),
    ]
    bad = pd.Series(False, index=body.index)
    parts = []
    lines = body["source_line"].to_numpy()
    for mask, column, reason in checks:
        hit = mask.fillna(False).astype(bool) & ~bad
        if hit.any():
            parts.append(
                make_rejects(
                    source_file,
                    lines[hit.to_numpy()],
                    reason,
                    published.get(column, column),
                    body.loc[hit, column],
                )
            )
        bad |= hit
    # The same area and year twice would double a denominator: keep the first.
    key = body["area_code"] + "|" + years.astype("str") + "|" + level
    valid_key = key.where(~bad)
    dup = valid_key.notna() & valid_key.duplicated(keep="first")
    if dup.any():
        first_line = dict(
            zip(key[~bad & ~dup].to_numpy(), lines[(~bad & ~dup).to_numpy()], strict=True)
        )
        where = body.index[dup]
        parts.append(
            make_rejects(
                source_file,
                lines[dup.to_numpy()],
                DUPLICATE,
                published.get("area_code", "area_code"),
                body.loc[where, "area_code"],
                [first_line[key[i]] for i in where],
            )
        )
        bad |= dup
    good = ~bad
    frame = pd.DataFrame(
        {
            "area_code": body.loc[good, "area_code"].astype("str"),
            "area_name": body.loc[good, "area_name"].astype("str"),
            "level": level[good],
            "year": years[good].astype("int64"),
            "population": population[good].astype("int64"),
        }
    ).reset_index(drop=True)
    rejects = pd.concat(parts, ignore_index=True) if parts else empty_rejects()
    return frame, rejects


# --------------------------------------------------------------------------------------
# Using the table


def population_for(
    pop_frame: pd.DataFrame, area_codes: str | Iterable[str], year: int
) -> tuple[int, int]:
    """Population of one area or the sum of several, for the year nearest to ``year``.

    Returns ``(population, year_used)`` so a report can say "rate per 1,000 using the
    mid-2019 estimate". Only years that every code has are considered, so a CSP of two
    districts never mixes years; on a tie (2018 and 2020 for 2019) the earlier year
    wins, being the estimate that was published at the time.

    >>> pop = pd.DataFrame({"area_code": ["A", "B", "A", "B"], "year": [2018, 2018, 2020, 2020],
    ...                     "population": [100, 50, 110, 55]})
    >>> population_for(pop, ["A", "B"], 2021)
    (165, 2020)
    >>> population_for(pop, "A", 2019)
    (100, 2018)
    """
    codes = [area_codes] if isinstance(area_codes, str) else list(dict.fromkeys(area_codes))
    if not codes:
        raise ParameterError("no area codes given for a population")
    sub = pop_frame[pop_frame["area_code"].isin(codes)]
    missing = [c for c in codes if c not in set(sub["area_code"])]
    if missing:
        raise ParameterError(
            f"no population for area code(s) {', '.join(missing)}",
            fix="load a population file that covers them (ONS mid-year estimates)",
        )
    years_by_code = sub.groupby("area_code")["year"].agg(lambda s: set(int(y) for y in s))
    common = set.intersection(*years_by_code.tolist())
    if not common:
        raise ParameterError(
            f"no single year has a population for every one of {', '.join(codes)}",
            fix="load population estimates for the same year for all of them",
        )
    year_used = min(common, key=lambda y: (abs(y - int(year)), y))
    rows = sub[sub["year"] == year_used]
    per_code = rows.groupby("area_code")["population"].agg(["min", "max"])
    conflicting = per_code.index[per_code["min"] != per_code["max"]].tolist()
    if conflicting:
        raise ParameterError(
            f"two different {year_used} populations for {', '.join(conflicting)}",
            fix="load only one population source per area and year",
        )
    return int(per_code["min"].sum()), int(year_used)
