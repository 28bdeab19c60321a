"""Reading delimited text the way Excel and data.police.uk write it, keeping every row.

``read_table`` turns the bytes of one CSV into a frame of strings plus a list of
rejected lines (with line numbers and reasons). It is shared by every loader so
that encodings, BOMs, blank lines, truncated lines and trailing commas are
handled once.
"""

from __future__ import annotations

import csv
import io
import re
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

#: A rejected row: where it was, the column and value at fault, the reason (the same
#: text for every row rejected for the same cause, so reasons can be counted), and
#: ``related_line``, the earlier line a duplicate or clash refers to (else empty).
REJECT_COLUMNS = ["source_file", "source_line", "column", "value", "reason", "related_line"]


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
    {"source_line": "Int64", "related_line": "Int64"}
)


def empty_rejects() -> pd.DataFrame:
    """A rejects frame with no rows (the right columns and types)."""
    return _EMPTY_REJECTS.copy(deep=False)


def make_rejects(
    source_file: str,
    lines,
    reason: str,
    column: str | None = None,
    values=None,
    related=None,
) -> pd.DataFrame:
    """Rejects frame for many lines sharing one reason (``related``: the earlier line
    each one clashes with, for duplicates)."""
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
            "related_line": pd.array(
                [None] * n if related is None else list(related), dtype="Int64"
            ),
        }
    )


#: The largest text file (or zip member) read: each input is read whole into memory, so
#: this bounds what one file can take (see docs/reliability.md, "Limits").
MAX_FILE_BYTES = 512 * 1024 * 1024
#: The longest value read from a CSV (as Python's csv module allows by default), and the
#: longest header line; a longer one is a file that is not CSV or a quote never closed.
MAX_FIELD_CHARS = 131_072
#: The most columns a header may name (ONS tables have a few hundred at most).
MAX_COLUMNS = 1_000


class LimitError(InputFormatError):
    """A file beyond one of the documented limits (size, header width, line or value
    length): an error whatever kind of file it turns out to be."""


NUL_REASON = "the line holds a NUL byte (binary data, not text)"
NOT_UTF8_REASON = "the line holds bytes that are not UTF-8 text (the rest of the file is)"
NOT_CP1252_REASON = "the line holds bytes that are not Windows-1252 text"
# Invalid bytes decode to lone surrogates (surrogateescape) and a NUL to U+DC00 (see
# decode): no valid text holds either, so a row holding one is a damaged row.
_BAD_CHARS = re.compile("[\udc00-\udcff]")
_NON_ASCII_TEXT = re.compile("[^\x00-\x7f\udc80-\udcff]")


def too_big(size: int, name: str) -> InputFormatError:
    """The error for a file (or zip member) over :data:`MAX_FILE_BYTES`."""
    return LimitError(
        f"the file is {size / 2**20:,.0f} MiB; the workbook reads text files of up to "
        f"{MAX_FILE_BYTES // 2**20:,} MiB",
        file=name,
        fix="split it (by month, force or year) into smaller files",
    )


def looks_binary(head: bytes) -> bool:
    """True for bytes that are not text: a NUL in the first line, or more than 1 in 100
    of the first 64 KiB control bytes (a zip, spreadsheet or image). A text file with a
    stray NUL further on is text; its damaged rows are rejected (see read_table)."""
    head = head[:65536]
    first = head.split(b"\n", 1)[0]
    if b"\x00" in first:
        return True
    if b"\x00" not in head:
        return False
    raw = np.frombuffer(head, dtype=np.uint8)
    control = (raw < 32) & (raw != 9) & (raw != 10) & (raw != 13) & (raw != 12)
    return int(np.count_nonzero(control)) * 100 > len(raw)


