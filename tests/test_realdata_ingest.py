"""Real data.police.uk and ONS files (../shared/realdata) through the same ingest path.

Expected figures are re-derived here with the csv module, independently of csplib,
and checked against the published figures in realdata/PROVENANCE.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from csplib.ingest import ingest
from csplib.sources.population import population_for
from csplib.store import Store

pytestmark = pytest.mark.realdata

ASB = "Anti-social behaviour"


def csv_rows(path: Path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        yield from csv.DictReader(fh)


def crimes_by_month(folder: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in sorted(folder.glob("*-street.csv")):
        for row in csv_rows(f):
            if row["Crime type"] != ASB:
                counts[row["Month"]] = counts.get(row["Month"], 0) + 1
    return counts


@pytest.fixture(scope="module")
def city_store(realdata, tmp_path_factory):
    store = tmp_path_factory.mktemp("city") / "store"
    report = ingest(
        [realdata / "police_uk" / "city_of_london_street_2018-04_to_2020-11",
         realdata / "police_uk" / "stop_and_search"],
        store,
    )  # fmt: skip
    assert report.ok, report.render()
    return Store(store), report


def test_city_of_london_financial_quarters(city_store, realdata):
    store, _report = city_store
    crimes = store.crimes(["month", "is_asb", "force"])
    crimes = crimes[~crimes["is_asb"]]
    q1_1819 = crimes["month"].isin(["2018-04", "2018-05", "2018-06"]).sum()
    q1_1920 = crimes["month"].isin(["2019-04", "2019-05", "2019-06"]).sum()
    by_month = crimes_by_month(realdata / "police_uk" / "city_of_london_street_2018-04_to_2020-11")
    assert q1_1819 == sum(by_month[m] for m in ["2018-04", "2018-05", "2018-06"]) == 1668
    assert q1_1920 == sum(by_month[m] for m in ["2019-04", "2019-05", "2019-06"]) == 2210
    assert set(crimes["force"]) == {"city-of-london"}


def test_city_of_london_report_adds_up_and_counts_repeats(city_store, realdata):
    store, report = city_store
    t = report.totals()
    street_rows = sum(
        1
        for f in (realdata / "police_uk" / "city_of_london_street_2018-04_to_2020-11").glob("*.csv")
        for _ in csv_rows(f)
    )
    street = [f for f in report.files if f.kind == "street"]
    assert sum(f.rows_read for f in street) == street_rows == 22111
    assert t["rows_read"] == t["kept"] + t["rejected"]
    assert t["repeated_crime_ids"] > 0
    # The 2020 lockdown fall is real, not missing data: no month is flagged.
    assert report.coverage_problems == []
    searches = store.read("searches", ["month"])
    assert len(searches) == sum(
        1 for f in (realdata / "police_uk" / "stop_and_search").rglob("*.csv") for _ in csv_rows(f)
    )


@pytest.fixture(scope="module")
def kent_store(realdata, tmp_path_factory):
    store = tmp_path_factory.mktemp("kent") / "store"
    lookup = next((realdata / "ons_lookups").glob("*.csv"))
    report = ingest(
        [lookup,
         realdata / "ons_census2011" / "census_2011_population_hh_lsoa.csv",
         realdata / "ons_population" / "ukmidyearestimates20192020ladcodes.xls",
         realdata / "police_uk" / "kent_street_2018-10_to_2019-02"],
        store,
    )  # fmt: skip
    assert report.ok, report.render()
    return Store(store), report


def test_kent_assigns_maidstone_by_lsoa_code(kent_store, realdata):
    store, _ = kent_store
    crimes = store.crimes(["month", "is_asb", "csp_name"])
    got = crimes[(crimes["csp_name"] == "Maidstone") & ~crimes["is_asb"]].groupby("month").size()
    expected: dict[str, int] = {}
    for f in sorted((realdata / "police_uk" / "kent_street_2018-10_to_2019-02").glob("*.csv")):
        for row in csv_rows(f):
            if row["LSOA name"].startswith("Maidstone ") and row["Crime type"] != ASB:
                expected[row["Month"]] = expected.get(row["Month"], 0) + 1
    assert got.to_dict() == expected
    assert expected["2018-10"] == 1498


def test_kent_flags_november_and_december_2018_as_incomplete(kent_store):
    store, report = kent_store
    cov = store.coverage().set_index("month")
    assert cov.loc["2018-11", "status"] == "incomplete"
    assert cov.loc["2018-12", "status"] == "incomplete"
    assert (cov.loc[["2018-10", "2019-01", "2019-02"], "status"] == "present").all()
    assert {p["month"] for p in report.coverage_problems} == {"2018-11", "2018-12"}


def test_kent_counts_rows_outside_kent(kent_store, realdata):
    store, report = kent_store
    kent_lads = {
        r["LAD17CD"]
        for r in csv_rows(next((realdata / "ons_lookups").glob("*.csv")))
        if r["PFA17NM"] == "Kent"
    }
    lsoa_lad = {
        r["LSOA Code"]: r["Local authority code"]
        for r in csv_rows(realdata / "ons_census2011" / "census_2011_population_hh_lsoa.csv")
    }
    outside = sum(
        1
        for f in (realdata / "police_uk" / "kent_street_2018-10_to_2019-02").glob("*.csv")
        for r in csv_rows(f)
        if r["LSOA code"] and lsoa_lad.get(r["LSOA code"]) not in kent_lads
    )
    assert outside > 0
    assert report.totals()["outside_force_area"] == outside
    crimes = store.crimes(["geo_status"])
    assert (crimes["geo_status"] == "outside_force_area").sum() == outside


def test_kent_population_gives_a_maidstone_rate(kent_store):
    store, _ = kent_store
    pop = store.read("population")
    population, year = population_for(pop[pop["level"] == "lad"], "E07000110", 2018)
    assert (population, year) == (171826, 2019)
    crimes = store.crimes(["month", "is_asb", "csp_name"])
    n = (
        (crimes["csp_name"] == "Maidstone") & ~crimes["is_asb"] & (crimes["month"] == "2018-10")
    ).sum()
    assert round(n / population * 1000, 3) == round(1498 / 171826 * 1000, 3) == 8.718
