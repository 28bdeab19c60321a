"""Report notebooks executed on the sample data (and real data): figures, HTML, batch."""

from __future__ import annotations

import itertools
import json
import re
import shutil

import pandas as pd
import pytest

from csplib.errors import CspError, ParameterError
from csplib.periods import parse_period
from csplib.report.briefing import QuarterlyBriefing, load_data
from csplib.report.params import ReportParams, load_params
from csplib.report.run import run_batch, run_report
from csplib.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def briefing(sample_store, tmp_path_factory):
    store, manifest = sample_store
    out = tmp_path_factory.mktemp("reports")
    params = ReportParams(
        area=manifest["main_partnership"],
        period=manifest["latest_complete_quarter"],
        store=str(store),
        peer_group="synthchester-msg",
    )
    result = run_report(params, out)
    return params, result


def test_briefing_writes_html_notebook_and_figures(briefing):
    _params, result = briefing
    assert result.status == "ok"
    for name in ("report.html", "report.ipynb", "figures.json"):
        assert (result.out_dir / name).exists()
    assert result.out_dir.name == "synthchester" and result.out_dir.parent.name == "2024-25-q2"


def test_figures_json_equals_a_direct_computation_on_the_same_store(briefing):
    params, result = briefing
    saved = json.loads((result.out_dir / "figures.json").read_text())
    direct = QuarterlyBriefing(load_data(params), threshold=params.threshold)
    # figures.json takes the report's one disclosure policy, as its tables do.
    assert saved == json.loads(json.dumps(direct.shared()))
    assert saved["suppression"]["rule"].startswith("Counts of 1 to 4")
    # And the headline counts, recounted with plain pandas from the store.
    crimes = Store(params.store_path()).crimes(["month", "csp_name", "is_asb"])
    area = crimes[crimes["csp_name"] == params.area]
    period = parse_period(params.period)
    cur = area["month"].isin(period.months)
    prev = area["month"].isin(period.same_period_last_year().months)
    assert saved["total_crime"]["current"] == int((cur & ~area["is_asb"]).sum())
    assert saved["total_crime"]["previous"] == int((prev & ~area["is_asb"]).sum())
    assert saved["asb"]["current"] == int((cur & area["is_asb"]).sum())
    assert saved["months_used"] == ["2024-07", "2024-08", "2024-09"]
    assert saved["synthetic"] is True


def test_executed_notebook_has_no_errors_or_stderr(briefing):
    import nbformat

    _, result = briefing
    nb = nbformat.read(result.out_dir / "report.ipynb", as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error"
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), out


