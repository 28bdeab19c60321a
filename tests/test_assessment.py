"""The strategic assessment executed on the sample store: figures, HTML, flagged months,
plan progress (RAG) and recommended priorities, checked against plain recounts."""

from __future__ import annotations

import itertools
import json
import re

import nbformat
import pandas as pd
import pytest
from scipy.stats import binomtest, norm

from csplib.errors import CoverageError
from csplib.paths import NOTEBOOKS
from csplib.report.assessment import StrategicAssessment, load_assessment_data
from csplib.report.params import ReportParams
from csplib.report.run import run_report
from csplib.store import Store

pytestmark = pytest.mark.slow

PLAN_FILE = "parameters/plan_synthchester.yaml"
YEAR = "2023/24"


def _params(store, **extra) -> ReportParams:
    # The assessed year 2023/24 is complete; 2022/23 holds the incomplete 2022-12, which
    # the report shows flagged (preflight only requires the assessed year to be whole).
    values = {"report": "strategic_assessment", "area": "Synthchester", "period": YEAR,
              "store": str(store), "plan_file": PLAN_FILE}  # fmt: skip
    return ReportParams(**(values | extra))


@pytest.fixture(scope="module")
def assessment(sample_store, tmp_path_factory):
    store, _ = sample_store
    params = _params(store)
    result = run_report(params, tmp_path_factory.mktemp("assessment"))
    return params, result


@pytest.fixture(scope="module")
def direct(assessment):
    params, _ = assessment
    return StrategicAssessment(load_assessment_data(params), threshold=params.threshold)


@pytest.fixture(scope="module")
def saved(assessment):
    _, result = assessment
    return json.loads((result.out_dir / "figures.json").read_text())


@pytest.fixture(scope="module")
def crimes(sample_store):
    store, _ = sample_store
    c = Store(store).crimes(["month", "csp_name", "crime_type", "is_asb"])
    return c[c["csp_name"] == "Synthchester"]


def test_figures_json_equals_a_direct_computation_on_the_same_store(assessment, direct, saved):
    _, result = assessment
    assert result.status == "ok"
    assert saved == json.loads(json.dumps(direct.figures))
    assert saved["area"] == "Synthchester" and saved["period"] == YEAR
    assert saved["synthetic"] is True


def test_headline_counts_recount_with_plain_pandas(saved, crimes):
    year = [f"2023-{m:02d}" for m in range(4, 13)] + [f"2024-{m:02d}" for m in range(1, 4)]
    crime = crimes[~crimes["is_asb"]]
    assert saved["total_crime"]["year"] == int(crime["month"].isin(year).sum())
    # Like for like: December is left out of both years because 2022-12 is incomplete.
    cur = [m for m in year if m != "2023-12"]
    prev = [f"{int(m[:4]) - 1}{m[4:]}" for m in cur]
    assert saved["comparison"]["excluded"] == [["2023-12", "2022-12"]]
    assert saved["comparison"]["current_months"] == cur
    assert "2022-12" not in saved["comparison"]["previous_months"]
    assert saved["total_crime"]["current"] == int(crime["month"].isin(cur).sum())
    assert saved["total_crime"]["previous"] == int(crime["month"].isin(prev).sum())
    assert saved["asb"]["year"] == int((crimes["is_asb"] & crimes["month"].isin(year)).sum())
    # Rate: the year's crimes per 1,000 of the mid-2023 population of 179,195.
    assert saved["rate_per_1000"]["population"] == 179_195
    assert saved["rate_per_1000"]["current"] == pytest.approx(
        saved["total_crime"]["year"] / 179_195 * 1000, abs=1e-4
    )


def test_the_incomplete_month_is_flagged_never_a_dip(saved, crimes, direct):
    three = {r["period"]: r for r in saved["three_year"]}
    assert three["2022/23"]["flagged_months"] == ["2022-12"]
    assert three["2022/23"]["complete_months"] == 11
    months_2223 = [f"2022-{m:02d}" for m in range(4, 12)] + ["2023-01", "2023-02", "2023-03"]
    crime = crimes[~crimes["is_asb"]]
    assert three["2022/23"]["count"] == int(crime["month"].isin(months_2223).sum())
    assert three["2022/23"]["per_month"] == pytest.approx(three["2022/23"]["count"] / 11, abs=1e-4)
    assert three["2021/22"]["flagged_months"] == [] and three[YEAR]["complete_months"] == 12
    # The monthly series holds <NA> for the month, and no rolling total spans it.
    monthly = direct.tables["monthly"].set_index("month")
    assert pd.isna(monthly.loc["2022-12", "count"])
    rolling = direct.tables["rolling"].set_index("month")
    for end in ("2022-12", "2023-06", "2023-11"):
        assert pd.isna(rolling.loc[end, "rolling_12"])
    assert not pd.isna(rolling.loc["2022-11", "rolling_12"])
    # Every rolling comparison in the year leaves the flagged pair out.
    for row in saved["rolling_12"]:
        assert row["months"] == 11 and row["excluded"] in (["2022-12"], ["2023-12"])
    # The series chart says so in its alt text, and the coverage appendix lists it.
    html = str(direct.total_crime())
    assert "Dec 2022 is missing or incomplete and is shown as a gap" in html
    assert "2022-12" in str(direct.data_quality()) or "Dec 2022" in str(direct.data_quality())


