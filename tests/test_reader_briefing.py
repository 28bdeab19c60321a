"""The quarterly briefing read as a board member reads it (issue "Reports a board can
trust"): the sample briefing and the real City of London briefing, built end to end,
checked from their HTML and figures.json with tests/reader.py; and disclosure everywhere
(notes, alt text, figures.json) on a tiny area with 3 ASB incidents."""

from __future__ import annotations

import csv
import html
import json
import re

import pytest
from reader import (
    long_summary_sentences,
    page_titles,
    plain_english_problems,
    read_report,
    share_problems,
)

from csplib.report.briefing import QuarterlyBriefing, load_data
from csplib.report.params import ReportParams
from csplib.report.run import run_report

pytestmark = pytest.mark.slow


def _built(result) -> dict:
    nb = json.loads((result.out_dir / "report.ipynb").read_text())
    stderr = [
        "".join(o.get("text", ""))
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    ]
    return {
        "report": read_report(result.out_dir / "report.html"),
        "figures": json.loads((result.out_dir / "figures.json").read_text()),
        "html": result.out_dir / "report.html",
        "stderr": stderr,
    }


@pytest.fixture(scope="module")
def sample(sample_store, tmp_path_factory):
    store, _ = sample_store
    params = ReportParams(
        area="Synthchester", period="2024/25 Q2", store=str(store), peer_group="synthchester-msg"
    )
    return _built(run_report(params, tmp_path_factory.mktemp("sample-reports")))


@pytest.fixture(scope="module")
def city(realdata, tmp_path_factory):
    from csplib.ingest import ingest

    store = tmp_path_factory.mktemp("city") / "store"
    ingest(
        [
            realdata / "police_uk" / "city_of_london_street_2018-04_to_2020-11",
            realdata / "ons_lookups",
            realdata / "ons_population",
        ],
        store,
    )
    params = ReportParams(area="City of London", period="2019/20 Q1", store=str(store))
    return _built(run_report(params, tmp_path_factory.mktemp("city-reports")))


BRIEFINGS = ["sample", pytest.param("city", marks=pytest.mark.realdata)]


@pytest.fixture(params=BRIEFINGS)
def built(request):
    return request.getfixturevalue(request.param)


def _table(report, start: str):
    return next(t for t in report.tables if t.caption.strip().startswith(start))


def test_plain_english_short_sentences_and_shares(built):
    r = built["report"]
    assert plain_english_problems(r) == []
    assert long_summary_sentences(r) == []
    assert share_problems(r) == []
    assert "Share of rises / falls" in _table(r, "Offence groups").header
    assert built["stderr"] == []


def test_every_significant_group_change_is_named_in_the_summary(built):
    r = built["report"]
    groups = _table(r, "Offence groups")
    col = groups.header.index("Is it real?")
    significant = [row[0] for row in groups.rows if row[col].startswith("significant")]
    significant = [g for g in significant if g != "Total"]
    assert significant  # both briefings have at least one real group change
    for g in significant:
        assert g.casefold() in r.summary.casefold(), g
    # And a group that could be chance is never named as a driver: only in a sentence
    # that says its change could still be chance (a large change significant on its own
    # test but not after adjustment).
    chance = [row[0] for row in groups.rows if row[col] == "no significant change"]
    drivers = " ".join(s for s in r.summary.split("\n") if "could still be chance" not in s)
    for g in chance:
        assert g.casefold() not in drivers.casefold(), g


def test_total_crime_is_one_figure_in_summary_table_and_json(built):
    r, f = built["report"], built["figures"]
    t = f["total_crime"]
    # Recomputed here from the counts: one decimal, halves away from zero.
    pct = (t["current"] - t["previous"]) / t["previous"] * 100
    expected = f"{abs(pct) + 1e-9:.1f}"
    assert t["pct_change"] == float(f"{pct:+.1f}")
    assert f"rose by {expected}%" in r.summary
    row = next(x for x in _table(r, "Crime and ASB").rows if x[0].startswith("Total recorded"))
    assert row[1] == f"{t['current']:,}" and row[2] == f"{t['previous']:,}"
    assert row[4] == f"+{expected}%"
    rate = f["rate_per_1000"]
    if rate:  # one rate per area: the summary's, the only one printed for the area
        shown = f"{rate['current']:.1f} crimes per 1,000"
        assert shown in r.summary
        assert len(re.findall(r"\d+\.\d crimes per 1,000 residents", r.body)) == 1