def test_html_is_self_contained_and_accessible(briefing):
    _, result = briefing
    html = (result.out_dir / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "http://" not in html and "https://" not in html
    assert html.count("<h1") == 1
    levels = [int(x) for x in re.findall(r"<h([1-6])", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))
    imgs = re.findall(r"<img [^>]*>", html)
    assert imgs and all(re.search(r'alt="[^"]{20,}"', i) for i in imgs)
    assert html.count("<table") == html.count("<caption>") > 0
    assert "SYNTHETIC DATA" in html
    assert "@media print" in html
    assert "Open Government Licence v3.0" in html
    for bad in ("Traceback", "Warning:", "PapermillExecutionError", "<script"):
        assert bad not in html


def test_rerun_skips_an_up_to_date_report_unless_forced(briefing, tmp_path):
    params, result = briefing
    out_root = result.out_dir.parent.parent
    again = run_report(params, out_root)
    assert again.status == "skipped"


def test_browser_opens_the_report_offline_without_errors(briefing, tmp_path):
    from browser import find_browser, open_report

    browser = find_browser()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    _, result = briefing
    shot = tmp_path / "briefing.png"
    page = open_report(result.out_dir / "report.html", shot, browser)
    assert page["console_errors"] == []
    assert page["images"] and all(i["ok"] for i in page["images"])
    assert page["h1"] == 1 and page["scripts"] == 0
    assert page["tables"] == page["captions"]
    assert shot.stat().st_size > 10_000


def test_unknown_area_and_uncovered_quarter_fail_before_any_notebook(sample_store, tmp_path):
    store, _ = sample_store
    with pytest.raises(ParameterError, match="did you mean 'Synthchester'"):
        run_report(
            ReportParams(area="Synthchestr", period="2024/25 Q2", store=str(store)), tmp_path
        )
    with pytest.raises(CspError, match="2022-12 incomplete"):
        run_report(
            ReportParams(area="Synthchester", period="2023/24 Q3", store=str(store)), tmp_path
        )
    assert not any(tmp_path.rglob("report.html"))


def test_parameter_files_are_validated_with_clear_errors(tmp_path):
    cases = {
        "unknown.yaml": ("area: A\nperiod: 2024/25 Q2\ncolour: red\n", "unknown key 'colour'"),
        "type.yaml": ("area: A\nperiod: 2024/25 Q2\nthreshold: many\n", "'threshold'"),
        "period.yaml": ("area: A\nperiod: 2024/25 Q7\n", "Q7"),
        "code.yaml": (
            "area: !!python/object/apply:os.system ['echo hi']\nperiod: 2024/25 Q2\n",
            "YAML",
        ),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(ParameterError, match=re.escape(message)) as info:
            load_params(path)
        assert name in str(info.value)


def test_path_values_cannot_leave_reports(tmp_path):
    params = ReportParams(area="../../../etc/passwd", period="2024/25 Q2")
    out = params.out_dir(tmp_path)
    assert out.is_relative_to(tmp_path.resolve())
    assert ".." not in out.relative_to(tmp_path.resolve()).parts


def test_batch_builds_every_good_report_and_fails_the_broken_one(sample_store, tmp_path):
    store, _ = sample_store
    folder = tmp_path / "params"
    folder.mkdir()
    for area in ("Synthchester", "Northvale"):
        (folder / f"{area}.yaml").write_text(f"area: {area}\nperiod: 2024/25 Q2\nstore: {store}\n")
    (folder / "broken.yaml").write_text(f"area: Nowhere\nperiod: 2024/25 Q2\nstore: {store}\n")
    results = run_batch([folder], tmp_path / "out", progress=False)
    status = {r.name.rsplit("/", 1)[-1]: r.status for r in results}
    assert status == {"Synthchester.yaml": "ok", "Northvale.yaml": "ok", "broken.yaml": "failed"}
    failed = next(r for r in results if r.status == "failed")
    assert "Nowhere" in failed.reason
    assert len(list((tmp_path / "out").rglob("report.html"))) == 2


def test_cli_batch_exits_non_zero_when_a_report_fails(sample_store, tmp_path, capsys):
    from csplib.cli import main

    store, _ = sample_store
    good = tmp_path / "good.yaml"
    good.write_text(f"area: Dunmarsh\nperiod: 2024/25 Q2\nstore: {store}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("area: Dunmarsh\nperiod: 2024/25 Q9\n")
    rc = main(["batch", str(good), str(bad), "--out", str(tmp_path / "out"), "--workers", "1"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "1 built, 0 up to date, 1 failed" in out


@pytest.mark.realdata
def test_city_of_london_briefing_from_real_data(realdata, tmp_path):
    from csplib.ingest import ingest

    store = tmp_path / "store"
    ingest([realdata / "police_uk" / "city_of_london_street_2018-04_to_2020-11"], store)
    params = ReportParams(area="City of London", period="2019/20 Q1", store=str(store))
    result = run_report(params, tmp_path / "reports")
    figures = json.loads((result.out_dir / "figures.json").read_text())
    assert figures["total_crime"]["current"] == 2210
    assert figures["total_crime"]["previous"] == 1668
    # 542 / 1,668 = 32.494%: stored as displayed, one decimal, half away from zero.
    assert figures["total_crime"]["pct_change"] == 32.5
    assert figures["synthetic"] is False
    html = (result.out_dir / "report.html").read_text()
    assert "2,210" in html and "1,668" in html and "SYNTHETIC" not in html
    # History from the store's first month (April 2018), limits from the months before
    # the quarter; no lookup in this store, so no county comparison.
    assert "April 2018 to June 2019" in html
    assert "No ONS lookup in the store" in html
    shutil.rmtree(tmp_path / "reports")


def test_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(CspError, match="holds no crimes data"):
        run_report(
            ReportParams(area="X", period="2024/25 Q2", store=str(tmp_path / "none")), tmp_path
        )


def test_groups_table_and_figures_json_take_the_same_policy(sample_store):
    """A partnership's offence-group counts are published by ONS and the Home Office, so
    the disclosure policy shows them in full: the table prints exactly what figures.json
    holds for every group."""
    store, _ = sample_store
    params = ReportParams(area="Fallowdown", period="2024/25 Q2", store=str(store))
    b = QuarterlyBriefing(load_data(params), threshold=5)
    assert not b.policy.applies("csp", "offence_group") and b.policy.applies("csp", "asb")
    shared = pd.DataFrame(b.shared()["by_group"])
    html = str(b.groups())
    for n in list(shared["current"]) + list(shared["previous"]):
        assert f">{n:,}<" in html


def test_a_partnership_whose_force_is_not_loaded_is_refused(sample_store, tmp_path):
    """The ONS lookup knows every partnership; only those whose force has data can report."""
    from csplib.areas import list_areas
    from csplib.ingest import ingest

    store, _ = sample_store
    extra = tmp_path / "lookup.csv"
    extra.write_text(
        "LAD23CD,LAD23NM,CSP23CD,CSP23NM,PFA23CD,PFA23NM\n"
        "X07000099,Farshire,X22000099,Farshire,X23000099,Farshire Police Area\n"
    )
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    ingest([extra], copy)
    with pytest.raises(ParameterError, match="no police data for Farshire Police Area"):
        run_report(ReportParams(area="Farshire", period="2024/25 Q2", store=str(copy)), tmp_path)
    st = Store(copy)
    areas = list_areas(st.read("geography_lad"), st.forces())
    assert "Farshire" not in set(areas["area"]) and "Synthchester" in set(areas["area"])
