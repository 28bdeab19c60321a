"""The year on paper in the sample assessment and the decision paper: the county agreement
matrix against the sample's YAML read with yaml, action plan counts against its CSV
counted with the csv module, the 2023/24 timetable typed out, figures.json's plan_year,
and the decision paper's figures against figures.json. The assessment is built once
through its notebook with the sample's plan_year files."""

from __future__ import annotations

import csv
import dataclasses
import html as htmllib
import json
import re
from pathlib import Path

import papermill as pm
import pytest
import yaml
from reader import page_titles, plain_english_problems, read_report

from csplib.cli import main
from csplib.errors import CspError
from csplib.paths import NOTEBOOKS
from csplib.pdf import find_browser
from csplib.plan.year import PlanYearFiles, build_plan_year
from csplib.report.assessment import StrategicAssessment, load_assessment_data
from csplib.report.params import ReportParams
from csplib.report.run import run_decision, run_report
from csplib.store import Store

pytestmark = pytest.mark.slow

YEAR = "2023/24"
AS_OF = "2024-03-31"
DECISION = "parameters/decision_synthchester.yaml"
SECTIONS = ("The county agreement and the Police and Crime Commissioner's plan",
            "Action plan progress", "Timetable")  # fmt: skip


def _params(store: Path, plan_dir: Path, **plan_year) -> ReportParams:
    files = {"county_file": str(plan_dir / "county_agreement.yaml"),
             "actions_file": str(plan_dir / "action_plan.csv"),
             "timetable_file": str(plan_dir / "timetable.yaml"),
             "decision_file": DECISION, "as_of": AS_OF} | plan_year  # fmt: skip
    return ReportParams(report="strategic_assessment", area="Synthchester", period=YEAR,
                        store=str(store), plan_file="parameters/plan_synthchester.yaml",
                        plan_year=files)  # fmt: skip


@pytest.fixture(scope="module")
def built(sample_store, tmp_path_factory):
    """The sample assessment with its plan year, and its decision paper, built once."""
    store, manifest = sample_store
    plan_dir = Path(manifest["out_dir"]) / "plan"
    params = _params(store, plan_dir)
    out = tmp_path_factory.mktemp("planyear-reports")
    report = run_report(params, out)
    decision = run_decision(params, out)
    figures = json.loads((report.out_dir / "figures.json").read_text(encoding="utf-8"))
    return params, plan_dir, report, decision, figures


@pytest.fixture(scope="module")
def page(built):
    _, _, report, _, _ = built
    return read_report(report.html)


def _table(report, starts: str):
    (t,) = [t for t in report.tables if t.caption.startswith(starts)]
    return t


def _rows(t) -> dict[str, dict[str, str]]:
    return {r[0]: dict(zip(t.header, r, strict=True)) for r in t.rows}


# ---- the county agreement -------------------------------------------------------------


def test_matrix_cells_match_the_county_agreement_read_with_yaml(built, page):
    _, plan_dir, _, _, figures = built
    doc = yaml.safe_load((plan_dir / "county_agreement.yaml").read_text(encoding="utf-8"))
    county = {p["id"]: p["name"] for p in doc["priorities"]}
    themes = {t["id"]: t["name"] for t in doc["themes"]}
    expected = {(c, t): set() for c in county.values() for t in themes.values()}
    for link in doc["alignment"]:
        for c in link["county_priorities"]:
            for t in link["themes"]:
                expected[county[c], themes[t]].add(link["partnership_priority"])
    t = _table(page, "Synthchester's priorities against the county priorities")
    assert t.header == ["County priority", *themes.values()]
    assert [r[0] for r in t.rows] == list(county.values())
    shown = {(r[0], th): set() if cell == "none" else set(cell.split("; "))
             for r in t.rows for th, cell in zip(t.header[1:], r[1:], strict=True)}  # fmt: skip
    assert shown == expected
    # Worked by hand from the file: exploitation has no partnership priority at all, and
    # domestic abuse serves its county priority under two themes.
    assert all(shown["Exploitation of children and vulnerable adults", th] == set()
               for th in themes.values())  # fmt: skip
    assert shown["Domestic abuse and violence against women and girls",
                 "Safeguarding vulnerable people"] == {"Domestic abuse"}  # fmt: skip
    pcc = _rows(_table(page, "The priorities of the Synthshire Police and Crime Plan"))
    assert pcc["Tackle rural crime"]["Partnership priorities serving it"] == "none"
    assert figures["plan_year"]["county"]["county_not_addressed"] == [
        "Exploitation of children and vulnerable adults"
    ]
    assert "Shop theft and acquisitive crime has no county counterpart." in page.body
    # The heatmap counts the same cells: its alt text names the busiest cells and counts.
    heat = next(a for a in page.alts if a.startswith("Heatmap of"))
    assert f"Heatmap of {len(county)} rows" in heat and f"by {len(themes)} columns" in heat
    most = max(len(v) for v in expected.values())
    busiest = sorted((c, t) for (c, t), v in expected.items() if len(v) == most)[0]
    assert f"({most})" in heat and busiest[0] in heat


