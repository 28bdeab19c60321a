"""data.police.uk street, outcomes and stop-and-search CSVs -> canonical Arrow tables.

Every input row is either kept (possibly with a flag, e.g. coordinates set to missing)
or rejected with a reason a person can read. Work is vectorised in Arrow: a
national year is ~6 million rows.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
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
        super().__init__({n: table[n].combine_chunks() for n in table.column_names})
        self.num_rows = table.num_rows


class _Rejector:
    """Collects one reason per rejected row (the first rule it fails)."""

    def __init__(self, table: _Columns, name: str) -> None:
        self.n = table.num_rows
        self.lines = table["source_line"]
        self.name = name
        self.keep = pa.array(np.ones(self.n, dtype=bool))
        self.parts: list[pd.DataFrame] = []

    def reject(self, mask: pa.Array, reason: str, column: str, values: pa.Array) -> None:
        mask = pc.and_(pc.fill_null(mask, False), self.keep)
        if not pc.any(mask).as_py():
            return
        self.parts.append(
            make_rejects(
                self.name,
                pc.filter(self.lines, mask).to_pylist(),
                reason,
                column,
                pc.filter(values, mask).to_pylist(),
            )
        )
        self.keep = pc.and_(self.keep, pc.invert(mask))

    def reject_values(
        self, arr: pa.DictionaryArray, reason_for: Callable[[str | None], str | None], column: str
    ) -> None:
        """Reject rows by a rule applied once per distinct value (not once per row)."""
        reasons = [reason_for(v) for v in arr.dictionary.to_pylist()]
        for reason in dict.fromkeys(r for r in reasons if r):
            idx = [i for i, r in enumerate(reasons) if r == reason]
            self.reject(pc.is_in(arr.indices, pa.array(idx, arr.indices.type)), reason, column, arr)


def _dict(arr: pa.Array) -> pa.DictionaryArray:
    return arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)


def _clean(arr: pa.Array) -> pa.DictionaryArray:
    """Trim values (once per distinct value) and make blanks null."""
    d = _dict(arr)
    values = [(v.strip() or None) if v is not None else None for v in d.dictionary.to_pylist()]
    return _dict_from(d.indices, values)


def _dict_from(indices: pa.Array, values: list[str | None]) -> pa.DictionaryArray:
    """Dictionary array from indices and values; a None value becomes a null row
    (Parquet cannot store nulls inside a dictionary)."""
    missing = [i for i, v in enumerate(values) if v is None]
    if missing:
        hit = pc.is_in(indices, pa.array(missing, indices.type))
        indices = pc.if_else(hit, pa.scalar(None, indices.type), indices)
        values = ["" if v is None else v for v in values]
    return pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.string()))


def _map(
    arr: pa.DictionaryArray, fn: Callable[[str], object], type_: pa.DataType | None = None
) -> pa.Array:
    """Apply ``fn`` to each distinct value; return a dictionary array with the results
    (or a plain array of ``type_``)."""
    values = [fn(v) if v else None for v in arr.dictionary.to_pylist()]
    if type_ is None:
        return _dict_from(arr.indices, values)
    return pc.take(pa.array(values, type_), arr.indices)


def _constant(value: str, n: int) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, dtype=np.int32)), pa.array([value], pa.string())
    )


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


def _coordinates(
    rej: _Rejector, lon_s: pa.Array, lat_s: pa.Array, flags: Counter
) -> tuple[pa.Array, pa.Array]:
    """Parse coordinates; reject text that is not a number; null unusable positions."""
    null_s = pa.scalar(None, pa.string())
    lon_s = pc.if_else(pc.equal(lon_s, ""), null_s, lon_s)
    lat_s = pc.if_else(pc.equal(lat_s, ""), null_s, lat_s)
    number = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
    parsed = []
    for arr, col in ((lon_s, "Longitude"), (lat_s, "Latitude")):
        try:
            parsed.append(pc.cast(arr, pa.float64()))
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        ok = pc.fill_null(pc.match_substring_regex(arr, number), True)
        rej.reject(pc.invert(ok), f"{col} is not a number", col, arr)
        parsed.append(pc.cast(pc.utf8_trim_whitespace(pc.if_else(ok, arr, null_s)), pa.float64()))
    lon, lat = parsed
    west, south, east, north = GB_BOX
    inside = pc.and_(
        pc.and_(pc.greater_equal(lon, west), pc.less_equal(lon, east)),
        pc.and_(pc.greater_equal(lat, south), pc.less_equal(lat, north)),
    )
    inside = pc.fill_null(inside, False)
    either = pc.or_(pc.is_valid(lon), pc.is_valid(lat))
    unusable = pc.and_(pc.and_(either, pc.invert(inside)), rej.keep)
    n_bad = pc.sum(unusable).as_py() or 0
    if n_bad:
        flags["coordinates outside Great Britain or (0,0): set to missing"] += n_bad
    null = pa.scalar(None, pa.float64())
    return pc.if_else(inside, lon, null), pc.if_else(inside, lat, null)


def _force_column(falls: pa.DictionaryArray, file_force: str | None, n: int) -> pa.Array:
    """Force identifier per row: the file name's, else from each row's 'Falls within'."""
    if file_force:
        return _constant(file_force, n)
    return _map(falls, force_slug)


def _geography(
    geo: Geography | None,
    force: pa.Array,
    lsoa_code: pa.DictionaryArray,
    lsoa_name: pa.DictionaryArray,
    flags: Counter,
) -> dict[str, pa.Array]:
    """District, CSP and force area per row, worked out once per distinct LSOA."""
    n = len(lsoa_code)
    lsoa_code, lsoa_name = _dict(lsoa_code), _dict(lsoa_name)
    ci = pc.fill_null(lsoa_code.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64) + 1
    ni = pc.fill_null(lsoa_name.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64) + 1
    pairs, inverse = np.unique(ci * (len(lsoa_name.dictionary) + 1) + ni, return_inverse=True)
    codes = [None, *lsoa_code.dictionary.to_pylist()]
    names = [None, *lsoa_name.dictionary.to_pylist()]
    fields = ["lad_code", "csp_code", "csp_name", "pfa_code", "pfa_name"]
    values: dict[str, list] = {f: [] for f in fields}
    how_found: list[str] = []
    mismatch: list[bool] = []
    usable = geo is not None and not geo.empty
    for pair in pairs.tolist():
        code = codes[pair // (len(lsoa_name.dictionary) + 1)]
        name = names[pair % (len(lsoa_name.dictionary) + 1)]
        rec, how = None, "none"
        if code and usable:
            lad, how = geo.lad_for_lsoa(code, name)
            rec = geo.lad_record(lad) if lad else None
        mismatch.append(bool(code and usable and geo.name_disagrees(code, name)))
        for f in fields:
            values[f].append(getattr(rec, f) if rec else None)
        how_found.append(how if code else "none")
    idx = pa.array(inverse.astype(np.int32))
    out: dict[str, pa.Array] = {f: _dict_from(idx, values[f]) for f in fields}
    # The force's own area: its police force area in the lookup, else the area most of
    # its rows fall in (for forces the lookup does not name, e.g. the synthetic sample).
    row_pfa = pc.take(pa.array(values["pfa_code"], pa.string()), idx)
    own = pa.nulls(n, pa.string())
    for f in pc.unique(force).to_pylist():
        mask = pc.equal(force, f)
        pfa = geo.pfa_code_for(FORCES[f][1]) if geo is not None and f in FORCES else None
        if pfa is None:
            counts = pc.value_counts(pc.drop_null(pc.filter(row_pfa, mask)))
            if len(counts):
                pfa = max(counts.to_pylist(), key=lambda d: d["counts"])["values"]
        if pfa is not None:
            own = pc.if_else(mask, pfa, own)
    no_lsoa = pc.is_null(lsoa_code)
    unknown = pc.and_(pc.invert(no_lsoa), pc.is_null(row_pfa))
    outside = pc.fill_null(pc.not_equal(row_pfa, own), False)
    out["geo_status"] = pc.dictionary_encode(
        pc.if_else(
            no_lsoa,
            "no_location",
            pc.if_else(
                unknown, "unknown_lsoa", pc.if_else(outside, "outside_force_area", "in_force_area")
            ),
        )
    )
    counts = np.bincount(inverse, minlength=len(pairs))
    by_name = int(sum(c for c, h in zip(counts, how_found, strict=True) if h == "name"))
    if by_name:
        flags["LSOA assigned to a district by its name (not in the LSOA list)"] += by_name
    n_mis = int(sum(c for c, m in zip(counts, mismatch, strict=True) if m))
    if n_mis:
        flags["LSOA name disagrees with the LSOA list for its code (code used)"] += n_mis
    return out


def _finish(
    table: str, out: dict[str, pa.Array], rej: _Rejector, text: TextTable, name: str, flags: Counter
) -> LoadResult:
    kept = pa.table(out)
    if rej.parts:
        kept = kept.filter(rej.keep)
    rejects = (
        pd.concat([text.rejects, *rej.parts], ignore_index=True) if rej.parts else text.rejects
    )
    return LoadResult(table, kept, rejects, name, flags)


STREET_DICTIONARY = ["Month", "Reported by", "Falls within", "LSOA code", "LSOA name",
                     "Crime type", "Last outcome category", "Context"]  # fmt: skip


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

    Rejected (with reason): short/long lines, a Month not YYYY-MM, outside the file
    name's month, in the future or before 2010-12, an unknown crime type, coordinates
    that are not numbers. Kept but flagged: coordinates at (0,0) or outside Great
    Britain (set to missing), LSOAs assigned by name prefix, LSOA names that disagree
    with the list, rows outside the force's area, repeated Crime IDs.
    """
    if file_month is None or file_force is None:
        parsed = parse_file_name(name)
        if parsed:
            file_month = file_month or parsed[0]
            file_force = file_force or parsed[1]
    text = read_table(data, name, dictionary=STREET_DICTIONARY)
    cols = _columns(text, STREET_COLUMNS, "street", name)
    t = _Columns(text.table)
    n = t.num_rows
    flags: Counter = Counter()
    rej = _Rejector(t, name)
    month = _clean(t[cols["Month"]])
    _check_months(rej, month, file_month, latest_month or _current_month(), "Month")

    raw_type = _clean(t[cols["Crime type"]])
    ctype = _map(raw_type, normalise_crime_type)
    rej.reject(pc.is_null(ctype), "unknown crime type", "Crime type", raw_type)
    legacy = pc.and_(pc.not_equal(raw_type, ctype), rej.keep)
    n_legacy = pc.sum(legacy).as_py() or 0
    if n_legacy:
        flags["legacy crime type name mapped to the current one"] += n_legacy
    group = _map(ctype, offence_group)
    klass = _map(ctype, crime_class)
    lon, lat = _coordinates(rej, t[cols["Longitude"]], t[cols["Latitude"]], flags)

    falls = _clean(t[cols["Falls within"]])
    force_arr = _force_column(falls, file_force, n)
    lsoa_code = _clean(t[cols["LSOA code"]])
    lsoa_name = _clean(t[cols["LSOA name"]])
    geo = _geography(geography, force_arr, lsoa_code, lsoa_name, flags)
    crime_id = t[cols["Crime ID"]]
    crime_id = pc.if_else(pc.equal(crime_id, ""), pa.scalar(None, pa.string()), crime_id)
    out = {
        "crime_id": crime_id,
        "month": month,
        "force": force_arr,
        "reported_by": _clean(t[cols["Reported by"]]),
        "falls_within": falls,
        "longitude": lon,
        "latitude": lat,
        "location": t[cols["Location"]],
        "lsoa_code": lsoa_code,
        "lsoa_name": lsoa_name,
        "crime_type": ctype,
        "crime_type_raw": raw_type,
        "offence_group": group,
        "crime_class": klass,
        "is_asb": _map(ctype, lambda v: v == ASB, pa.bool_()),
        "last_outcome_category": _clean(t[cols["Last outcome category"]]),
        "context": _clean(t[cols["Context"]]) if "Context" in cols else _clean(_constant("", n)),
        **{k: geo[k] for k in ("lad_code", "csp_code", "csp_name", "pfa_code", "pfa_name")},
        "geo_status": geo["geo_status"],
        "source_file": _constant(name, n),
        "source_line": t["source_line"],
    }
    result = _finish("crimes", out, rej, text, name, flags)
    kept = _Columns(result.frame)
    for status, count in zip(
        *pc.value_counts(kept["geo_status"].dictionary_decode()).flatten(), strict=True
    ):
        if status.as_py() in ("no_location", "outside_force_area", "unknown_lsoa"):
            flags[status.as_py()] += count.as_py()
    ids = pc.drop_null(kept["crime_id"])
    dup = len(ids) - len(pc.unique(ids))
    if dup:
        flags["repeated Crime ID (kept: police.uk publishes some)"] += dup
    no_id = pc.sum(pc.and_(pc.is_null(kept["crime_id"]), pc.invert(kept["is_asb"]))).as_py() or 0
    if no_id:
        flags["crime row without a Crime ID"] += no_id
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
                                "LSOA name", "Outcome type"],
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
    text = read_table(data, name, dictionary=others)
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
