"""ONS LSOA-to-ward-to-local-authority lookup -> the ``lsoa_ward`` table.

Columns as ONS publishes them, for any year's codes: ``LSOA11CD, LSOA11NM, WD21CD,
WD21NM, LAD21CD, LAD21NM`` (or LSOA21CD ..., WD23CD ...). Other columns (FID, Welsh
names) are ignored. Template: ``data/templates/lsoa_ward_lookup_template.csv``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd

from csplib.errors import InputFormatError
from csplib.sources.base import LoadResult, make_rejects, read_path_bytes, read_table

TABLE = "lsoa_ward"
COLUMNS = ["lsoa_code", "lsoa_name", "ward_code", "ward_name", "lad_code", "lad_name"]
KEY = ["lsoa_code"]
_PATTERNS = {
    "lsoa_code": r"LSOA\d\dCD",
    "lsoa_name": r"LSOA\d\dNM",
    "ward_code": r"WDC?\d\dCD",
    "ward_name": r"WDC?\d\dNM",
    "lad_code": r"LAD\d\dCD",
    "lad_name": r"LAD\d\dNM",
}


def _column(header: list[str], pattern: str) -> str | None:
    rx = re.compile(pattern, re.IGNORECASE)
    return next((h for h in header if rx.fullmatch(h.strip())), None)


def is_ward_lookup(header: list[str]) -> bool:
    """An LSOA-to-ward lookup: LSOA and ward codes in one file."""
    return bool(_column(header, _PATTERNS["lsoa_code"]) and _column(header, _PATTERNS["ward_code"]))


def load_ward_lookup(path: Path | str, data: bytes | None = None) -> LoadResult:
    """Load an ONS LSOA-to-ward lookup (rows with no LSOA or ward code are rejected; an
    LSOA split between wards keeps the first ward, as ONS best-fit lookups assign one)."""
    path = Path(path)
    text = read_table(read_path_bytes(path) if data is None else data, path.name)
    cols = {k: _column(text.header, p) for k, p in _PATTERNS.items()}
    missing = [
        p
        for k, p in _PATTERNS.items()
        if cols[k] is None and k in ("lsoa_code", "ward_code", "ward_name")
    ]
    if missing:
        raise InputFormatError(
            f"this does not look like an LSOA-to-ward lookup: no column like {', '.join(missing)}",
            file=path.name,
            line=1,
            fix="use the ONS lookup or data/templates/lsoa_ward_lookup_template.csv",
        )
    f = text.frame
    body = pd.DataFrame(
        {k: (f[c].str.strip() if c else pd.Series("", index=f.index)) for k, c in cols.items()}
    )
    body["source_line"] = f["source_line"]
    bad = (body["lsoa_code"].fillna("") == "") | (body["ward_code"].fillna("") == "")
    rejects = make_rejects(path.name, body.loc[bad, "source_line"], "LSOA or ward code is empty")
    body = body[~bad]
    dup = body.duplicated("lsoa_code", keep="first")
    flags: Counter = Counter()
    if dup.any():
        flags["LSOA in more than one ward (first kept)"] = int(dup.sum())
    body = body[~dup]
    frame = body[COLUMNS].astype("str").reset_index(drop=True)
    return LoadResult(TABLE, frame, rejects, str(path), flags)