def test_sample_summary_has_county_peer_and_home_office_context(sample):
    r, f = sample["report"], sample["figures"]
    # The county row of the county table: 21,796 -> 22,309 is +2.35% -> 2.4%.
    assert "Across Synthshire, total recorded crime rose 2.4% (21,796 to 22,309)." in r.summary
    assert "Synthchester's most similar partnerships" in r.summary
    assert "synthchester-msg" not in r.body
    home = f["home_office"]
    pct = (home["current"] - home["previous"]) / home["previous"] * 100
    assert f"Home Office recorded crime rose {pct:.1f}%" in r.summary
    assert "Overdispersion" not in r.body and "Areas differ more than chance" in r.body
    county = _table(r, "Every partnership")
    assert county.rows[-1][0] == "All partnerships" and county.rows[-1][3] == "+2.4%"
    assert re.search(
        r"recorded [\d,]+ crimes in the quarter; its partnerships' rows add up", r.body
    )


def test_each_named_group_has_its_home_office_count_beside_it(sample, sample_store):
    """Counted here from the sample's Home Office CSV: Synthchester's violence against the
    person plus sexual offences, 2024/25 Q2 against 2023/24 Q2."""
    store, _ = sample_store
    folder = store.parent / "sample" / "home_office"  # as conftest's sample_store writes it
    counts = {"2024/25": 0, "2023/24": 0}
    with next(folder.glob("*.csv")).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if (row["CSP Name"] == "Synthchester" and row["Financial Quarter"] == "2"
                    and row["Financial Year"] in counts
                    and row["Offence Group"] in ("Violence against the person",
                                                 "Sexual offences")):  # fmt: skip
                n = row["Number of Offences"].strip()
                counts[row["Financial Year"]] += 0 if n == "-00" else int(n)
    cur, prev = counts["2024/25"], counts["2023/24"]
    assert cur and prev
    pct = round((cur - prev) / prev * 100, 1)
    r = sample["report"]
    assert "Violence against the person and sexual offences rose" in r.summary
    want = (f"The Home Office count of violence against the person and sexual offences "
            f"rose {pct:.1f}% ({prev:,} to {cur:,})")  # fmt: skip
    assert want in r.summary
    entry = sample["figures"]["home_office_groups"][
        "Violence against the person and sexual offences"
    ]
    assert (entry["current"], entry["previous"]) == (cur, prev)


def test_city_of_london_has_no_one_bar_county_table(city):
    r = city["report"]
    assert not any(t.caption.strip().startswith("Every partnership") for t in r.tables)
    assert "has a single partnership, City of London, so there is no county comparison" in r.body
    # 2,210 crimes: 145 with no location and 119 placed outside the force area leave 1,946.
    assert "2,210 crimes in the quarter; its partnerships' rows add up to 1,946, 264 fewer" in (
        r.body
    )
    assert 2210 - 145 - 119 == 1946


def _city_quarter_lsoas(realdata) -> tuple[dict[str, int], int]:
    """(crimes per LSOA name, all crimes) of the City of London force in April to June
    2019, ASB left out, counted from the published police.uk CSVs."""
    counts: dict[str, int] = {}
    total = 0
    folder = realdata / "police_uk" / "city_of_london_street_2018-04_to_2020-11"
    for month in ("2019-04", "2019-05", "2019-06"):
        with (folder / f"{month}-city-of-london-street.csv").open(
            newline="", encoding="utf-8-sig"
        ) as fh:
            for row in csv.DictReader(fh):
                if row["Crime type"] == "Anti-social behaviour":
                    continue
                total += 1
                if row["LSOA name"]:
                    counts[row["LSOA name"]] = counts.get(row["LSOA name"], 0) + 1
    return counts, total


@pytest.mark.realdata
def test_city_places_hold_only_its_own_neighbourhoods(city, realdata):
    """The force's crimes snapped to LSOAs in Tower Hamlets, Islington or Camden are in its
    total but are not City of London's neighbourhoods or repeat locations."""
    counts, total = _city_quarter_lsoas(realdata)
    assert total == 2210
    own = {name: n for name, n in counts.items() if name.startswith("City of London ")}
    assert len(own) < len(counts)  # the published rows do reach over the boundary
    r = city["report"]
    top = _table(r, "Neighbourhoods (LSOAs) with the most crime")
    assert {row[1]: int(row[2].replace(",", "")) for row in top.rows} == own
    # Shares are of all the force's crime in the quarter, the summary's total.
    for row in top.rows:
        assert row[3] == f"{100 * own[row[1]] / total:.1f}%"
    snaps = _table(r, "Repeat locations")
    assert snaps.rows and all(row[2].startswith("City of London ") for row in snaps.rows)
    # The rows outside are counted where the force's total is reconciled.
    outside = sum(counts.values()) - sum(own.values())
    assert f"{outside} were placed in areas outside the force area" in r.body


