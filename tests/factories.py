"""Small input files the tests build themselves, so expected counts are known by hand."""

from __future__ import annotations

import csv
import io
from pathlib import Path

STREET_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip

FORCE = "Testshire Police"

#: A tiny invented geography: 3 districts, two of which share one CSP.
LAD_LOOKUP = [
    ["LAD23CD", "LAD23NM", "CSP23CD", "CSP23NM", "PFA23CD", "PFA23NM"],
    ["X07000001", "Alpha", "X22000001", "Alpha", "X23000001", "Testshire"],
    ["X07000002", "Beta", "X22000002", "Beta and Gamma", "X23000001", "Testshire"],
    ["X07000003", "Gamma", "X22000002", "Beta and Gamma", "X23000001", "Testshire"],
    ["X07000009", "Elsewhere", "X22000009", "Elsewhere", "X23000009", "Otherland"],
]
LSOA_LIST = [
    ["LSOA21CD", "LSOA21NM", "LAD23CD", "LAD23NM"],
    ["X01000001", "Alpha 001A", "X07000001", "Alpha"],
    ["X01000002", "Alpha 001B", "X07000001", "Alpha"],
    ["X01000003", "Beta 001A", "X07000002", "Beta"],
    ["X01000004", "Gamma 001A", "X07000003", "Gamma"],
    ["X01000009", "Elsewhere 001A", "X07000009", "Elsewhere"],
]


def street_row(
    month: str = "2023-04",
    crime_type: str = "Burglary",
    lsoa: str = "X01000001",
    lsoa_name: str | None = None,
    crime_id: str | None = None,
    lon: str = "-1.5",
    lat: str = "52.1",
    location: str = "On or near High Street",
    force: str = FORCE,
) -> list[str]:
    names = {r[0]: r[1] for r in LSOA_LIST[1:]}
    if crime_id is None:
        crime_id = (
            "" if crime_type == "Anti-social behaviour" else f"id-{month}-{lsoa}-{crime_type}"
        )
    return [
        crime_id, month, force, force, lon, lat, location, lsoa,
        names.get(lsoa, "") if lsoa_name is None else lsoa_name, crime_type,
        "" if crime_type == "Anti-social behaviour" else "Under investigation", "",
    ]  # fmt: skip


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes(rows, encoding))
    return path


def write_street(
    folder: Path, month: str, rows: list[list[str]], force_id: str = "testshire"
) -> Path:
    """Write rows as data.police.uk does: <folder>/<month>/<month>-<force>-street.csv."""
    return write_csv(folder / month / f"{month}-{force_id}-street.csv", [STREET_HEADER, *rows])


def write_geography(folder: Path) -> list[Path]:
    return [
        write_csv(folder / "lad_csp_pfa.csv", LAD_LOOKUP, encoding="utf-8-sig"),
        write_csv(folder / "lsoa_lookup.csv", LSOA_LIST),
    ]
