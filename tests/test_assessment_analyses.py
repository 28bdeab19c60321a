"""The strategic assessment's analyses sections (outcomes, stop and search, long trend and
ASB, peers by offence, places by name, harm, road safety) on the sample, each figure
recomputed from the sample's own files (csv module) or the store (plain pandas written
out here); the figures.json keys' shapes; no small count in their text, alt text or
figures; and the real City of London files."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from csplib.report.assessment import StrategicAssessment
from csplib.report.params import ReportParams
from csplib.report.run import run_report
from csplib.store import Store

pytestmark = pytest.mark.slow

YEAR = "2023/24"
MONTHS = [f"2023-{m:02d}" for m in range(4, 13)] + [f"2024-{m:02d}" for m in (1, 2, 3)]
LAD = "X07000005"  # Synthchester
KEYS = ("outcomes", "stop_and_search", "trend", "asb_trend", "offence_peers", "places", "harm",
        "road_safety")  # fmt: skip
SECTIONS = ("outcomes", "stop_and_search", "long_trend", "offence_peers", "places", "harm",
            "road_safety")  # fmt: skip
#: Keys whose values are counts of crimes, searches or casualties.
COUNTS = {"count", "searches", "total", "killed", "seriously_injured", "ksi", "unplaced",
          "find_known", "earlier_min", "earlier_max"}  # fmt: skip


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def sample(sample_store):
    store, _ = sample_store
    return store, store.parent / "sample"


@pytest.fixture(scope="module")
def report(sample, tmp_path_factory):
    """The sample assessment run as a report (the notebook with the new cells)."""
    store, _ = sample
    params = ReportParams(report="strategic_assessment", area="Synthchester", period=YEAR,
                          store=str(store), plan_file="parameters/plan_synthchester.yaml",
                          peer_group="synthchester-msg")  # fmt: skip
    result = run_report(params, tmp_path_factory.mktemp("analyses-report"))
    assert result.status == "ok"
    return result.out_dir


@pytest.fixture(scope="module")
def a(sample):
    """The same assessment built directly, with the sample's most similar group set."""
    store, _ = sample
    return StrategicAssessment.load(area="Synthchester", period=YEAR, store=str(store),
                                    plan_file="parameters/plan_synthchester.yaml",
                                    peer_group="synthchester-msg")  # fmt: skip


@pytest.fixture(scope="module")
def saved(report):
    return json.loads((report / "figures.json").read_text())


@pytest.fixture(scope="module")
def crimes(sample):
    store, _ = sample
    c = Store(store).crimes(["crime_id", "month", "csp_name", "force", "offence_group",
                             "is_asb", "lsoa_code", "last_outcome_category"])  # fmt: skip
    return c[(c["csp_name"] == "Synthchester") & (c["force"] == "synthshire")]


def _fragment(a, tmp_path: Path, name: str = "sections.html") -> Path:
    body = "".join(str(getattr(a, s)()) for s in SECTIONS)
    path = tmp_path / name
    path.write_text(f"<html><body><h1>x</h1>{body}</body></html>", encoding="utf-8")
    return path


# ---- figures.json ---------------------------------------------------------------------------


def test_figures_json_has_every_key_with_its_documented_shape(saved):
    for key in KEYS:
        assert key in saved, key
    o = saved["outcomes"]
    assert {"period", "previous", "method", "age_months", "cut_off", "comparable", "groups",
            "counts", "totals"} <= set(o)  # fmt: skip
    assert set(o["counts"]) == {"period", "previous", "force"}
    assert set(o["counts"]["period"]["All crimes"]) == set(o["groups"])
    s = saved["stop_and_search"]
    assert {"total", "by_ethnicity", "by_outcome", "by_object", "by_age", "scope"} <= set(s)
    assert set(s["by_outcome"]) == {"arrest", "other action", "no further action", "not recorded"}
    assert {"searches", "population", "rate_per_1000", "ratio_to_white", "ci_lower",
            "ci_upper"} == set(s["by_ethnicity"]["Black"])  # fmt: skip
    assert all({"searches", "find_rate"} == set(v) for v in s["by_object"].values())
    for key in ("trend", "asb_trend"):
        t = saved[key]
        assert {"years", "season", "end_month"} <= set(t)
        assert all({"year", "count", "months", "rate_per_1000"} <= set(y)
                   for ys in t["years"].values() for y in ys)  # fmt: skip
    assert [c["name"] for c in saved["offence_peers"]["comparisons"]] == [
        "every partnership in Synthshire (synthetic)",
        "its most similar group (6 partnerships)",
    ]  # the peer group reaches the notebook run as it reaches the briefing's
    p = saved["places"]
    assert {"hot_spots", "wards", "districts", "total", "unplaced"} <= set(p)
    h = saved["harm"]
    assert h["scored"] is True and h["synthetic_weights"] is True
    assert all({"count", "harm", "volume_rank", "harm_rank"} <= set(v)
               for v in h["by_group"].values())  # fmt: skip
    r = saved["road_safety"]
    assert r["series"] == "adjusted" and "CRASH" in r["note"]
    assert all({"year", "killed", "seriously_injured", "ksi", "ksi_adjusted"} <= set(y)
               for y in r["years"])  # fmt: skip
    # One KSI figure in the report: the plan's road indicator is the road section's count.
    ksi = {y["year"]: y["ksi"] for y in r["years"]}
    plan = {i["indicator_id"]: i for i in saved["plan"]["indicators"]}["ksi_casualties"]
    assert plan["latest_value"] == ksi[2023] and plan["baseline_value"] == ksi[2021]


