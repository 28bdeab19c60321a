"""Geography: ONS local authority -> CSP -> police force area lookups and LSOA lists.

Joins are on codes, never names: districts are renamed (Shepway became Folkestone
and Hythe with the same code E07000112) and some CSPs span two districts
(Dartford and Gravesham). An LSOA's district comes from an LSOA list (census or
ONS lookup file); only when the list lacks an LSOA is the LSOA *name* prefix
("Maidstone 012C" -> "Maidstone") used, and such rows are counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from csplib.errors import InputFormatError
from csplib.sources.base import LoadResult, make_rejects, read_path_bytes, read_table

LAD_COLUMNS = ["lad_code", "lad_name", "csp_code", "csp_name", "pfa_code", "pfa_name"]
LSOA_COLUMNS = ["lsoa_code", "lsoa_name", "lad_code", "lad_name"]

#: Former district names (as they appear in 2011 LSOA names) -> current names.
DISTRICT_ALIASES = {
    "shepway": "folkestone and hythe",
    "taunton deane": "somerset west and taunton",
    "west somerset": "somerset west and taunton",
    "forest heath": "west suffolk",
    "st edmundsbury": "west suffolk",
    "suffolk coastal": "east suffolk",
    "waveney": "east suffolk",
    "kingston upon hull, city of": "kingston upon hull",
    "bristol, city of": "bristol",
    "herefordshire, county of": "herefordshire",
}

_CODE = re.compile(r"^[A-Z]\d{8}$")


def _find(header: list[str], patterns: list[str]) -> str | None:
    for pat in patterns:
        rx = re.compile(pat, re.IGNORECASE)
        for h in header:
            if rx.fullmatch(h.strip()):
                return h
    return None


def _norm_name(name: str) -> str:
    key = re.sub(r"\s+", " ", str(name).replace("&", "and")).strip().casefold()
    key = re.sub(r" (ua|district|borough|city)$", "", key)
    return DISTRICT_ALIASES.get(key, key)


def is_lad_lookup(header: list[str]) -> bool:
    return bool(
        _find(header, [r"LAD\d\dCD", "lad_code"]) and _find(header, [r"CSP\d\dCD", "csp_code"])
    )


def is_lsoa_list(header: list[str]) -> bool:
    return bool(
        _find(header, [r"LSOA\d\dCD", "LSOA Code", "lsoa_code"])
        and _find(header, [r"LAD\d\dCD", "Local authority code", "lad_code"])
    )


def load_lad_lookup(path: Path | str, data: bytes | None = None) -> LoadResult:
    """Load an ONS 'Local Authority District to CSP to PFA' lookup (any year's codes).

    Accepts ONS columns (LAD17CD, LAD17NM, CSP17CD, CSP17NM, PFA17CD, PFA17NM, for any
    year) or tidy ones (lad_code, ..., pfa_name). Rows without a valid code are rejected.
    """
    name = str(path)
    text = read_table(read_path_bytes(path) if data is None else data, name)
    cols = {}
    for canon, pats in {
        "lad_code": [r"LAD\d\dCD", "lad_code"],
        "lad_name": [r"LAD\d\dNM", "lad_name"],
        "csp_code": [r"CSP\d\dCD", "csp_code"],
        "csp_name": [r"CSP\d\dNM", "csp_name"],
        "pfa_code": [r"PFA\d\dCD", "pfa_code"],
        "pfa_name": [r"PFA\d\dNM", "pfa_name"],
    }.items():
        found = _find(text.header, pats)
        if found is None:
            raise InputFormatError(
                f"this does not look like an ONS LAD -> CSP -> PFA lookup: no {canon} column "
                f"(looked for {' or '.join(pats)}); the header has {', '.join(text.header)}",
                file=name,
                line=1,
                fix="use the ONS 'Local Authority District to Community Safety Partnerships "
                "to Police Force Areas' lookup CSV",
            )
        cols[canon] = found
    frame = text.frame
    out = pd.DataFrame({c: frame[src].str.strip() for c, src in cols.items()})
    out["source_line"] = frame["source_line"].to_numpy()
    bad = ~out["lad_code"].str.match(_CODE.pattern) | ~out["csp_code"].str.match(_CODE.pattern)
    rejects = make_rejects(
        name,
        out.loc[bad, "source_line"],
        "LAD or CSP code is not a 9-character ONS code",
        "lad_code",
        out.loc[bad, "lad_code"],
    )
    rejects = pd.concat([text.rejects, rejects], ignore_index=True)
    return LoadResult(
        "geography_lad", out.loc[~bad, LAD_COLUMNS].reset_index(drop=True), rejects, name
    )


def load_lsoa_list(path: Path | str, data: bytes | None = None) -> LoadResult:
    """Load an LSOA list giving each LSOA's local authority.

    Accepts the 2011 census LSOA population file (``LSOA Code``, ``Local authority code``),
    ONS lookups (``LSOA11CD``/``LSOA21CD`` with ``LADyyCD``) or tidy columns.
    """
    name = str(path)
    text = read_table(read_path_bytes(path) if data is None else data, name)
    pats = {
        "lsoa_code": [r"LSOA\d\dCD", "LSOA Code", "lsoa_code"],
        "lsoa_name": [r"LSOA\d\dNM", "LSOA Name", "lsoa_name"],
        "lad_code": [r"LAD\d\dCD", "Local authority code", "lad_code"],
        "lad_name": [r"LAD\d\dNM", "Local authority name", "lad_name"],
    }
    cols = {c: _find(text.header, p) for c, p in pats.items()}
    if cols["lsoa_code"] is None or cols["lad_code"] is None:
        raise InputFormatError(
            "this does not look like an LSOA list: it needs an LSOA code column and a local "
            f"authority code column; the header has {', '.join(text.header)}",
            file=name,
            line=1,
            fix="use an ONS LSOA to local authority lookup, or the census LSOA population file",
        )
    frame = text.frame
    out = pd.DataFrame(
        {
            c: (frame[src].str.strip() if src else pd.Series(pd.NA, index=frame.index, dtype="str"))
            for c, src in cols.items()
        }
    )
    out["lad_name"] = out["lad_name"].str.replace(r" UA$", "", regex=True)
    out["source_line"] = frame["source_line"].to_numpy()
    bad = ~out["lsoa_code"].str.match(_CODE.pattern)
    rejects = make_rejects(
        name,
        out.loc[bad, "source_line"],
        "LSOA code is not a 9-character ONS code",
        "lsoa_code",
        out.loc[bad, "lsoa_code"],
    )
    rejects = pd.concat([text.rejects, rejects], ignore_index=True)
    return LoadResult(
        "geography_lsoa", out.loc[~bad, LSOA_COLUMNS].reset_index(drop=True), rejects, name
    )


@dataclass
class Geography:
    """The lookups an ingest assigns rows with: LSOA -> district -> CSP -> force area."""

    lad: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LAD_COLUMNS))
    lsoa: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LSOA_COLUMNS))

    def __post_init__(self) -> None:
        self._lad = {r.lad_code: r for r in self.lad.itertuples(index=False)}
        self._lsoa_lad = dict(zip(self.lsoa["lsoa_code"], self.lsoa["lad_code"], strict=True))
        self._lsoa_name = dict(zip(self.lsoa["lsoa_code"], self.lsoa["lsoa_name"], strict=True))
        self._lad_by_name = {_norm_name(r.lad_name): r.lad_code for r in self._lad.values()}
        self._cache: dict[tuple[str, str | None], tuple[str | None, str]] = {}

    @property
    def empty(self) -> bool:
        return not self._lad

    def pfa_code_for(self, pfa_name: str | None) -> str | None:
        if not pfa_name:
            return None
        key = _norm_name(pfa_name)
        for r in self._lad.values():
            if _norm_name(r.pfa_name) == key:
                return r.pfa_code
        return None

    def lad_for_lsoa(self, code: str, name: str | None) -> tuple[str | None, str]:
        """District code for one LSOA and how it was found: 'list', 'name' or 'none'."""
        key = (code, name)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._lad_for_lsoa(code, name)
        return hit

    def _lad_for_lsoa(self, code: str, name: str | None) -> tuple[str | None, str]:
        lad = self._lsoa_lad.get(code)
        if lad in self._lad:
            return lad, "list"
        if name:
            prefix = re.sub(r"\s+\d{3}[A-Z]$", "", name.strip())
            lad = self._lad_by_name.get(_norm_name(prefix))
            if lad:
                return lad, "name"
        return None, "none"

    def name_disagrees(self, code: str, name: str | None) -> bool:
        known = self._lsoa_name.get(code)
        return bool(known and name and known.strip() != name.strip())

    def lad_record(self, lad_code: str):
        return self._lad.get(lad_code)

    def csps(self, pfa_code: str | None = None) -> pd.DataFrame:
        """CSPs (code, name, force area) optionally within one police force area."""
        frame = self.lad
        if pfa_code:
            frame = frame[frame["pfa_code"] == pfa_code]
        return (
            frame[["csp_code", "csp_name", "pfa_code", "pfa_name"]]
            .drop_duplicates()
            .reset_index(drop=True)
        )
