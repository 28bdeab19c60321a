"""data.police.uk street, outcomes and stop-and-search CSVs -> canonical Arrow tables.

Every input row is either kept (possibly with a flag, e.g. coordinates set to missing)
or rejected with a reason a person can read. Work is vectorised in Arrow: a
national year is ~6 million rows.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csplib.errors import InputFormatError
from csplib.schema import FORCES, crime_class, force_slug, normalise_crime_type, offence_group
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
        self.keep = pa.array([True] * self.n) if self.n else pa.array([], pa.bool_())
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


def _blank_to_null(arr: pa.Array) -> pa.Array:
    arr = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _current_month() -> str:
    return date.today().strftime("%Y-%m")


def _check_months(
    rej: _Rejector, month: pa.Array, file_month: str | None, latest: str, col: str
) -> None:
    ok = pc.match_substring_regex(month, r"^\d{4}-(0[1-9]|1[0-2])$")
    rej.reject(pc.invert(ok), "Month is not in the form YYYY-MM", col, month)
    if file_month:
        rej.reject(
            pc.not_equal(month, file_month),
            f"Month differs from the file name's month {file_month}",
            col,
            month,
        )
    rej.reject(pc.greater(month, latest), f"Month is in the future (after {latest})", col, month)
    rej.reject(
        pc.less(month, FIRST_MONTH),
        f"Month is before data.police.uk began ({FIRST_MONTH})",
        col,
        month,
    )


def _coordinates(
    rej: _Rejector, lon_s: pa.Array, lat_s: pa.Array, flags: Counter
) -> tuple[pa.Array, pa.Array]:
    """Parse coordinates; reject text that is not a number; null unusable positions."""
    lon_s, lat_s = _blank_to_null(lon_s), _blank_to_null(lat_s)
    number = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
    for arr, col in ((lon_s, "Longitude"), (lat_s, "Latitude")):
        try:
            pc.cast(arr, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            bad = pc.invert(pc.fill_null(pc.match_substring_regex(arr, number), True))
            rej.reject(bad, f"{col} is not a number", col, arr)
    safe = rej.keep
    lon = pc.cast(pc.if_else(safe, lon_s, pa.scalar(None, pa.string())), pa.float64())
    lat = pc.cast(pc.if_else(safe, lat_s, pa.scalar(None, pa.string())), pa.float64())
    west, south, east, north = GB_BOX
    inside = pc.and_(
        pc.and_(pc.greater_equal(lon, west), pc.less_equal(lon, east)),
        pc.and_(pc.greater_equal(lat, south), pc.less_equal(lat, north)),
    )
    inside = pc.fill_null(inside, False)
    either = pc.or_(pc.is_valid(lon), pc.is_valid(lat))
    unusable = pc.and_(pc.and_(either, pc.invert(inside)), safe)
    n_bad = pc.sum(unusable).as_py() or 0
    if n_bad:
        flags["coordinates outside Great Britain or (0,0): set to missing"] += n_bad
    null = pa.scalar(None, pa.float64())
    return pc.if_else(inside, lon, null), pc.if_else(inside, lat, null)


def _force_column(falls: pa.Array, file_force: str | None, n: int) -> pa.Array:
    """Force identifier per row: the file name's, else from each row's 'Falls within'."""
    if file_force:
        return pa.array([file_force] * n, pa.string())
    enc = pc.dictionary_encode(falls)
    slugs = [force_slug(v) if v else "unknown" for v in enc.dictionary.to_pylist()]
    return pc.take(pa.array(slugs, pa.string()), enc.indices)


def _geography(
    geo: Geography | None,
    force: pa.Array,
    lsoa_code: pa.Array,
    lsoa_name: pa.Array,
    flags: Counter,
) -> dict[str, pa.Array]:
    n = len(lsoa_code)
    keys = pc.binary_join_element_wise(
        pc.fill_null(lsoa_code, ""), pc.fill_null(lsoa_name, ""), "\x1f"
    )
    enc = pc.dictionary_encode(keys)
    uniques = enc.dictionary.to_pylist()
    fields = ["lad_code", "csp_code", "csp_name", "pfa_code", "pfa_name", "lad_status"]
    values: dict[str, list] = {f: [] for f in fields}
    mismatch: list[bool] = []
    for key in uniques:
        code, name = key.split("\x1f")
        rec, how = None, "none"
        if code and geo is not None and not geo.empty:
            lad, how = geo.lad_for_lsoa(code, name)
            rec = geo.lad_record(lad) if lad else None
        mismatch.append(bool(code and geo is not None and geo.name_disagrees(code, name)))
        values["lad_code"].append(rec.lad_code if rec else None)
        values["csp_code"].append(rec.csp_code if rec else None)
        values["csp_name"].append(rec.csp_name if rec else None)
        values["pfa_code"].append(rec.pfa_code if rec else None)
        values["pfa_name"].append(rec.pfa_name if rec else None)
        values["lad_status"].append("none" if not code else how)
    idx = enc.indices
    out = {f: pc.take(pa.array(values[f], pa.string()), idx) for f in fields}
    status = out.pop("lad_status")
    # The force's own area: its police force area in the lookup, else the area most of
    # its rows fall in (for forces the lookup does not name, e.g. the synthetic sample).
    own = pa.array([None] * n, pa.string())
    for f in pc.unique(force).to_pylist():
        mask = pc.equal(force, f)
        pfa = geo.pfa_code_for(FORCES[f][1]) if geo is not None and f in FORCES else None
        if pfa is None:
            counts = pc.value_counts(pc.drop_null(pc.filter(out["pfa_code"], mask)))
            if len(counts):
                pfa = max(counts.to_pylist(), key=lambda d: d["counts"])["values"]
        if pfa is not None:
            own = pc.if_else(mask, pfa, own)
    no_lsoa = pc.is_null(lsoa_code)
    unknown = pc.and_(pc.invert(no_lsoa), pc.is_null(out["lad_code"]))
    outside = pc.fill_null(pc.not_equal(out["pfa_code"], own), False)
    geo_status = pc.if_else(
        no_lsoa,
        "no_location",
        pc.if_else(
            unknown, "unknown_lsoa", pc.if_else(outside, "outside_force_area", "in_force_area")
        ),
    )
    by_name = pc.sum(pc.equal(status, "name")).as_py() or 0
    if by_name:
        flags["LSOA assigned to a district by its name (not in the LSOA list)"] += by_name
    n_mis = pc.sum(pc.take(pa.array(mismatch, pa.bool_()), idx)).as_py() or 0
    if n_mis:
        flags["LSOA name disagrees with the LSOA list for its code (code used)"] += n_mis
    out["geo_status"] = geo_status
    return out


def _finish(
    table: str, out: dict[str, pa.Array], rej: _Rejector, text: TextTable, name: str, flags: Counter
) -> LoadResult:
    kept = pa.table(out).filter(rej.keep)
    rejects = pd.concat([text.rejects, *rej.parts], ignore_index=True)
    return LoadResult(table, kept, rejects, name, flags)


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
    text = read_table(data, name)
    cols = _columns(text, STREET_COLUMNS, "street", name)
    t = _Columns(text.table)
    flags: Counter = Counter()
    rej = _Rejector(t, name)
    month = pc.utf8_trim_whitespace(t[cols["Month"]])
    _check_months(rej, month, file_month, latest_month or _current_month(), "Month")

    raw_type = pc.utf8_trim_whitespace(t[cols["Crime type"]])
    enc = pc.dictionary_encode(raw_type)
    uniq = enc.dictionary.to_pylist()
    norm = [normalise_crime_type(u) for u in uniq]
    legacy = sum(1 for u, v in zip(uniq, norm, strict=True) if v is not None and u != v)
    ctype = pc.take(pa.array(norm, pa.string()), enc.indices)
    rej.reject(pc.is_null(ctype), "unknown crime type", "Crime type", raw_type)
    if legacy:
        n_legacy = pc.sum(pc.and_(pc.not_equal(raw_type, ctype), rej.keep)).as_py() or 0
        if n_legacy:
            flags["legacy crime type name mapped to the current one"] += n_legacy
    group = pc.take(
        pa.array([offence_group(v) if v else None for v in norm], pa.string()), enc.indices
    )
    klass = pc.take(
        pa.array([crime_class(v) if v else None for v in norm], pa.string()), enc.indices
    )
    lon, lat = _coordinates(rej, t[cols["Longitude"]], t[cols["Latitude"]], flags)

    falls = pc.utf8_trim_whitespace(t[cols["Falls within"]])
    n = t.num_rows
    force_arr = _force_column(falls, file_force, n)
    lsoa_code = _blank_to_null(t[cols["LSOA code"]])
    lsoa_name = _blank_to_null(t[cols["LSOA name"]])
    geo = _geography(geography, force_arr, lsoa_code, lsoa_name, flags)
    crime_id = _blank_to_null(t[cols["Crime ID"]])
    is_asb = pc.equal(klass, "ASB")
    empty = pa.array([None] * n, pa.string())
    out = {
        "crime_id": crime_id,
        "month": month,
        "force": force_arr,
        "reported_by": pc.utf8_trim_whitespace(t[cols["Reported by"]]),
        "falls_within": falls,
        "longitude": lon,
        "latitude": lat,
        "location": pc.utf8_trim_whitespace(t[cols["Location"]]),
        "lsoa_code": lsoa_code,
        "lsoa_name": lsoa_name,
        "crime_type": ctype,
        "crime_type_raw": raw_type,
        "offence_group": group,
        "crime_class": klass,
        "is_asb": is_asb,
        "last_outcome_category": _blank_to_null(t[cols["Last outcome category"]]),
        "context": _blank_to_null(t[cols["Context"]]) if "Context" in cols else empty,
        **{k: geo[k] for k in ("lad_code", "csp_code", "csp_name", "pfa_code", "pfa_name")},
        "geo_status": geo["geo_status"],
        "source_file": pa.array([name] * n, pa.string()),
        "source_line": t["source_line"],
    }
    result = _finish("crimes", out, rej, text, name, flags)
    kept = _Columns(result.frame)
    for status in ("no_location", "outside_force_area", "unknown_lsoa"):
        k = pc.sum(pc.equal(kept["geo_status"], status)).as_py() or 0
        if k:
            flags[status] += k
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
    text = read_table(data, name)
    cols = _columns(text, OUTCOME_COLUMNS, "outcomes", name)
    t = _Columns(text.table)
    flags: Counter = Counter()
    rej = _Rejector(t, name)
    month = pc.utf8_trim_whitespace(t[cols["Month"]])
    _check_months(rej, month, file_month, latest_month or _current_month(), "Month")
    crime_id = _blank_to_null(t[cols["Crime ID"]])
    rej.reject(pc.is_null(crime_id), "outcome without a Crime ID", "Crime ID", t[cols["Crime ID"]])
    outcome = _blank_to_null(t[cols["Outcome type"]])
    rej.reject(pc.is_null(outcome), "empty Outcome type", "Outcome type", t[cols["Outcome type"]])
    lon, lat = _coordinates(rej, t[cols["Longitude"]], t[cols["Latitude"]], flags)
    falls = pc.utf8_trim_whitespace(t[cols["Falls within"]])
    n = t.num_rows
    out = {
        "crime_id": crime_id,
        "month": month,
        "force": _force_column(falls, file_force, n),
        "reported_by": pc.utf8_trim_whitespace(t[cols["Reported by"]]),
        "falls_within": falls,
        "longitude": lon,
        "latitude": lat,
        "location": pc.utf8_trim_whitespace(t[cols["Location"]]),
        "lsoa_code": _blank_to_null(t[cols["LSOA code"]]),
        "lsoa_name": _blank_to_null(t[cols["LSOA name"]]),
        "outcome_type": outcome,
        "source_file": pa.array([name] * n, pa.string()),
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
    text = read_table(data, name)
    cols = _columns(text, SEARCH_COLUMNS, "stop-and-search", name)
    t = _Columns(text.table)
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
    _check_months(rej, month, None, latest_month or _current_month(), "Date")
    lon, lat = _coordinates(rej, t[cols["Longitude"]], t[cols["Latitude"]], flags)
    n = t.num_rows
    out: dict[str, pa.Array] = {
        "force": pa.array([file_force or "unknown"] * n, pa.string()),
        "month": month,
        "date": when,
        "latitude": lat,
        "longitude": lon,
    }
    empty = pa.array([None] * n, pa.string())
    for col in SEARCH_COLUMNS:
        if col in ("Date", "Latitude", "Longitude"):
            continue
        key = re.sub(r"[^a-z0-9]+", "_", col.casefold()).strip("_")
        out[key] = _blank_to_null(t[cols[col]]) if col in cols else empty
    out["source_file"] = pa.array([name] * n, pa.string())
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
