"""Properties that hold for any input, checked on inputs hypothesis invents.

* any valid data.police.uk rows survive ``ingest`` with every count kept: per month,
  per crime type (legacy names mapped), ASB apart from crime; Location text intact;
* the CSV reader never drops a line silently: every line with content is a row or a
  reject, whatever its number of fields and whatever its quotes, commas or line breaks;
* offence groups' changes always add up to the total change, and their shares to 100%;
* a rate per 1,000 never divides by a zero, negative or missing population silently.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from factories import STREET_HEADER, write_geography
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csplib.errors import CspError
from csplib.indicators.change import contribution_to_change
from csplib.indicators.counts import rate_per_1000
from csplib.ingest import ingest
from csplib.schema import ASB, CRIME_TYPES, LEGACY_CRIME_TYPES, normalise_crime_type
from csplib.sources.base import read_table
from csplib.store import Store

SETTINGS = settings(
    max_examples=25, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip

MONTHS = ["2023-01", "2023-02", "2023-03"]
TYPES = sorted(CRIME_TYPES) + sorted(LEGACY_CRIME_TYPES)
LSOAS = [("X01000001", "Alpha 001A"), ("X01000003", "Beta 001A"), ("X01000009", "Elsewhere 001A"),
         ("X01000077", "Beta 009Z"), ("", "")]  # fmt: skip

# Text as police.uk and Excel write it: any printable character, commas, quotes and all
# (control characters, NUL in particular, are not text a CSV holds).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=0, max_size=40)


@st.composite
def street_rows(draw, month: str) -> list[list[str]]:
    rows = []
    for i in range(draw(st.integers(0, 25))):
        crime_type = draw(st.sampled_from(TYPES))
        lsoa, name = draw(st.sampled_from(LSOAS))
        located = draw(st.booleans())
        lon = draw(st.floats(-5.5, 1.7)) if located else None
        lat = draw(st.floats(50.1, 55.7)) if located else None
        asb = normalise_crime_type(crime_type) == ASB
        rows.append([
            "" if asb else draw(st.sampled_from([f"{month}-{i}", "dup", ""])),
            month, "Testshire Police", "Testshire Police",
            "" if lon is None else f"{lon:.6f}", "" if lat is None else f"{lat:.6f}",
            draw(TEXT), lsoa, name, crime_type,
            "" if asb else draw(st.sampled_from(["Under investigation", "", "Unable to prosecute suspect"])),
            draw(st.sampled_from(["", draw(TEXT)])),
        ])  # fmt: skip
    return rows


def _csv(rows: list[list[str]], encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([STREET_HEADER, *rows])
    return buf.getvalue().encode(encoding)


@pytest.fixture(scope="module")
def lookups(tmp_path_factory) -> list[Path]:
    return write_geography(tmp_path_factory.mktemp("lookups"))


@SETTINGS
@given(data=st.data())
def test_valid_street_rows_round_trip_through_ingest_with_counts_kept(lookups, data):
    by_month = {m: data.draw(street_rows(m), label=m) for m in MONTHS}
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8-sig"]), label="encoding")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        for month, rows in by_month.items():
            path = raw / month / f"{month}-testshire-street.csv"
            path.parent.mkdir(parents=True)
            path.write_bytes(_csv(rows, encoding))
        report = ingest([*lookups, raw], Path(tmp) / "store", latest_month="2024-12")
        assert report.ok, report.render()
        rows = [r for rs in by_month.values() for r in rs]
        t = report.totals()
        assert t["rows_read"] == t["kept"] == len(rows) + 9 and t["rejected"] == 0  # 9 lookup rows
        if not rows:
            return
        crimes = Store(Path(tmp) / "store").crimes()

    expected = Counter((r[1], normalise_crime_type(r[9])) for r in rows)
    got = Counter(zip(crimes["month"], crimes["crime_type"], strict=True))
    assert got == expected
    is_asb = [normalise_crime_type(r[9]) == ASB for r in rows]
    assert int(crimes["is_asb"].sum()) == sum(is_asb)
    assert int((~crimes["is_asb"]).sum()) == len(rows) - sum(is_asb)
    assert (crimes["crime_class"] == "ASB").sum() == sum(is_asb)
    assert sorted(crimes["location"].fillna("")) == sorted(r[6] for r in rows)
    assert sorted(crimes["crime_type_raw"]) == sorted(r[9] for r in rows)


@st.composite
def ragged_csv(draw) -> tuple[list[str], list[list[str]]]:
    width = draw(st.integers(1, 6))
    header = [f"c{i}" for i in range(width)]
    records = draw(st.lists(st.lists(TEXT, min_size=0, max_size=width + 2), max_size=30))
    return header, records


@SETTINGS
@given(ragged_csv(), st.sampled_from(["\n", "\r\n"]))
def test_the_csv_reader_accounts_for_every_line(table, newline):
    header, records = table
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerows([header, *records])
    data = buf.getvalue().encode("utf-8")
    result = read_table(data, "f.csv")
    width = len(header)
    with_content = [r for r in records if any(v.strip() for v in r)]
    counted = result.table.num_rows + len(result.rejects)
    # A line of empty fields may be read as a blank line: it is not content.
    assert len(with_content) <= counted <= len(records)
    # Rows of the header's width (or with empty extra fields) are kept, value for value.
    fitting = [r[:width] for r in with_content
               if len(r) >= width and not any(v.strip() for v in r[width:])]  # fmt: skip
    frame = result.frame
    kept = frame[header].values.tolist() if len(frame) else []
    kept = [k for k in kept if any(v.strip() for v in k)]
    assert kept == fitting
    # Short and long rows are rejected with their reason, never kept.
    assert set(result.rejects["reason"].str.split(":").str[0]) <= {"short line", "long line"}


COUNTS = st.integers(min_value=0, max_value=10_000)


@SETTINGS
@given(st.dictionaries(st.text(min_size=1, max_size=8), st.tuples(COUNTS, COUNTS), min_size=1,
                       max_size=14))  # fmt: skip
def test_contributions_add_up_and_shares_split_rises_from_falls(groups):
    current = {g: c for g, (c, _) in groups.items()}
    previous = {g: p for g, (_, p) in groups.items()}
    out = contribution_to_change(current, previous)
    total = sum(current.values()) - sum(previous.values())
    assert int(out["change"].sum()) == total
    assert set(out["group"]) == set(groups)
    shares = out["pct_of_total_change"]
    # A share is of the gross rises (rising groups) or of the gross falls (falling
    # groups), never of the net change, so no share leaves -100..100.
    assert ((shares.dropna() >= -100) & (shares.dropna() <= 100)).all()
    rising, falling = out["change"] > 0, out["change"] < 0
    if rising.any():
        assert math.isclose(shares[rising].sum(), 100.0, abs_tol=1e-6)
    if falling.any():
        assert math.isclose(shares[falling].sum(), -100.0, abs_tol=1e-6)
    if not (rising.any() or falling.any()):
        assert shares.isna().all()


POPULATION = st.one_of(
    st.integers(-1000, 1_000_000), st.floats(allow_nan=True, allow_infinity=False), st.none()
)


@SETTINGS
@given(st.integers(0, 100_000), POPULATION)
def test_a_rate_never_divides_by_an_unusable_population_silently(count, population):
    usable = population is not None and not math.isnan(population) and population > 0
    if usable:
        assert rate_per_1000(count, population) == pytest.approx(count / population * 1000)
    else:
        with pytest.raises(CspError, match="population"):
            rate_per_1000(count, population)
        with pytest.warns(UserWarning):
            assert math.isnan(rate_per_1000(count, population, on_missing="nan"))


@SETTINGS
@given(st.lists(st.tuples(COUNTS, POPULATION), min_size=1, max_size=10))
def test_rates_for_many_areas_name_every_unusable_population(areas):
    index = [f"area{i}" for i in range(len(areas))]
    counts = pd.Series([c for c, _ in areas], index=index, dtype="float64")
    pops = pd.Series([p for _, p in areas], index=index, dtype="float64")
    bad = [i for i, p in zip(index, pops, strict=True) if not (p > 0)]
    if not bad:
        rates = rate_per_1000(counts, pops)
        assert rates.tolist() == pytest.approx((counts / pops * 1000).tolist())
        return
    with pytest.raises(CspError) as info:
        rate_per_1000(counts, pops)
    for name in bad[:10]:
        assert name in str(info.value)
    with pytest.warns(UserWarning):
        rates = rate_per_1000(counts, pops, on_missing="nan")
    assert rates[bad].isna().all() and rates.drop(bad).notna().all()