@pytest.mark.realdata
def test_city_says_no_most_similar_group_was_given_and_how_to_give_one(city):
    r = city["report"]
    assert "No most similar group was given for this report" in r.body
    assert "--peer-group" in r.body
    assert "peer groups file in the workbook's parameters folder" in r.methods


@pytest.mark.realdata
def test_city_force_area_is_named_city_of_london(city):
    r = city["report"]
    text = "\n".join([r.body, r.methods, *r.alts])
    assert "London, City of" not in text


@pytest.mark.parametrize(
    ("which", "want"),
    [("sample", "Synthchester quarterly crime briefing, July to September 2024"),
     pytest.param("city", "City of London quarterly crime briefing, April to June 2019",
                  marks=pytest.mark.realdata)],
)  # fmt: skip
def test_one_title_in_the_page_title_the_heading_and_figures_json(which, want, request):
    """2024/25 Q2 is July to September 2024; 2019/20 Q1 is April to June 2019."""
    built = request.getfixturevalue(which)
    title, h1s = page_titles(built["html"])
    assert (title, h1s, built["figures"]["title"]) == (want, [want], want)


def test_methods_note_holds_the_methods(built):
    m = built["report"].methods
    for words in ("Poisson", "Benjamini-Hochberg", "XmR", "p ", "Disclosure:"):
        assert words in m, words


def test_no_table_wider_than_the_page(built, tmp_path):
    from browser import find_browser, open_report

    browser = find_browser()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    page = open_report(built["html"], tmp_path / "shot.png", browser, width=1280)
    assert page["wide"] == []