# ---- the action plan ------------------------------------------------------------------


def _count_actions(path: Path, as_of: str) -> dict[str, tuple[int, int, int]]:
    """(due in 2023/24 and not withdrawn, completed by as_of, overdue on as_of) per
    priority, counted from the CSV with the csv module (ISO dates compare as text)."""
    out: dict[str, list[int]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            counts = out.setdefault(r["priority"], [0, 0, 0])
            if not ("2023-04-01" <= r["due"] <= "2024-03-31") or r["status"] == "withdrawn":
                continue
            done = bool(r["completed_on"]) and r["completed_on"] <= as_of
            counts[0] += 1
            counts[1] += done
            counts[2] += r["due"] < as_of and not done
    return {k: tuple(v) for k, v in out.items()}  # type: ignore[misc]


def test_action_counts_at_the_year_end_match_the_csv(built, page):
    _, plan_dir, _, _, figures = built
    by_hand = _count_actions(plan_dir / "action_plan.csv", AS_OF)
    t = _rows(_table(page, "Action plan progress by priority, year two of the plan (2023/24), "
                           "on 31 March 2024"))  # fmt: skip
    shown = {p: (int(r["Actions due"]), int(r["Completed"]), int(r["Overdue"]))
             for p, r in t.items()}  # fmt: skip
    assert shown == by_hand
    assert sum(v[0] for v in by_hand.values()) == figures["plan_year"]["actions"]["actions"] == 12
    assert sum(v[1] for v in by_hand.values()) == figures["plan_year"]["actions"]["completed"] == 8
    # The subgroup and lead, and the indicators from the plan register.
    asb = t["Anti-social behaviour and drug-related harm"]
    assert asb["Subgroup"] == "ASB and Drugs Tasking Group"
    assert asb["Lead"] == "Community Protection Manager, Synthchester Council (synthetic)"
    assert asb["Measured by"] == "ASB incidents per 1,000 population; Discarded needles picked up"
    assert asb["Complete"] == "66.7%"  # 2 of 3
    overdue = _rows(_table(page, "Actions overdue on 31 March 2024"))
    assert overdue["Agree a robbery problem-solving plan with the police"]["Due"] == (
        "31 December 2023"
    )
    assert overdue["Agree a robbery problem-solving plan with the police"]["Days overdue"] == "91"


def test_action_counts_on_another_day_match_the_csv(built):
    params, plan_dir, _, _, _ = built
    a = StrategicAssessment(load_assessment_data(params.model_copy(
        update={"plan_year": params.plan_year.model_copy(update={"as_of": "2023-12-31"})}
    )))  # fmt: skip
    t = a.results.plan_year.actions.progress.by_priority
    shown = {r.priority: (r.actions, r.completed, r.overdue) for r in t.itertuples()}
    by_hand = _count_actions(plan_dir / "action_plan.csv", "2023-12-31")
    assert shown == by_hand
    # By hand: ASB-02 (due 30 September 2023, done 12 October) counts as completed by
    # 31 December; VC-03 (due 31 December 2023) is not yet overdue on its due day.
    assert by_hand["Violent crime"] == (3, 1, 0)
    assert "on 31 December 2023" in str(a.action_plan())


# ---- the timetable --------------------------------------------------------------------


def test_timetable_dates_for_2023_24(built, page):
    _, _, _, _, figures = built
    t = _table(page, "Timetable of the 2023/24 strategic assessment, status on 31 March 2024")
    assert [(r[0], r[2], r[3]) for r in t.rows] == [
        ("Draft strategic assessment to the partnership board", "4 December 2024", "Next"),
        ("Public consultation on the priorities", "1 January to 28 February 2025", "Later"),
        ("Crime and disorder scrutiny committee", "11 March 2025", "Later"),
        ("Final approval of the assessment and plan", "19 March 2025", "Later"),
        ("Cabinet", "9 April 2025", "Later"),
        ("Adoption of the revised plan", "23 April 2025", "Later"),
        ("Launch of the revised plan", "May 2025", "Later"),
    ]
    # 31 March to 4 December 2024: 30 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 4 = 248 days.
    assert "from 4 December 2024 (in 248 days)" in page.body
    tt = figures["plan_year"]["timetable"]
    assert (tt[1]["start"], tt[1]["end"]) == ("2025-01-01", "2025-02-28")
    assert (tt[-1]["start"], tt[-1]["end"]) == ("2025-05-01", "2025-05-31")


def test_default_timetable_without_a_file(built):
    params, _, _, _, _ = built
    a = StrategicAssessment(load_assessment_data(params.model_copy(update={"plan_year": None})))
    html = htmllib.unescape(str(a.timetable()))
    for when in ("December 2024", "1 January to 28 February 2025", "March 2025",
                 "April 2025", "May 2025"):  # fmt: skip
        assert f">{when}<" in html
    assert a.figures["plan_year"]["county"] is None and a.figures["plan_year"]["actions"] is None
    assert "No county agreement was named" in str(a.county_agreement())


def test_responses_outside_the_window_are_counted_not_listed(built):
    params, _, _, _, _ = built
    data = load_assessment_data(params)
    table = data.consultation.copy()
    people = sorted(table.loc[table["area"] == "Synthchester", "respondent_id"].unique())
    # By hand: the first 3 before the window, the next 2 after it, 10 inside, the rest
    # undated.
    days = dict.fromkeys(people[:3], "2024-12-20") | dict.fromkeys(people[3:5], "2025-03-02")
    days |= dict.fromkeys(people[5:15], "2025-01-15")
    table["date"] = table["respondent_id"].map(days)
    a = StrategicAssessment(dataclasses.replace(data, consultation=table))
    html = htmllib.unescape(str(a.timetable()))
    assert ("5 of 15 dated responses fall outside the consultation window (1 January to "
            "28 February 2025)") in html  # fmt: skip
    assert f"{len(people) - 15} responses carry no date." in html
    assert not any(p in html for p in people)  # counts only: no respondent named
    assert a.figures["plan_year"]["consultation_dates"] == {
        "start": "2025-01-01", "end": "2025-02-28", "dated": 15,
        "undated": len(people) - 15, "outside": 5,
    }  # fmt: skip


# ---- figures.json, plain English, escaping, the notebook ---------------------------------


def test_figures_json_plan_year_shape(built, sample_store):
    _, _, _, _, figures = built
    py = figures["plan_year"]
    assert set(py) == {"year", "county", "actions", "timetable", "due", "consultation_dates",
                       "decision_file"}  # fmt: skip
    assert py["year"] == YEAR and py["decision_file"] == DECISION
    assert {"county", "agreement", "pcc_plan", "themes", "links", "pcc"} <= set(py["county"])
    assert py["actions"]["year_label"] == "year two of the plan"
    assert py["actions"]["as_of"] == AS_OF
    assert len(py["actions"]["by_priority"]) == 6
    assert [m["id"] for m in py["timetable"]] == [
        "draft",
        "consultation",
        "scrutiny",
        "approval",
        "cabinet",
        "council",
        "launch",
    ]
    assert py["due"] == {"on": AS_OF, "status": {
        "draft": "next", "consultation": "later", "scrutiny": "later", "approval": "later",
        "cabinet": "later", "council": "later", "launch": "later"}}  # fmt: skip
    # The sample's responses carry no dates: every Synthchester respondent is undated.
    store, _ = sample_store
    c = Store(store).read("consultation")
    n = c.loc[c["area"] == "Synthchester", "respondent_id"].nunique()
    assert n > 0 and py["consultation_dates"] == {
        "start": "2025-01-01",
        "end": "2025-02-28",
        "dated": 0,
        "undated": n,
        "outside": 0,
    }


def _sections_text(page) -> str:
    body = page.body
    return body[body.index(SECTIONS[0]) : body.index("Appendix: data quality")]


def test_sections_read_in_plain_english(page):
    text = _sections_text(page)
    for heading in SECTIONS:
        assert heading in text
    problems = plain_english_problems(dataclasses.replace(page, body=text, methods=""))
    assert problems == []
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text)  # no ISO day in prose
    assert "year two of the plan" in text


