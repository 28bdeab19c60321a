"""Resident population by ethnic group -> the ``population_ethnicity`` table.

Reads the tidy template (``data/templates/population_ethnicity_template.csv``: area_code,
area_name, year, ethnic_group, population) and the 2011 Census table QS201EW as Nomis
downloads it (one row per area, one column per group, "Ethnic Group: Black; measures:
Value"). Rows are stored by the five high-level groups of the census (Asian, Black,
Mixed, White, Other); a tidy file may give the 18 detailed census groups instead, and
they are summed into their high-level group.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd

from csplib.errors import InputFormatError
from csplib.sources.base import LoadResult, check_columns, make_rejects, read_path_bytes, read_table

TABLE = "population_ethnicity"
COLUMNS = ["area_code", "area_name", "year", "ethnic_group", "population"]
KEY = ["area_code", "year", "ethnic_group"]

#: The five high-level ethnic groups of the 2011 and 2021 censuses, in report order.
GROUPS = ("Asian", "Black", "Mixed", "White", "Other")

#: Words that open a detailed group's name (census or police.uk) -> high-level group.
_PREFIXES = (
    ("asian", "Asian"),
    ("black", "Black"),
    ("mixed", "Mixed"),
    ("white", "White"),
    ("gypsy", "White"),
    ("irish", "White"),
    ("other", "Other"),
    ("arab", "Other"),
    ("any other ethnic", "Other"),
)

_NOMIS_GROUP = re.compile(r"^Ethnic Group: (Asian|Black|Mixed|White|Other); measures: Value$")

NOT_STATED = "Not stated"


def high_level_group(name: object) -> str | None:
    """The high-level group of a census or police.uk ethnicity name; None when blank or
    unknown; ``'Not stated'`` for police.uk's "Other ethnic group - Not stated".

    >>> high_level_group("Black/African/Caribbean/Black British - Caribbean")
    'Black'
    >>> high_level_group("Mixed/Multiple ethnic groups - White and Black African")
    'Mixed'
    >>> high_level_group("Other ethnic group - Not stated")
    'Not stated'
    >>> high_level_group("White: Gypsy or Irish Traveller")
    'White'
    """
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return None
    key = " ".join(str(name).split()).casefold()
    if not key:
        return None
    if "not stated" in key:
        return NOT_STATED
    for prefix, group in _PREFIXES:
        if key.startswith(prefix):
            return group
    return None


def is_ethnicity_table(header: list[str]) -> bool:
    """A tidy ethnicity population table or the Nomis QS201EW download."""
    keys = {h.strip().casefold() for h in header}
    return {"ethnic_group", "population"} <= keys or any(_NOMIS_GROUP.match(h) for h in header)


def load_population_ethnicity(path: Path | str, data: bytes | None = None) -> LoadResult:
    """Load a population-by-ethnicity table (tidy template or Nomis QS201EW)."""
    path = Path(path)
    data = read_path_bytes(path) if data is None else data
    text = read_table(data, path.name)
    if any(_NOMIS_GROUP.match(h) for h in text.header):
        return _load_nomis(path, text)
    return _load_tidy(path, text)


def _load_nomis(path: Path, text) -> LoadResult:
    check_columns(text.header, ["date", "geography code", "geography"], path.name, "QS201EW")
    frame = text.frame
    rows, bad_lines, bad_values = [], [], []
    for rec in frame.to_dict("records"):
        if rec.get("Rural Urban", "Total") not in ("Total", None, ""):
            continue  # the Nomis download can split areas into rural and urban parts
        for h in text.header:
            m = _NOMIS_GROUP.match(h)
            if not m:
                continue
            value = str(rec[h]).replace(",", "").strip()
            if not value.isdigit():
                bad_lines.append(rec["source_line"])
                bad_values.append(rec[h])
                continue
            rows.append(
                {
                    "area_code": rec["geography code"].strip(),
                    "area_name": rec["geography"].strip(),
                    "year": int(str(rec["date"]).strip()[:4]),
                    "ethnic_group": m.group(1),
                    "population": int(value),
                    "source_line": rec["source_line"],
                }
            )
    out = pd.DataFrame(rows, columns=[*COLUMNS, "source_line"])
    rejects = make_rejects(
        path.name, bad_lines, "population is not a whole number", None, bad_values
    )
    notes = ["census QS201EW: the five high-level ethnic groups, all usual residents"]
    return LoadResult(TABLE, _typed(out), rejects, str(path), Counter(), notes)


def _load_tidy(path: Path, text) -> LoadResult:
    check_columns(
        text.header,
        ["area_code", "year", "ethnic_group", "population"],
        path.name,
        "a population-by-ethnicity table",
        "use data/templates/population_ethnicity_template.csv",
    )
    lower = {h.casefold(): h for h in text.header}
    f = text.frame
    body = pd.DataFrame(
        {
            "area_code": f[lower["area_code"]].str.strip(),
            "area_name": f[lower["area_name"]].str.strip() if "area_name" in lower else "",
            "year": f[lower["year"]].str.strip(),
            "ethnic_group": f[lower["ethnic_group"]].map(high_level_group),
            "population": f[lower["population"]].str.replace(",", "").str.strip(),
            "source_line": f["source_line"],
        }
    )
    checks = (
        ("area_code", body["area_code"].fillna("") == "", "area code is empty"),
        (
            "ethnic_group",
            body["ethnic_group"].isna() | (body["ethnic_group"] == NOT_STATED),
            "ethnic group is not a census group (Asian, Black, Mixed, White, Other)",
        ),
        ("year", ~body["year"].fillna("").str.fullmatch(r"\d{4}"), "year is not a year like 2021"),
        (
            "population",
            ~body["population"].fillna("").str.fullmatch(r"\d+"),
            "population is not a whole number",
        ),
    )
    bad = []
    taken = pd.Series(False, index=body.index)
    for col, mask, reason in checks:
        mask = mask & ~taken  # one reason per row: the first that applies
        if mask.any():
            raw = f.loc[mask, lower[col]]
            bad.append(make_rejects(path.name, body.loc[mask, "source_line"], reason, col, raw))
            taken |= mask
    body = body[~taken]
    if body.empty and not bad:
        raise InputFormatError("the table has no rows", file=path.name, line=2)
    body = body.astype({"year": "int64", "population": "int64"})
    # Detailed groups sum into their high-level group.
    out = body.groupby(["area_code", "year", "ethnic_group"], as_index=False).agg(
        area_name=("area_name", "first"),
        population=("population", "sum"),
        source_line=("source_line", "min"),
    )
    rejects = pd.concat(bad, ignore_index=True) if bad else make_rejects(path.name, [], "")
    return LoadResult(TABLE, _typed(out[[*COLUMNS, "source_line"]]), rejects, str(path))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return (
        frame[COLUMNS]
        .astype(
            {
                "area_code": "str",
                "area_name": "str",
                "year": "int64",
                "ethnic_group": "str",
                "population": "int64",
            }
        )
        .reset_index(drop=True)
    )