# ---- disclosure everywhere: a tiny area with 3 ASB incidents ----------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Alpha: 12 burglaries a month in April-June 2023 and 2024 (36 a quarter), and in
    April-June 2024 3 ASB incidents; Beta 20 crimes a month for a steady force."""
    from factories import street_row, write_geography, write_street

    from csplib.ingest import ingest

    root = tmp_path_factory.mktemp("tiny")
    files = write_geography(root / "in")
    months = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)]
    for month in months:
        rows = [
            street_row(month, "Burglary", "X01000001", crime_id=f"a{month}{i}") for i in range(12)
        ]
        rows += [
            street_row(month, "Shoplifting", "X01000003", crime_id=f"b{month}{i}")
            for i in range(20)
        ]
        if month == "2024-05":
            rows += [street_row(month, "Anti-social behaviour", "X01000001") for _ in range(3)]
        write_street(root / "in" / "police", month, rows)
    report = ingest([*files, root / "in" / "police"], root / "store")
    assert report.ok, report.render()
    params = ReportParams(area="Alpha", period="2024/25 Q1", store=str(root / "store"))
    return QuarterlyBriefing(load_data(params), threshold=params.threshold)


def test_tiny_area_small_asb_is_suppressed_in_text_notes_and_json(tiny):
    b = tiny
    assert b.figures["asb"]["current"] == 3  # the unsuppressed figure exists...
    shared = b.shared()
    assert shared["asb"]["current"] == "<5"  # ...and figures.json never holds it
    assert shared["asb"]["pct_change"] is None and shared["asb"]["change"] is None
    text = " ".join(
        str(getattr(b, m)())
        for m in ("title", "headline", "summary_table", "groups", "trend", "peers",
                  "county", "places", "map", "data_quality", "sources")
    )  # fmt: skip
    text = html.unescape(re.sub(r"<[^>]+>", " ", text.replace('alt="', 'alt=" ')))
    # 36 crimes in the quarter; 36 + 3 = 39 rows would give the 3 back.
    assert "36 crimes and <5 anti-social behaviour incidents" in text
    assert not re.search(r"\b39\b", text)
    for line in re.split(r"(?<=[.;])\s", text):
        if re.search(r"anti-social|ASB", line, re.IGNORECASE):
            assert not re.search(r"(?<![<\d,.])3(?![\d,.%])", line), line
    assert "3 of them ASB" not in text


# ---- the control chart: a flagged month is a gap, old signals are not headlined ---------

_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip
_MONTH_YEAR = re.compile(rf"({'|'.join(_NAMES)}) (\d{{4}})")


def _iso(name: str, year: str) -> str:
    return f"{year}-{_NAMES.index(name) + 1:02d}"


def test_control_chart_leaves_the_incomplete_month_out(sample, sample_store):
    """December 2022 is incomplete in the sample: not a point, not a signal, not in the
    limits. The average is worked out here from the store: Synthchester's crimes (ASB
    left out) in each month April 2021 to June 2024 except December 2022, averaged."""
    from csplib.store import Store

    store = Store(sample_store[0])
    rows = store.crimes(["month", "csp_name", "is_asb"])
    rows = rows[(rows["csp_name"] == "Synthchester") & ~rows["is_asb"].astype(bool)]
    per_month = rows.groupby(rows["month"].astype(str)).size()
    base = [m for m in per_month.index if "2021-04" <= m <= "2024-06" and m != "2022-12"]
    assert len(base) == 38
    mean = per_month[base].mean()
    (alt,) = [a for a in sample["report"].alts if a.startswith("Chart of monthly crimes")]
    assert f"an average of {mean:,.0f} a month" in alt
    unusual = alt.split("outside the usual pattern")[1].split(").")[0]
    assert "December 2022" not in unusual and "2022" in unusual  # others of 2022 are named
    assert "December 2022 is missing or incomplete and shown as a gap" in alt


def test_only_signals_running_in_the_quarter_are_headlined(built):
    """Every 'Unusual:' line ends in the quarter; one that began before it says so."""
    r = built["report"]
    quarter_start = "2024-07" if "Synthchester" in r.body else "2019-04"
    lines = [x for x in r.body.splitlines() if x.startswith("Unusual:")]
    assert lines
    for line in lines:
        months = [_iso(n, y) for n, y in _MONTH_YEAR.findall(line)]
        assert months[-1] >= quarter_start, line
        started_before = "began before this quarter" in line
        # "March to June 2019": the first month's year is the last one's when not given.
        first = re.search(rf"({'|'.join(_NAMES)})( \d{{4}})? to ", line)
        if first:
            year = (first.group(2) or f" {months[-1][:4]}").strip()
            months.insert(0, _iso(first.group(1), year))
        assert started_before == (months[0] < quarter_start), line


def test_footer_says_once_when_the_report_was_produced(built):
    from datetime import date

    text = html.unescape(re.sub(r"<[^>]+>", " ", built["html"].read_text()))
    assert text.count("Produced") == 1
    today = date.today()
    assert f"Produced {today.day} {today:%B %Y} with CSP Workbook." in text
    assert not re.search(r"\b0\d (January|February|March|April|May|June|July|August|"
                         r"September|October|November|December) \d{4}", text)  # fmt: skip


@pytest.mark.realdata
def test_city_rate_counts_the_crimes_placed_in_its_partnership(city, realdata):
    """One definition of the rate per 1,000 in both reports: the crimes placed in the
    partnership by their neighbourhood (the assessment's), not every row of the force."""
    placed = 0
    folder = realdata / "police_uk" / "city_of_london_street_2018-04_to_2020-11"
    for f in sorted(folder.glob("2019-0[456]*-street.csv")):
        with f.open(newline="", encoding="utf-8-sig") as fh:
            placed += sum(
                row["Crime type"] != "Anti-social behaviour"
                and row["LSOA name"].startswith("City of London ")
                for row in csv.DictReader(fh)
            )
    assert placed == 1946  # of the 2,210 crimes the force recorded in the quarter
    r = city["report"]
    m = re.search(
        r"That is ([\d.]+) crimes per 1,000 residents in the quarter, counting the ([\d,]+) "
        r"crimes placed in its partnership \(mid-2019 population ([\d,]+)\)",
        r.body,
    )
    assert m, "the rate sentence says what it counts"
    population = int(m[3].replace(",", ""))
    assert int(m[2].replace(",", "")) == placed
    assert m[1] == f"{placed / population * 1000:.1f}"  # 200.2, not 2,210's 227.3
    assert city["figures"]["rate_per_1000"]["count"] == placed
    assert f"The summary's rate counts the {placed:,} crimes placed in its partnership." in r.body