def test_partner_text_is_escaped(built, tmp_path):
    params, plan_dir, _, _, _ = built
    with open(plan_dir / "action_plan.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[9][5] = "<script>alert(1)</script> & more"  # VC-03's action, overdue
    bad = tmp_path / "action_plan.csv"
    with open(bad, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    data = load_assessment_data(params)
    files = PlanYearFiles(actions_file=str(bad), as_of=AS_OF)
    year = build_plan_year(files, data.plan, YEAR, params.project_path)
    html = str(StrategicAssessment(dataclasses.replace(data, plan_year=year)).action_plan())
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_sections_have_outputs_and_no_stderr_in_the_executed_notebook(built):
    _, _, report, _, _ = built
    import nbformat

    nb = nbformat.read(report.out_dir / "report.ipynb", as_version=4)
    by_id = {c.get("id"): c for c in nb.cells}
    for cid in ("sa-agreement", "sa-actions", "sa-timetable"):
        outputs = by_id[cid]["outputs"]
        assert [o["output_type"] for o in outputs] == ["execute_result"]
        assert "text/html" in outputs[0]["data"]
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o["output_type"] != "error"
            assert not (o["output_type"] == "stream" and o["name"] == "stderr")


# ---- the decision paper ---------------------------------------------------------------


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def test_decision_paper_carries_the_assessments_figures(built):
    _, _, report, decision, figures = built
    assert decision.html == report.out_dir / "decision.html"
    paper = read_report(decision.html)
    text = paper.body
    rec = figures["priorities"]["recommended"]
    assert rec and f"recommends from the evidence: {_and(rec)}." in text
    tc = figures["total_crime"]
    verb = "rose" if tc["current"] > tc["previous"] else "fell"
    assert (f"Recorded crime (not counting anti-social behaviour) {verb} "
            f"{abs(tc['pct_change']):.1f}% in {YEAR} against 2022/23, from "
            f"{tc['previous']:,} to {tc['current']:,}") in text  # fmt: skip
    acts = figures["plan_year"]["actions"]
    assert (f"In year two of the plan, {acts['completed']} of the {acts['actions']} actions "
            f"due were completed by the end of the year and {acts['overdue']} are "
            "overdue") in text  # fmt: skip
    wording = yaml.safe_load((Path(__file__).parents[1] / DECISION).read_text(encoding="utf-8"))
    for r in wording["recommendations"]:
        assert r in text
    sign = _table(paper, "Signed on behalf of the responsible authorities")
    assert sign.header == ["Authority", "Name", "Role", "Signature", "Date"]
    assert len(sign.rows) == len(wording["signatories"])
    assert "SYNTHETIC DATA" in text and text.count("SYNTHETIC DATA") == 1


def test_decision_notebook_executes_without_stderr(built, tmp_path):
    _, _, report, _, _ = built
    out = tmp_path / "decision.ipynb"
    nb = pm.execute_notebook(
        str(NOTEBOOKS / "decision_paper.ipynb"), str(out), kernel_name="python3",
        parameters={"decision_file": DECISION, "figures_path": str(report.out_dir / "figures.json")},
        cwd=str(Path(__file__).parents[1]), progress_bar=False,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )  # fmt: skip
    kinds = [o["output_type"] for c in nb.cells for o in c.get("outputs", [])]
    assert "error" not in kinds and kinds.count("execute_result") == 7
    assert not any(o.get("name") == "stderr" for c in nb.cells for o in c.get("outputs", []))


def test_decision_without_an_assessment_is_a_clear_error(tmp_path, capsys):
    rc = main(["decision", "--area", "Synthchester", "--year", YEAR, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2 and "no assessment figures" in err and "Traceback" not in err
    assert "csp assessment" in err


def test_decision_without_wording_is_a_clear_error(built, tmp_path):
    figures = built[4]
    folder = tmp_path / "2023-24" / "synthchester"
    folder.mkdir(parents=True)
    figures = figures | {"plan_year": figures["plan_year"] | {"decision_file": None}}
    (folder / "figures.json").write_text(json.dumps(figures), encoding="utf-8")
    params = ReportParams(report="strategic_assessment", area="Synthchester", period=YEAR)
    with pytest.raises(CspError, match="no decision paper wording"):
        run_decision(params, tmp_path)


@pytest.mark.skipif(find_browser() is None, reason="no Chromium on this machine (.ci/run "
                    "installs it)")  # fmt: skip
def test_decision_paper_prints_to_pdf(built, tmp_path):
    pypdf = pytest.importorskip("pypdf", reason="pypdf (a dev dependency) reads the PDF back")
    params, _, report, _, figures = built
    folder = tmp_path / "2023-24" / "synthchester"
    folder.mkdir(parents=True)
    (folder / "figures.json").write_bytes((report.out_dir / "figures.json").read_bytes())
    result = run_decision(params, tmp_path, pdf=True)
    assert result.pdf == folder / "decision.pdf" and (folder / "decision.html").exists()
    pages = pypdf.PdfReader(result.pdf).pages
    text = " ".join(" ".join(p.extract_text().split()) for p in pages)
    assert 1 <= len(pages) <= 4
    assert _and(figures["priorities"]["recommended"]) in text
    assert (
        f"from {figures['total_crime']['previous']:,} to {figures['total_crime']['current']:,}"
        in text
    )
    assert f"Page 1 of {len(pages)}" in text


@pytest.mark.skipif(find_browser() is None, reason="no Chromium on this machine (.ci/run "
                    "installs it)")  # fmt: skip
def test_plan_tables_fit_an_a4_page(built, tmp_path):
    """The action plan's table (nine columns, long names) and the decision paper fit an
    A4-wide window (794 px) and the printed A4 page (688 px inside the PDF's 14 mm
    margins, print styles)."""
    from browser import open_report

    _, _, report, decision, _ = built
    for html in (report.html, decision.html):
        for width, media in ((794, None), (688, "print")):
            probe = open_report(html, tmp_path / "shot.png", find_browser(), width=width,
                                media=media)  # fmt: skip
            assert probe["wide"] == [], (html.name, width, media)


def test_decision_paper_page_title_is_its_heading(built):
    _, _, _, decision, _ = built
    wording = yaml.safe_load((Path(__file__).parents[1] / DECISION).read_text(encoding="utf-8"))
    assert page_titles(decision.html) == (wording["title"], [wording["title"]])


def test_decision_paper_claims_follow_from_its_figures(built):
    """Each claim of the sample paper against figures.json: the ASB change (could be
    chance: never called a fall), which of respondents' top three is recommended, and
    the alternatives' red indicators and overdue actions. The sample's old wording
    claimed rises the plan does not answer and priorities 'falling and below the county
    and peer rates', which its figures do not show."""
    _, _, _, decision, f = built
    text = " ".join(read_report(decision.html).body.split())
    asb = f["asb"]
    if asb["significance"] == "no significant change":
        assert "Anti-social behaviour incidents: no real change" in text
        assert "Anti-social behaviour incidents fell" not in text
    chosen = {s["consultation_priority"] for s in f["priorities"]["scores"] if s["recommended"]}
    both = [p for p in f["consultation"]["top_said"] if p in chosen]
    assert both  # the sample: Burglary
    assert f"Of them, {_and(both)} {'is' if len(both) == 1 else 'are'} among the priorities" in text
    red, overdue = f["plan"]["rag_counts"]["red"], f["plan_year"]["actions"]["overdue"]
    assert (
        f"{red} of the plan's indicators are off track (red) and {overdue} of its actions are overdue"
        in text
    )
    assert f"Respondents ranked {_and(f['consultation']['top_said'])} highest" in text
    for unsupported in ("rises the current priorities do not answer", "falling and below",
                        "follow what the data and residents said"):  # fmt: skip
        assert unsupported not in text
