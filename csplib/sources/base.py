"""Reading delimited text the way Excel and data.police.uk write it, keeping every row.

``read_table`` turns the bytes of one CSV into a frame of strings plus a list of
rejected lines (with line numbers and reasons). It is shared by every loader so
that encodings, BOMs, blank lines, truncated lines and trailing commas are
handled once.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from csplib.errors import InputFormatError

REJECT_COLUMNS = ["source_file", "source_line", "column", "value", "reason"]


@dataclass
class TextTable:
    """A CSV read as strings: ``table`` (Arrow) holds the rows kept by the parser, with
    ``source_line`` (1-based line in the file); ``rejects`` the lines it could not use."""

    table: pa.Table
    rejects: pd.DataFrame
    encoding: str
    header: list[str]

    @property
    def frame(self) -> pd.DataFrame:
        """The kept rows as a pandas frame of strings (plus ``source_line``)."""
        return self.table.to_pandas()


@dataclass
class LoadResult:
    """What a loader returns: canonical rows kept, rows rejected (with reasons), counts.

    ``rows_read`` always equals ``len(frame) + len(rejects)``.
    """

    table: str
    frame: pd.DataFrame
    rejects: pd.DataFrame
    source: str
    flags: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.frame) + len(self.rejects)

    def to_pandas(self) -> pd.DataFrame:
        """The kept rows as pandas, whether the loader returned pandas or Arrow (Arrow
        dictionary columns come back as plain strings)."""
        return arrow_to_pandas(self.frame) if isinstance(self.frame, pa.Table) else self.frame

    def reject_reasons(self) -> dict[str, int]:
        if self.rejects.empty:
            return {}
        return {str(k): int(v) for k, v in self.rejects["reason"].value_counts().items()}


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow table to pandas with dictionary-encoded text decoded to plain strings."""
    cols = {}
    for name in table.column_names:
        col = table[name]
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        cols[name] = col
    return pa.table(cols).to_pandas()


_EMPTY_REJECTS = pd.DataFrame({c: pd.Series(dtype="str") for c in REJECT_COLUMNS}).astype(
    {"source_line": "Int64"}
)


def empty_rejects() -> pd.DataFrame:
    """A rejects frame with no rows (the right columns and types)."""
    return _EMPTY_REJECTS.copy(deep=False)


def make_rejects(
    source_file: str, lines, reason: str, column: str | None = None, values=None
) -> pd.DataFrame:
    """Rejects frame for many lines sharing one reason."""
    lines = list(lines)
    n = len(lines)
    return pd.DataFrame(
        {
            "source_file": pd.Series([source_file] * n, dtype="str"),
            "source_line": pd.array(lines, dtype="Int64"),
            "column": pd.Series([column] * n, dtype="str"),
            "value": pd.Series(
                [None] * n if values is None else [str(v)[:200] for v in values], dtype="str"
            ),
            "reason": pd.Series([reason] * n, dtype="str"),
        }
    )


