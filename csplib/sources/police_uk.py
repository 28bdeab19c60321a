"""data.police.uk street, outcomes and stop-and-search CSVs -> canonical Arrow tables.

Every input row is either kept (possibly with a flag, e.g. coordinates set to missing)
or rejected with a reason a person can read. Work is vectorised in Arrow: a
national year is ~6 million rows.
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csplib.errors import InputFormatError
from csplib.schema import ASB, FORCES, crime_class, force_slug, normalise_crime_type, offence_group
from csplib.sources.base import LoadResult, TextTable, make_rejects, read_table
from csplib.sources.geography import Geography

STREET_COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
    "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip
OUTCOME_COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
    "Location", "LSOA code", "LSOA name", "Outcome type",
]  # fmt: skip
SEARCH_COLUMNS = [
    "Type", "Date", "Part of a policing operation", "Policing operation", "Latitude",
    "Longitude", "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity",
    "Legislation", "Object of search", "Outcome", "Outcome linked to object of search",
    "Removal of more than just outer clothing",
]  # fmt: skip
OPTIONAL = {"Context", "Part of a policing operation", "Policing operation",
            "Outcome linked to object of search", "Removal of more than just outer clothing"}  # fmt: skip

FILE_NAME = re.compile(
    r"(?P<month>\d{4}-\d{2})-(?P<force>[a-z0-9-]+?)-(?P<kind>street|outcomes|stop-and-search)\.csv$",
    re.IGNORECASE,
)
KIND_LABEL = {
    "street": "street crime",
    "outcomes": "outcomes",
    "stop-and-search": "stop-and-search",
}
ARTICLE = {"street": "a", "outcomes": "an", "stop-and-search": "a"}

#: data.police.uk began in December 2010.
FIRST_MONTH = "2010-12"
#: Longitude/latitude box around Great Britain; points outside (or at 0,0) are unusable.
GB_BOX = (-8.8, 49.8, 1.9, 60.95)

CRIME_COLUMNS = [
    "crime_id", "month", "force", "reported_by", "falls_within", "longitude", "latitude",
    "location", "lsoa_code", "lsoa_name", "crime_type", "crime_type_raw", "offence_group",
    "crime_class", "is_asb", "last_outcome_category", "context", "lad_code", "csp_code",
    "csp_name", "pfa_code", "pfa_name", "geo_status", "source_file", "source_line",
]  # fmt: skip


def parse_file_name(name: str) -> tuple[str, str, str] | None:
    """(month, force, kind) from a data.police.uk file name, or None.

    >>> parse_file_name("2018-10/2018-10-kent-street.csv")
    ('2018-10', 'kent', 'street')
    >>> parse_file_name("2019-01-city-of-london-stop-and-search.csv")
    ('2019-01', 'city-of-london', 'stop-and-search')
    """
    m = FILE_NAME.search(name.replace("\\", "/").rsplit("/", 1)[-1])
    if not m:
        return None
    return m["month"], m["force"].lower(), m["kind"].lower()


def detect_kind(header: list[str]) -> str | None:
    """'street', 'outcomes' or 'stop-and-search' from a header, else None."""
    cols = {h.strip().casefold() for h in header}
    if "crime type" in cols:
        return "street"
    if "outcome type" in cols:
        return "outcomes"
    if "object of search" in cols:
        return "stop-and-search"
    return None


def _columns(text: TextTable, expected: list[str], kind: str, name: str) -> dict[str, str]:
    found = detect_kind(text.header)
    if found != kind:
        what = (
            f"{ARTICLE[found]} {KIND_LABEL[found]} file" if found else "not a data.police.uk file"
        )
        raise InputFormatError(
            f"expected a data.police.uk {KIND_LABEL[kind]} file but the header says this is "
            f"{what} (header: {', '.join(text.header[:8])}...)",
            file=name,
            line=1,
            fix=f"give this file as {KIND_LABEL[found]} data (name it YYYY-MM-force-{found}.csv)"
            if found
            else f"check you picked the right file; a {KIND_LABEL[kind]} file starts with "
            f"{', '.join(expected[:4])}",
        )
    by_key = {h.strip().casefold(): h for h in text.header}
    mapping, missing = {}, []
    for col in expected:
        if col.casefold() in by_key:
            mapping[col] = by_key[col.casefold()]
        elif col not in OPTIONAL:
            missing.append(col)
    if missing:
        raise InputFormatError(
            f"{KIND_LABEL[kind]} file is missing column(s) {', '.join(repr(m) for m in missing)}",
            file=name,
            line=1,
            fix="re-download the file from data.police.uk; do not edit its header",
        )
    return mapping


class _Columns(dict):
    """Table columns as single Arrow arrays (compute kernels then return arrays)."""

    def __init__(self, table: pa.Table) -> None:
        super().__init__({n: _one_chunk(table[n]) for n in table.column_names})
        self.num_rows = table.num_rows


def _one_chunk(col: pa.ChunkedArray) -> pa.Array:
    # A single chunk is used as is: combine_chunks would copy it.
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _bools(mask: pa.Array | np.ndarray) -> np.ndarray:
    """A boolean mask as numpy, null counted as False."""
    if isinstance(mask, np.ndarray):
        return mask
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _indices(arr: pa.DictionaryArray) -> np.ndarray:
    """Dictionary indices as numpy int64, -1 for a null row."""
    return pc.fill_null(arr.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)


class _Rejector:
    """Collects one reason per rejected row (the first rule it fails).

    Masks are numpy booleans: a file is a few thousand rows, and numpy's small-array
    operations cost less than Arrow kernel calls (each with its own Python overhead).
    """

    def __init__(self, table: _Columns, name: str) -> None:
        self.n = table.num_rows
        self.lines = table["source_line"].to_numpy(zero_copy_only=False)
        self.name = name
        self.keep = np.ones(self.n, dtype=bool)
        self.parts: list[pd.DataFrame] = []

    def reject(
        self, mask: pa.Array | np.ndarray, reason: str, column: str, values: pa.Array
    ) -> None:
        mask = _bools(mask) & self.keep
        if not mask.any():
            return
        rows = np.flatnonzero(mask)
        self.parts.append(
            make_rejects(
                self.name,
                self.lines[rows].tolist(),
                reason,
                column,
                values.take(pa.array(rows)).to_pylist(),
            )
        )
        self.keep &= ~mask

    def reject_values(
        self, arr: pa.DictionaryArray, reason_for: Callable[[str | None], str | None], column: str
    ) -> None:
        """Reject rows by a rule applied once per distinct value (not once per row);
        null rows are judged as the value None."""
        reasons = [reason_for(v) for v in arr.dictionary.to_pylist()]
        # The null rows' reason goes last: index -1 (a null row) then picks it.
        reasons.append(reason_for(None) if arr.null_count else None)
        ids = {r: i for i, r in enumerate(dict.fromkeys(r for r in reasons if r))}
        if not ids:
            return
        row_reason = np.array([ids.get(r, -1) for r in reasons])[_indices(arr)]
        for reason, i in ids.items():
            self.reject(row_reason == i, reason, column, arr)


def _dict(arr: pa.Array) -> pa.DictionaryArray:
    return arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)


def _recode(arr: pa.Array, fn: Callable[[str], str | None]) -> pa.DictionaryArray:
    """Apply ``fn`` to each distinct value of a text column (not to each row).

    A None result makes its rows null (Parquet cannot store nulls inside a
    dictionary). Equal results share one dictionary entry, so the dictionary stays
    unique, which the Parquet writer needs to use it as it is.
    """
    arr = _dict(arr)
    values = arr.dictionary.to_pylist()
    results = [fn(v) for v in values]
    if results == values:
        return arr  # nothing to change (the dictionary of a parsed column is unique)
    position: dict[str, int] = {}
    mapping = [None if v is None else position.setdefault(v, len(position)) for v in results]
    indices = pc.take(pa.array(mapping, pa.int32()), arr.indices)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(position), pa.string()))


# A value str.strip() could shorten or that is blank: empty, or starting or ending with
# ASCII whitespace as Python counts it, or with any non-ASCII character (some are
# whitespace too: those are left to Python to judge).
_UNTRIMMED = r"^$|^[\x09-\x0d\x1c-\x20]|[\x09-\x0d\x1c-\x20]$|^[^\x00-\x7f]|[^\x00-\x7f]$"


def _clean(arr: pa.Array) -> pa.DictionaryArray:
    """Trim values (once per distinct value) and make blanks null."""
    arr = _dict(arr)
    # Many distinct values (LSOA codes and names): a regular expression finds out
    # whether any needs trimming faster than Python trims them all.
    if (
        len(arr.dictionary) > 64
        and not pc.any(pc.match_substring_regex(arr.dictionary, _UNTRIMMED)).as_py()
    ):
        return arr
    return _recode(arr, lambda v: v.strip() or None)


def _map(
    arr: pa.DictionaryArray, fn: Callable[[str], object], type_: pa.DataType | None = None
) -> pa.Array:
    """Apply ``fn`` to each distinct value; return a dictionary array with the results
    (or a plain array of ``type_``). Blank values map to null."""
    if type_ is None:
        return _recode(arr, lambda v: fn(v) if v else None)
    values = [fn(v) if v else None for v in arr.dictionary.to_pylist()]
    return pc.take(pa.array(values, type_), arr.indices)


def _from_codes(codes: np.ndarray, values: list[str | None]) -> pa.DictionaryArray:
    """Dictionary array from per-row codes into ``values``; a code of -1 or a None
    value makes the row null."""
    position: dict[str, int] = {}
    mapping = [-1 if v is None else position.setdefault(v, len(position)) for v in values]
    indices = np.array([*mapping, -1], dtype=np.int32)[codes]
    return pa.DictionaryArray.from_arrays(
        pa.array(indices, mask=indices < 0), pa.array(list(position), pa.string())
    )


def _constant(value: str, n: int) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, dtype=np.int32)), pa.array([value], pa.string())
    )


def _nulls(n: int) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.nulls(n, pa.int32()), pa.array([], pa.string()))


def _current_month() -> str:
    return date.today().strftime("%Y-%m")


_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _check_months(
    rej: _Rejector, month: pa.DictionaryArray, file_month: str | None, latest: str, col: str
) -> None:
    def reason(m: str | None) -> str | None:
        if m is None or not _MONTH.match(m):
            return "Month is not in the form YYYY-MM"
        if file_month and m != file_month:
            return f"Month differs from the file name's month {file_month}"
        if m > latest:
            return f"Month is in the future (after {latest})"
        if m < FIRST_MONTH:
            return f"Month is before data.police.uk began ({FIRST_MONTH})"
        return None

    rej.reject_values(month, reason, col)


#: Read as numbers where every value is one (see read_table).
COORDINATES = ["Longitude", "Latitude"]


def _coordinates(
    rej: _Rejector, lon_s: pa.Array, lat_s: pa.Array, flags: Counter
) -> tuple[pa.Array, pa.Array]:
    """Parse coordinates; reject text that is not a number; null unusable positions.

    Columns the reader already parsed (float64: every value a finite number, see
    ``read_table(numbers=...)``) are used as they are."""
    null_s = pa.scalar(None, pa.string())
    number = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
    parsed = []
    for arr, col in ((lon_s, "Longitude"), (lat_s, "Latitude")):
        if pa.types.is_floating(arr.type):
            parsed.append(arr)
            continue
        blank = pc.equal(arr, "")
        if pc.any(blank).as_py():
            arr = pc.if_else(blank, null_s, arr)
        try:
            parsed.append(pc.cast(arr, pa.float64()))
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        ok = pc.fill_null(pc.match_substring_regex(arr, number), True)
        rej.reject(pc.invert(ok), f"{col} is not a number", col, arr)
        parsed.append(pc.cast(pc.utf8_trim_whitespace(pc.if_else(ok, arr, null_s)), pa.float64()))
    lon, lat = parsed
    x = lon.to_numpy(zero_copy_only=False)  # null -> NaN, outside any box
    y = lat.to_numpy(zero_copy_only=False)
    west, south, east, north = GB_BOX
    inside = (x >= west) & (x <= east) & (y >= south) & (y <= north)
    either = _bools(lon.is_valid()) | _bools(lat.is_valid())
    n_bad = int(np.count_nonzero(either & ~inside & rej.keep))
    if n_bad:
        flags["coordinates outside Great Britain or (0,0): set to missing"] += n_bad
    return pa.array(x, mask=~inside), pa.array(y, mask=~inside)


def _reject_forceless(rej: _Rejector, falls: pa.Array, file_force: str | None) -> None:
    """Without a force in the file name, a row must say which force it falls within."""
    if not file_force:
        rej.reject(
            pc.is_null(falls),
            "no force: 'Falls within' is empty and the file name does not name one "
            "(name it YYYY-MM-<force>-street.csv)",
            "Falls within",
            falls,
        )


def _force_column(falls: pa.DictionaryArray, file_force: str | None, n: int) -> pa.Array:
    """Force identifier per row: the file name's, else from each row's 'Falls within'."""
    if file_force:
        return _constant(file_force, n)
    return _map(falls, force_slug)


GEO_FIELDS = ["lad_code", "csp_code", "csp_name", "pfa_code", "pfa_name"]
GEO_STATUS = ["in_force_area", "outside_force_area", "no_location", "unknown_lsoa"]


@dataclass
class _GeoIndex:
    """A Geography in the form a file's rows are placed with: each LSOA code of the
    list as an entry, with the entry's district (a position in ``records``) and listed
    name (a position in ``names``) in numpy arrays; built once and shared by every file
    of an ingest."""

    #: LSOA code -> its entry
    entry: dict[str, int]
    #: per entry, then -1 for "no entry": the district's position in ``records`` (-1
    #: when the lookup does not know it), and the listed name's position in ``names``
    #: (stripped; -1 when the list gives none, which never disagrees)
    entry_lad: np.ndarray
    entry_name: np.ndarray
    #: listed LSOA name -> position
    names: dict[str, int]
    #: district records (Geography.lad_record), the list's then those found by name
    records: list
    lad_position: dict[str, int]
    #: (code, name) -> (record position or -1, found by name?) for codes not placed by
    #: the list
    fallback: dict[tuple[str, str | None], tuple[int, bool]] = field(default_factory=dict)
    #: force name (FORCES) -> its police force area code in the lookup, or None
    force_pfa: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def build(cls, geo: Geography) -> _GeoIndex:
        lsoa = geo.lsoa.dropna(subset=["lsoa_code"]).drop_duplicates("lsoa_code", keep="last")
        codes = lsoa["lsoa_code"].tolist()
        records: list = []
        lad_position: dict[str, int] = {}
        entry_lad = []
        for lad in lsoa["lad_code"].tolist():
            rec = geo.lad_record(lad) if isinstance(lad, str) else None
            if rec is not None and lad not in lad_position:
                lad_position[lad] = len(records)
                records.append(rec)
            entry_lad.append(-1 if rec is None else lad_position[lad])
        names: dict[str, int] = {}
        # As Geography.name_disagrees: an empty or missing listed name never disagrees.
        entry_name = [
            names.setdefault(name.strip(), len(names)) if isinstance(name, str) and name else -1
            for name in lsoa["lsoa_name"].tolist()
        ]
        return cls(
            {c: i for i, c in enumerate(codes)},
            np.array([*entry_lad, -1], dtype=np.int64),
            np.array([*entry_name, -1], dtype=np.int64),
            names,
            records,
            lad_position,
        )

    def record_position(self, rec) -> int:
        pos = self.lad_position.get(rec.lad_code)
        if pos is None:
            pos = self.lad_position[rec.lad_code] = len(self.records)
            self.records.append(rec)
        return pos

    def own_pfa(self, geo: Geography, force: str) -> str | None:
        if force not in self.force_pfa:
            self.force_pfa[force] = geo.pfa_code_for(FORCES[force][1]) if force in FORCES else None
        return self.force_pfa[force]


def _geography(
    geo: Geography | None,
    force: pa.Array,
    lsoa_code: pa.DictionaryArray,
    lsoa_name: pa.DictionaryArray,
    flags: Counter,
) -> dict[str, pa.Array]:
    """District, CSP and force area per row.

    Each distinct LSOA code and name of the file is looked up once (a dictionary
    look-up per value, not per row); rows then take their district by numpy indexing.
    Only LSOAs the list does not place (a code missing from it, or a district missing
    from the lookup) go through ``Geography.lad_for_lsoa`` by (code, name) pair."""
    n = len(lsoa_code)
    lsoa_code, lsoa_name = _dict(lsoa_code), _dict(lsoa_name)
    ci = _indices(lsoa_code)  # -1: no LSOA code
    if geo is None or geo.empty:
        # No lookup in the store: no row can be placed, so each has no LSOA or an
        # unknown one (and none is outside its force's area).
        out = {f: _nulls(n) for f in GEO_FIELDS}
        out["geo_status"] = _status(np.where(ci < 0, 2, 3))
        return out
    index = _geo_index(geo)
    codes = lsoa_code.dictionary.to_pylist()
    names = lsoa_name.dictionary.to_pylist()
    ni = _indices(lsoa_name)  # -1: no LSOA name
    # Per distinct value, then per row (the extra last entry is what a null row takes).
    entry, name_of = index.entry.get, index.names.get
    code_entry = np.array([entry(c, -1) for c in codes] + [-1], dtype=np.int64)
    name_id = np.array([name_of(v, -3) for v in names] + [-2], dtype=np.int64)
    row_entry = code_entry[ci]  # -1: no code, or one the list does not hold
    row_lad = index.entry_lad[row_entry]
    known = index.entry_name[row_entry]
    row_name = name_id[ni]
    # Geography.name_disagrees for every row at once: the list names the code, the row
    # has a name (-2: none), and it is not the listed one.
    mismatch = int(np.count_nonzero((known >= 0) & (row_name != -2) & (row_name != known)))
    by_name = 0
    rest = (ci >= 0) & (row_lad < 0)
    if rest.any():
        # Codes the list does not place: by (code, name) pair, as Geography.lad_for_lsoa.
        rows = np.flatnonzero(rest)
        width = len(names) + 1
        pair_of_row = ci[rows] * width + ni[rows] + 1
        pairs, inverse = np.unique(pair_of_row, return_inverse=True)
        placed = []
        for pair in pairs.tolist():
            key = (codes[pair // width], names[pair % width - 1] if pair % width else None)
            hit = index.fallback.get(key)
            if hit is None:
                lad, how = geo.lad_for_lsoa(*key)
                rec = geo.lad_record(lad) if lad else None
                hit = (-1 if rec is None else index.record_position(rec), how == "name")
                index.fallback[key] = hit
            placed.append(hit)
        pair_lad = np.array([p[0] for p in placed], dtype=np.int64)
        pair_by_name = np.array([p[1] for p in placed], dtype=bool)
        row_lad[rows] = pair_lad[inverse]
        by_name = int(np.count_nonzero(pair_by_name[inverse]))
    # The districts this file uses, in the order of the index (a file spans few).
    used = np.flatnonzero(np.bincount(row_lad + 1, minlength=len(index.records) + 1)[1:])
    local = np.full(len(index.records) + 1, -1, dtype=np.int64)
    local[used] = np.arange(len(used))
    row_lad = local[row_lad]  # -1 (no district) takes the last entry, -1
    records = [index.records[i] for i in used.tolist()]
    out = {f: _from_codes(row_lad, [getattr(r, f) for r in records]) for f in GEO_FIELDS}
    # Force areas as small integers: each distinct pfa code its position, null -1.
    pfa_ids: dict[str, int] = {}
    lad_pfa = [pfa_ids.setdefault(r.pfa_code, len(pfa_ids)) for r in records]
    row_pfa = np.array([*lad_pfa, -1], dtype=np.int64)[row_lad]  # -1: no district
    # The force's own area: its police force area in the lookup, else the area most of
    # its rows fall in (for forces the lookup does not name, e.g. the synthetic sample).
    force = _dict(force)
    force_rows = _indices(force)
    own_of_force = []
    for i, f in enumerate(force.dictionary.to_pylist()):
        pfa = index.own_pfa(geo, f)
        if pfa is not None:
            # -2, a code no row carries: every placed row is outside the force's area.
            own_of_force.append(pfa_ids.get(pfa, -2))
            continue
        ids = row_pfa[(force_rows == i) & (row_pfa >= 0)]
        own_of_force.append(_most_common(ids) if len(ids) else -1)
    own = np.array([*own_of_force, -1], dtype=np.int64)[force_rows]  # null force: no area
    outside = (own != -1) & (row_pfa != own)
    out["geo_status"] = _status(
        np.where(ci < 0, 2, np.where(row_pfa < 0, 3, np.where(outside, 1, 0)))
    )
    if by_name:
        flags["LSOA assigned to a district by its name (not in the LSOA list)"] += by_name
    if mismatch:
        flags["LSOA name disagrees with the LSOA list for its code (code used)"] += mismatch
    return out


# The _GeoIndex of each Geography: the monthly files of a national ingest meet the same
# LSOAs again and again. Entries go when their Geography does.
_INDEXES: dict[int, tuple[weakref.ref, _GeoIndex]] = {}


def _geo_index(geo: Geography) -> _GeoIndex:
    entry = _INDEXES.get(id(geo))
    if entry is None or entry[0]() is not geo:
        key = id(geo)
        ref = weakref.ref(geo, lambda _ref: _INDEXES.pop(key, None))
        entry = _INDEXES[key] = (ref, _GeoIndex.build(geo))
    return entry[1]


def prepare_geography(geo: Geography | None) -> None:
    """Build the look-ups :func:`load_street` places rows with, ahead of time (before
    worker processes are forked, so that each inherits them rather than building its
    own)."""
    if geo is not None and not geo.empty:
        _geo_index(geo)


def _status(codes: np.ndarray) -> pa.DictionaryArray:
    """geo_status from codes into GEO_STATUS."""
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32)), pa.array(GEO_STATUS, pa.string())
    )


def _most_common(ids: np.ndarray) -> int:
    """The most frequent value; on a tie, the one seen first."""
    counts = np.bincount(ids)
    tied = np.flatnonzero(counts == counts.max())
    if len(tied) == 1:
        return int(tied[0])
    first = [int(np.argmax(ids == t)) for t in tied]
    return int(tied[int(np.argmin(first))])


def _finish(
    table: str,
    out: dict[str, pa.Array],
    rej: _Rejector,
    text: TextTable,
    name: str,
    flags: Counter,
    required: Collection[str] = (),
) -> LoadResult:
    """The kept rows and all rejects. Columns in ``required`` are never null by
    construction: declared non-nullable, Parquet stores them without definition levels
    (cheaper to write; a null there would be refused at write time, not stored)."""
    schema = pa.schema([pa.field(k, v.type, nullable=k not in required) for k, v in out.items()])
    kept = pa.Table.from_arrays(list(out.values()), schema=schema)
    if rej.parts:
        kept = kept.filter(pa.array(rej.keep))
    rejects = (
        pd.concat([text.rejects, *rej.parts], ignore_index=True) if rej.parts else text.rejects
    )
    return LoadResult(table, kept, rejects, name, flags)


#: Crime columns no kept row leaves null (a row without a month or a known crime type
#: is rejected; the rest are derived or filled in).
STREET_REQUIRED = ["month", "location", "crime_type", "crime_type_raw", "offence_group",
                   "crime_class", "is_asb", "geo_status", "source_file", "source_line"]  # fmt: skip

STREET_DICTIONARY = ["Month", "Reported by", "Falls within", "LSOA code", "LSOA name",
                     "Crime type", "Last outcome category", "Context"]  # fmt: skip


def _crime_types(rej: _Rejector, column, flags: Counter) -> tuple:
    """(the published crime types, the current names): an unknown type is rejected, a
    legacy name mapped and counted."""
    raw_type = _clean(column)
    ctype = _map(raw_type, normalise_crime_type)
    rej.reject(pc.is_null(ctype), "unknown crime type", "Crime type", raw_type)
    # Legacy names, counted once per distinct value and then per row.
    legacy = np.array(
        [normalise_crime_type(v) not in (None, v) for v in raw_type.dictionary.to_pylist()]
        + [False]
    )[_indices(raw_type)]
    n_legacy = int(np.count_nonzero(legacy & rej.keep))
    if n_legacy:
        flags["legacy crime type name mapped to the current one"] += n_legacy
    return raw_type, ctype


def load_street(
    data: bytes,
    name: str,
    *,
    geography: Geography | None = None,
    file_month: str | None = None,
    file_force: str | None = None,
    latest_month: str | None = None,
) -> LoadResult:
    """Validate one data.police.uk street CSV and return canonical crime rows (Arrow).

    Rejected (with reason): short/long lines, a Month not YYYY-MM (or blank), outside
    the file name's month, in the future or before 2010-12, an unknown crime type,
    coordinates that are not numbers. Kept but flagged: coordinates at (0,0) or outside
    Great Britain (set to missing), LSOAs assigned by name prefix, LSOA names that
    disagree with the list, rows outside the force's area, repeated Crime IDs.
    """
    if file_month is None or file_force is None:
        parsed = parse_file_name(name)
        if parsed:
            file_month = file_month or parsed[0]
            file_force = file_force or parsed[1]
    text = read_table(
        data, name, dictionary=STREET_DICTIONARY, null_blanks=True, numbers=COORDINATES
    )
    cols = _columns(text, STREET_COLUMNS, "street", name)
    t = _Columns(text.table)
    n = t.num_rows
    flags: Counter = Counter()
    rej = _Rejector(t, name)
    month = _clean(t[cols["Month"]])
    _check_months(rej, month, file_month, latest_month or _current_month(), "Month")

    raw_type, ctype = _crime_types(rej, t[cols["Crime type"]], flags)
    group = _map(ctype, offence_group)
    klass = _map(ctype, crime_class)
    is_asb = _map(ctype, lambda v: v == ASB, pa.bool_())
    lon, lat = _coordinates(rej, t[cols["Longitude"]], t[cols["Latitude"]], flags)

    falls = _clean(t[cols["Falls within"]])
    _reject_forceless(rej, falls, file_force)
    force_arr = _force_column(falls, file_force, n)
    lsoa_code = _clean(t[cols["LSOA code"]])
    lsoa_name = _clean(t[cols["LSOA name"]])
    geo = _geography(geography, force_arr, lsoa_code, lsoa_name, flags)
    crime_id = t[cols["Crime ID"]]  # blank is null already (null_blanks)
    location = t[cols["Location"]]
    if location.null_count:
        location = pc.fill_null(location, "")  # published text: a blank stays ""
    out = {
        "crime_id": crime_id,
        "month": month,
        "force": force_arr,
        "reported_by": _clean(t[cols["Reported by"]]),
        "falls_within": falls,
        "longitude": lon,
        "latitude": lat,
        "location": location,
        "lsoa_code": lsoa_code,
        "lsoa_name": lsoa_name,
        "crime_type": ctype,
        "crime_type_raw": raw_type,
        "offence_group": group,
        "crime_class": klass,
        "is_asb": is_asb,
        "last_outcome_category": _clean(t[cols["Last outcome category"]]),
        "context": _clean(t[cols["Context"]]) if "Context" in cols else _nulls(n),
        **{k: geo[k] for k in GEO_FIELDS},
        "geo_status": geo["geo_status"],
        "source_file": _constant(name, n),
        "source_line": t["source_line"],
    }
    result = _finish("crimes", out, rej, text, name, flags, STREET_REQUIRED)
    keep = rej.keep
    status = _indices(geo["geo_status"])[keep]
    # Flags in the order the statuses first appear among the kept rows.
    present = {s: int(np.argmax(status == s)) for s in (1, 2, 3) if (status == s).any()}
    for s in sorted(present, key=present.get):
        flags[GEO_STATUS[s]] += int(np.count_nonzero(status == s))
    ids = crime_id.filter(pa.array(keep)) if rej.parts else crime_id
    dup = len(ids) - ids.null_count - len(pc.drop_null(pc.unique(ids)))
    if dup:
        flags["repeated Crime ID (kept: police.uk publishes some)"] += dup
    no_id = _bools(crime_id.is_null()) & ~_bools(is_asb) & keep
    n_no_id = int(np.count_nonzero(no_id))
    if n_no_id:
        flags["crime row without a Crime ID"] += n_no_id
    return result


def load_outcomes(
    data: bytes, name: str, *, file_month: str | None = None, file_force: str | None = None,
    latest_month: str | None = None,
) -> LoadResult:  # fmt: skip
    """Validate one data.police.uk outcomes CSV (one row per outcome)."""
    parsed = parse_file_name(name)
    if parsed:
        file_month = file_month or parsed[0]
        file_force = file_force or parsed[1]
    text = read_table(
        data, name, dictionary=["Month", "Reported by", "Falls within", "LSOA code",
                                "LSOA name", "Outcome type"], numbers=COORDINATES,
    )  # fmt: skip
    cols = _columns(text, OUTCOME_COLUMNS, "outcomes", name)
    t = _Columns(text.table)
    n = t.num_rows
    flags: Counter = Counter()
    rej = _Rejector(t, name)
    month = _clean(t[cols["Month"]])
    _check_months(rej, month, file_month, latest_month or _current_month(), "Month")
    crime_id = _clean(t[cols["Crime ID"]])
    rej.reject(pc.is_null(crime_id), "outcome without a Crime ID", "Crime ID", t[cols["Crime ID"]])
    outcome = _clean(t[cols["Outcome type"]])
    rej.reject(pc.is_null(outcome), "empty Outcome type", "Outcome type", t[cols["Outcome type"]])
    lon, lat = _coordinates(rej, t[cols["Longitude"]], t[cols["Latitude"]], flags)
    falls = _clean(t[cols["Falls within"]])
    _reject_forceless(rej, falls, file_force)
    out = {
        "crime_id": crime_id.dictionary_decode(),
        "month": month,
        "force": _force_column(falls, file_force, n),
        "reported_by": _clean(t[cols["Reported by"]]),
        "falls_within": falls,
        "longitude": lon,
        "latitude": lat,
        "location": t[cols["Location"]],
        "lsoa_code": _clean(t[cols["LSOA code"]]),
        "lsoa_name": _clean(t[cols["LSOA name"]]),
        "outcome_type": outcome,
        "source_file": _constant(name, n),
        "source_line": t["source_line"],
    }
    return _finish("outcomes", out, rej, text, name, flags)


def load_searches(
    data: bytes, name: str, *, file_month: str | None = None, file_force: str | None = None,
    latest_month: str | None = None,
) -> LoadResult:  # fmt: skip
    """Validate one data.police.uk stop-and-search CSV (one row per search)."""
    parsed = parse_file_name(name)
    if parsed:
        file_month = file_month or parsed[0]
        file_force = file_force or parsed[1]
    others = [c for c in SEARCH_COLUMNS if c not in ("Date", "Latitude", "Longitude")]
    text = read_table(data, name, dictionary=others, numbers=COORDINATES)
    cols = _columns(text, SEARCH_COLUMNS, "stop-and-search", name)
    t = _Columns(text.table)
    n = t.num_rows
    flags: Counter = Counter()
    rej = _Rejector(t, name)
    when = pc.utf8_trim_whitespace(t[cols["Date"]])
    ok = pc.match_substring_regex(when, r"^\d{4}-\d{2}-\d{2}")
    rej.reject(pc.invert(ok), "Date is not an ISO date (YYYY-MM-DDThh:mm:ss)", "Date", when)
    month = pc.utf8_slice_codeunits(when, 0, 7)
    if file_month:
        # Search times are UTC: a search just after midnight on the 1st (BST) is dated
        # the last day of the previous month. The file's month is the one police.uk
        # published it under; keep it and count the rows whose UTC date differs.
        differs = pc.sum(pc.and_(pc.not_equal(month, file_month), rej.keep)).as_py() or 0
        if differs:
            flags["Date (UTC) falls outside the file's month: file month used"] += differs
        month = pc.if_else(ok, pa.scalar(file_month), month)
    month = pc.dictionary_encode(month)
    _check_months(rej, month, None, latest_month or _current_month(), "Date")
    lon, lat = _coordinates(rej, t[cols["Longitude"]], t[cols["Latitude"]], flags)
    out: dict[str, pa.Array] = {
        "force": _constant(file_force or "unknown", n),
        "month": month,
        "date": when,
        "latitude": lat,
        "longitude": lon,
    }
    for col in others:
        key = re.sub(r"[^a-z0-9]+", "_", col.casefold()).strip("_")
        out[key] = _clean(t[cols[col]]) if col in cols else _clean(_constant("", n))
    out["source_file"] = _constant(name, n)
    out["source_line"] = t["source_line"]
    return _finish("searches", out, rej, text, name, flags)


def attach_latest_outcome(crimes: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Add each crime's latest outcome (by outcome month) as ``latest_outcome`` and
    ``latest_outcome_month``; crimes with no outcome row keep NA. Pure function."""
    if outcomes.empty:
        return crimes.assign(latest_outcome=pd.NA, latest_outcome_month=pd.NA)
    latest = (
        outcomes.sort_values(["crime_id", "month", "source_line"])
        .drop_duplicates("crime_id", keep="last")[["crime_id", "outcome_type", "month"]]
        .rename(columns={"outcome_type": "latest_outcome", "month": "latest_outcome_month"})
    )
    return crimes.merge(latest, on="crime_id", how="left")
