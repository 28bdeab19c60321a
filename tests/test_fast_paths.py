"""The shortcuts that make ingest fast give the same answers as the plain ways.

Worker processes against threads, the fast CSV reader against the exact one, counts an
ingest already knows against counts read back, trimming by regular expression against
trimming in Python.
"""

from __future__ import annotations

import os
import sys

import pandas as pd
import pyarrow as pa
import pytest
from factories import STREET_HEADER, csv_bytes, street_row, write_geography, write_street

import csplib.ingest as ingest_module
from csplib.ingest import ingest
from csplib.sources.base import _may_hold_long_line, count_newlines, line_stats, read_table
from csplib.sources.police_uk import load_street
from csplib.store import Store

NAME = "2023-04-testshire-street.csv"


def test_blank_month_is_rejected_not_kept():
    rows = [street_row(), street_row(month=""), street_row(month="   ")]
    r = load_street(csv_bytes([STREET_HEADER, *rows]), NAME, latest_month="2024-12")
    assert r.to_pandas()["month"].tolist() == ["2023-04"]
    assert r.rejects["source_line"].tolist() == [3, 4]
    assert set(r.rejects["reason"]) == {"Month is not in the form YYYY-MM"}


@pytest.mark.parametrize("pad", ["", " ", "\u00a0"])
def test_many_distinct_lsoa_names_are_trimmed_like_a_few(pad):
    # More than 64 distinct names takes the regular-expression check first.
    rows = [street_row(lsoa=f"X01{i:06d}", lsoa_name=f"{pad}Town {i:03d}A{pad}") for i in range(80)]
    r = load_street(csv_bytes([STREET_HEADER, *rows]), NAME, latest_month="2024-12")
    assert r.to_pandas()["lsoa_name"].tolist() == [f"Town {i:03d}A" for i in range(80)]


def test_blanks_read_as_null_alike_on_the_fast_and_the_exact_reader():
    rows = [["a", "", "x y"], ["", "b", ""]]
    utf8 = read_table(csv_bytes([["p", "q", "r"], *rows]), "f.csv", null_blanks=True)
    # cp1252 text takes the exact (csv module) reader
    cp1252 = read_table(
        csv_bytes([["p", "q", "r"], *rows, ["caf\xe9", "", ""]], "cp1252"),
        "f.csv",
        null_blanks=True,
    )
    assert (utf8.encoding, cp1252.encoding) == ("utf-8", "cp1252")
    assert utf8.frame["p"].tolist()[:2] == cp1252.frame["p"].tolist()[:2]
    assert utf8.frame.iloc[1].isna().tolist() == [True, False, True, False]
    assert cp1252.frame.iloc[1].isna().tolist() == [True, False, True, False]


def test_non_ascii_utf8_is_still_checked_and_read():
    t = read_table("a,b\nCaf\u00e9,1\n".encode(), "f.csv")
    assert (t.encoding, t.frame["a"].tolist()) == ("utf-8", ["Caf\u00e9"])


