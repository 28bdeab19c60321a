"""The bad-input corpus: every kind of bad file or parameter a user can give, in one place,
each with the behaviour the workbook promises written beside it.

Each case goes end to end: files through ``csplib.ingest.ingest`` (as ``csp ingest``
runs it), parameter files through ``load_params`` and ``run_report`` (everything a
report checks before its notebook starts). The promise is always one of:

* **error**: the file (or the whole run, for an unusable zip or path) is refused with a
  message naming the file, the line or column where it can, and the fix; other files
  still go in;
* **rejected**: the rows that cannot be used are counted as rejected, each with its
  line and a reason (``rows_read == kept + rejected``, always);
* **kept**: the rows go in, repaired or flagged where the case says so, and counted.

Never a silent drop and never a traceback: a subset also runs through the ``csp``
command line (``csplib.cli.main``). ``docs/reliability.md`` lists every case with
the test that proves it; ``python tests/test_badinput.py`` prints that table.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from badinput import stores
from factories import (
    STREET_HEADER,
    csv_bytes,
    street_row,
    write_csv,
    write_geography,
    write_street,
)

from csplib.errors import CoverageError, CspError, ParameterError
from csplib.ingest import IngestReport, ingest
from csplib.sources.base import NOT_UTF8_REASON, NUL_REASON
from csplib.sources.police_uk import OUTCOME_COLUMNS, SEARCH_COLUMNS
from csplib.sources.recorded_crime import REQUIRED as RC_REQUIRED
from csplib.store import Store

LATEST = "2024-12"  # the "current" month for these runs: later months are in the future
RC_HEADER = [*[*RC_REQUIRED.values()][:3], "CSP Name", *[*RC_REQUIRED.values()][3:]]
RC_ROW = ["2021/22", "1", "Testshire", "Alpha", "Domestic burglary", "Theft offences",
          "Burglary", "28E", "6"]  # fmt: skip
PARTNER_HEADER = "indicator,area,period,numerator,denominator,value,unit,source"


# --- running a case ------------------------------------------------------------------


@dataclass
class Outcome:
    """What one ingest did: its report, or the error that stopped the whole run."""

    store: Path
    report: IngestReport | None
    raised: CspError | None

    def file(self, part: str):
        """The file report whose name contains ``part`` (exactly one)."""
        assert self.report is not None, f"the run stopped: {self.raised}"
        hits = [f for f in self.report.files if part in f.name]
        assert len(hits) == 1, [f.name for f in self.report.files]
        return hits[0]

    def crimes(self) -> pd.DataFrame:
        return Store(self.store).crimes()

    def rejects(self) -> pd.DataFrame:
        assert self.report is not None and self.report.rejects_file, "no rejects file"
        return pd.read_csv(self.report.rejects_file)


def run_ingest(paths: list[Path], store: Path) -> Outcome:
    try:
        report = ingest(paths, store, latest_month=LATEST)
    except CspError as err:
        return Outcome(store, None, err)
    # Every row is accounted for, in every file and in total.
    for f in report.files:
        assert f.rows_read == f.kept + f.rejected, f
        assert sum(f.reject_reasons.values()) == f.rejected, f
    t = report.totals()
    assert t["rows_read"] == t["kept"] + t["rejected"]
    return Outcome(store, report, None)


def assert_clear(message: str | None, file: str, *, line: int | None = None, says=()) -> None:
    """An error a person can act on: names the file (and line), says what, says the fix."""
    assert message, "expected an error"
    assert file in message, message
    text = message[message.index(file) + len(file) :]  # not the path: tmp paths hold words
    if line is not None:
        assert f"line {line}" in text, message
    assert "Fix:" in text, message
    for phrase in [says] if isinstance(says, str) else says:
        assert phrase in text, message
    assert "Traceback" not in message


def assert_rejected(out: Outcome, part: str, reason: str, lines: list[int], kept: int) -> None:
    """Exactly ``lines`` of the file are rejected with ``reason``; ``kept`` rows go in."""
    f = out.file(part)
    assert f.error is None, f.error
    assert f.reject_reasons.get(reason) == len(lines), f.reject_reasons
    assert f.kept == kept, f
    rej = out.rejects()
    rej = rej[rej["source_file"].str.contains(part, regex=False) & (rej["reason"] == reason)]
    assert sorted(rej["source_line"].astype(int)) == lines


def expect(condition: bool) -> None:
    assert condition


def street_file(folder: Path, rows, month: str = "2023-04", header=STREET_HEADER, **kw) -> Path:
    return write_csv(folder / month / f"{month}-testshire-street.csv", [header, *rows], **kw)


def good_rows(month: str = "2023-04", n: int = 3) -> list[list[str]]:
    return [street_row(month=month, crime_id=f"{month}-ok-{i}") for i in range(n)]


# --- the corpus ----------------------------------------------------------------------

Build = Callable[[Path], tuple[list[Path], Callable[[Outcome], None]]]


@dataclass(frozen=True)
class Case:
    id: str
    what: str  # the bad input
    expected: str  # the promised behaviour
    build: Build  # writes the inputs; returns (paths to ingest, check of the outcome)
    error: bool  # True when the CLI must exit non-zero
    cli: bool = False  # also run through `csp ingest`
    xfail: str | None = None  # a known bug: the diagnosis


CASES: list[Case] = []


def case(id: str, what: str, expected: str, *, error: bool = False, cli: bool = False,
         xfail: str | None = None) -> Callable[[Build], Build]:  # fmt: skip
    def register(fn: Build) -> Build:
        CASES.append(Case(id, what, expected, fn, error, cli, xfail))
        return fn

    return register


# data.police.uk street files ----------------------------------------------------------


@case("street-has-outcomes-header",
      "a street file (by its name) whose header is an outcomes file's",
      "error naming the file, line 1, that it is an outcomes file, and the fix; the other "
      "files still go in", error=True, cli=True)  # fmt: skip
def _(tmp):
    bad = write_csv(tmp / "in" / "2023-04" / "2023-04-testshire-street.csv",
                    [OUTCOME_COLUMNS, ["a", "2023-04", "F", "F", "", "", "", "", "", "x"]])  # fmt: skip
    good = street_file(tmp / "in", good_rows("2023-05"), month="2023-05")

    def check(out):
        assert_clear(out.file(bad.name).error, bad.name, line=1, says="outcomes")
        assert out.file(good.name).kept == 3 and len(out.crimes()) == 3

    return [tmp / "in"], check


@case("street-has-stop-and-search-header",
      "a street file (by its name) whose header is a stop-and-search file's",
      "error naming the file, line 1, that it is a stop-and-search file, and the fix",
      error=True)  # fmt: skip
def _(tmp):
    bad = street_file(tmp / "in", [[""] * len(SEARCH_COLUMNS)], header=SEARCH_COLUMNS)
    return [bad], lambda out: assert_clear(
        out.file(bad.name).error, bad.name, line=1, says="stop-and-search"
    )


@case("street-missing-column", "a street file without its 'LSOA code' column",
      "error naming the file, line 1, the missing column and the fix", error=True)  # fmt: skip
def _(tmp):
    header = [h for h in STREET_HEADER if h != "LSOA code"]
    rows = [r[:7] + r[8:] for r in good_rows()]
    bad = street_file(tmp / "in", rows, header=header)
    return [bad], lambda out: assert_clear(
        out.file(bad.name).error, bad.name, line=1, says="'LSOA code'"
    )


@case("street-columns-in-another-order", "a street file with its columns in reverse order",
      "kept: columns are matched by name, so every value lands in its own column")  # fmt: skip
def _(tmp):
    rows = [street_row(crime_type="Robbery", location="On or near Mill Lane", crime_id="r1")]
    path = street_file(tmp / "in", [list(reversed(r)) for r in rows],
                       header=list(reversed(STREET_HEADER)))  # fmt: skip

    def check(out):
        row = out.crimes().iloc[0]
        assert (row["crime_id"], row["crime_type"], row["location"]) == (
            "r1", "Robbery", "On or near Mill Lane",
        )  # fmt: skip
        assert row["longitude"] == -1.5 and row["lsoa_code"] == "X01000001"

    return [path], check


@case("street-header-case-and-spaces", "column names in capitals with trailing spaces",
      "kept: column names are matched ignoring case and surrounding spaces")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", good_rows(), header=[h.upper() + " " for h in STREET_HEADER])
    return [path], lambda out: expect(out.file(path.name).kept == 3)


@case("empty-file", "an empty file with a data.police.uk name",
      "error naming the file: 'the file is empty', with the fix", error=True, cli=True)  # fmt: skip
def _(tmp):
    path = tmp / "in" / "2023-04-testshire-street.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    return [path], lambda out: assert_clear(out.file(path.name).error, path.name, says="empty")


@case("empty-file-without-police-name", "an empty CSV named like a lookup ('lookup.csv')",
      "error naming the file that says it is empty (not merely 'not recognised')",
      error=True)  # fmt: skip
def _(tmp):
    path = tmp / "in" / "lookup.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    return [path], lambda out: assert_clear(out.file(path.name).error, path.name, says="empty")


@case("header-only", "a street file holding its header and no rows, between two full months",
      "no error and 0 rows read; coverage reports the month as missing, never as zero "
      "crime")  # fmt: skip
def _(tmp):
    for month in ("2023-03", "2023-05"):
        street_file(tmp / "in", good_rows(month, 20), month=month)
    empty = street_file(tmp / "in", [], month="2023-04")

    def check(out):
        f = out.file(empty.name)
        assert f.error is None and f.rows_read == 0
        assert {(p["month"], p["status"]) for p in out.report.coverage_problems} == {
            ("2023-04", "missing")
        }

    return [tmp / "in"], check


@case("truncated-last-line", "the last line cut short (a download that stopped mid-line)",
      "rejected: 'short line: 3 of 12 fields', with its line number; the rows before it "
      "kept", cli=True)  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", good_rows())
    path.write_bytes(path.read_bytes() + b"cut,2023-04,Testshire")
    return [path], lambda out: assert_rejected(
        out, path.name, "short line: 3 of 12 fields (truncated or cut short)", [5], kept=3
    )


@case("blank-lines", "blank lines between rows (and a bad row after them)",
      "blank lines are not rows; line numbers in rejects stay those of the file")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", good_rows())
    lines = path.read_bytes().split(b"\n")
    bad = csv_bytes([street_row(crime_type="Fraud")]).rstrip(b"\n")
    path.write_bytes(b"\n".join([lines[0], lines[1], b"", b"", lines[2], b"", bad, lines[3]]))
    return [path], lambda out: assert_rejected(out, path.name, "unknown crime type", [7], kept=3)


@case("trailing-commas", "every row ends with extra empty fields (',,')",
      "kept: empty trailing fields are ignored")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", [[*r, "", ""] for r in good_rows()])
    return [path], lambda out: expect(out.file(path.name).kept == 3)


@case("extra-values", "a row with more values than the header (an unquoted comma)",
      "rejected: 'long line: 13 fields where the header has 12', with its line")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", [*good_rows(), [*street_row(), "oops"]])
    return [path], lambda out: assert_rejected(
        out, path.name, "long line: 13 fields where the header has 12 (an unquoted comma?)",
        [5], kept=3,
    )  # fmt: skip


@case("quoted-commas-and-quotes", "Location values with commas and quotes inside quotes",
      "kept: the value arrives whole, commas and quotes included")  # fmt: skip
def _(tmp):
    odd = 'On or near "The Bell", High St, Ashby'
    path = street_file(tmp / "in", [street_row(location=odd, crime_id="q")])
    return [path], lambda out: expect(out.crimes()["location"].tolist() == [odd])


@case("unclosed-quote", "a quote opened in a Location and never closed, with rows after it",
      "an error naming the line the quote opened on (never the rest of the file silently "
      "absorbed into one value)", error=True)  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", good_rows(n=1))
    broken = b'b,2023-04,F,F,-1.5,52.1,"On or near Mill Lane,X01000001,Alpha 001A,Burglary,,\n'
    path.write_bytes(path.read_bytes() + broken + csv_bytes(good_rows(n=2)))

    def check(out):
        assert_clear(out.file(path.name).error, path.name, line=3, says="quote")

    return [path], check


@case("utf8-bom", "a UTF-8 file starting with a byte-order mark (as Excel's 'CSV UTF-8')",
      "kept: the BOM is not part of the first column name")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", good_rows(), encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    return [path], lambda out: expect(out.crimes()["crime_id"].notna().sum() == 3)


@case("cp1252", "a file saved by Excel as plain CSV (Windows-1252), with 'Café' and '£'",
      "kept: read as Windows-1252, text intact")  # fmt: skip
def _(tmp):
    odd = "On or near Café £1 Shop"
    path = street_file(tmp / "in", [street_row(location=odd)], encoding="cp1252")
    return [path], lambda out: expect(out.crimes()["location"].tolist() == [odd])


@case("crlf-line-endings", "Windows line endings (CRLF)", "kept: three rows, no stray '\\r'")
def _(tmp):
    path = street_file(tmp / "in", good_rows())
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))

    def check(out):
        crimes = out.crimes()
        assert len(crimes) == 3 and not crimes["context"].fillna("").str.contains("\r").any()

    return [path], check


@case("cr-line-endings", "old Mac line endings (CR only), a police file and a lookup",
      "kept: rows split at each CR, line numbers counted the same way (a bad row is "
      "rejected at its line)")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", [*good_rows(), street_row(crime_type="Fraud")])
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    lookup = write_csv(tmp / "in" / "lad_csp_pfa.csv", [
        ["LAD23CD", "LAD23NM", "CSP23CD", "CSP23NM", "PFA23CD", "PFA23NM"],
        ["X07000001", "Alpha", "X22000001", "Alpha", "X23000001", "Testshire"]])  # fmt: skip
    lookup.write_bytes(lookup.read_bytes().replace(b"\n", b"\r"))

    def check(out):
        assert_rejected(out, path.name, "unknown crime type", [5], kept=3)
        assert out.file(lookup.name).kept == 1

    return [tmp / "in"], check


@case("one-10mb-line", "a 10 MB file with no line break (a dump of one long line)",
      "error at once naming the file, line 1 and the limit (131,072 characters), without "
      "reading it as columns", error=True)  # fmt: skip
def _(tmp):
    path = tmp / "in" / "2023-04-testshire-street.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"a," * (5 << 20))
    return [path], lambda out: assert_clear(out.file(path.name).error, path.name, line=1,
                                            says="longer than 131,072 characters")  # fmt: skip


@case("value-over-the-limit", "a Location of 200,000 characters in the third row",
      "error naming the line and the limit (131,072 characters); the other files go in",
      error=True)  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", [*good_rows(n=2), street_row(location="x" * 200_000)])
    good = street_file(tmp / "in", good_rows("2023-05"), month="2023-05")

    def check(out):
        assert_clear(out.file(path.name).error, path.name, line=4, says="131,072 characters")
        assert out.file(good.name).kept == 3

    return [tmp / "in"], check


@case("too-many-columns", "a header naming 5,000 columns",
      "error naming line 1 and the limit (1,000 columns)", error=True)  # fmt: skip
def _(tmp):
    path = tmp / "in" / "wide.csv"
    path.parent.mkdir(parents=True)
    path.write_text(",".join(f"c{i}" for i in range(5000)) + "\n" + "1," * 4999 + "1\n")
    return [path], lambda out: assert_clear(out.file(path.name).error, path.name, line=1,
                                            says="at most 1,000")  # fmt: skip


@case("stray-non-utf8-byte", "a UTF-8 file with 'Café' on one row and a stray byte (0xE9, "
      "Windows-1252 'é') on another",
      "only the row with the stray byte is rejected ('not UTF-8 text'), with its line; 'Café' "
      "is stored intact (never the whole file read as Windows-1252)")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", [street_row(location="On or near Café", crime_id="a"),
                                    street_row(location="On or near Xyz", crime_id="b"),
                                    street_row(location="On or near Mill", crime_id="c")])  # fmt: skip
    path.write_bytes(path.read_bytes().replace(b"Xyz", b"Caf\xe9"))

    def check(out):
        assert_rejected(out, path.name, NOT_UTF8_REASON, [3], kept=2)
        assert out.crimes()["location"].tolist() == ["On or near Café", "On or near Mill"]
        assert "Caf\\xe9" in out.rejects()["value"].iloc[0]  # the byte shown, not hidden

    return [path], check


@case("nul-byte-after-64k", "a NUL byte in a Location 100 KB into the file (and one on line 3)",
      "each row holding a NUL is rejected ('NUL byte'), with its line; the rest kept; no NUL "
      "in the store")  # fmt: skip
def _(tmp):
    rows = good_rows(n=600)
    rows[1] = street_row(location="On or near A\x00B", crime_id="nul-early")
    rows[500] = street_row(location="On or near C\x00D", crime_id="nul-late")
    path = street_file(tmp / "in", rows)
    assert path.read_bytes().index(b"C\x00D") > 65536

    def check(out):
        assert_rejected(out, path.name, NUL_REASON, [3, 502], kept=598)
        assert not out.crimes()["location"].str.contains("\x00").any()

    return [path], check


@case("formula-in-a-field", "police.uk fields holding '=HYPERLINK(\"http://evil.example/a\","
      "\"x\")', '@SUM(1+1)', '+1+cmd' and '-2+3' in rows that are rejected",
      "the rejects CSV holds them neutralised with a leading quote (OWASP), so no cell "
      "starts with =, +, -, @, tab or CR; numbers stay numbers (-3, -1.5); the store keeps "
      "the values exactly")  # fmt: skip
def _(tmp):
    link = '=HYPERLINK("http://evil.example/a","x")'
    path = street_file(tmp / "in", [
        street_row(crime_type=link, crime_id="f1"),
        street_row(crime_type="@SUM(1+1)", crime_id="f2"),
        street_row(crime_type="+1+cmd", crime_id="f3"),
        street_row(lon="-2+3", crime_id="f4"),
        street_row(location=link, crime_id="kept"),
    ])  # fmt: skip
    partner = _partner(tmp, "Needles,Alpha,2023-04,-3,,,count,council")

    def check(out):
        import csv as csv_module

        with open(out.report.rejects_file, newline="", encoding="utf-8") as fh:
            cells = [c for row in csv_module.reader(fh) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")
                    or (c[:1] == "-" and not re.fullmatch(r"-\d+(\.\d+)?", c))]  # fmt: skip
        rej = out.rejects()
        values = set(rej["value"].astype(str))
        assert {"'@SUM(1+1)", "'+1+cmd", "'-2+3", "-3"} <= values, values
        assert any(v.startswith("'" + link[:10]) for v in values), values
        assert out.crimes()["location"].tolist() == [link]  # stored as published
        assert out.file(partner.name).rejected == 1

    return [path, partner], check


@case("not-text", "a file that is not text at all (a zip/xlsx saved with a .csv name)",
      "error naming the file: 'not a text (CSV) file', with the fix", error=True, cli=True)  # fmt: skip
def _(tmp):
    path = tmp / "in" / "2023-04-testshire-street.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4)
    return [path], lambda out: assert_clear(out.file(path.name).error, path.name,
                                            says="not a text (CSV) file")  # fmt: skip


@case("not-text-without-police-name", "a binary file named 'data.csv'",
      "error naming the file that says it is not text (not merely 'not recognised')",
      error=True)  # fmt: skip
def _(tmp):
    path = tmp / "in" / "data.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    return [path], lambda out: assert_clear(out.file(path.name).error, path.name,
                                            says="not a text")  # fmt: skip


@case("month-not-the-file-month", "rows whose Month is not the month in the file's name",
      "rejected: 'Month differs from the file name's month 2023-04'")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", [*good_rows(), street_row(month="2023-05")])
    return [path], lambda out: assert_rejected(
        out, path.name, "Month differs from the file name's month 2023-04", [5], kept=3
    )


@case("future-month", "a file of a month after the current one",
      "rejected: 'Month is in the future (after <current month>)'")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", good_rows("2031-01", 2), month="2031-01")
    return [path], lambda out: assert_rejected(
        out, path.name, f"Month is in the future (after {LATEST})", [2, 3], kept=0
    )


@case("month-before-2010-12", "rows dated before data.police.uk began (2009-05)",
      "rejected: 'Month is before data.police.uk began (2010-12)'")  # fmt: skip
def _(tmp):
    path = write_csv(tmp / "in" / "my-extract.csv",
                     [STREET_HEADER, *good_rows(), street_row(month="2009-05")])  # fmt: skip
    return [path], lambda out: assert_rejected(
        out, path.name, "Month is before data.police.uk began (2010-12)", [5], kept=3
    )


@case("month-not-yyyy-mm", "a Month written 'April 2023'",
      "rejected: 'Month is not in the form YYYY-MM'")  # fmt: skip
def _(tmp):
    path = write_csv(tmp / "in" / "my-extract.csv",
                     [STREET_HEADER, *good_rows(), street_row(month="April 2023")])  # fmt: skip
    return [path], lambda out: assert_rejected(
        out, path.name, "Month is not in the form YYYY-MM", [5], kept=3
    )


@case("coordinates-not-numbers", "a Longitude of 'abc'",
      "rejected: 'Longitude is not a number', column Longitude")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", [*good_rows(), street_row(lon="abc")])

    def check(out):
        assert_rejected(out, path.name, "Longitude is not a number", [5], kept=3)
        assert out.rejects()["column"].tolist() == ["Longitude"]

    return [path], check


@case("coordinates-out-of-range", "coordinates outside Great Britain (45, 10) and 1e400",
      "kept: the crime goes in with its location set to missing, counted as a flag")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", [street_row(lon="45", lat="10"),
                                    street_row(lon="1e400", lat="52")])  # fmt: skip

    def check(out):
        f = out.file(path.name)
        assert (
            f.kept == 2
            and f.flags["coordinates outside Great Britain or (0,0): set to missing"] == 2
        )
        assert out.crimes()["longitude"].isna().all()

    return [path], check


@case("coordinates-zero-zero", "coordinates at (0,0), a classic null island",
      "kept: location set to missing and counted, so (0,0) never stretches a map or grid")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", [street_row(lon="0", lat="0"), *good_rows(n=1)])

    def check(out):
        f = out.file(path.name)
        assert (
            f.kept == 2
            and f.flags["coordinates outside Great Britain or (0,0): set to missing"] == 1
        )
        assert out.crimes()["latitude"].isna().sum() == 1

    return [path], check


@case("lsoa-code-and-name-disagree", "an LSOA code of Alpha with the name of a Gamma LSOA",
      "kept and assigned by the code (Alpha), the disagreement counted")  # fmt: skip
def _(tmp):
    geo = write_geography(tmp / "lookups")
    path = street_file(tmp / "in", [street_row(lsoa="X01000001", lsoa_name="Gamma 001A")])

    def check(out):
        assert out.crimes()["csp_name"].tolist() == ["Alpha"]
        assert out.file(path.name).flags[
            "LSOA name disagrees with the LSOA list for its code (code used)"] == 1  # fmt: skip

    return [*geo, path], check


@case("unknown-crime-type", "a crime type police.uk does not publish ('Fraud')",
      "rejected: 'unknown crime type', the value kept in the rejects file", cli=True)  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", [*good_rows(), street_row(crime_type="Fraud")])

    def check(out):
        assert_rejected(out, path.name, "unknown crime type", [5], kept=3)
        assert out.rejects()["value"].tolist() == ["Fraud"]

    return [path], check


@case("legacy-crime-types", "old names: 'Violent crime', 'Public disorder and weapons', "
      "'Other theft and handling', 'Anti social behaviour'",
      "kept and mapped onto the current types (the published name kept in crime_type_raw), "
      "the legacy ASB name still counted as ASB")  # fmt: skip
def _(tmp):
    old = ["Violent crime", "Public disorder and weapons", "Other theft and handling",
           "Anti social behaviour"]  # fmt: skip
    path = street_file(tmp / "in", [street_row(crime_type=t, crime_id=t) for t in old])

    def check(out):
        crimes = out.crimes().set_index("crime_type_raw")
        assert crimes["crime_type"].to_dict() == {
            "Violent crime": "Violence and sexual offences",
            "Public disorder and weapons": "Public order",
            "Other theft and handling": "Other theft",
            "Anti social behaviour": "Anti-social behaviour",
        }
        assert crimes["is_asb"].sum() == 1
        assert out.file(path.name).flags["legacy crime type name mapped to the current one"] == 4

    return [path], check


@case("same-month-twice-across-runs", "a month ingested again later (a corrected download)",
      "the month's partition is replaced, never duplicated, and the report says so")  # fmt: skip
def _(tmp):
    street_file(tmp / "first", good_rows(n=5))
    ingest([tmp / "first"], tmp / "store", latest_month=LATEST)
    path = street_file(tmp / "second", good_rows(n=2))

    def check(out):
        assert len(out.crimes()) == 2
        assert out.file(path.name).replaced == ["testshire/2023-04"]

    return [path], check


@case("same-month-twice-in-one-run", "two files for the same force and month in one run",
      "the first goes in; the second's rows are rejected with 'already read from <file> in "
      "this run'")  # fmt: skip
def _(tmp):
    street_file(tmp / "a", good_rows(n=3))
    street_file(tmp / "b", good_rows(n=2))

    def check(out):
        assert len(out.crimes()) == 3
        second = next(f for f in out.report.files if "/b/" in f.name)
        assert second.kept == 0 and second.rejected == 2
        assert all("already read from" in r for r in second.reject_reasons)

    return [tmp / "a", tmp / "b"], check


@case("two-forces-overlapping-months", "two forces' files for the same months",
      "kept apart: one partition per force and month")  # fmt: skip
def _(tmp):
    for force, n in (("testshire", 3), ("otherland", 4)):
        for month in ("2023-04", "2023-05"):
            write_street(tmp / "in", month, good_rows(month, n), force_id=force)

    def check(out):
        counts = out.crimes().groupby(["force", "month"]).size().to_dict()
        assert counts == {("otherland", "2023-04"): 4, ("otherland", "2023-05"): 4,
                          ("testshire", "2023-04"): 3, ("testshire", "2023-05"): 3}  # fmt: skip

    return [tmp / "in"], check


@case("rows-without-location", "crimes with no coordinates and no LSOA",
      "kept and counted as 'no location', never dropped")  # fmt: skip
def _(tmp):
    geo = write_geography(tmp / "lookups")
    row = street_row(lsoa="", lsoa_name="", lon="", lat="", location="No location")
    path = street_file(tmp / "in", [row, *good_rows(n=1)])

    def check(out):
        assert out.file(path.name).flags["no_location"] == 1
        assert (out.crimes()["geo_status"] == "no_location").sum() == 1

    return [*geo, path], check


@case("repeated-crime-ids", "the same Crime ID on three rows",
      "kept (police.uk publishes some) and counted")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", [street_row(crime_id="dup") for _ in range(3)])

    def check(out):
        f = out.file(path.name)
        assert f.kept == 3 and f.flags["repeated Crime ID (kept: police.uk publishes some)"] == 2

    return [path], check


@case("crime-without-id", "a crime (not ASB) with an empty Crime ID",
      "kept and counted as 'crime row without a Crime ID'")  # fmt: skip
def _(tmp):
    path = street_file(tmp / "in", [street_row(crime_id=""), *good_rows(n=1)])
    return [path], lambda out: expect(
        out.file(path.name).flags["crime row without a Crime ID"] == 1
    )


# Zips and paths -----------------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _month_bytes(month: str, n: int = 2) -> bytes:
    return csv_bytes([STREET_HEADER, *good_rows(month, n)])


@case("zip-nested-folders", "a zip whose CSVs sit several folders deep",
      "read in place (never unpacked), every CSV found; a file that is not data "
      "(notes.txt) listed as not read, without failing the run")  # fmt: skip
def _(tmp):
    z = _zip(tmp / "download.zip", {
        "a/b/c/2023-04/2023-04-testshire-street.csv": _month_bytes("2023-04", 4),
        "x/2023-05/2023-05-testshire-street.csv": _month_bytes("2023-05", 2),
        "x/notes.txt": b"not data",
    })  # fmt: skip

    def check(out):
        assert out.crimes().groupby("month").size().to_dict() == {"2023-04": 4, "2023-05": 2}
        notes = out.file("download.zip!x/notes.txt")
        assert notes.kind == "not read" and "not a data file" in notes.not_read

    return [z], check


@case("zip-without-csv", "a zip holding no CSV files",
      "error naming the zip, with the fix; the run stops before anything is written",
      error=True)  # fmt: skip
def _(tmp):
    z = _zip(tmp / "empty.zip", {"readme.txt": b"hello"})
    good = street_file(tmp / "in", good_rows())

    def check(out):
        assert_clear(str(out.raised), z.name, says="no CSV")
        assert not Store(out.store).has("crimes")

    return [good, z], check


@case("zip-corrupt", "a zip cut short by a dropped download",
      "error naming the zip: 'corrupt or not a zip file', with the fix; nothing written",
      error=True, cli=True)  # fmt: skip
def _(tmp):
    full = _zip(tmp / "full.zip", {"2023-04/2023-04-testshire-street.csv": _month_bytes("2023-04")})
    z = tmp / "cut.zip"
    z.write_bytes(full.read_bytes()[:40])
    return [z], lambda out: assert_clear(str(out.raised), z.name, says="corrupt")


@case("zip-bad-checksum", "a zip whose entry was damaged after it was written",
      "error naming the zip and the damaged entry, with the fix; the other entries go in",
      error=True)  # fmt: skip
def _(tmp):
    z = _zip(tmp / "crc.zip", {"2023-04/2023-04-testshire-street.csv": _month_bytes("2023-04"),
                               "2023-05/2023-05-testshire-street.csv": _month_bytes("2023-05")})  # fmt: skip
    data = bytearray(z.read_bytes())
    data[data.find(b"Crime ID")] ^= 0x20
    z.write_bytes(bytes(data))

    def check(out):
        entry = "crc.zip!2023-04/2023-04-testshire-street.csv"
        assert_clear(out.file(entry).error, entry, says="fails its checksum")
        assert out.crimes()["month"].unique().tolist() == ["2023-05"]

    return [z], check


@case("zip-entry-escapes-folder", "zip entries named '../../evil/...csv', '/tmp/...csv' and "
      "'C:\\evil\\...csv'",
      "each refused and reported ('leaves the archive's folder; not read'), nothing written "
      "outside, the other entries read", error=True)  # fmt: skip
def _(tmp):
    z = _zip(tmp / "in" / "evil.zip", {
        "../../evil/2023-04-testshire-street.csv": _month_bytes("2023-04"),
        "/tmp/csp-evil/2023-04-testshire-street.csv": _month_bytes("2023-04"),
        "C:\\evil\\2023-04-testshire-street.csv": _month_bytes("2023-04"),
        "2023-05/2023-05-testshire-street.csv": _month_bytes("2023-05"),
    })  # fmt: skip

    def check(out):
        skipped = [f for f in out.report.files if f.kind == "skipped"]
        assert len(skipped) == 3
        assert all("leaves the archive's folder" in f.error for f in skipped)
        for f in skipped:  # each error names the zip and the entry, with the fix
            assert_clear(f.error, f.name, says="leaves the archive's folder")
        assert out.crimes()["month"].unique().tolist() == ["2023-05"]
        assert not (tmp / "evil").exists() and not Path("/tmp/csp-evil").exists()

    return [z], check


def _patch_zip(path: Path, *, flags: int = 0, method: int | None = None,
               file_size: int | None = None) -> None:  # fmt: skip
    """Rewrite the first entry's headers (local and central) as another tool would have
    written them: encryption flag, compression method, declared size."""
    data = bytearray(path.read_bytes())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    for flag_at, method_at, size_at in ((local + 6, local + 8, local + 22),
                                        (central + 8, central + 10, central + 24)):  # fmt: skip
        data[flag_at] |= flags
        if method is not None:
            data[method_at : method_at + 2] = method.to_bytes(2, "little")
        if file_size is not None:
            data[size_at : size_at + 4] = file_size.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def _not_read(out: Outcome, part: str, says: str) -> None:
    """The entry is listed as not read, as an error naming the zip and the entry."""
    f = out.file(part)
    assert f.kind == "skipped" and f.rows_read == 0, f
    assert_clear(f.error, part, says=says)


def _first_of_two_patched(z: Path, says: str, **patch):
    """A zip of two months whose first entry is rewritten by ``_patch_zip``: that entry is
    listed as not read (saying ``says``), the other read."""
    _zip(z, {"2023-04/2023-04-testshire-street.csv": _month_bytes("2023-04"),
             "2023-05/2023-05-testshire-street.csv": _month_bytes("2023-05")})  # fmt: skip
    _patch_zip(z, **patch)

    def check(out):
        _not_read(out, f"{z.name}!2023-04/2023-04-testshire-street.csv", says)
        assert out.crimes()["month"].unique().tolist() == ["2023-05"]

    return [z], check


@case("zip-same-name-twice", "a zip holding two entries with the same name (3 rows, then 2)",
      "both read and counted: the second named '(entry 2 of 2 so named)', its rows rejected "
      "as 'already read' (same force and month); 5 rows read = 3 kept + 2 rejected",
      )  # fmt: skip
def _(tmp):
    import warnings

    member = "2023-04/2023-04-testshire-street.csv"
    z = tmp / "twice.zip"
    with warnings.catch_warnings(), zipfile.ZipFile(z, "w") as zf:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        zf.writestr(member, _month_bytes("2023-04", 3))
        zf.writestr(member, csv_bytes([STREET_HEADER, *[street_row(crime_id=f"b{i}")
                                                       for i in range(2)]]))  # fmt: skip

    def check(out):
        first = out.file(f"(entry 1 of 2 so named) {member}")
        second = out.file(f"(entry 2 of 2 so named) {member}")
        assert (first.rows_read, first.kept) == (3, 3)
        assert (second.rows_read, second.rejected) == (2, 2)
        assert all("already read" in r for r in second.reject_reasons)
        assert out.report.totals()["rows_read"] == 5 and len(out.crimes()) == 3

    return [z], check


@case("zip-inside-a-zip", "a zip holding another zip (with a month in it) beside a month's CSV",
      "the inner zip is not opened: listed as not read ('a zip inside a zip is not opened'), "
      "naming the outer zip and the entry, with the fix; the CSV beside it read",
      error=True)  # fmt: skip
def _(tmp):
    inner = _zip(
        tmp / "inner.zip", {"2023-05/2023-05-testshire-street.csv": _month_bytes("2023-05")}
    )
    z = _zip(tmp / "outer.zip", {"nested/inner.zip": inner.read_bytes(),
                                 "2023-04/2023-04-testshire-street.csv": _month_bytes("2023-04")})  # fmt: skip

    def check(out):
        _not_read(out, "outer.zip!nested/inner.zip", "a zip inside a zip is not opened")
        assert out.crimes()["month"].unique().tolist() == ["2023-04"]

    return [z], check


@case("zip-encrypted-entry", "a zip whose first entry is encrypted (password-protected)",
      "that entry listed as not read ('encrypted'), naming the zip and entry, with the fix; "
      "no traceback; the other entry read", error=True)  # fmt: skip
def _(tmp):
    return _first_of_two_patched(tmp / "locked.zip", "encrypted", flags=0x1)


@case("zip-deflate64-entry", "a zip entry compressed with Deflate64 (as 7-Zip can write it)",
      "listed as not read: 'compressed with Deflate64, which the workbook does not read', "
      "with the fix; no traceback", error=True)  # fmt: skip
def _(tmp):
    return _first_of_two_patched(
        tmp / "d64.zip", "compressed with Deflate64, which the workbook does not read", method=9
    )


@case("zip-bomb", "entries that unpack far beyond their size: 64 MiB of zeros in 64 KB, and "
      "an entry declaring 1 GiB",
      "neither is unpacked: listed as not read, stating the limits (200 times the compressed "
      "size above 1 MiB; 512 MiB per file)", error=True)  # fmt: skip
def _(tmp):
    z = tmp / "bomb.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("a/2023-04-testshire-street.csv", bytes(64 << 20))
        zf.writestr("b/2023-05-testshire-street.csv", _month_bytes("2023-05"))
    big = tmp / "big.zip"
    _zip(big, {"2023-06/2023-06-testshire-street.csv": _month_bytes("2023-06")})
    _patch_zip(big, file_size=1 << 30)

    def check(out):
        _not_read(out, "bomb.zip!a/2023-04", "more than 200: a zip bomb")
        _not_read(out, "big.zip!2023-06", "more than the 512 MiB the workbook reads")
        assert out.crimes()["month"].unique().tolist() == ["2023-05"]

    return [z, big], check


@case("zip-entry-lies-about-its-size", "an entry whose directory says 100 bytes but which "
      "unpacks to 10 MiB",
      "reading stops at the declared size: the entry fails its checksum and is refused, "
      "naming the zip and entry; memory never grows with the real size", error=True)  # fmt: skip
def _(tmp):
    z = tmp / "liar.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2023-04/2023-04-testshire-street.csv",
                    _month_bytes("2023-04") + b"\n" * (10 << 20))  # fmt: skip
    _patch_zip(z, file_size=100)
    entry = "liar.zip!2023-04/2023-04-testshire-street.csv"
    return [z], lambda out: assert_clear(out.file(entry).error, entry, says="fails its checksum")


@case("path-does-not-exist", "a path that does not exist",
      "error naming the path: 'no such file or folder', with the fix", error=True, cli=True)  # fmt: skip
def _(tmp):
    path = tmp / "no-such-folder"
    return [path], lambda out: assert_clear(str(out.raised), path.name, says="no such file")


@case("folder-without-data", "a folder holding no CSV, spreadsheet or zip files",
      "error naming the folder, with the fix", error=True)  # fmt: skip
def _(tmp):
    folder = tmp / "photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"\xff\xd8")
    return [folder], lambda out: assert_clear(str(out.raised), folder.name, says="holds no CSV")


@case("unrecognised-csv", "a CSV that is none of the workbook's inputs",
      "error naming the file, line 1, listing what files it takes; the others go in",
      error=True)  # fmt: skip
def _(tmp):
    odd = tmp / "in" / "mystery.csv"
    odd.parent.mkdir(parents=True)
    odd.write_text("foo,bar\n1,2\n")
    good = street_file(tmp / "in", good_rows())

    def check(out):
        assert_clear(out.file(odd.name).error, odd.name, line=1, says="does not recognise")
        assert out.file(good.name).kept == 3

    return [tmp / "in"], check


# Outcomes and stop and search ---------------------------------------------------------


@case("outcome-without-crime-id", "an outcome row with no Crime ID",
      "rejected: 'outcome without a Crime ID'")  # fmt: skip
def _(tmp):
    rows = [["a", "2023-04", "F", "F", "", "", "", "", "", "Under investigation"],
            ["", "2023-04", "F", "F", "", "", "", "", "", "Orphan"]]  # fmt: skip
    path = write_csv(tmp / "in" / "2023-04-testshire-outcomes.csv", [OUTCOME_COLUMNS, *rows])
    return [path], lambda out: assert_rejected(
        out, path.name, "outcome without a Crime ID", [3], kept=1
    )


@case("search-date-not-iso", "a stop-and-search Date of 'yesterday'",
      "rejected: 'Date is not an ISO date (YYYY-MM-DDThh:mm:ss)'")  # fmt: skip
def _(tmp):
    row = ["Person search", "yesterday"] + [""] * (len(SEARCH_COLUMNS) - 2)
    ok = ["Person search", "2023-04-02T10:00:00+00:00"] + [""] * (len(SEARCH_COLUMNS) - 2)
    path = write_csv(tmp / "in" / "2023-04-testshire-stop-and-search.csv",
                     [SEARCH_COLUMNS, ok, row])  # fmt: skip
    return [path], lambda out: assert_rejected(
        out, path.name, "Date is not an ISO date (YYYY-MM-DDThh:mm:ss)", [3], kept=1
    )


# Home Office recorded crime tables ----------------------------------------------------


@case("recorded-crime-renamed-column", "a recorded-crime table whose 'Number of Offences' "
      "column was renamed 'Offences'",
      "error naming the file, line 1 and the missing column 'Number of Offences', with the "
      "fix", error=True)  # fmt: skip
def _(tmp):
    header = [("Offences" if h == "Number of Offences" else h) for h in RC_HEADER]
    path = write_csv(tmp / "in" / "prc.csv", [header, RC_ROW])
    return [path], lambda out: assert_clear(out.file(path.name).error, path.name, line=1,
                                            says="'Number of Offences'")  # fmt: skip


@case("recorded-crime-missing-column", "a recorded-crime table without 'Offence Group'",
      "error naming the file, line 1, the missing column and the fix", error=True, cli=True)  # fmt: skip
def _(tmp):
    i = RC_HEADER.index("Offence Group")
    path = write_csv(tmp / "in" / "prc.csv",
                     [RC_HEADER[:i] + RC_HEADER[i + 1:], RC_ROW[:i] + RC_ROW[i + 1:]])  # fmt: skip
    return [path], lambda out: assert_clear(out.file(path.name).error, path.name, line=1,
                                            says="'Offence Group'")  # fmt: skip


@case("recorded-crime-columns-in-another-order", "a recorded-crime table, columns reversed",
      "kept: columns matched by name")  # fmt: skip
def _(tmp):
    path = write_csv(tmp / "in" / "prc.csv", [RC_HEADER[::-1], RC_ROW[::-1]])

    def check(out):
        rc = Store(out.store).read("recorded_crime")
        row = rc.iloc[0]
        assert (row["csp_name"], row["offence_code"], row["count"]) == ("Alpha", "28E", 6)

    return [path], check


@case("recorded-crime-bad-rows", "rows with a year '2021/23', quarter 5, count 'lots', and a "
      "count of -3",
      "the first three rejected with a reason each; the negative count kept (a published net "
      "adjustment) and counted")  # fmt: skip
def _(tmp):
    rows = [[*RC_ROW[:8], "-3"], ["2021/23", *RC_ROW[1:]], [RC_ROW[0], "5", *RC_ROW[2:]],
            [*RC_ROW[:8], "lots"]]  # fmt: skip
    path = write_csv(tmp / "in" / "prc.csv", [RC_HEADER, *rows])

    def check(out):
        f = out.file(path.name)
        assert f.reject_reasons == {
            "financial year is not like 2017/18": 1,
            "financial quarter is not 1, 2, 3 or 4": 1,
            "number of offences is not a whole number": 1,
        }
        assert f.kept == 1 and f.flags["negative_count"] == 1

    return [path], check


# Partner indicator tables, populations, lookups, boundaries ---------------------------


def _partner(tmp: Path, *rows: str, header: str = PARTNER_HEADER) -> Path:
    path = tmp / "in" / "partner.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@case("partner-negative-count", "a partner count of -3 needles",
      "rejected: 'numerator is negative (counts cannot be)'")  # fmt: skip
def _(tmp):
    path = _partner(tmp, "Needles,Alpha,2023-04,-3,,,count,council",
                    "Needles,Alpha,2023-05,12,,,count,council")  # fmt: skip
    return [path], lambda out: assert_rejected(
        out, path.name, "numerator is negative (counts cannot be)", [2], kept=1
    )


@case("partner-zero-denominator", "a partner percentage with a denominator of 0",
      "rejected: 'denominator is zero' (never a division by zero)")  # fmt: skip
def _(tmp):
    path = _partner(tmp, "DA repeats,Alpha,2023/24 Q1,5,0,,percent,police")
    return [path], lambda out: assert_rejected(out, path.name, "denominator is zero", [2], kept=0)


@case("partner-percent-over-100", "a partner percentage of 120",
      "rejected: 'percentage over 100'")  # fmt: skip
def _(tmp):
    path = _partner(tmp, "Survey,Alpha,2023,,,120,percent,survey")
    return [path], lambda out: assert_rejected(out, path.name, "percentage over 100", [2], kept=0)


@case("partner-missing-columns", "a partner table with 'num' and 'den' instead of the "
      "template's columns",
      "error naming the file, line 1, the missing columns and the template", error=True)  # fmt: skip
def _(tmp):
    path = _partner(
        tmp, "DA,X,2023,1,3,,percent,", header="indicator,area,period,num,den,value,unit,source"
    )
    return [path], lambda out: assert_clear(
        out.file(path.name).error, path.name, line=1,
        says=["'numerator'", "'denominator'", "partner_indicators_template.csv"],
    )  # fmt: skip


@case("population-not-a-count", "populations of -5 and 'lots' in a tidy population CSV",
      "rejected: 'population is negative' and 'population is not a whole number' (a rate "
      "never divides by them)")  # fmt: skip
def _(tmp):
    path = write_csv(tmp / "in" / "pop.csv", [
        ["area_code", "area_name", "level", "year", "population"],
        ["X07000001", "Alpha", "lad", "2023", "-5"],
        ["X07000002", "Beta", "lad", "2023", "lots"],
        ["X07000003", "Gamma", "lad", "2023", "30000"],
    ])  # fmt: skip

    def check(out):
        f = out.file(path.name)
        assert f.reject_reasons == {"population is negative": 1,
                                    "population is not a whole number": 1}  # fmt: skip
        assert f.kept == 1

    return [path], check


@case("lookup-bad-code", "an ONS lookup row whose LAD code is 'Alpha'",
      "rejected: 'LAD or CSP code is not a 9-character ONS code'")  # fmt: skip
def _(tmp):
    rows = [["LAD23CD", "LAD23NM", "CSP23CD", "CSP23NM", "PFA23CD", "PFA23NM"],
            ["X07000001", "Alpha", "X22000001", "Alpha", "X23000001", "Testshire"],
            ["Alpha", "Alpha", "X22000001", "Alpha", "X23000001", "Testshire"]]  # fmt: skip
    path = write_csv(tmp / "in" / "lad_csp_pfa.csv", rows)
    return [path], lambda out: assert_rejected(
        out, path.name, "LAD or CSP code is not a 9-character ONS code", [3], kept=1
    )


@case("boundaries-not-geojson", "a .geojson file that is not JSON",
      "error naming the file: 'not valid GeoJSON', with the fix", error=True)  # fmt: skip
def _(tmp):
    path = tmp / "in" / "lsoa.geojson"
    path.parent.mkdir(parents=True)
    path.write_text("<html>404 Not Found</html>")
    return [path], lambda out: assert_clear(out.file(path.name).error, path.name,
                                            says="not valid GeoJSON")  # fmt: skip


# --- the tests -----------------------------------------------------------------------


def _param(c: Case):
    marks = [pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else []
    return pytest.param(c, id=c.id, marks=marks)


@pytest.mark.parametrize("c", [_param(c) for c in CASES])
def test_ingest_case(c: Case, tmp_path):
    paths, check = c.build(tmp_path)
    out = run_ingest(paths, tmp_path / "store")
    if c.error:
        assert out.raised is not None or not out.report.ok, "expected an error to be reported"
    else:
        assert out.raised is None and out.report.ok, out.raised or out.report.render()
    check(out)


@pytest.mark.parametrize("c", [pytest.param(c, id=c.id) for c in CASES if c.cli])
def test_ingest_case_through_the_command_line(c: Case, tmp_path, capsys):
    """`csp ingest`: a plain message, no traceback, exit code non-zero on errors."""
    from csplib.cli import main

    paths, _check = c.build(tmp_path)
    rc = main(["ingest", *map(str, paths), "--store", str(tmp_path / "store")])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if c.error:
        assert rc != 0 and err.startswith("error: ") and "Fix:" in err, (rc, err)
    else:
        assert rc == 0 and "rejected 1:" in out, (rc, out, err)


# --- parameter files -----------------------------------------------------------------


@pytest.fixture(scope="module")
def coverage_store(tmp_path_factory) -> Path:
    """Alpha and the rest, April 2022 to March 2024; 2023-08 incomplete, 2023-11 missing."""
    return stores.coverage_store(tmp_path_factory.mktemp("coverage"))


@dataclass(frozen=True)
class ParamCase:
    id: str
    what: str
    expected: str
    yaml: str  # the parameter file ({store} is filled in)
    error: type[CspError]
    says: tuple[str, ...]
    line: int | None = None
    encoding: str = "utf-8"
    cli: bool = False


PARAM_CASES = [
    ParamCase("params-unknown-key", "a key the workbook does not know ('colour')",
              "error naming the file and the unknown key",
              "area: Alpha\nperiod: 2023/24 Q1\ncolour: red\n", ParameterError,
              ("unknown key 'colour'",)),
    ParamCase("params-wrong-type", "threshold: many", "error naming the file and 'threshold'",
              "area: Alpha\nperiod: 2023/24 Q1\nthreshold: many\n", ParameterError,
              ("'threshold'", "integer")),
    ParamCase("params-threshold-too-small", "threshold: 2 (would show '<2', revealing 1s)",
              "error: threshold must be at least 3",
              "area: Alpha\nperiod: 2023/24 Q1\nthreshold: 2\n", ParameterError,
              ("'threshold'", "greater than or equal to 3")),
    ParamCase("params-missing-key", "no period", "error naming the missing key 'period'",
              "area: Alpha\n", ParameterError, ("'period'", "Field required")),
    ParamCase("params-period-not-a-period", "period: 2024/25 Q7",
              "error saying Q7 does not exist, listing the accepted forms",
              "area: Alpha\nperiod: 2024/25 Q7\n", ParameterError, ("Q7", "Q1 to Q4"), cli=True),
    ParamCase("params-period-wrong-kind", "a financial year given to a quarterly briefing",
              "error saying a briefing needs a quarter",
              "area: Alpha\nperiod: 2023/24\n", ParameterError, ("needs a quarter",)),
    ParamCase("params-area-not-in-data", "area: Nowhere",
              "error: not a partnership or force in the store, with what to use",
              "area: Nowhere\nperiod: 2023/24 Q1\n", ParameterError,
              ("'Nowhere' is not a partnership or force in the store", "csp areas"), cli=True),
    ParamCase("params-area-empty", "area: '' (an empty string)",
              "error: 'area' is empty, with what to give (never pydantic's text and URL)",
              "area: ''\nperiod: 2023/24 Q1\n", ParameterError, ("'area' is empty", "csp areas")),
    ParamCase("params-area-typo", "area: Alpah", "error suggesting 'Alpha'",
              "area: Alpah\nperiod: 2023/24 Q1\n", ParameterError, ("did you mean 'Alpha'",)),
    ParamCase("params-period-with-missing-month",
              "a quarter (2023/24 Q3) with a month that has no file (2023-11)",
              "refused before the notebook starts: names 2023-11 as missing; the fix offers "
              "allow_incomplete", "area: Alpha\nperiod: 2023/24 Q3\n", CoverageError,
              ("2023-11 missing", "allow_incomplete"), cli=True),
    ParamCase("params-period-with-incomplete-month",
              "a quarter (2023/24 Q2) with an incomplete month (2023-08)",
              "refused before the notebook starts: names 2023-08 as incomplete",
              "area: Alpha\nperiod: 2023/24 Q2\n", CoverageError, ("2023-08 incomplete",)),
    ParamCase("params-period-beyond-the-data", "a quarter after the last month loaded",
              "refused: its months are missing (not loaded), not zero crime",
              "area: Alpha\nperiod: 2024/25 Q1\n", CoverageError,
              ("2024-04 missing (not loaded)",)),
    ParamCase("params-peer-group-unknown", "peer_group: nope",
              "refused before the notebook starts, listing the groups defined",
              "area: Alpha\nperiod: 2023/24 Q1\npeer_group: nope\n"
              "peer_groups_file: {peers}\n", ParameterError,
              ("peer group 'nope' is not defined", "test-msg")),
    ParamCase("params-python-object-tag",
              "a YAML tag that would run code: !!python/object/apply:os.system",
              "refused as not valid YAML (safe loader); nothing is run",
              "area: !!python/object/apply:os.system ['touch {store}/pwned']\n"
              "period: 2023/24 Q1\n", ParameterError, ("not valid YAML",)),
    ParamCase("params-not-a-mapping", "a YAML list instead of keys and values",
              "error: a parameter file must be a mapping", "- area: Alpha\n",
              ParameterError, ("must be a mapping",)),
    ParamCase("params-yaml-syntax", "a value with an unquoted ': '",
              "error naming the file and the line, with the fix",
              "area: Alpha\nperiod: 2023/24 Q1\nnote: a: b\n", ParameterError,
              ("not valid YAML",), line=3),
    ParamCase("params-not-utf8", "a parameter file saved as Windows-1252 ('Café')",
              "error naming the file: not UTF-8 text, with the fix",
              "area: Café\nperiod: 2023/24 Q1\n", ParameterError, ("UTF-8",),
              encoding="cp1252"),
]  # fmt: skip


def _write_params(tmp: Path, c: ParamCase, store: Path) -> Path:
    peers = stores.write_peer_groups(tmp / "peers.yaml")
    text = c.yaml.replace("{store}", str(store)).replace("{peers}", str(peers))
    if "store:" not in text and not text.startswith("-"):
        text += f"store: {store}\n"
    path = tmp / f"{c.id}.yaml"
    path.write_bytes(text.encode(c.encoding))
    return path


@pytest.mark.parametrize("c", [pytest.param(c, id=c.id) for c in PARAM_CASES])
def test_parameter_case(c: ParamCase, coverage_store, tmp_path):
    """load_params, then run_report: refused before any notebook starts."""
    from csplib.report.params import load_params
    from csplib.report.run import run_report

    path = _write_params(tmp_path, c, coverage_store)
    with pytest.raises(c.error) as info:
        run_report(load_params(path), tmp_path / "reports")
    message = str(info.value)
    for phrase in c.says:
        assert phrase in message, message
    if c.line is not None:
        assert f"line {c.line}" in message, message
    assert "Fix:" in message, message
    assert not list((tmp_path / "reports").rglob("*")), "nothing is written for a refused report"
    assert not (coverage_store / "pwned").exists()


@pytest.mark.parametrize("c", [pytest.param(c, id=c.id) for c in PARAM_CASES if c.cli])
def test_parameter_case_through_the_command_line(c: ParamCase, coverage_store, tmp_path, capsys):
    """`csp batch`: the failed report is listed with its reason; exit code 1; no traceback."""
    from csplib.cli import main

    path = _write_params(tmp_path, c, coverage_store)
    rc = main(["batch", str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    out, err = capsys.readouterr()
    assert rc == 1 and "Traceback" not in out + err
    assert "0 built, 0 up to date, 1 failed" in out
    assert c.says[0] in out


def test_empty_area_on_the_command_line_is_a_plain_message(coverage_store, tmp_path, capsys):
    """`csp briefing --area ""`: one plain line naming the key and the fix, exit 2."""
    from csplib.cli import main

    rc = main(["briefing", "--area", "", "--quarter", "2023/24 Q1", "--store",
               str(coverage_store), "--out", str(tmp_path / "out")])  # fmt: skip
    out, err = capsys.readouterr()
    assert rc == 2 and err.startswith("error: ") and "Traceback" not in out + err
    assert "'area' is empty" in err and "Fix:" in err and "csp areas" in err
    assert "pydantic" not in err and "http" not in err


def test_batch_refuses_two_files_for_the_same_report(coverage_store, tmp_path, capsys):
    """Two parameter files naming the same area and period would write one folder at the
    same time: the batch is refused before any report runs, naming both files."""
    from csplib.cli import main

    folder = tmp_path / "batch"
    folder.mkdir()
    for name, area in (("a.yaml", "Alpha"), ("b.yaml", "alpha"), ("c.yaml", "Beta")):
        (folder / name).write_text(f"area: {area}\nperiod: 2023/24 Q1\nstore: {coverage_store}\n")
    rc = main(["batch", str(folder), "--out", str(tmp_path / "out"), "--workers", "1"])
    out, err = capsys.readouterr()
    assert rc == 2 and "Traceback" not in out + err
    assert "a.yaml and " in err and "b.yaml both ask for area" in err and "Fix:" in err
    assert not (tmp_path / "out").exists()  # nothing ran


def test_path_values_never_leave_reports(coverage_store, tmp_path):
    """An area or period that looks like a path cannot place output outside reports/."""
    from csplib.report.params import ReportParams

    for area in ("../../../etc/passwd", "/etc/cron.d/x", "..\\..\\Windows", "a/../../b"):
        out = ReportParams(area=area, period="2023/24 Q1", store=str(coverage_store)).out_dir(
            tmp_path
        )
        rel = out.relative_to(tmp_path.resolve())
        assert len(rel.parts) == 2 and ".." not in rel.parts, rel


# --- the table for docs/reliability.md -------------------------------------------------


def markdown_rows() -> list[str]:
    rows = []
    for c in CASES:
        node = f"tests/test_badinput.py::test_ingest_case[{c.id}]"
        status = "**known bug (xfail)**" if c.xfail else "as documented"
        rows.append(f"| `{c.id}` | {c.what} | {c.expected} | `{node}` | {status} |")
    for c in PARAM_CASES:
        node = f"tests/test_badinput.py::test_parameter_case[{c.id}]"
        rows.append(f"| `{c.id}` | {c.what} | {c.expected} | `{node}` | as documented |")
    return rows


def test_reliability_doc_lists_every_case():
    """docs/reliability.md: every corpus row verbatim, every test it names exists, and the
    count at the top matches its rows."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "reliability.md").read_text()
    for row in markdown_rows():
        assert row in doc, f"docs/reliability.md lacks (python tests/test_badinput.py):\n{row}"
    rows = [line for line in doc.splitlines() if line.startswith("| `")]
    bugs = sum("known bug" in r for r in rows)
    count = f"{len(rows)} cases tried, {len(rows) - bugs} handled as documented, {bugs} known"
    assert count in doc, count
    for module, name in set(re.findall(r"`tests/(test_\w+)\.py::(\w+)", doc)):
        source = (Path(__file__).parent / f"{module}.py").read_text()
        assert f"def {name}(" in source, f"{module}::{name}"


if __name__ == "__main__":
    print("\n".join(markdown_rows()))
