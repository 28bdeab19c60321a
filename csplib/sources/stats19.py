"""DfT road safety data (STATS19) in its published CSV layout -> ``road_collisions`` and
``road_casualties``.

Column names as DfT publishes them (``dft-road-casualty-statistics-collision-*.csv`` and
``...-casualty-*.csv``); the older "accident_*" names are accepted too. Codes are kept as
published (``casualty_severity`` 1 fatal, 2 serious, 3 slight); the code lists are in
DfT's schema file. The adjusted-severity columns (``casualty_adjusted_serious``,
``casualty_adjusted_slight``, probabilities DfT publishes so that years before and after
the CRASH reporting system compare) are kept where present.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from csplib.errors import InputFormatError
from csplib.sources.base import LoadResult, make_rejects, read_path_bytes, read_table

COLLISIONS = "road_collisions"
CASUALTIES = "road_casualties"
COLLISION_COLUMNS = [
    "collision_index",
    "collision_year",
    "date",
    "police_force",
    "collision_severity",
    "local_authority_district",
    "local_authority_ons_district",
    "longitude",
    "latitude",
    "collision_adjusted_serious",
    "collision_adjusted_slight",
]
CASUALTY_COLUMNS = [
    "collision_index",
    "collision_year",
    "vehicle_reference",
    "casualty_reference",
    "casualty_class",
    "casualty_severity",
    "age_band_of_casualty",
    "casualty_type",
    "casualty_adjusted_serious",
    "casualty_adjusted_slight",
]
COLLISION_KEY = ["collision_index"]
CASUALTY_KEY = ["collision_index", "vehicle_reference", "casualty_reference"]

#: Older DfT names -> current ones.
_RENAMES = {
    "accident_index": "collision_index",
    "accident_year": "collision_year",
    "accident_reference": "collision_ref_no",
    "accident_severity": "collision_severity",
    "accident_adjusted_severity_serious": "collision_adjusted_serious",
    "accident_adjusted_severity_slight": "collision_adjusted_slight",
    "adjusted_serious": "casualty_adjusted_serious",
    "adjusted_slight": "casualty_adjusted_slight",
    "casualty_adjusted_severity_serious": "casualty_adjusted_serious",
    "casualty_adjusted_severity_slight": "casualty_adjusted_slight",
}
_FLOATS = {
    "longitude",
    "latitude",
    "collision_adjusted_serious",
    "collision_adjusted_slight",
    "casualty_adjusted_serious",
    "casualty_adjusted_slight",
}


def _keys(header: list[str]) -> set[str]:
    return {_RENAMES.get(h.strip().casefold(), h.strip().casefold()) for h in header}


def stats19_kind(header: list[str]) -> str | None:
    """'stats19_casualty', 'stats19_collision' or None from a header."""
    keys = _keys(header)
    if "collision_index" not in keys:
        return None
    if "casualty_severity" in keys:
        return "stats19_casualty"
    if "collision_severity" in keys and (
        "local_authority_ons_district" in keys or "local_authority_district" in keys
    ):
        return "stats19_collision"
    return None


def _load(path: Path, data: bytes | None, columns: list[str], severity: str, table: str):
    text = read_table(read_path_bytes(path) if data is None else data, path.name)
    f = text.frame
    f.columns = [_RENAMES.get(c.strip().casefold(), c.strip().casefold()) for c in f.columns]
    need = ["collision_index", severity]
    missing = [c for c in need if c not in f.columns]
    if missing:
        raise InputFormatError(
            f"this does not look like a STATS19 {table.split('_')[1]} file: no {', '.join(missing)}",
            file=path.name,
            line=1,
            fix="give the DfT road safety CSV as published",
        )
    out = pd.DataFrame(index=f.index)
    for c in columns:
        if c not in f.columns:
            out[c] = float("nan") if c in _FLOATS else pd.NA
        elif c in _FLOATS:
            out[c] = pd.to_numeric(f[c].str.strip(), errors="coerce")
        else:
            out[c] = f[c].str.strip()
    if out["collision_year"].isna().all():
        out["collision_year"] = out["collision_index"].str[:4]
    bad = ~out[severity].isin(["1", "2", "3"]) | (out["collision_index"].fillna("") == "")
    rejects = make_rejects(
        path.name,
        f.loc[bad, "source_line"],
        f"{severity} is not 1, 2 or 3",
        severity,
        out.loc[bad, severity],
    )
    out = out[~bad]
    out["collision_year"] = pd.to_numeric(out["collision_year"], errors="coerce").astype("Int64")
    text_cols = [c for c in columns if c not in _FLOATS and c != "collision_year"]
    out = out.astype({c: "str" for c in text_cols}).reset_index(drop=True)
    flags: Counter = Counter()
    adj = "casualty_adjusted_serious" if table == CASUALTIES else "collision_adjusted_serious"
    if out[adj].notna().any():
        flags["adjusted severity given"] = int(out[adj].notna().sum())
    return LoadResult(table, out, rejects, str(path), flags)


def load_collisions(path: Path | str, data: bytes | None = None) -> LoadResult:
    return _load(Path(path), data, COLLISION_COLUMNS, "collision_severity", COLLISIONS)


def load_casualties(path: Path | str, data: bytes | None = None) -> LoadResult:
    return _load(Path(path), data, CASUALTY_COLUMNS, "casualty_severity", CASUALTIES)


def district_code_map(schema: Path | str) -> dict[str, str]:
    """DfT's numeric ``local_authority_district`` codes -> ONS district codes, matched by
    name in DfT's schema code list (``dft_stats19_schema_codes.csv``), for collisions
    recorded before the ONS code column existed."""
    import csv

    numeric: dict[str, str] = {}
    ons: dict[str, str] = {}
    with open(schema, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["table"] != "collision":
                continue
            name = " ".join(row["label"].split()).casefold()
            if row["variable"] == "local_authority_district" and row["code"].lstrip("-").isdigit():
                numeric.setdefault(row["code"], name)
            elif row["variable"] == "local_authority_ons_district" and row["code"][:1].isalpha():
                ons.setdefault(name, row["code"])
    return {code: ons[name] for code, name in numeric.items() if name in ons}