def test_executed_notebook_has_no_errors_or_stderr(assessment):
    _, result = assessment
    nb = nbformat.read(result.out_dir / "report.ipynb", as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error"
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), out


def test_html_is_self_contained_and_accessible(assessment):
    _, result = assessment
    html = (result.out_dir / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "http://" not in html and "https://" not in html
    assert html.count("<h1") == 1
    levels = [int(x) for x in re.findall(r"<h([1-6])", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))
    imgs = re.findall(r"<img [^>]*>", html)
    assert len(imgs) >= 3 and all(re.search(r'alt="[^"]{40,}"', i) for i in imgs)
    assert html.count("<table") == html.count("<caption>") > 10
    assert "SYNTHETIC DATA" in html and "Open Government Licence v3.0" in html
    for bad in ("Traceback", "Warning:", "PapermillExecutionError", "<script", "&lt;NA&gt;"):
        assert bad not in html
    # One sub-section per plan priority.
    for i, name in enumerate(["Anti-social behaviour and drug-related harm", "Domestic abuse",
                              "Violent crime"], start=1):  # fmt: skip
        assert f"<h3>Priority {i}: {name}</h3>" in html


def test_rag_statuses_worked_by_hand(saved):
    plan = {r["indicator_id"]: r for r in saved["plan"]["indicators"]}
    # ASB: 4,992 per mid-2021 176,000 -> 4,262 per mid-2023 179,195 (23.78 per 1,000,
    # target 26.0 met). Exact conditional test: 4,262 of 9,254 is Binomial with
    # p = 179,195 / (179,195 + 176,000) under no change.
    asb = plan["asb_rate"]
    assert asb["latest_value"] == pytest.approx(4262 / 179_195 * 1000, abs=1e-4)
    p = binomtest(4262, 4262 + 4992, 179_195 / (179_195 + 176_000)).pvalue
    assert asb["p_value"] == pytest.approx(p, abs=1e-4)
    assert (asb["status"], asb["rag"]) == ("achieved", "green")
    # Repeat DA victims: 487/1,959 -> 505/2,069: pooled two-proportion z = -0.33, p = 0.74:
    # amber. Progress (24.41 - 24.9) / (22.0 - 24.9) = 0.17 of the way with 731 of 1,096
    # days gone: off track.
    da = plan["da_repeat_victims"]
    pbar = (487 + 505) / (1959 + 2069)
    z = (505 / 2069 - 487 / 1959) / (pbar * (1 - pbar) * (1 / 2069 + 1 / 1959)) ** 0.5
    assert da["p_value"] == pytest.approx(2 * norm.sf(abs(z)), abs=1e-4)
    assert da["p_value"] == pytest.approx(0.739, abs=1e-3)
    assert (da["status"], da["rag"]) == ("off track", "amber")
    # Needles 2,608 -> 2,438 (target 2,300): a real fall (Binomial(5,046, 1/2), p = 0.017)
    # but 170 / 308 = 55% of the way at 67% of the time: amber, behind the path.
    needles = plan["needles_collected"]
    assert needles["p_value"] == pytest.approx(binomtest(2438, 2438 + 2608, 0.5).pvalue, abs=1e-4)
    assert (needles["status"], needles["rag"]) == ("off track", "amber")
    assert "behind the pro-rata path" in needles["rag_reason"]
    # Violence 6,401 -> 7,216 against a target to reduce: a real rise: red.
    assert (plan["violence_recorded"]["latest_value"], plan["violence_recorded"]["rag"]) == (
        7216, "red",
    )  # fmt: skip
    # MARAC referrals 68 -> 70 in the quarter, maintain within 10%: held: green.
    marac = plan["marac_referrals"]
    assert (marac["latest_period"], marac["latest_value"], marac["rag"]) == (
        "2023/24 Q4",
        70,
        "green",
    )
    # The survey gives percentages only: it cannot be tested, so amber however it moved.
    drugs = plan["drug_dealing_perception"]
    assert (drugs["status"], drugs["rag"]) == ("achieved", "amber")
    assert drugs["rag_reason"].startswith("not tested")
    # KSI is by calendar year: 2021 -> 2023.
    assert plan["ksi_casualties"]["latest_period"] == "2023"
    assert saved["plan"]["rag_counts"] == {"green": 2, "amber": 6, "red": 2}


def test_recommended_priorities_follow_the_documented_score(saved, crimes):
    scores = saved["priorities"]["scores"]
    year = [f"2023-{m:02d}" for m in range(4, 13)] + [f"2024-{m:02d}" for m in range(1, 4)]
    crime = crimes[~crimes["is_asb"] & crimes["month"].isin(year)]
    total = len(crime)
    for row in scores:
        assert row["score"] == row["volume_points"] + row["trend_points"] + row["county_points"]
        n = int((crime["crime_type"] == row["candidate"]).sum())
        assert row["count"] == n
        share = n / total * 100
        expected = 3 if share >= 20 else 2 if share >= 10 else 1 if share >= 5 else 0
        assert row["volume_points"] == expected, row["candidate"]
    assert [r["rank"] for r in scores] == list(range(1, len(scores) + 1))
    assert [r["score"] for r in scores] == sorted((r["score"] for r in scores), reverse=True)
    assert saved["priorities"]["recommended"] == [r["candidate"] for r in scores[:3]]
    top = scores[0]
    assert top["candidate"] == "Violence and sexual offences"
    assert (top["volume_points"], top["trend"]) == (3, "significant rise")
    assert saved["priorities"]["harm_scored"] is False


def test_home_office_section_separates_violence_and_sexual_offences(sample_store, saved):
    store, _ = sample_store
    rc = Store(store).read("recorded_crime")
    rc = rc[rc["csp_name"] == "Synthchester"]
    groups = {r["offence_group"]: r for r in saved["recorded_crime"]["groups"]}
    for group in ("Violence against the person", "Sexual offences"):
        for year, key in ((YEAR, "current"), ("2022/23", "previous")):
            part = rc[(rc["offence_group"] == group) & (rc["financial_year"] == year)]
            assert groups[group][key] == int(part["count"].sum())
    assert saved["recorded_crime"]["quarters"] == {YEAR: [1, 2, 3, 4], "2022/23": [1, 2, 3, 4]}
    total = saved["recorded_crime"]["total"]
    assert total["current"] == int(rc.loc[rc["financial_year"] == YEAR, "count"].sum())


def test_small_numbers_are_suppressed_in_every_table(direct):
    # Sections whose tables hold counts and no ranks (a rank of 1 is not a count).
    sections = [direct.recorded_crime(), direct.emerging_issues(), direct.plan_priorities(),
                direct.partner_indicators(), direct.summary()]  # fmt: skip
    html = "".join(str(s) for s in sections)
    for cell in re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", html):
        assert cell not in {"1", "2", "3", "4"}, cell
    # The sample's homicides (4 and 3) are there and hidden.
    homicide = next(
        r
        for r in direct.figures["recorded_crime"]["subgroups"]
        if r["offence_subgroup"] == "Homicide"
    )
    assert 0 < homicide["current"] < 5 and "&lt;5" in str(direct.recorded_crime())


def test_data_strings_are_escaped(direct):
    evil = "<img src=x onerror=alert(1)>"
    partner = direct.data.partner.copy()
    row = partner.iloc[[0]].assign(indicator=evil, area="Synthchester", period="2023/24")
    direct.data.partner = pd.concat([partner, row], ignore_index=True)
    try:
        rebuilt = StrategicAssessment(direct.data, threshold=5)
    finally:
        direct.data.partner = partner
    html = str(rebuilt.partner_indicators())
    assert evil not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_an_incomplete_year_under_assessment_is_refused(sample_store):
    store, _ = sample_store
    with pytest.raises(CoverageError, match="2022-12 incomplete"):
        StrategicAssessment.load(area="Synthchester", period="2022/23", store=str(store))
    allowed = StrategicAssessment.load(
        area="Synthchester", period="2022/23", store=str(store), allow_incomplete=True
    )
    assert allowed.figures["coverage"]["year_complete"] is False
    assert "NOT complete" in str(allowed.data_quality())
    assert allowed.figures["plan"] is None  # no plan file given: the section says so
    assert "No plan register" in str(allowed.plan_priorities())


@pytest.mark.parametrize("name", ["strategic_assessment.ipynb", "explore.ipynb"])
def test_notebooks_are_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    # Thin: every code cell after the parameters is a few lines.
    assert all(len(c.source.splitlines()) <= 12 for c in code)