def _check_bytes(data: bytes, name: str) -> None:
    if not data or (data[:4096].isspace() and data.isspace()):
        raise InputFormatError(
            "the file is empty", file=name, fix="re-download or re-export the file"
        )
    if b"\x00" in data[:65536]:
        raise InputFormatError(
            "this is not a text (CSV) file: it contains binary bytes",
            file=name,
            fix="give the CSV itself, not a spreadsheet or other binary file "
            "(save it from Excel as 'CSV UTF-8')",
        )


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM allowed) or, failing that, cp1252 as Excel saves it.

    Raises InputFormatError for empty or binary input.
    """
    _check_bytes(data, name)
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputFormatError(
            "the file is neither UTF-8 nor Windows-1252 text",
            file=name,
            line=line,
            fix="save it as 'CSV UTF-8' from Excel",
        ) from None


def _clean_header(fields: list[str]) -> list[str]:
    fields = [f.strip().lstrip("\ufeff") for f in fields]
    while fields and fields[-1] == "":
        fields.pop()
    return fields


def _parse_header(first_line: str, name: str) -> tuple[list[str], int]:
    raw = next(csv.reader([first_line.rstrip("\r")]), [])
    header = _clean_header(raw)
    if not header:
        raise InputFormatError("the first line holds no column names", file=name, line=1)
    # ONS files repeat column names ("Persons, Persons") and leave some blank:
    # name them as pandas does ("Persons.1", "Unnamed: 8") rather than refuse the file.
    seen: Counter = Counter()
    for i, h in enumerate(header):
        base = h or f"Unnamed: {i}"
        header[i] = base if not seen[base] else f"{base}.{seen[base]}"
        seen[base] += 1
    return header, len(raw)


def read_table(
    data: bytes, name: str, dictionary: Collection[str] = (), *, null_blanks: bool = False
) -> TextTable:
    """Read one CSV held in memory into strings, keeping a line number per row.

    Fast path: pyarrow's reader, used when the file is regular UTF-8 (no short or
    long rows, no blank lines, no line breaks inside quotes). Anything else (cp1252
    text, ragged rows) goes through Python's csv module, which tracks line numbers
    exactly. Rows with too few fields are rejected ("short line"); rows with extra
    fields are kept when the extra fields are empty (trailing commas) and rejected
    otherwise. Blank lines are not rows. Columns named in ``dictionary`` come back
    dictionary-encoded (cheap to validate value by value, and to store). With
    ``null_blanks`` an empty field (quoted or not) comes back null rather than "",
    which spares callers a pass over every column to find the blanks.
    """
    _check_bytes(data, name)
    end = data.find(b"\n")
    first = data if end < 0 else data[:end]
    try:
        header, width = _parse_header(first.decode("utf-8-sig"), name)
        fast = _read_fast(data, header, width, dictionary, null_blanks)
    except UnicodeDecodeError:
        fast = None
    if fast is not None:
        return TextTable(fast, empty_rejects(), "utf-8", header)
    text, encoding = decode(data, name)
    header, _ = _parse_header(text.split("\n", 1)[0], name)
    table, rejects = _read_slow(text, header, name, null_blanks)
    for col in dictionary:
        if col in table.column_names:
            i = table.column_names.index(col)
            table = table.set_column(i, col, pc.dictionary_encode(table[col]))
    return TextTable(table, rejects, encoding, header)


def _read_fast(
    data: bytes, header: list[str], width: int, dictionary: Collection[str], null_blanks: bool
) -> pa.Table | None:
    invalid = 0

    def on_invalid(_row):
        nonlocal invalid
        invalid += 1
        return "skip"

    names = header + [f"_extra{i}" for i in range(width - len(header))]
    as_dict = pa.dictionary(pa.int32(), pa.string())
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            # One block per file: files are read in parallel by the caller, and a
            # single chunk keeps each dictionary column's dictionary whole.
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=1,
                block_size=min(max(len(data) + 1, 1 << 20), 1 << 30),
                use_threads=False,
            ),
            parse_options=pacsv.ParseOptions(
                invalid_row_handler=on_invalid, newlines_in_values=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: as_dict if n in dictionary else pa.string() for n in names},
                # Only the empty field is null (not "NA", "NULL", ... as by default).
                null_values=[""],
                strings_can_be_null=null_blanks,
                quoted_strings_can_be_null=null_blanks,
                # ASCII is valid UTF-8: one pass over the bytes spares checking each
                # column's text (most police.uk files are plain ASCII).
                check_utf8=not data.isascii(),
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if invalid:
        return None
    n_lines = count_newlines(data) + (0 if data.endswith(b"\n") else 1)
    if table.num_rows != n_lines - 1:
        return None  # blank lines or line breaks inside quotes: count lines exactly
    if table.column(0).num_chunks > 1:
        table = table.unify_dictionaries().combine_chunks()
    for n in names[len(header) :]:
        if pc.any(pc.not_equal(table[n], "")).as_py():
            return None
    if len(names) > len(header):
        table = table.select(header)
    return table.append_column(
        "source_line", pa.array(np.arange(2, table.num_rows + 2, dtype="int64"))
    )


def count_newlines(data: bytes, chunk: int = 1 << 18) -> int:
    """Number of b"\\n" in ``data``: numpy in cache-sized pieces, several times faster
    than ``bytes.count``."""
    raw = np.frombuffer(data, dtype=np.uint8)
    hits = np.empty(min(chunk, len(raw)), dtype=bool)
    n = 0
    for start in range(0, len(raw), chunk):
        piece = raw[start : start + chunk]
        out = hits[: len(piece)]
        np.equal(piece, 10, out=out)
        n += int(np.count_nonzero(out))
    return n


def _read_slow(
    text: str, header: list[str], name: str, null_blanks: bool = False
) -> tuple[pa.Table, pd.DataFrame]:
    # strict: an unclosed quote is an error at the line it opened on, not a value that
    # silently swallows the rest of the file.
    reader = csv.reader(io.StringIO(text), strict=True)
    next(reader)
    width = len(header)
    columns: list[list[str]] = [[] for _ in header]
    lines: list[int] = []
    bad_lines: list[int] = []
    bad_values: list[str] = []
    bad_reasons: list[str] = []
    start = reader.line_num + 1
    try:
        for rec in reader:
            line = start
            start = reader.line_num + 1
            if not rec or all(v.strip() == "" for v in rec):
                continue  # blank line: not a row
            if len(rec) < width:
                bad_lines.append(line)
                bad_values.append(",".join(rec))
                bad_reasons.append(
                    f"short line: {len(rec)} of {width} fields (truncated or cut short)"
                )
                continue
            if len(rec) > width and any(v.strip() for v in rec[width:]):
                bad_lines.append(line)
                bad_values.append(",".join(rec))
                bad_reasons.append(
                    f"long line: {len(rec)} fields where the header has {width} "
                    "(an unquoted comma?)"
                )
                continue
            for col, value in zip(columns, rec, strict=False):
                col.append(value)
            lines.append(line)
    except csv.Error as err:
        raise InputFormatError(
            f"the CSV cannot be parsed from this line on ({err})",
            file=name,
            line=start,
            fix='look for a quote (") opened in a value on that line and never closed, or '
            "a character straight after a closing quote; re-export the file",
        ) from None
    if null_blanks:
        columns = [[v if v else None for v in col] for col in columns]
    arrays = {h: pa.array(col, type=pa.string()) for h, col in zip(header, columns, strict=True)}
    arrays["source_line"] = pa.array(lines, type=pa.int64())
    table = pa.table(arrays)
    rejects = empty_rejects()
    if bad_lines:
        rejects = pd.DataFrame(
            {
                "source_file": pd.Series([name] * len(bad_lines), dtype="str"),
                "source_line": pd.array(bad_lines, dtype="Int64"),
                "column": pd.Series([None] * len(bad_lines), dtype="str"),
                "value": pd.Series([v[:200] for v in bad_values], dtype="str"),
                "reason": pd.Series(bad_reasons, dtype="str"),
            }
        )
    return table, rejects


def check_columns(
    header: list[str], required: list[str], name: str, what: str, hint: str = ""
) -> None:
    """Raise a clear error when required columns are missing from a header."""
    present = {h.casefold() for h in header}
    missing = [c for c in required if c.casefold() not in present]
    if missing:
        raise InputFormatError(
            f"this does not look like {what}: missing column(s) {', '.join(repr(m) for m in missing)}"
            f"; the header has {', '.join(repr(h) for h in header[:15])}",
            file=name,
            line=1,
            fix=hint or f"give {what} with the columns {', '.join(required)}",
        )


def read_path_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputFormatError("file not found", file=path, fix="check the path") from None
    except IsADirectoryError:
        raise InputFormatError("expected a file, got a folder", file=path) from None
