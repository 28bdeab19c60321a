"""The analyses on the built-in sample store, checked against the sample's own files
read with the csv module."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from csplib.indicators import outcomes as oc
from csplib.indicators.harm import crime_severity
from csplib.indicators.road_safety import ksi_by_year, place_casualties
from csplib.indicators.stop_search import place_searches, population_for_area, stop_search_summary
from csplib.indicators.wards import name_lsoas
from csplib.periods import Period
from csplib.store import Store

MAIN_LAD = "X07000005"  # Synthchester


def _rows(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_new_tables_are_ingested(sample_store):
    root, _manifest = sample_store
    store = Store(root)
    for table in (
        "population_ethnicity",
        "lsoa_ward",
        "severity_weights",
        "road_collisions",
        "road_casualties",
    ):
        assert store.has(table), table
    eth = population_for_area(store.read("population_ethnicity"), [MAIN_LAD])
    assert sum(eth.values()) == 176_000  # the district's 2021 population in the sample
    wards = store.read("lsoa_ward")
    first = _rows(root.parent / "sample" / "lookups" / "lsoa_ward_lookup_synthetic.csv")[0]
    label = name_lsoas(pd.Series([first["LSOA21CD"]]), wards).iloc[0]
    assert label == f"{first['WD23NM']} ward, {first['LAD23NM']} ({first['LSOA21CD']})"


def test_harm_matches_the_sample_files(sample_store):
    root, _manifest = sample_store
    store = Store(root)
    sample = root.parent / "sample"
    weights = {
        r["offence_code"]: float(r["weight"])
        for r in _rows(sample / "harm" / "severity_weights_synthetic.csv")
    }
    harm = sum(
        int(r["Number of Offences"].strip().replace("-00", "0")) * weights[r["Offence Code"]]
        for r in _rows(sample / "home_office" / "prc-csp-synthetic.csv")
        if r["CSP Name"] == "Synthchester" and r["Financial Year"] == "2023/24"
    )
    rec = store.read("recorded_crime")
    rec = rec[(rec["csp_name"] == "Synthchester") & (rec["financial_year"] == "2023/24")]
    res = crime_severity(rec, store.read("severity_weights"), 176_000)
    assert res.css == pytest.approx(harm / 176_000 * 1000)
    assert res.unweighted == {}
    assert "synthetic" in res.weights_source


def test_ksi_matches_the_sample_files(sample_store):
    root, _manifest = sample_store
    store = Store(root)
    sample = root.parent / "sample" / "road_safety"
    lad = {
        r["collision_index"]: r["local_authority_ons_district"]
        for r in _rows(sample / "dft-road-casualty-statistics-collision-synthetic.csv")
    }
    ksi: dict[int, int] = {}
    for r in _rows(sample / "dft-road-casualty-statistics-casualty-synthetic.csv"):
        if lad[r["collision_index"]] == MAIN_LAD and r["casualty_severity"] in ("1", "2"):
            ksi[int(r["collision_year"])] = ksi.get(int(r["collision_year"]), 0) + 1
    placed = place_casualties(
        store.read("road_casualties"), store.read("road_collisions"), [MAIN_LAD]
    )
    res = ksi_by_year(placed, area="Synthchester")
    assert dict(zip(res.years["year"], res.years["ksi"], strict=True)) == ksi
    assert res.series == "adjusted"


def test_searches_placed_by_boundaries(sample_store):
    root, _manifest = sample_store
    store = Store(root)
    geo = json.loads((root / "boundaries" / "lsoa.geojson").read_text())
    lsoas = set(store.read("geography_lsoa").query("lad_code == @MAIN_LAD")["lsoa_code"])
    boxes = []
    for f in geo["features"]:
        if f["properties"]["LSOA21CD"] in lsoas:
            xs = [p[0] for p in f["geometry"]["coordinates"][0]]
            ys = [p[1] for p in f["geometry"]["coordinates"][0]]
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
    searches = store.read("searches", months=Period.fyear(2023).months)
    inside = place_searches(searches, geo, lsoas)
    by_hand = 0
    for lon, lat in zip(searches["longitude"], searches["latitude"], strict=True):
        if pd.notna(lon) and pd.notna(lat):
            by_hand += any(x0 < lon < x1 and y0 < lat < y1 for x0, y0, x1, y1 in boxes)
    assert int(inside.sum()) == by_hand > 0
    res = stop_search_summary(
        searches[inside],
        period_label="2023/24",
        scope="partnership",
        population_by_group=population_for_area(store.read("population_ethnicity"), [MAIN_LAD]),
    )
    assert (
        res.total == by_hand and res.to_figures()["by_ethnicity"]["White"]["ratio_to_white"] == 1.0
    )


def test_outcomes_at_the_same_age_on_the_sample(sample_store):
    root, _manifest = sample_store
    store = Store(root)
    crimes = store.crimes(months=Period.fyear(2023).months + Period.fyear(2022).months)
    area = crimes[crimes["csp_name"] == "Synthchester"]
    res = oc.outcome_shares(
        area, crimes, Period.fyear(2023), outcomes=store.read("outcomes"), age_months=6
    )
    assert res.method == "outcomes files" and res.comparable
    fig = res.to_figures()
    assert sum(fig["counts"]["period"]["All crimes"].values()) == int(
        (~area["is_asb"] & area["month"].isin(Period.fyear(2023).months)).sum()
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("population_ethnicity_template.csv", "population_ethnicity"),
        ("lsoa_ward_lookup_template.csv", "ward_lookup"),
        ("severity_weights_template.csv", "severity_weights"),
    ],
)
def test_templates_are_recognised(name, kind):
    from csplib.ingest import classify
    from csplib.paths import ROOT
    from csplib.sources.files import InputFile

    path = ROOT / "data" / "templates" / name
    assert classify(InputFile(str(path), path)) == kind


def test_real_census_ethnicity_file_is_recognised(realdata):
    from csplib.ingest import classify
    from csplib.sources.files import InputFile

    path = realdata / "ons_census2011" / "census_2011_qs201ew_ethnic_group_lad.csv"
    assert classify(InputFile(str(path), path)) == "population_ethnicity"