def _small(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 5


def _small_counts(obj: object, path: str = "") -> list[str]:
    """Every count of 1 to 4 in a figures structure, by path."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            here = f"{path}.{k}"
            # Maps of name -> count: outcome counts, searches by outcome and by age.
            count_map = re.search(r"\.counts\.\w+\.[^.]+$|\.by_outcome$|\.by_age$", path)
            if (k in COUNTS or count_map) and _small(v):
                out.append(here)
            out += _small_counts(v, here)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _small_counts(v, f"{path}[{i}]")
    return out


def test_no_small_count_in_these_sections_figures(saved, a):
    for key in KEYS:
        assert _small_counts(saved[key], key) == [], key
        assert _small_counts(a.figures[key], key) == [], key
    # The sample does hold small counts here: they are shown as "<5" with a partner hidden.
    ksi = {y["year"]: y for y in saved["road_safety"]["years"]}
    hidden = [y for y in ksi.values() if y["killed"] == "<5"]
    assert hidden and all(y["seriously_injured"] == "[c]" for y in hidden)


def test_no_small_count_and_plain_english_in_the_sections_text(a, tmp_path):
    from reader import plain_english_problems, read_report

    page = read_report(_fragment(a, tmp_path))
    assert plain_english_problems(page) == []
    for t in page.tables:
        for i, head in enumerate(t.header):
            if head in {"Crimes", "Searches", "Killed", "Seriously injured",
                        "Killed or seriously injured", "This year"}:  # fmt: skip
                assert not any(re.fullmatch(r"[1-4]", row[i]) for row in t.rows), (t.caption, head)
    # Counts in sentences: no bare 1-4 before "searches", "crimes", "people".
    assert not re.search(r"\b[1-4] (searches|crimes|people|ended)\b", page.body)
    for alt in page.alts:
        numbers = [int(n.strip(",").replace(",", "")) for n in re.findall(r"\d[\d,]*", alt)]
        assert not [n for n in numbers if 0 < n < 5], alt
    # One date style: no "Jul 2024" in the sections' own text (chart alt text is the
    # chart module's).
    body = page.body
    for alt in page.alts:
        body = body.replace(alt, "")
    assert not re.search(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20\d\d\b", body)


def test_report_places_the_sections_and_their_methods(report):
    from reader import read_report

    page = read_report(report / "report.html")
    for title in ("Crime outcomes", "Stop and search", "Long trend", "Peers by offence",
                  "Places by name", "Harm", "Road safety"):  # fmt: skip
        assert title in page.body, title
    assert "roughly the average sentence" in page.methods and "CRASH" in page.methods
    assert "roughly the average sentence" not in page.body


# ---- each section against an independent count ---------------------------------------------


def test_outcomes_at_six_months_recount(a, sample, crimes):
    store, _ = sample
    f = a.figures["outcomes"]
    assert f["method"] == "outcomes files" and "6 months" in f["cut_off"]
    year = crimes[crimes["month"].isin(MONTHS) & ~crimes["is_asb"].astype(bool)]
    assert sum(v for v in f["counts"]["period"]["All crimes"].values()
               if isinstance(v, int)) == len(year) == f["totals"]["period"]["All crimes"]  # fmt: skip
    # The outcome 6 months on: the latest outcome row dated no later than crime month + 6.
    out = Store(store).read("outcomes", ["crime_id", "month", "outcome_type", "source_line"])
    rows = year[["crime_id", "month"]].reset_index(drop=True).rename_axis("row").reset_index()
    joined = rows.merge(out, on="crime_id", suffixes=("", "_o"))
    cut = joined["month"].map(lambda m: str(pd.Period(m, "M") + 6))
    joined = joined[joined["month_o"] <= cut].sort_values(["row", "month_o", "source_line"])
    latest = joined.drop_duplicates("row", keep="last")
    no_suspect = int(
        (latest["outcome_type"] == "Investigation complete; no suspect identified").sum()
    )
    assert f["counts"]["period"]["All crimes"]["no suspect identified"] == no_suspect
    # A crime with no outcome by then is still under investigation.
    pending = len(year) - len(latest)
    under = int((latest["outcome_type"] == "Under investigation").sum())
    assert f["counts"]["period"]["All crimes"]["still under investigation"] == pending + under


def test_stop_and_search_placed_by_coordinates_recount(a, sample):
    from shapely.geometry import Point, shape
    from shapely.ops import unary_union

    _, folder = sample
    lsoas = {r["LSOA21CD"] for r in _rows(folder / "lookups" / "lsoa_ward_lookup_synthetic.csv")
             if r["LAD23CD"] == LAD}  # fmt: skip
    geo = json.loads(next((folder / "boundaries").glob("*.geojson")).read_text())
    polys = [shape(ft["geometry"]) for ft in geo["features"]
             if any(v in lsoas for k, v in ft["properties"].items() if k.upper().endswith("CD"))]  # fmt: skip
    area = unary_union(polys)
    total = arrests = unplaced = black = white = 0
    for m in MONTHS:
        for r in _rows(folder / "police_uk" / m / f"{m}-synthshire-stop-and-search.csv"):
            if not r["Longitude"] or not r["Latitude"]:
                unplaced += 1
                continue
            if not area.contains(Point(float(r["Longitude"]), float(r["Latitude"]))):
                continue
            total += 1
            arrests += r["Outcome"] == "Arrest"
            black += r["Self-defined ethnicity"].startswith("Black")
            white += r["Self-defined ethnicity"].startswith("White")
    pop = {r["ethnic_group"]: int(r["population"])
           for r in _rows(folder / "population" / "population_ethnicity_synthetic.csv")
           if r["area_code"] == LAD}  # fmt: skip
    s = a.figures["stop_and_search"]
    assert s["scope"] == "partnership"
    assert (s["total"], s["by_outcome"]["arrest"], s["unplaced"]) == (total, arrests, unplaced)
    e = s["by_ethnicity"]["Black"]
    assert e["searches"] == black and e["population"] == pop["Black"]
    ratio = (black / pop["Black"]) / (white / pop["White"])
    half = 1.959964 * math.sqrt(1 / black + 1 / white)
    assert e["ratio_to_white"] == pytest.approx(ratio, abs=1e-4)
    assert e["ci_lower"] == pytest.approx(ratio * math.exp(-half), abs=1e-3)
    assert e["ci_upper"] == pytest.approx(ratio * math.exp(half), abs=1e-3)


def test_long_trend_counts_and_the_gap_year(a, crimes):
    t = a.figures["trend"]["years"]["All crimes"]
    crime = crimes[~crimes["is_asb"].astype(bool)]
    by_year = {y["year"]: y for y in t}
    assert by_year["2023/24"]["count"] == int(crime["month"].isin(MONTHS).sum())
    # 2022/23 holds the sample's incomplete December 2022: a gap, never a total.
    assert by_year["2022/23"]["count"] is None and by_year["2022/23"]["months"] == 11
    asb = crimes[crimes["is_asb"].astype(bool)]
    a_years = {y["year"]: y for y in a.figures["asb_trend"]["years"]["Anti-social behaviour"]}
    assert a_years["2023/24"]["count"] == int(asb["month"].isin(MONTHS).sum())
    season = {s["month"]: s for s in a.figures["trend"]["season"]["All crimes"]}
    jan = season["2024-01"]
    earlier = [int((crime["month"] == m).sum()) for m in ("2023-01", "2022-01")]
    assert jan["count"] == int((crime["month"] == "2024-01").sum())
    assert jan["earlier_mean"] == pytest.approx(sum(earlier) / 2, abs=0.05)


def test_peers_by_offence_rates_and_flagged_groups(a, sample):
    store, folder = sample
    f = a.figures["offence_peers"]
    peer = next(c for c in f["comparisons"] if c["name"].startswith("its most similar group"))
    members = ["Synthchester", "Northvale", "Ambermoor", "Brackenford", "Dunmarsh", "Elmswick"]
    assert sorted(peer["members"]) == sorted(members)
    c = Store(store).crimes(["month", "csp_name", "offence_group", "is_asb", "force"])
    c = c[c["month"].isin(MONTHS) & ~c["is_asb"].astype(bool) & c["csp_name"].isin(members)]
    pop = {r["area_name"]: int(r["population"]) for r in _rows(folder / "population" / "lad_population.csv")
           if r["year"] == "2023"}  # fmt: skip
    rob = c[c["offence_group"] == "Robbery"]
    row = next(g for g in peer["groups"] if g["offence_group"] == "Robbery")
    own = int((rob["csp_name"] == "Synthchester").sum())
    assert row["count"] == own
    assert row["rate"] == pytest.approx(own / pop["Synthchester"] * 1000, abs=1e-4)
    assert row["group_rate"] == pytest.approx(len(rob) / sum(pop[m] for m in members) * 1000,
                                              abs=1e-4)  # fmt: skip
    flagged = {g["offence_group"] for g in peer["groups"] if g["verdict"] != "within"}
    assert flagged == set(peer["above"]) | set(peer["below"])


def test_places_named_by_ward_and_counted(a, crimes, sample):
    _, folder = sample
    f = a.figures["places"]
    year = crimes[crimes["month"].isin(MONTHS) & ~crimes["is_asb"].astype(bool)]
    top = year.groupby("lsoa_code").size().sort_values(ascending=False)
    ward = {
        r["LSOA21CD"]: r["WD23NM"]
        for r in _rows(folder / "lookups" / "lsoa_ward_lookup_synthetic.csv")
    }
    first = f["hot_spots"][0]
    assert first["count"] == int(top.iloc[0])
    assert first["name"] == f"{ward[top.index[0]]} ward, Synthchester ({top.index[0]})"
    by_ward: dict[str, int] = {}
    for code, n in year.groupby("lsoa_code").size().items():
        by_ward[ward[code]] = by_ward.get(ward[code], 0) + int(n)
    assert {w["ward_name"]: w["count"] for w in f["wards"]} == by_ward
    assert f["districts"] is None  # Synthchester is one district


def test_harm_and_volume_ranks_recount(a, sample):
    _, folder = sample
    weights = {r["offence_code"]: float(r["weight"])
               for r in _rows(folder / "harm" / "severity_weights_synthetic.csv")}  # fmt: skip
    count: dict[str, int] = {}
    harm: dict[str, float] = {}
    for r in _rows(folder / "home_office" / "prc-csp-synthetic.csv"):
        if r["CSP Name"] == "Synthchester" and r["Financial Year"] == YEAR:
            n = int(r["Number of Offences"].strip().replace("-00", "0"))
            g = r["Offence Group"]
            count[g] = count.get(g, 0) + n
            harm[g] = harm.get(g, 0.0) + n * weights[r["Offence Code"]]
    f = a.figures["harm"]
    pop = f["population"]
    assert f["crime_severity_score"] == pytest.approx(sum(harm.values()) / pop * 1000, abs=0.01)
    most = max(count, key=count.get)
    worst = max(harm, key=harm.get)
    assert f["by_group"][most]["volume_rank"] == 1 and f["by_group"][worst]["harm_rank"] == 1
    assert f["by_group"][worst]["count"] == count[worst]


def test_council_asb_cases_beside_police_asb(a, sample):
    from csplib.indicators.trend import council_asb_cases
    from csplib.store import Store

    store, folder = sample
    # Recounted with the csv module: Synthchester's monthly case counts summed over each
    # financial year the trend covers that has all 12 months.
    mine = {r["period"]: int(r["value"])
            for r in _rows(folder / "partner" / "council_asb_cases.csv")
            if r["area"] == "Synthchester"}  # fmt: skip
    c = a.figures["asb_trend"]["council"]
    assert c["indicator"] == "Council ASB cases" and c["years"]
    for y in c["years"]:
        months = [m for m in mine if y["start"] <= m <= y["end"]]
        assert y["months"] == len(months)
        assert y["cases"] == (sum(mine[m] for m in months) if len(months) == 12 else None)
    assert [y["year"] for y in c["years"] if y["cases"] is not None] == ["2021/22", "2022/23",
                                                                        "2023/24"]  # fmt: skip
    assert len(c["peak_months"]) == 2 and len(c["police_peak_months"]) == 2
    html = str(a.long_trend())
    assert "The council&#x27;s anti-social behaviour cases" in html
    assert f"{c['years'][-1]['cases']:,}" in html
    # A month the council did not send is a gap, never a zero (Northvale, November 2023).
    partner = Store(store).read("partner_indicators")
    months = [f"2023-{m:02d}" for m in range(4, 13)] + ["2024-01", "2024-02", "2024-03"]
    north = council_asb_cases(partner, "Northvale", months)
    assert north.isna().tolist() == [m == "2023-11" for m in months]
    # Not repeated among the partner indicators.
    assert "Council ASB cases" not in {r["indicator"] for r in a.figures["partner"]}


def test_road_safety_ksi_recount(a, sample):
    _, folder = sample
    rs = folder / "road_safety"
    lad = {r["collision_index"]: r["local_authority_ons_district"]
           for r in _rows(rs / "dft-road-casualty-statistics-collision-synthetic.csv")}  # fmt: skip
    ksi: dict[int, int] = {}
    for r in _rows(rs / "dft-road-casualty-statistics-casualty-synthetic.csv"):
        if lad[r["collision_index"]] == LAD and r["casualty_severity"] in ("1", "2"):
            ksi[int(r["collision_year"])] = ksi.get(int(r["collision_year"]), 0) + 1
    years = {y["year"]: y["ksi"] for y in a.figures["road_safety"]["years"]}
    assert years == ksi
    # The plan's KSI indicator counts the same STATS19 rows: one figure per year. Its
    # baseline (62 in 2021, in the plan file) is the sample's own 2021 count.
    plan = {r["indicator_id"]: r for r in a.figures["plan"]["indicators"]}["ksi_casualties"]
    assert (plan["latest_period"], plan["latest_value"]) == ("2023", ksi[2023])
    assert plan["baseline_value"] == ksi[2021] == 62


# ---- real data -------------------------------------------------------------------------------


@pytest.mark.realdata
def test_city_of_london_real_files(realdata, tmp_path):
    from reader import plain_english_problems, read_report

    from csplib.ingest import ingest

    street = realdata / "police_uk" / "city_of_london_street_2018-04_to_2020-11"
    stops = realdata / "police_uk" / "stop_and_search" / "city_of_london_2018-04_to_2020-11"
    census = realdata / "ons_census2011" / "census_2011_qs201ew_ethnic_group_lad.csv"
    lookup = realdata / "ons_lookups"
    for p in (street, stops, census, lookup):
        if not p.exists():
            pytest.skip(f"real file {p} is absent")
    assert ingest([street, stops, census, lookup], tmp_path / "store").ok
    a = StrategicAssessment.load(area="City of London", period="2019/20",
                                 store=str(tmp_path / "store"))  # fmt: skip
    months = [f"2019-{m:02d}" for m in range(4, 13)] + [f"2020-{m:02d}" for m in (1, 2, 3)]
    total = arrests = black = white = 0
    for m in months:
        for r in _rows(stops / f"{m}-city-of-london-stop-and-search.csv"):
            total += 1
            arrests += r["Outcome"] == "Arrest"
            black += r["Self-defined ethnicity"].startswith("Black")
            white += r["Self-defined ethnicity"].startswith("White")
    s = a.figures["stop_and_search"]
    assert s["scope"] == "force" and "whole of" in s["scope_note"]
    assert (s["total"], s["by_outcome"]["arrest"]) == (total, arrests)
    # QS201EW, City of London: White 5,799, Black 193 residents (2011 Census).
    e = s["by_ethnicity"]["Black"]
    assert e["ratio_to_white"] == pytest.approx((black / 193) / (white / 5799), abs=1e-4)
    crimes = no_suspect = 0
    for m in months:
        for r in _rows(street / f"{m}-city-of-london-street.csv"):
            if r["Crime type"] == "Anti-social behaviour":
                continue
            crimes += 1
            no_suspect += (
                r["Last outcome category"] == "Investigation complete; no suspect identified"
            )
    o = a.figures["outcomes"]
    assert o["method"] == "street files" and o["comparable"] is False
    assert o["totals"]["period"]["All crimes"] == crimes
    assert o["counts"]["period"]["All crimes"]["no suspect identified"] == no_suspect
    assert a.figures["harm"]["scored"] is False and "not scored" in a.figures["harm"]["reason"]
    assert a.figures["road_safety"] is None
    for key in KEYS:
        assert _small_counts(a.figures[key], key) == [], key
    page = read_report(_fragment(a, tmp_path, "city.html"))
    assert plain_english_problems(page) == []
    assert "Harm was not scored" in page.body and "same age" in page.body
