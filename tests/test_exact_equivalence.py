"""The fast ingest gives the same store as the exact, plain way of doing the same work.

The exact way, set up here by replacing the fast pieces for the length of one ingest:

* every CSV is read by Python's csv module (``base._read_slow``, which counts lines one
  by one): the fast pyarrow reader is made to decline every file;
* coordinates are therefore text, parsed by the exact rule in ``_coordinates``;
* geography is assigned row by row with ``Geography``'s own methods
  (:func:`exact_geography` below), not per distinct LSOA with numpy.

The same inputs ingested both ways must give the same tables, compared sorted (row
order within a file is not the point), and the same counts in the ingest report.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from factories import LAD_LOOKUP, LSOA_LIST, csv_bytes

import csplib.sources.base as base
import csplib.sources.police_uk as police_uk
from csplib.ingest import ingest
from csplib.schema import FORCES
from csplib.sources.geography import Geography, load_lad_lookup, load_lsoa_list


def exact_geography(geo, force, lsoa_code, lsoa_name, flags: Counter) -> dict[str, pa.Array]:
    """Row by row, with Geography's methods: the plain reading of the rules in
    ``police_uk._geography``."""
    codes = lsoa_code.to_pylist()
    names = lsoa_name.to_pylist()
    forces = force.to_pylist()
    n = len(codes)
    fields = police_uk.GEO_FIELDS
    if geo is None or geo.empty:
        status = ["no_location" if not c else "unknown_lsoa" for c in codes]
        return _encoded({f: pa.array([None] * n, pa.string()) for f in fields}, status)
    records = []
    for code, name in zip(codes, names, strict=True):
        rec = None
        if code:
            lad, how = geo.lad_for_lsoa(code, name)
            rec = geo.lad_record(lad) if lad else None
            if how == "name":
                flags["LSOA assigned to a district by its name (not in the LSOA list)"] += 1
            if geo.name_disagrees(code, name):
                flags["LSOA name disagrees with the LSOA list for its code (code used)"] += 1
        records.append(rec)
    own: dict[str | None, str | None] = {None: None}  # a row with no force: none
    for f in dict.fromkeys(forces):
        if f is None:
            continue
        pfa = geo.pfa_code_for(FORCES[f][1]) if f in FORCES else None
        if pfa is None:
            # the area most of the force's rows fall in; on a tie, the one seen first
            seen = [r.pfa_code for r, g in zip(records, forces, strict=True) if r and g == f]
            counts = Counter(seen)
            pfa = max(counts, key=lambda p: (counts[p], -seen.index(p))) if seen else None
        own[f] = pfa
    status = []
    for code, rec, f in zip(codes, records, forces, strict=True):
        if not code:
            status.append("no_location")
        elif rec is None:
            status.append("unknown_lsoa")
        elif own.get(f) is not None and rec.pfa_code != own[f]:
            status.append("outside_force_area")
        else:
            status.append("in_force_area")
    out = {
        f: pa.array([getattr(r, f) if r else None for r in records], pa.string()) for f in fields
    }
    return _encoded(out, status)


def _encoded(out: dict[str, pa.Array], status: list[str]) -> dict[str, pa.Array]:
    """Dictionary-encoded, as the loader takes them; geo_status's dictionary is
    GEO_STATUS in its order (the loader counts statuses by position)."""
    encoded = {k: pc.dictionary_encode(v) for k, v in out.items()}
    positions = [police_uk.GEO_STATUS.index(s) for s in status]
    encoded["geo_status"] = pa.DictionaryArray.from_arrays(
        pa.array(positions, pa.int32()), pa.array(police_uk.GEO_STATUS)
    )
    return encoded


def _exact_reader(*_args, **_kwargs):
    return None  # the fast reader declines: read_table takes the exact one


def _tables(store: Path) -> dict[str, pd.DataFrame]:
    """Every Parquet file of a store as a frame sorted by all its columns."""
    out = {}
    for path in sorted(store.rglob("*.parquet")):
        frame = pd.read_parquet(path)
        key = list(frame.columns)
        out[str(path.relative_to(store))] = frame.sort_values(key, ignore_index=True)
    return out


def _counts(report) -> list[tuple]:
    return [
        (Path(f.name).name, f.kind, f.rows_read, f.kept, f.rejected, f.reject_reasons, f.flags)
        for f in report.files
    ]


def _both_ways(inputs: list[Path], tmp_path: Path, monkeypatch) -> None:
    fast = ingest(inputs, tmp_path / "fast", latest_month="2024-12")
    with monkeypatch.context() as m:
        m.setattr(base, "_read_fast", _exact_reader)
        m.setattr(police_uk, "_geography", exact_geography)
        exact = ingest(inputs, tmp_path / "exact", latest_month="2024-12")
    assert fast.ok, fast.render()
    assert _counts(fast) == _counts(exact)
    got, want = _tables(tmp_path / "fast"), _tables(tmp_path / "exact")
    assert list(got) == list(want)
    assert any(name.startswith("crimes/") for name in got)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], obj=name)


def test_sample_store_is_the_same_by_the_fast_and_the_exact_way(tmp_path, monkeypatch):
    from csplib.sample import generate

    generate(tmp_path / "sample")
    _both_ways([tmp_path / "sample"], tmp_path, monkeypatch)


@pytest.mark.realdata
def test_real_files_give_the_same_store_by_the_fast_and_the_exact_way(
    realdata, tmp_path, monkeypatch
):
    police = realdata / "police_uk"
    inputs = [
        next((realdata / "ons_lookups").glob("*.csv")),
        realdata / "ons_census2011" / "census_2011_population_hh_lsoa.csv",
        police / "kent_street_2018-10_to_2019-02",
        police / "city_of_london_street_2018-04_to_2020-11",
        police / "stop_and_search",
    ]
    _both_ways(inputs, tmp_path, monkeypatch)


def _geo(tmp_path: Path, lsoa_rows: list[list[str]]) -> Geography:
    lad = tmp_path / "lad.csv"
    lad.write_bytes(csv_bytes(LAD_LOOKUP))
    lsoa = tmp_path / "lsoa.csv"
    lsoa.write_bytes(csv_bytes([LSOA_LIST[0], *lsoa_rows]))
    return Geography(load_lad_lookup(lad).frame, load_lsoa_list(lsoa).frame)


def _geography_both_ways(geo, forces, codes, names) -> tuple[dict, Counter]:
    """police_uk._geography's columns and flags, checked equal to exact_geography's."""
    fast_flags, exact_flags = Counter(), Counter()
    enc = [police_uk._dict(a) for a in (forces, codes, names)]
    fast = police_uk._geography(geo, *enc, fast_flags)
    exact = exact_geography(geo, forces, codes, names, exact_flags)
    for f in [*police_uk.GEO_FIELDS, "geo_status"]:
        assert fast[f].to_pylist() == exact[f].to_pylist(), f
    assert fast_flags == exact_flags
    return fast, fast_flags


def test_geography_per_distinct_lsoa_matches_row_by_row(tmp_path):
    # The list: two LSOAs of Alpha, one of a district the lookup does not hold
    # (X07000077), a code listed twice (the later row counts) and one listed without
    # a name.
    geo = _geo(
        tmp_path,
        [
            ["X01000001", "Alpha 001A", "X07000001", "Alpha"],
            ["X01000002", "Alpha 001B", "X07000001", "Alpha"],
            ["X01000005", "Nowhere 001A", "X07000077", "Nowhere"],
            ["X01000006", "Beta 001A", "X07000001", "Alpha"],
            ["X01000006", "Beta 001A", "X07000002", "Beta"],
            ["X01000007", "", "X07000003", "Gamma"],
        ],
    )
    rows = [  # (LSOA code, LSOA name, force)
        ("X01000001", "Alpha 001A", "testshire"),  # listed
        ("X01000001", "Alpha 001Z", "testshire"),  # listed, name disagrees
        ("X01000002", None, "testshire"),  # listed, no name
        ("X01000005", "Gamma 001A", "testshire"),  # district unknown: placed by name
        ("X01000005", "Nowhere 001A", "testshire"),  # district unknown, name too
        ("X01000008", "Beta 002C", "testshire"),  # not listed: by name
        ("X01000008", "Elsewhere 002C", "testshire"),  # by name, outside the force
        ("X01000009", None, "testshire"),  # not listed, no name
        (None, None, "testshire"),  # no location
        ("X01000006", "Beta 001A", "kent"),  # a real force the lookup does not name
        ("X01000007", "Gamma 001A", "otherland"),  # listed without a name
        ("X01000001", "Alpha 001A", None),  # no force
    ]
    codes, names, forces = (pa.array(list(c), pa.string()) for c in zip(*rows, strict=True))
    fast, fast_flags = _geography_both_ways(geo, forces, codes, names)
    # Checked by hand: the statuses, and 3 rows placed by name, 2 names disagreeing
    # (Alpha 001Z; Gamma 001A for X01000005 listed as Nowhere 001A).
    assert fast["geo_status"].to_pylist() == [
        "in_force_area", "in_force_area", "in_force_area", "in_force_area",
        "unknown_lsoa", "in_force_area", "outside_force_area", "unknown_lsoa",
        "no_location", "in_force_area", "in_force_area", "in_force_area",
    ]  # fmt: skip
    assert fast["lad_code"].to_pylist()[3:7] == ["X07000003", None, "X07000002", "X07000009"]
    assert fast_flags == {
        "LSOA assigned to a district by its name (not in the LSOA list)": 3,
        "LSOA name disagrees with the LSOA list for its code (code used)": 2,
    }


def test_geography_matches_row_by_row_on_many_random_rows(tmp_path):
    geo = _geo(tmp_path, LSOA_LIST[1:])
    rng = np.random.default_rng(7)
    pool_codes = [None, "X01000001", "X01000002", "X01000003", "X01000009", "X01000042"]
    pool_names = [None, "Alpha 001A", "Alpha 001B", "Beta 007A", "Elsewhere 001A", "Zeta 1"]
    n = 2000
    codes = pa.array(rng.choice(np.array(pool_codes, dtype=object), n).tolist(), pa.string())
    names = pa.array(rng.choice(np.array(pool_names, dtype=object), n).tolist(), pa.string())
    forces = pa.array(rng.choice(["testshire", "otherland"], n).tolist(), pa.string())
    _geography_both_ways(geo, forces, codes, names)
