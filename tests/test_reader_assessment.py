"""The strategic assessment read as a board member reads it (issue "Reports a board can
trust"): the sample assessment (Synthchester 2023/24, with its plan) and a real City of
London assessment (2019/20) are built by the command line, as a user builds them, and
read from their HTML and figures.json with tests/reader.py.

Numbers checked here come from outside the code: the sample's totals as the issue quotes
them (12,958 over 11 like-for-like months, 14,105 over every month, 15,583 Home Office),
and the City of London's counted from the published police.uk CSV files.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from csplib import paths

sys.path.insert(0, str(Path(__file__).parent))
from browser import find_browser, open_report
from reader import (
    long_summary_sentences,
    page_titles,
    plain_english_problems,
    read_report,
    share_problems,
)

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "csplib.cli"]
CITY = "city_of_london_street_2018-04_to_2020-11"


def _build(args: list[str], out: Path) -> tuple[Path, str]:
    """Run ``csp assessment`` as a user does; return the report folder and its stderr."""
    run = subprocess.run(
        [*CLI, "assessment", *args, "--out", str(out)], cwd=paths.ROOT, capture_output=True,
        text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    folder = next(out.glob("*/*/report.html")).parent
    return folder, run.stderr


@pytest.fixture(scope="module")
def sample(sample_store, tmp_path_factory):
    store, _ = sample_store
    out = tmp_path_factory.mktemp("sample-assessment")
    return _build(["--area", "Synthchester", "--year", "2023/24", "--store", str(store),
                   "--plan", "parameters/plan_synthchester.yaml"], out)  # fmt: skip


@pytest.fixture(scope="module")
def city(realdata, tmp_path_factory):
    from csplib.ingest import ingest

    root = tmp_path_factory.mktemp("city-assessment")
    report = ingest([realdata / "police_uk" / CITY, realdata / "ons_lookups",
                     realdata / "ons_population"], root / "store")  # fmt: skip
    assert report.ok, report.render()
    return _build(["--area", "City of London", "--year", "2019/20", "--store",
                   str(root / "store")], root / "reports")  # fmt: skip


def _city_rows(realdata: Path) -> tuple[int, int]:
    """(crimes, crimes with an LSOA code) in 2019/20, counted from the published CSVs."""
    months = [f"2019-{m:02d}" for m in range(4, 13)] + ["2020-01", "2020-02", "2020-03"]
    total = placed = 0
    for f in sorted((realdata / "police_uk" / CITY).glob("*-street.csv")):
        with f.open(newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                if row["Month"] in months and row["Crime type"] != "Anti-social behaviour":
                    total += 1
                    placed += bool(row["LSOA code"].strip())
    return total, placed


def _rows(report, caption: str) -> list[list[str]]:
    t = next(t for t in report.tables if t.caption.strip().startswith(caption))
    return t.rows


def _significant_names(report) -> set[str]:
    """Every crime type, offence group or subgroup a table calls a significant change."""
    names = set()
    for t in report.tables:
        head = [h.lower() for h in t.header]
        col = next((i for i, h in enumerate(head) if h in ("is it real?", "trend")), None)
        cap = t.caption
        if col is None or not cap.startswith(("Home Office recorded crime", "Priority scores",
                                              "Crime types with a significant")):  # fmt: skip
            continue
        name_col = 1 if cap.startswith("Priority scores") else 0
        for row in t.rows:
            if row[col].startswith("significant") and row[name_col] != "Total":
                names.add(row[name_col])
    return names


# ---- the sample assessment -------------------------------------------------------------


def test_sample_reads_in_plain_english(sample):
    folder, stderr = sample
    r = read_report(folder / "report.html")
    assert plain_english_problems(r) == []
    assert long_summary_sentences(r) == []
    assert share_problems(r) == []
    assert stderr == ""
    # The footer (licence and date) appears once.
    html = (folder / "report.html").read_text()
    assert html.count("Open Government Licence") == 1


def test_sample_totals_are_one_set_reconciled(sample):
    folder, _ = sample
    r = read_report(folder / "report.html")
    # The three totals the issue found unexplained, side by side with what each covers.
    rows = {x[0]: x for x in _rows(r, "Total recorded crime in Synthchester: the figures")}
    assert rows["police.uk, like-for-like months"][1:4] == [
        "12,958", "12,466", "11 months: December 2022 missing, so December left out of both years"
    ]  # fmt: skip
    assert rows["police.uk, all months of the year"][1] == "14,105"
    assert rows["Home Office recorded crime"][1:3] == ["15,583", "14,784"]
    assert "fraud and computer misuse" in rows["Home Office recorded crime"][4]
    # The headline says what its total covers, and no 11-month total is a "12 months".
    assert "12,466 to 12,958" in r.summary and "11 months: December 2022 missing" in r.summary
    for row in _rows(r, "The year to each quarter end"):
        assert row[1] == "11 months (December 2022 left out)" or row[1].startswith("11 months")
    # One percentage: 492 / 12,466 = 3.947%, rounded once to 3.9% everywhere.
    assert "rose 3.9%" in r.summary
    facts = {row[0]: row for row in _rows(r, "Key facts: Synthchester")}
    assert facts["Total recorded crime (excluding ASB)"][4] == "+3.9%"
    assert _rows(r, "The year to each quarter end")[-1][4] == "+3.9%"
    figures = json.loads((folder / "figures.json").read_text())
    assert figures["total_crime"]["pct_change"] == 3.9


def test_sample_summary_names_every_significant_change(sample):
    folder, _ = sample
    r = read_report(folder / "report.html")
    names = _significant_names(r)
    assert {"Shoplifting", "Violence and sexual offences", "Rape offences"} <= names
    missing = [n for n in names if n.casefold() not in r.summary.casefold()]
    assert missing == []
    # The Home Office figure beside police.uk's, and the disagreement in size said:
    # police.uk 676 -> 905 (+33.9%), Home Office 878 -> 1,005 (+14.5%).
    assert "Shoplifting rose 33.9% (676 to 905)" in r.summary
    assert "The Home Office count rose 14.5% (878 to 1,005): a much smaller change." in r.summary
    # County context: the county's own change beside the area's.
    assert "Synthshire (synthetic) as a whole" in r.summary


def test_sample_one_verdict_per_plan_indicator_and_caveats(sample):
    folder, _ = sample
    r = read_report(folder / "report.html")
    plan = [row for t in r.tables if t.caption.startswith("Priority ") for row in t.rows]
    by = {row[0]: row for row in plan}
    # Needles: a real fall, on track -> Green, with the plan's caveat beside it.
    needles = by["Discarded needles picked up"]
    assert needles[6:9] == [
        "On track: a real fall from the baseline", "Green",
        "A fall could mean less discarding or less collecting; read with outreach data.",
    ]  # fmt: skip
    for row in plan:  # the verdict never disagrees with the RAG
        verdict, rag = row[6], row[7]
        if "could be chance" in verdict and "Level held" not in verdict:
            assert rag == "Amber", row
        if "against the target" in verdict:
            assert rag == "Red", row
    partner = {row[0]: row for row in _rows(r, "Partner indicators for Synthchester")}
    assert partner["Discarded needles collected"][5:7] == ["significant fall",
                                                            "plan baseline (2021/22)"]  # fmt: skip


def test_sample_consultation_and_home_office_follow_the_policy(sample):
    folder, _ = sample
    r = read_report(folder / "report.html")
    said = {row[0]: row for row in _rows(r, "What respondents ranked highest")}
    # Robbery: chosen by 3 partners of 84 respondents: a survey count, shown, 3.6%.
    assert said["Robbery"][1:6] == ["0", "3", "0", "3", "3.6%"]
    sub = {row[0]: row for row in _rows(r, "Home Office recorded crime by offence subgroup")}
    # Published counts: violence with injury is no longer hidden to protect homicide.
    assert sub["Violence with injury"][2:4] == ["1,671", "1,500"]
    assert sub["Homicide"][2:4] == ["4", "3"]
    assert "Whole-partnership counts by offence group are not hidden" in r.methods
    figures = json.loads((folder / "figures.json").read_text())
    hom = next(x for x in figures["recorded_crime"]["subgroups"]
               if x["offence_subgroup"] == "Homicide")  # fmt: skip
    assert (hom["current"], hom["previous"]) == (4, 3)  # the same policy as the table
    # Every recommendation gives its reasons.
    assert "Why these are recommended" in r.body
    assert "Violence and sexual offences. For: a large share of crime (51.2%)" in r.body


# ---- the real City of London assessment ------------------------------------------------


@pytest.mark.realdata
def test_city_reads_in_plain_english_with_no_stderr(city):
    folder, stderr = city
    r = read_report(folder / "report.html")
    assert plain_english_problems(r) == []
    assert long_summary_sentences(r) == []
    assert share_problems(r) == []
    assert stderr == ""


@pytest.mark.realdata
def test_city_has_one_rate_and_reconciles_the_force_total(city, realdata):
    folder, _ = city
    r = read_report(folder / "report.html")
    total, with_lsoa = _city_rows(realdata)
    assert total == 8865
    figures = json.loads((folder / "figures.json").read_text())
    county = {row[0]: row for row in _rows(r, "Every partnership in")}
    placed = int(county["City of London"][1].replace(",", ""))
    assert placed <= with_lsoa  # rows placed in the partnership have an LSOA
    # One rate per 1,000: the county table's, in the summary and in figures.json.
    rate = county["City of London"][3]
    assert f"{rate} crimes per 1,000 residents" in r.summary
    assert f"{figures['rate_per_1000']['current']:.1f}" == rate
    assert "911.9" not in r.body
    assert (
        f"The force recorded {total:,} crimes in 2019/20; its one partnership holds "
        f"{placed:,}, {total - placed:,} fewer" in r.body
    )
    # One partnership in the force: no one-bar county chart, and the report says why.
    assert "only partnership in its force area" in r.summary
    assert not any(a.startswith("Bar chart of crimes per 1,000") for a in r.alts)
    # Months before the store begins are no data, never a zero.
    years = {row[0]: row for row in _rows(r, "Recorded crime and ASB over three")}
    assert years["2017/18"][1] == "no data"


@pytest.mark.realdata
def test_city_summary_names_every_significant_change(city):
    folder, _ = city
    r = read_report(folder / "report.html")
    names = _significant_names(r)
    assert names  # Other theft, drugs, robbery... rose in 2019/20
    assert [n for n in names if n.casefold() not in r.summary.casefold()] == []
    assert not re.search(r"\b20\d\d-(0[1-9]|1[0-2])\b", r.body)


@pytest.mark.parametrize("which", ["sample", "city"])
def test_no_table_is_wider_than_the_page(which, request, tmp_path):
    browser = find_browser()
    if browser is None:
        pytest.skip("no headless Chromium on this machine (install the chromium package)")
    folder, _ = request.getfixturevalue(which)
    probe = open_report(folder / "report.html", tmp_path / "shot.png", browser, width=1280)
    assert probe["wide"] == []
    assert probe["dialogs"] == []


#: An A4 page is 794 px wide at 96 dpi; printed with the PDF's margins (14 mm each side,
#: csplib/pdf.py) 688 px are left for the text.
A4_SCREEN, A4_PRINTED = 794, 688


@pytest.mark.parametrize("which", ["sample", "city"])
def test_no_table_is_wider_than_an_a4_page(which, request, tmp_path):
    """The consultation table (ten columns) and the plan tables fit an A4-wide window and
    the printed A4 page: long cells wrap, print uses a smaller font."""
    browser = find_browser()
    if browser is None:
        pytest.skip("no headless Chromium on this machine (install the chromium package)")
    folder, _ = request.getfixturevalue(which)
    for width, media in ((A4_SCREEN, None), (A4_PRINTED, "print")):
        probe = open_report(folder / "report.html", tmp_path / "shot.png", browser,
                            width=width, media=media)  # fmt: skip
        assert probe["wide"] == [], (width, media)


@pytest.mark.parametrize(
    ("which", "want"),
    [("sample", "Synthchester strategic assessment, April 2023 to March 2024"),
     pytest.param("city", "City of London strategic assessment, April 2019 to March 2020",
                  marks=pytest.mark.realdata)],
)  # fmt: skip
def test_one_title_in_the_page_title_the_heading_and_figures_json(which, want, request):
    """The financial years 2023/24 and 2019/20, April to March; the briefing's pattern."""
    folder, _ = request.getfixturevalue(which)
    title, h1s = page_titles(folder / "report.html")
    figures = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
    assert (title, h1s, figures["title"]) == (want, [want], want)