def _check_bytes(data: bytes, name: str) -> None:
    if not data or (data[:4096].isspace() and data.isspace()):
        raise InputFormatError(
            "the file is empty", file=name, fix="re-download or re-export the file"
        )
    if len(data) > MAX_FILE_BYTES:
        raise too_big(len(data), name)
    if looks_binary(data):
        raise InputFormatError(
            "this is not a text (CSV) file: it contains binary bytes",
            file=name,
            fix="give the CSV itself, not a spreadsheet or other binary file "
            "(save it from Excel as 'CSV UTF-8')",
        )


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM allowed) or, failing that, cp1252 as Excel saves it.

    A file that is UTF-8 except for a few stray bytes (it holds valid multi-byte UTF-8
    text, "Café", as well) stays UTF-8: the stray bytes come back as lone surrogates
    (``surrogateescape``) so the rows holding them can be rejected one by one, and the
    rest of the text is intact. A file with non-ASCII bytes and no valid UTF-8 sequence
    at all is Windows-1252 (Excel's "CSV"); bytes Windows-1252 does not define come back
    as surrogates too. NUL bytes come back as U+DC00. Raises InputFormatError for empty
    or binary input.
    """
    _check_bytes(data, name)
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text = data.decode("utf-8-sig", "surrogateescape")
        encoding = "utf-8"
        if not _NON_ASCII_TEXT.search(text):
            text, encoding = data.decode("cp1252", "surrogateescape"), "cp1252"
    if "\x00" in text:
        text = text.replace("\x00", "\udc00")
    return text, encoding


def bad_text_reason(values: list[str], encoding: str) -> str | None:
    """Why a row read by :func:`decode` cannot be kept (a NUL or undecodable byte in one
    of its values), or None."""
    if not _BAD_CHARS.search("".join(values)):
        return None  # one search over the row: almost every row is clean
    for v in values:
        hit = _BAD_CHARS.search(v)
        if hit:
            if "\udc00" in v:
                return NUL_REASON
            return NOT_UTF8_REASON if encoding == "utf-8" else NOT_CP1252_REASON
    return None


def shown(text: str) -> str:
    """Text with NUL and undecodable bytes written as ``\\x..`` (for the rejects file)."""
    return _BAD_CHARS.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


def _clean_header(fields: list[str]) -> list[str]:
    fields = [f.strip().lstrip("\ufeff") for f in fields]
    while fields and fields[-1] == "":
        fields.pop()
    return fields


def first_line(data: bytes, name: str) -> bytes:
    """The header line (ending at the first LF or CR), refused when over the limit."""
    limit = MAX_FIELD_CHARS + 2
    ends = [i for i in (data.find(b"\n", 0, limit), data.find(b"\r", 0, limit)) if i >= 0]
    if not ends:
        if len(data) >= limit:
            raise LimitError(
                f"the first line is longer than {MAX_FIELD_CHARS:,} characters, the most "
                "the workbook reads in a line of column names",
                file=name,
                line=1,
                fix="check this is a CSV file with one line of column names",
            )
        return data
    return data[: min(ends)]


def _parse_header(first_line: str, name: str) -> tuple[list[str], int]:
    raw = next(csv.reader([first_line.rstrip("\r")]), [])
    if len(raw) > MAX_COLUMNS:
        raise LimitError(
            f"the first line names {len(raw):,} columns; the workbook reads at most "
            f"{MAX_COLUMNS:,}",
            file=name,
            line=1,
            fix="check this is a CSV file with one line of column names",
        )
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
    data: bytes,
    name: str,
    dictionary: Collection[str] = (),
    *,
    null_blanks: bool = False,
    numbers: Collection[str] = (),
) -> TextTable:
    """Read one CSV held in memory into strings, keeping a line number per row.

    Fast path: pyarrow's reader, used when the file is regular UTF-8 (no short or
    long rows, no blank lines, no line breaks inside quotes). Anything else (cp1252
    text, ragged rows) goes through Python's csv module, which tracks line numbers
    exactly. Rows with too few fields are rejected ("short line"); rows with extra
    fields are kept when the extra fields are empty (trailing commas) and rejected
    otherwise. Blank lines are not rows. Lines may end in LF, CRLF or CR alone (old
    Macs). A row holding a NUL byte, or a byte that is not UTF-8 in a file that is UTF-8
    elsewhere, is rejected with its reason (see ``decode``); the other rows are read as
    they are. Limits (refused with an error that states them): a file over
    ``MAX_FILE_BYTES``, a header of more than ``MAX_COLUMNS`` columns or a line or value
    over ``MAX_FIELD_CHARS`` characters. Columns named in ``dictionary`` come back
    dictionary-encoded (cheap to validate value by value, and to store). With
    ``null_blanks`` an empty field (quoted or not) comes back null rather than "",
    which spares callers a pass over every column to find the blanks.

    Columns named in ``numbers`` come back as float64 (a blank is null) when the fast
    reader takes the file and every value in them is a finite number, perhaps with
    spaces around it; otherwise (a value that is not a number, NaN or infinity, or a
    file the exact reader takes) they are text like the others, and the caller
    validates them value by value. Callers accept either.
    """
    _check_bytes(data, name)
    first = first_line(data, name)
    try:
        header, width = _parse_header(first.decode("utf-8-sig"), name)
        # A NUL byte (past the first line) means damaged rows: the exact reader finds them.
        fast = (
            None
            if b"\x00" in data
            else _read_fast(data, header, width, dictionary, null_blanks, numbers)
        )
    except UnicodeDecodeError:
        fast = None
    if fast is not None:
        return TextTable(fast, empty_rejects(), "utf-8", header)
    text, encoding = decode(data, name)
    header, _ = _parse_header(re.split("[\r\n]", text, maxsplit=1)[0], name)
    table, rejects = _read_slow(text, header, name, null_blanks, encoding)
    for col in dictionary:
        if col in table.column_names:
            i = table.column_names.index(col)
            table = table.set_column(i, col, pc.dictionary_encode(table[col]))
    return TextTable(table, rejects, encoding, header)


def _read_fast(
    data: bytes,
    header: list[str],
    width: int,
    dictionary: Collection[str],
    null_blanks: bool,
    numbers: Collection[str] = (),
) -> pa.Table | None:
    """The file read by pyarrow, or None when only the exact reader can read it."""
    numbers = [n for n in numbers if n in header]
    if numbers:
        try:
            table = _parse_fast(data, header, width, dictionary, null_blanks, numbers)
        except pa.ArrowInvalid:
            table = None  # a value that is not a number (or no fast read at all)
        else:
            if table is None:
                return None
        # NaN and infinity are numbers to the reader but not to the exact rule, which
        # the caller then applies to the text.
        if table is not None and all(_all_finite(table[n]) for n in numbers):
            return table
    try:
        return _parse_fast(data, header, width, dictionary, null_blanks, ())
    except pa.ArrowInvalid:
        return None


def _all_finite(col: pa.ChunkedArray) -> bool:
    return bool(pc.all(pc.is_finite(col)).as_py() in (True, None))


def _parse_fast(
    data: bytes,
    header: list[str],
    width: int,
    dictionary: Collection[str],
    null_blanks: bool,
    numbers: Collection[str],
) -> pa.Table | None:
    """pyarrow's reader on ``data``; None when its rows are not the file's lines one for
    one (the exact reader then counts them). Raises pa.ArrowInvalid for text pyarrow
    cannot parse, or a value in ``numbers`` that is not a number."""
    invalid = 0

    def on_invalid(_row):
        nonlocal invalid
        invalid += 1
        return "skip"

    names = header + [f"_extra{i}" for i in range(width - len(header))]
    as_dict = pa.dictionary(pa.int32(), pa.string())
    types = {n: as_dict if n in dictionary else pa.string() for n in names}
    types.update({n: pa.float64() for n in numbers})
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
                column_types=types,
                # Only the empty field is null (not "NA", "NULL", ... as by default).
                null_values=[""],
                strings_can_be_null=null_blanks,
                quoted_strings_can_be_null=null_blanks,
                # ASCII is valid UTF-8: one pass over the bytes spares checking each
                # column's text (most police.uk files are plain ASCII).
                check_utf8=not data.isascii(),
            ),
        )
    except UnicodeDecodeError:
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
    # No value is longer than its line: only a file with a line over the limit needs
    # its values measured (and the exact reader names the line).
    if _may_hold_long_line(data) and line_stats(data)[1] > MAX_FIELD_CHARS:
        if numbers:
            raise pa.ArrowInvalid("a line over the limit: measure its values as text")
        if _longest_value(table) > MAX_FIELD_CHARS:
            return None
    if len(names) > len(header):
        table = table.select(header)
    return table.append_column(
        "source_line", pa.array(np.arange(2, table.num_rows + 2, dtype="int64"))
    )


def _longest_value(table: pa.Table) -> int:
    """Length in bytes of the longest value in a table of text columns."""
    longest = 0
    for col in table.columns:
        if pa.types.is_dictionary(col.type):
            col = pa.chunked_array([c.dictionary for c in col.chunks], col.type.value_type)
        if not pa.types.is_string(col.type):
            continue
        if col.num_chunks and len(col):
            longest = max(longest, pc.max(pc.binary_length(col)).as_py() or 0)
    return longest


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


#: A line longer than MAX_FIELD_CHARS covers at least one whole block of this size
#: (aligned to a multiple of it), which then holds no newline.
_BLOCK = (MAX_FIELD_CHARS + 1) // 2


def _may_hold_long_line(data: bytes) -> bool:
    """False when no line of ``data`` can be longer than MAX_FIELD_CHARS: every whole
    aligned block of half that size holds a newline (found within a few hundred bytes
    of its start in a CSV, so this reads almost none of the file)."""
    return any(
        data.find(b"\n", start, start + _BLOCK) < 0
        for start in range(0, len(data) - _BLOCK + 1, _BLOCK)
    )


def line_stats(data: bytes, chunk: int = 1 << 18) -> tuple[int, int]:
    """(number of b"\\n", length in bytes of the longest line, its line ending included)
    of ``data``, in one pass of numpy over cache-sized pieces."""
    raw = np.frombuffer(data, dtype=np.uint8)
    hits = np.empty(min(chunk, len(raw)), dtype=bool)
    n, longest, last = 0, 0, -1  # last: the position of the newline before this piece
    for start in range(0, len(raw), chunk):
        piece = raw[start : start + chunk]
        out = hits[: len(piece)]
        np.equal(piece, 10, out=out)
        found = np.flatnonzero(out)
        if len(found):
            found += start
            longest = max(longest, int(found[0]) - last)
            if len(found) > 1:
                longest = max(longest, int(np.diff(found).max()))
            last = int(found[-1])
            n += len(found)
    return n, max(longest, len(raw) - 1 - last)


def _read_slow(
    text: str, header: list[str], name: str, null_blanks: bool = False, encoding: str = "utf-8"
) -> tuple[pa.Table, pd.DataFrame]:
    # strict: an unclosed quote is an error at the line it opened on, not a value that
    # silently swallows the rest of the file. newline="": a line ends at LF, CRLF or a
    # CR alone (old Mac files), and line numbers count each.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)
    width = len(header)
    damaged = _BAD_CHARS.search(text) is not None
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
            reason = bad_text_reason(rec, encoding) if damaged else None
            if reason is None and len(rec) < width:
                reason = f"short line: {len(rec)} of {width} fields (truncated or cut short)"
            if reason is None and len(rec) > width and any(v.strip() for v in rec[width:]):
                reason = (
                    f"long line: {len(rec)} fields where the header has {width} "
                    "(an unquoted comma?)"
                )
            if reason is not None:
                bad_lines.append(line)
                bad_values.append(shown(",".join(rec)[:200]))
                bad_reasons.append(reason)
                continue
            for col, value in zip(columns, rec, strict=False):
                col.append(value)
            lines.append(line)
    except csv.Error as err:
        if "field larger than field limit" in str(err):
            raise LimitError(
                f"a value on this line is longer than {MAX_FIELD_CHARS:,} characters, the "
                "most the workbook reads in one value",
                file=name,
                line=start,
                fix='check this is a CSV file; look for a quote (") opened on that line '
                "and never closed",
            ) from None
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
                "value": pd.Series(bad_values, dtype="str"),
                "reason": pd.Series(bad_reasons, dtype="str"),
                "related_line": pd.array([None] * len(bad_lines), dtype="Int64"),
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
    """The bytes of a file, refused before reading when over ``MAX_FILE_BYTES``."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES and Path(path).is_file():
            raise too_big(size, str(path))
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputFormatError("file not found", file=path, fix="check the path") from None
    except IsADirectoryError:
        raise InputFormatError("expected a file, got a folder", file=path) from None
