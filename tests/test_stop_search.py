"""Stop and search figures and disproportionality: worked examples and real files."""

from __future__ import annotations

import csv
import math

import pandas as pd
import pytest

from csplib.indicators import stop_search as ss
from csplib.sources import police_uk
from csplib.sources.ethnicity import high_level_group, load_population_ethnicity


def _searches(rows):
    return pd.DataFrame(
        rows,
        columns=[
            "object_of_search",
            "outcome",
            "outcome_linked_to_object_of_search",
            "self_defined_ethnicity",
            "age_range",
            "latitude",
            "longitude",
        ],
    )


WHITE = "White - English/Welsh/Scottish/Northern Irish/British"
BLACK = "Black/African/Caribbean/Black British - African"


def test_summary_worked_example():
    s = _searches(
        [
            ("Controlled drugs", "Arrest", "True", WHITE, "18-24", "", ""),
            ("Controlled drugs", "A no further action disposal", "False", WHITE, "18-24", "", ""),
            ("Controlled drugs", "Khat or Cannabis warning", "True", BLACK, "25-34", "", ""),
            (
                "Stolen goods",
                "A no further action disposal",
                "",
                "Other ethnic group - Not stated",
                "",
                "",
                "",
            ),
        ]
    )
    res = ss.stop_search_summary(
        s, period_label="2019/20", population_by_group={"White": 1000, "Black": 100}
    )
    fig = res.to_figures()
    assert fig["total"] == 4
    assert fig["by_outcome"] == {
        "arrest": 1,
        "other action": 1,
        "no further action": 2,
        "not recorded": 0,
    }
    # Linked True 2 of 3 known.
    assert fig["find_rate"] == pytest.approx(200 / 3, abs=1e-4)
    assert fig["by_object"]["Controlled drugs"] == {
        "searches": 3,
        "find_rate": pytest.approx(200 / 3, abs=1e-4),
    }
    assert fig["by_ethnicity"]["White"]["rate_per_1000"] == 2.0
    assert fig["by_ethnicity"]["Black"]["rate_per_1000"] == 10.0
    assert fig["by_ethnicity"]["Black"]["ratio_to_white"] == 5.0
    assert fig["by_ethnicity"]["Not stated"]["searches"] == 1
    assert fig["by_ethnicity"]["Not stated"]["rate_per_1000"] is None
    assert res.scope == "force" and "force-level" in res.scope_note
    assert any("not a count of people" in c for c in res.caveats)


def test_rate_ratio_interval_by_hand():
    ratio, lo, hi = ss.rate_ratio(30, 1_000, 60, 12_000)
    assert ratio == pytest.approx(6.0)
    se = math.sqrt(1 / 30 + 1 / 60)
    assert lo == pytest.approx(6.0 * math.exp(-1.959964 * se), rel=1e-5)
    assert hi == pytest.approx(6.0 * math.exp(1.959964 * se), rel=1e-5)


def test_eighteen_categories_map_to_five_groups():
    assert high_level_group("White - Irish") == "White"
    assert high_level_group("Asian/Asian British - Chinese") == "Asian"
    assert high_level_group("Other ethnic group - Any other ethnic group") == "Other"
    assert high_level_group("Mixed/Multiple ethnic groups - White and Asian") == "Mixed"
    assert high_level_group("") is None


def test_place_searches_in_boundaries():
    square = {"type": "Polygon", "coordinates": [[[0, 50], [1, 50], [1, 51], [0, 51], [0, 50]]]}
    boundaries = {"features": [{"properties": {"LSOA21CD": "X01"}, "geometry": square}]}
    s = _searches(
        [
            ("a", "Arrest", "True", WHITE, "18-24", "50.5", "0.5"),
            ("a", "Arrest", "True", WHITE, "18-24", "52", "0.5"),
            ("a", "Arrest", "True", WHITE, "18-24", "", ""),
        ]
    )
    assert ss.place_searches(s, boundaries, {"X01"}).tolist() == [True, False, False]


def test_tidy_ethnicity_template_sums_detailed_groups(tmp_path):
    p = tmp_path / "eth.csv"
    p.write_text(
        "area_code,area_name,year,ethnic_group,population\n"
        "E1,A,2021,White: English/Welsh/Scottish/Northern Irish/British,100\n"
        "E1,A,2021,White: Irish,5\n"
        'E1,A,2021,Black,"1,200"\n'
        "E1,A,2021,Martian,3\n"
    )
    res = load_population_ethnicity(p)
    got = dict(zip(res.frame["ethnic_group"], res.frame["population"], strict=True))
    assert got == {"White": 105, "Black": 1200}
    assert res.rejects["reason"].tolist() == [
        "ethnic group is not a census group (Asian, Black, Mixed, White, Other)"
    ]


def test_real_city_of_london(realdata):
    folder = realdata / "police_uk" / "stop_and_search" / "city_of_london_2018-04_to_2020-11"
    files = sorted(folder.glob("2019-*.csv"))
    searches = pd.concat(
        [police_uk.load_searches(p.read_bytes(), p.name).to_pandas() for p in files],
        ignore_index=True,
    )
    pop = load_population_ethnicity(
        realdata / "ons_census2011" / "census_2011_qs201ew_ethnic_group_lad.csv"
    )
    city = ss.population_for_area(pop.frame, ["E09000001"])
    assert city == {"White": 5799, "Mixed": 289, "Asian": 940, "Black": 193, "Other": 154}
    res = ss.stop_search_summary(searches, period_label="Jan-Dec 2019", population_by_group=city)
    # Independently with the csv module.
    total = arrests = linked_true = linked_known = black = white = 0
    for p in files:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                total += 1
                arrests += r["Outcome"] == "Arrest"
                if r["Outcome linked to object of search"] in ("True", "False"):
                    linked_known += 1
                    linked_true += r["Outcome linked to object of search"] == "True"
                black += r["Self-defined ethnicity"].startswith("Black/")
                white += r["Self-defined ethnicity"].startswith("White -")
    fig = res.to_figures()
    assert fig["total"] == total and fig["by_outcome"]["arrest"] == arrests
    assert fig["find_rate"] == pytest.approx(linked_true / linked_known * 100, abs=1e-4)
    assert fig["by_ethnicity"]["Black"]["searches"] == black
    assert fig["by_ethnicity"]["Black"]["ratio_to_white"] == pytest.approx(
        (black / 193) / (white / 5799), abs=1e-4
    )