@pytest.mark.parametrize("size", [0, 1, 5, (1 << 18) - 1, 1 << 18, (1 << 18) + 1, 3 << 18])
def test_line_stats_across_chunk_edges(size):
    data = (b"ab\n" * (size // 3 + 1))[:size]
    longest = max((len(line) + 1 for line in data.split(b"\n")[:-1]), default=0)
    longest = max(longest, len(data.rsplit(b"\n", 1)[-1]))
    assert line_stats(data) == (data.count(b"\n"), longest)


@pytest.mark.parametrize("size", [0, 1, 5, (1 << 18) - 1, 1 << 18, (1 << 18) + 1, 3 << 18])
def test_count_newlines_across_chunk_edges(size):
    data = (b"ab\n" * (size // 3 + 1))[:size]
    assert count_newlines(data) == data.count(b"\n")


@pytest.mark.parametrize("at", [0, 1, 65535, 65536, 65537, 200_000])
@pytest.mark.parametrize("length", [131_071, 131_072, 131_073, 131_074])
def test_a_line_over_the_value_limit_is_always_noticed(at, length):
    # 131,072 characters is the limit (MAX_FIELD_CHARS): a line of 131,073 bytes or more
    # (its newline included) may hold a value over it; one of 131,072 cannot hold more
    # than 131,071 characters.
    data = bytearray(b"ab\n" * 150_000)
    data[at : at + length] = b"x" * (length - 1) + b"\n"
    if length > 131_073:
        assert _may_hold_long_line(bytes(data))
    assert line_stats(bytes(data))[1] >= length
    assert not _may_hold_long_line(b"ab\n" * 150_000)


@pytest.mark.parametrize("at", [0, 100, (1 << 18) - 2, 1 << 18, (1 << 18) + 5])
def test_line_stats_finds_the_longest_line_anywhere(at):
    # Short lines of 3 bytes ("ab\n") with one line of 1,001 bytes starting at ``at``.
    data = bytearray(b"ab\n" * (((1 << 18) * 2) // 3))
    data[at : at + 1001] = b"x" * 1000 + b"\n"
    lines = bytes(data).split(b"\n")
    assert line_stats(bytes(data)) == (len(lines) - 1, max(len(x) + 1 for x in lines[:-1]))


def _national(folder):
    """Twelve files (enough for worker processes): clean ones, one with rejects, an
    empty one, a file in no download layout."""
    for m in range(1, 10):
        month = f"2023-{m:02d}"
        write_street(
            folder, month, [street_row(month=month, crime_id=f"{month}-{i}") for i in range(5)]
        )
    write_street(
        folder, "2023-10", [street_row(month="2023-10"), street_row(month="2023-10", lon="x")]
    )
    (folder / "2023-11").mkdir()
    (folder / "2023-11" / "2023-11-testshire-street.csv").write_bytes(b"")
    (folder / "extract.csv").write_bytes(
        csv_bytes([STREET_HEADER, street_row(month="2023-12"), street_row(month="2023-12")])
    )


def _ingest_with(monkeypatch, tmp_path, raw, geo_files, min_files: int, name: str):
    monkeypatch.setattr(ingest_module, "PROCESS_MIN_FILES", min_files)
    store = tmp_path / name
    report = ingest([*geo_files, raw], store, latest_month="2024-12")
    saved = report.to_dict()
    for key in ("store", "started", "rejects_file"):
        saved.pop(key)
    rejects = pd.read_csv(report.rejects_file)
    return Store(store).crimes(), rejects, saved


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
    reason="worker processes are used on Linux with two or more cores",
)
def test_worker_processes_and_threads_give_the_same_store(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    _national(raw)
    geo_files = write_geography(tmp_path / "lookups")
    used = []
    real_pool = ingest_module._police_pool

    def spy(n, geography):
        pool, job, chunk = real_pool(n, geography)
        used.append(type(pool).__name__)
        return pool, job, chunk

    monkeypatch.setattr(ingest_module, "_police_pool", spy)
    procs = _ingest_with(monkeypatch, tmp_path, raw, geo_files, 1, "procs")
    threads = _ingest_with(monkeypatch, tmp_path, raw, geo_files, 10**6, "threads")
    assert used == ["ProcessPoolExecutor", "ThreadPoolExecutor"]
    pd.testing.assert_frame_equal(procs[0], threads[0])
    pd.testing.assert_frame_equal(procs[1], threads[1])
    assert procs[2] == threads[2]
    totals = procs[2]["totals"]
    # 49 street rows (one rejected, one file empty) and 9 lookup rows
    assert (totals["rows_read"], totals["rejected"], totals["files_with_errors"]) == (58, 1, 1)
    # Text reads back as plain strings (not categoricals) whichever way it was written.
    text = ["crime_id", "month", "force", "lsoa_name", "crime_type", "geo_status", "csp_name"]
    assert all(pd.api.types.is_string_dtype(procs[0][c]) for c in text)
    assert not any(isinstance(procs[0][c].dtype, pd.CategoricalDtype) for c in text)


def test_month_counts_known_to_the_ingest_match_reading_the_store(tmp_path):
    raw = tmp_path / "raw"
    rows = [
        street_row(month="2023-04"),
        street_row(month="2023-04", crime_type="Anti-social behaviour"),
    ]
    write_street(raw, "2023-04", rows)
    write_street(raw, "2023-05", [street_row(month="2023-05")], force_id="otherland")
    store = Store(tmp_path / "store")
    ingest([raw], store, latest_month="2024-12")
    read = store.month_counts()
    assert read.to_dict("records") == [
        {"force": "otherland", "month": "2023-05", "crimes": 1, "asb": 0},
        {"force": "testshire", "month": "2023-04", "crimes": 1, "asb": 1},
    ]
    known = {("testshire", "2023-04"): (1, 1)}  # the other partition is read back
    pd.testing.assert_frame_equal(store.month_counts(known=known), read)
    everything = {("testshire", "2023-04"): (1, 1), ("otherland", "2023-05"): (1, 0)}
    pd.testing.assert_frame_equal(store.month_counts(known=everything), read)


def test_never_null_crime_columns_are_stored_as_required(tmp_path):
    import pyarrow.parquet as pq

    raw = tmp_path / "raw"
    write_street(raw, "2023-04", [street_row(), street_row(lsoa="", lsoa_name="", lon="", lat="")])
    ingest([raw], tmp_path / "store", latest_month="2024-12")
    schema = pq.read_schema(tmp_path / "store" / "crimes" / "testshire" / "2023-04.parquet")
    assert not schema.field("month").nullable and not schema.field("crime_type").nullable
    assert schema.field("lsoa_code").nullable and schema.field("longitude").nullable
    assert schema.field("longitude").type == pa.float64()


def _partition(store: Store, force: str, month: str, pfa: list[str | None], status: list[str]):
    table = pa.table(
        {
            "month": [month] * len(pfa),
            "force": [force] * len(pfa),
            "pfa_code": pa.array(pfa, pa.string()),
            "geo_status": status,
        }
    )
    store.write_partition("crimes", force, month, table)


def test_forces_take_the_commonest_area_of_the_latest_month_ties_to_the_first_by_name(tmp_path):
    store = Store(tmp_path / "store")
    inside = "in_force_area"
    # An earlier month says P1; the latest has P2 twice and P1 twice inside the force
    # area (a tie: P1 comes first by name) and P3 three times outside it.
    _partition(store, "alpha", "2023-01", ["P1"], [inside])
    _partition(
        store, "alpha", "2023-02",
        ["P2", "P2", "P1", "P1", "P3", "P3", "P3", None],
        [inside] * 4 + ["outside_force_area"] * 3 + ["no_location"],
    )  # fmt: skip
    _partition(store, "beta", "2023-02", [None, None], ["no_location", "unknown_lsoa"])
    assert store.forces() == {"alpha": "P1", "beta": None}


def test_reading_some_forces_and_months_finds_only_their_files(tmp_path):
    store = Store(tmp_path / "store")
    for force in ("alpha", "beta"):
        for month in ("2023-01", "2023-02", "2023-03"):
            _partition(store, force, month, ["P1"], ["in_force_area"])
    got = store.crimes(["force", "month"], forces=["beta", "gamma", "..", "alpha/.."],
                       months=["2023-03", "2023-01", "2023-01", "2024-01"])  # fmt: skip
    assert got.values.tolist() == [["beta", "2023-01"], ["beta", "2023-03"]]
    assert len(store.crimes(["month"], months=["2023-02"])) == 2
    assert store.crimes(["month"], forces=["beta"])["month"].tolist() == [
        "2023-01", "2023-02", "2023-03",
    ]  # fmt: skip
    assert store.crimes(["month"], forces=[]).empty
    assert len(store.crimes()) == 6
