"""The explorer: its parameters, views and exports on the sample store, the notebook
headless (papermill), and the notebook in a real JupyterLab in headless Chromium."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from html import unescape as html_unescape
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from browser import FLAGS, _Session, find_browser, launch

from csplib import paths
from csplib.errors import ParameterError
from csplib.report import lab
from csplib.report.explore import (
    ASB_LABEL,
    GROUP_PREFIX,
    PREVIOUS_PERIOD,
    SAME_PERIOD,
    TYPE_PREFIX,
    VIEWS,
    Explorer,
    MonthSpan,
    Selection,
    agree,
    match_option,
    measure_options,
    start,
)
from csplib.store import Store


@pytest.fixture(scope="module")
def explorer(sample_store) -> Explorer:
    store, _ = sample_store
    return Explorer.load(store=store)


# ---- parameters ----------------------------------------------------------------------


def test_a_parameter_is_matched_ignoring_case_where_unambiguous():
    assert match_option("area", "synthchester", ["Northvale", "Synthchester"]) == "Synthchester"
    assert match_option("area", "  NORTHVALE ", ["Northvale", "Synthchester"]) == "Northvale"
    measures = measure_options()
    assert match_option("measure", "Burglary", measures) == TYPE_PREFIX + "Burglary"
    assert match_option("measure", "theft offences", measures) == GROUP_PREFIX + "Theft offences"
    # A (label, value) option matches by its label too.
    assert match_option("period", "2022/23 q3 (incomplete data)",
                        [("2022/23 Q3 (incomplete data)", "2022/23 Q3")]) == "2022/23 Q3"  # fmt: skip


def test_a_parameter_that_is_no_option_is_a_one_line_error_naming_the_valid_values():
    with pytest.raises(ParameterError) as err:
        match_option("area", "Nowhereton", ["Northvale", "Synthchester"])
    text = str(err.value)
    assert "area 'Nowhereton'" in text and "Northvale, Synthchester" in text
    assert "\n" not in err.value.message
    with pytest.raises(ParameterError, match="more than one option: A b, a B"):
        match_option("x", "a b", ["A b", "a B"])


def test_mistyped_parameters_in_the_explorer(explorer, sample_store):
    store, manifest = sample_store
    sel = explorer.check(Selection("synthchester", "2024/25 q2", "burglary"))
    assert (sel.area, sel.period, sel.measure) == ("Synthchester", "2024/25 Q2",
                                                    TYPE_PREFIX + "Burglary")  # fmt: skip
    last = manifest["latest_complete_quarter"]
    with pytest.raises(ParameterError, match="period '2031/32 Q3' is not in the data") as err:
        explorer.check(Selection("Synthchester", "2031/32 Q3"))
    assert last in str(err.value)
    # The notebook's entry point shows the message, not a traceback.
    shown = str(start(store=store, area="Synthchester", period="2031/32 Q3"))
    assert "2031/32 Q3" in shown and "is not in the data for Synthchester" in shown
    assert "callout warning" in shown and "Traceback" not in shown


# ---- options -------------------------------------------------------------------------


def test_measures_have_no_duplicates():
    options = measure_options()
    names = [o.removeprefix(GROUP_PREFIX).removeprefix(TYPE_PREFIX) for o in options]
    assert len(names) == len(set(names))
    # Theft offences holds six crime types; Robbery is one group of one type: once.
    assert GROUP_PREFIX + "Theft offences" in options
    assert GROUP_PREFIX + "Robbery" not in options and TYPE_PREFIX + "Robbery" in options
    # 1 all crime + 1 ASB + 1 group of several types + 13 crime types
    assert len(options) == 16


def test_plural_measures_take_a_plural_verb():
    assert agree("Theft offences was 10 against 9", "Theft offences").startswith(
        "Theft offences were 10"
    )
    assert agree("Robbery was 10 against 9", "Robbery") == "Robbery was 10 against 9"


def test_period_lists_mark_every_period_whose_change_cannot_be_stated(explorer, sample_store):
    _, manifest = sample_store
    options = dict(explorer.period_options("Synthchester"))
    # The sample's gap is December 2022: the quarter holding it, and the quarter a year
    # later whose comparison holds it.
    assert options["2022/23 Q3 (incomplete data)"] == "2022/23 Q3"
    assert options["2023/24 Q3 (comparison incomplete)"] == "2023/24 Q3"
    # The store begins in April 2021: 2021/22 has nothing a year earlier to compare with.
    assert options["2021/22 Q1 (no earlier data to compare)"] == "2021/22 Q1"
    assert options["2022/23 Q1"] == "2022/23 Q1"
    assert explorer.default_period("Synthchester") == manifest["latest_complete_quarter"]
    months = dict(explorer.period_options("Synthchester", "month"))
    assert months["Dec 2022 (incomplete data)"] == "2022-12"
    years = [v for _, v in explorer.period_options("Synthchester", "fyear")]
    assert "2023/24" in years


def test_same_period_last_year_counts_recount(explorer, sample_store):
    store, _ = sample_store
    crimes = Store(store).crimes(["month", "csp_name", "crime_type", "is_asb"])
    mine = crimes[(crimes["csp_name"] == "Synthchester") & (crimes["crime_type"] == "Shoplifting")]
    f = explorer.figures(Selection("Synthchester", "2024/25 Q2", TYPE_PREFIX + "Shoplifting"))
    assert f["current"] == int(mine["month"].isin(["2024-07", "2024-08", "2024-09"]).sum())
    assert f["previous"] == int(mine["month"].isin(["2023-07", "2023-08", "2023-09"]).sum())
    assert f["other_period"] == "2023/24 Q2"
    # A custom run of months against the same run a year before.
    f = explorer.figures(Selection("Synthchester", "2024-01 to 2024-05",
                                   TYPE_PREFIX + "Shoplifting"))  # fmt: skip
    want = [f"2024-0{m}" for m in range(1, 6)]
    assert f["current"] == int(mine["month"].isin(want).sum())
    assert f["previous"] == int(mine["month"].isin([m.replace("2024", "2023") for m in want]).sum())
    prev = explorer.figures(Selection("Synthchester", "2024/25 Q2", ASB_LABEL, PREVIOUS_PERIOD))
    assert prev["other_period"] == "2024/25 Q1"


def _crime_counts(store, area: str, months: list[str]) -> dict[str, int]:
    """Crimes (not ASB) by offence group in ``months``, recounted with plain pandas."""
    crimes = Store(store).crimes(["month", "csp_name", "offence_group", "is_asb"])
    mine = crimes[(crimes["csp_name"] == area) & ~crimes["is_asb"].astype(bool)
                  & crimes["month"].isin(months)]  # fmt: skip
    return mine.groupby("offence_group").size().astype(int).to_dict()


def test_outcomes_view_counts_every_crime_of_the_period(explorer, sample_store):
    store, _ = sample_store
    q = explorer.view(Selection("Synthchester", "2023/24 Q1", view="Outcomes"))
    table = q.table.set_index("Offence group")
    assert set(table["Crimes of"]) == {"2023/24 Q1", "2022/23 Q1", "Synthshire (synthetic)"}
    area = table[table["Crimes of"] == "2023/24 Q1"].drop(columns="Crimes of")
    # Each offence group's crimes are its crimes in April to June 2023, and all crimes
    # their total; where no outcome count is hidden, the outcomes add up to them.
    want = _crime_counts(store, "Synthchester", ["2023-04", "2023-05", "2023-06"])
    got = area["Crimes"].astype(int).to_dict()
    assert got.pop("All crimes") == sum(want.values()) and got == want
    whole = area.drop(columns="Crimes").map(lambda v: isinstance(v, int)).all(axis=1)
    assert whole.sum() >= 5  # most groups show every count
    for group in area.index[whole]:
        assert int(area.loc[group].drop("Crimes").sum()) == int(area.loc[group, "Crimes"])
    html = html_unescape(str(q.html))
    assert "at the same age" in html and "Too recent to compare" not in html
    # The newest month has not reached 6 months in the outcomes loaded: said so.
    late = html_unescape(str(explorer.dashboard("Synthchester", "2024-09", view="Outcomes")))
    assert "Too recent to compare: not every crime of Sep 2024 has reached 6 months" in late


def test_stop_and_search_view_adds_up_across_the_year(explorer):
    def total(period: str) -> tuple[int, str]:
        html = html_unescape(str(explorer.dashboard("Synthchester", period,
                                                    view="Stop and search")))  # fmt: skip
        found = re.search(rf"([\d,]+) searches in {re.escape(period)}:", html)
        assert found, period
        return int(found[1].replace(",", "")), html

    # The four quarters' searches add up to the year's: each period is placed and counted
    # the same way, whatever the period.
    year, html = total("2023/24")
    assert sum(total(f"2023/24 Q{q}")[0] for q in range(1, 5)) == year
    assert "Search rates by ethnic group" in html and "Times the White rate" in html


def test_outcomes_looked_up_once_or_per_period_give_the_same_figures(sample_store):
    # The explorer looks up each crime's outcome at age once, in the background, after
    # its first draw; until then (and in the assessment) each period has its own look-up.
    # Both ways count every scope's outcomes alike.
    from csplib.report.explore import analyses
    from csplib.report.sections import outcomes

    store, _ = sample_store
    ex = Explorer.load(store=store)
    a = ex._area("Synthchester")
    plain = analyses._read_inputs(ex, a, "2024-09")
    once = analyses._at_age(plain)
    assert not analyses._has_at_age(plain) and analyses._has_at_age(once)
    for period in ("2023/24", "2023/24 Q3", "2024-03"):
        sel = Selection("Synthchester", period, view="Outcomes")
        p = sel.parsed()
        built = [
            outcomes.build_year(analyses.SectionContext(
                analyses.SectionData(a, ex.lad, analyses._for_period(i, p)), 5, p))
            for i in (plain, once)
        ]  # fmt: skip
        assert built[0].counts == built[1].counts and built[0].totals == built[1].totals
        assert sum(built[0].totals["period"].values()) > 0, period
    # Through the explorer: the first draw reads the inputs itself; after the background
    # look-up a new period draws from it, with the figures of a fresh explorer's.
    first = ex.view(Selection("Synthchester", "2023/24 Q1", view="Outcomes")).table
    pending = ex._analyses_cache[analyses._key(a)]
    assert isinstance(pending, analyses._Pending)
    pending.later.result()
    later = ex.view(Selection("Synthchester", "2023/24 Q2", view="Outcomes")).table
    assert analyses._has_at_age(ex._analyses_cache[analyses._key(a)])
    fresh = Explorer.load(store=store)
    again = fresh.view(Selection("Synthchester", "2023/24 Q1", view="Outcomes")).table
    pd.testing.assert_frame_equal(first, again)
    assert not later.equals(first) and len(later) == len(first)


def test_a_background_read_that_failed_raises_in_the_view(sample_store, monkeypatch):
    from csplib.errors import CspError
    from csplib.report.explore import analyses

    store, _ = sample_store
    ex = Explorer.load(store=store)

    def broken(*args, **kwargs):
        raise CspError("outcomes file unreadable", fix="ingest it again")

    monkeypatch.setattr(analyses, "load_analyses_inputs", broken)
    ex.view(Selection("Synthchester", "2024/25 Q2"))  # starts the background read
    with pytest.raises(CspError, match="outcomes file unreadable"):
        ex.view(Selection("Synthchester", "2024/25 Q2", view="Outcomes"))
    monkeypatch.undo()  # the next view reads again
    html = str(ex.dashboard("Synthchester", "2024/25 Q2", view="Outcomes"))
    assert "at the same age" in html_unescape(html)


def test_a_failed_look_up_leaves_the_inputs_as_read(sample_store, monkeypatch):
    # The look-up once is only a shortcut: if it fails, the inputs read still serve
    # (each period with its own look-up), and it is not tried after every view.
    from dataclasses import replace

    from csplib.indicators import outcomes as oc
    from csplib.report.explore import analyses

    store, _ = sample_store
    ex = Explorer.load(store=store)
    key = analyses._key(ex._area("Northvale"))

    def broken(*args, **kwargs):
        raise MemoryError("no room for the look-up")

    monkeypatch.setattr(oc, "with_outcome_at_age", broken)
    ex.view(Selection("Northvale", "2023/24", view="Outcomes"))  # reads; then the look-up
    pending = ex._analyses_cache[key]
    assert isinstance(pending, analyses._Pending)
    assert isinstance(pending.later.exception(), MemoryError)
    drawn = ex.view(Selection("Northvale", "2022/23", view="Outcomes")).table
    ex.view(Selection("Northvale", "2022/23"))
    held = ex._analyses_cache[key]
    assert isinstance(held, analyses.AnalysesInputs) and not analyses._has_at_age(held)
    fresh = Explorer.load(store=store)
    want = fresh.view(Selection("Northvale", "2022/23", view="Outcomes")).table
    pd.testing.assert_frame_equal(drawn, want)
    # Inputs without outcomes files: nothing to look up, nothing sent to the worker.
    ex._analyses_cache.clear()
    ex._analyses_cache[key] = replace(held, outcomes=None)
    analyses.prefetch(ex, "Northvale")
    assert isinstance(ex._analyses_cache[key], analyses.AnalysesInputs)


def test_analyses_views_without_a_store_say_so(explorer):
    import copy

    bare = copy.copy(explorer)
    bare.store = None
    for view in ("Outcomes", "Stop and search"):
        html = str(bare.dashboard("Synthchester", "2024/25 Q2", view=view))
        assert "open the explorer on a store" in html


def test_map_outlines_the_places_views_top_neighbourhoods(explorer):
    sel = Selection("Synthchester", "2024/25 Q2", view="Map")
    chart = explorer.view(sel).chart()
    places = explorer.view(Selection("Synthchester", "2024/25 Q2", view="Places")).table
    outlined = set(chart.data.loc[chart.data["highlighted"], "code"])
    assert outlined == set(places["LSOA code"]) and len(outlined) == 10
    assert chart.alt.endswith(
        "Outlined: the 10 neighbourhoods with most crimes, as the table lists."
    )
    # The rate map beside it: crimes / residents x 1,000 for each LSOA with 5 crimes or
    # more, worked out here from the view's own count table and the store's populations.
    rate_sel = Selection("Synthchester", "2024/25 Q2", view="Rate map")
    table = explorer.view(rate_sel).table.set_index("LSOA code")
    pop = explorer.lsoa_population
    pop = pop[pop["year"] == 2024].drop_duplicates("area_code").set_index("area_code")
    count = table["Count"].map(lambda c: int(str(c).replace(",", ""))
                               if str(c).replace(",", "").isdigit() else 0)  # fmt: skip
    shown = table[count >= 5]
    assert len(shown) > 10
    for code, row in shown.head(20).iterrows():
        want = count[code] / pop.loc[code, "population"] * 1000
        assert row["Per 1,000 residents"] == f"{want:,.1f}", code
    small = table[~table.index.isin(shown.index)]
    assert (small["Per 1,000 residents"] == "[c]").all()
    html = html_unescape(str(explorer.view(rate_sel).html))
    assert "shaded by crimes per 1,000 residents" in html and "not shaded, so no small" in html
    rate_chart = explorer.view(rate_sel).chart()
    assert set(rate_chart.data.loc[rate_chart.data["highlighted"], "code"]) == outlined


def test_asb_places_and_map_count_asb_incidents(explorer, sample_store):
    # The ASB measure's places and map count ASB incidents, as a plain recount of the
    # store's ASB rows in Synthchester's neighbourhoods for July to September 2024 does.
    store, _ = sample_store
    rows = Store(store).crimes(["month", "csp_name", "lsoa_code", "is_asb"])
    mine = rows[(rows["csp_name"] == "Synthchester") & rows["is_asb"].astype(bool)
                & rows["month"].isin(["2024-07", "2024-08", "2024-09"])]  # fmt: skip
    want = mine.groupby("lsoa_code").size()
    sel = Selection("Synthchester", "2024/25 Q2", ASB_LABEL, view="Places")
    top = explorer.view(sel).table.set_index("LSOA code")["Count"]
    assert len(top) == 10
    assert sorted(want.to_numpy(), reverse=True)[:10] == [int(c) for c in top]
    for code, count in top.items():
        assert want[code] == int(count), code
    shown = explorer.view(Selection("Synthchester", "2024/25 Q2", ASB_LABEL, view="Map"))
    counts = shown.table.set_index("LSOA code")["Count"]
    big = counts[counts != "<5"].map(lambda c: int(str(c).replace(",", "")))
    assert len(big) > 10 and all(want.get(code, 0) == n for code, n in big.items())
    html = html_unescape(str(shown.html))
    assert "ASB incidents by neighbourhood (LSOA), Synthchester, 2024/25 Q2." in html
    assert "with most ASB incidents, as the table lists" in html


def test_month_span_lengths():
    span = MonthSpan("2024-01", "2024-03")
    assert span.days == 31 + 29 + 31  # 2024 is a leap year
    assert span.previous().label == "October 2023 to December 2023"
    assert span.same_period_last_year().months == ["2023-01", "2023-02", "2023-03"]


def test_no_change_is_stated_against_a_gap_or_before_the_data(explorer):
    f = explorer.figures(Selection("Synthchester", "2023/24 Q3"))
    assert "No change is stated" in f["headline"]
    html = str(explorer.dashboard("Synthchester", "2023/24 Q3"))
    assert "Data gap: Dec 2022" in html and 'class="callout warning"' in html
    assert "Change %" not in html  # no change column across the gap
    early = explorer.figures(Selection("Synthchester", "2021/22 Q2"))
    assert "the store begins in April 2021" in early["headline"]
    assert early["monthly"]["month"].iloc[0] == "2021-04"  # no month before the store
    assert early["monthly"]["count"].notna().all() or early["monthly"]["month"].min() >= "2021-04"


def test_every_view_renders(explorer):
    for view in VIEWS:
        html = str(explorer.dashboard("Synthchester", "2024/25 Q2", view=view))
        assert "SYNTHETIC DATA" in html and "Open Government Licence" in html, view
        assert "<h2>" in html
    peers = str(explorer.dashboard("Synthchester", "2024/25 Q2", view="Peers"))
    peers = html_unescape(peers)
    group = "Synthchester's most similar partnerships"  # the file's name for it
    assert group in peers and "synthchester-msg" not in peers
    # The sentence follows the table's verdict (worked out here from the table).
    from csplib.indicators.peers import ABOVE, BELOW
    from csplib.report.data import peer_table

    sel = Selection("Synthchester", "2024/25 Q2", view="Peers")
    ctx = explorer._context(sel)
    members = explorer.peer_group(ctx.data.area)[2]
    verdict = peer_table(ctx.data, members, ctx.period).set_index("area").loc["Synthchester",
                                                                              "verdict_95"]  # fmt: skip
    want = {ABOVE: "higher than", BELOW: "lower than"}.get(verdict, "not clearly different from")
    assert f"{want} {group} as a whole" in peers
    gap = str(explorer.dashboard("Synthchester", "2022/23 Q3", view="Peers"))
    assert "no position against the group is stated" in gap and "as a whole" not in gap
    county = str(explorer.dashboard("Synthchester", "2024/25 Q2", view="County"))
    assert "Synthchester (selected)" in county and "Northvale" in county
    places = str(explorer.dashboard("Synthchester", "2024/25 Q2", view="Places"))
    assert "LSOA code" in places and "Per 1,000 residents" in places
    assert "<img" in str(explorer.dashboard("Synthchester", "2024/25 Q2", view="Map"))
    theft = str(explorer.dashboard("Synthchester", "2024/25 Q2", "theft offences"))
    assert "Theft offences was" not in theft


def test_the_briefing_command_matches_the_selection(explorer):
    sel = Selection("Synthchester", "2024/25 Q2")
    assert explorer.briefing_command(sel) == (
        'csp briefing --area "Synthchester" --quarter "2024/25 Q2" --peer-group synthchester-msg'
    )
    assert explorer.briefing_command(Selection("Synthchester", "2023/24")) == (
        'csp assessment --area "Synthchester" --year "2023/24"'
    )
    # August 2024 lies in 2024/25 Q2 (July-September).
    assert '--quarter "2024/25 Q2"' in explorer.briefing_command(Selection("Synthchester",
                                                                           "2024-08"))  # fmt: skip


# ---- exports -------------------------------------------------------------------------


def test_export_writes_suppressed_formula_safe_tables_and_a_labelled_chart(explorer, tmp_path):
    # Robbery by LSOA has many counts of 1-4: they must leave suppressed.
    sel = Selection("Synthchester", "2024/25 Q2", "Robbery")
    written = explorer.export(sel, tmp_path)
    assert set(written) == {"csv", "xlsx", "png", "command"}
    csv = pd.read_csv(written["csv"], dtype=str, keep_default_na=False)
    cur = csv["2024/25 Q2"]
    assert (cur == "<5").any()
    assert not cur.isin(["1", "2", "3", "4"]).any()
    xl = pd.read_excel(written["xlsx"], sheet_name=None, dtype=str)
    assert list(xl["Table"]["2024/25 Q2"].fillna("")) == list(cur)
    assert any("Open Government Licence" in v for v in xl["About"].iloc[:, 0])
    assert written["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "csp briefing" in written["command"].read_text()


def test_exported_text_cannot_start_a_formula(explorer, tmp_path, monkeypatch):
    from csplib.report import explore

    evil = '=HYPERLINK("http://evil.example/a","x")'
    real = explore.Explorer._overview

    def poisoned(self, sel):
        result = real(self, sel)
        result.table.iloc[0, 0] = evil
        return result

    monkeypatch.setattr(explore.Explorer, "_overview", poisoned)
    written = explorer.export(Selection("Synthchester", "2024/25 Q2"), tmp_path)
    text = written["csv"].read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "\r\n=HYPERLINK" not in text
    cell = pd.read_excel(written["xlsx"], sheet_name="Table", dtype=str).iloc[0, 0]
    assert cell.startswith("'=")


# ---- widgets -------------------------------------------------------------------------


def _shown(controls) -> str:
    return controls.output.outputs[0]["data"]["text/html"]


def test_the_callbacks_redraw_the_view(explorer):
    c = explorer.controls(area="synthchester")
    assert "All crime: Synthchester" in _shown(c)
    c.measure.value = GROUP_PREFIX + "Theft offences"
    assert "Theft offences: Synthchester" in _shown(c)
    c.view.value = "Peers"
    assert "Peers: Synthchester" in _shown(c)
    c.area.value = "Northvale"
    assert len(c.output.outputs) == 1 and "Peers: Northvale" in _shown(c)
    assert c.period.value == "2024/25 Q2"  # kept: Northvale has the same quarters
    c.view.value = "Overview"
    c.kind.value = "fyear"
    assert c.period.value == "2023/24" and "2023/24" in _shown(c)
    c.kind.value = "custom"
    c.start.value, c.end.value = "2024-01", "2024-03"
    assert "January 2024 to March 2024" in _shown(c)
    c.comparison.value = PREVIOUS_PERIOD
    assert "October 2023 to December 2023" in _shown(c)
    c.comparison.value = SAME_PERIOD


@pytest.mark.slow
def test_notebook_executes_headless_and_renders_the_initial_state(sample_store, tmp_path):
    import papermill as pm

    store, _ = sample_store
    out = tmp_path / "explore.ipynb"
    pm.execute_notebook(
        str(paths.NOTEBOOKS / "explore.ipynb"), str(out), parameters={"store": str(store)},
        kernel_name="python3", cwd=str(paths.ROOT), progress_bar=False, log_output=False,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )  # fmt: skip
    nb = nbformat.read(out, as_version=4)
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o["output_type"] != "error", o
            assert not (o["output_type"] == "stream" and o["name"] == "stderr"), o
    shown = [o for c in nb.cells for o in c.get("outputs", [])]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in shown)
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    outputs = [m["state"]["outputs"] for m in state.values()
               if m["model_name"] == "OutputModel" and m["state"]["outputs"]]  # fmt: skip
    html = outputs[0][0]["data"]["text/html"]
    assert "All crime: Synthchester, 2024/25 Q2" in html
    assert "<table>" in html and "<caption>" in html and 'alt="' in html


# ---- make lab --------------------------------------------------------------------------


def test_make_lab_opens_a_copy_at_the_project_root_with_no_network(tmp_path):
    (tmp_path / "notebooks").mkdir()
    shutil.copyfile(paths.NOTEBOOKS / "explore.ipynb", tmp_path / "notebooks" / "explore.ipynb")
    copy, notes = lab.prepare(root=tmp_path, prefix=tmp_path / "env")
    assert copy == tmp_path / "work" / "explore.ipynb" and copy.exists()
    assert notes and "work/explore.ipynb" in notes[0]
    copy.write_text("mine", encoding="utf-8")
    assert lab.prepare(root=tmp_path, prefix=tmp_path / "env")[1] == []  # the copy is kept
    assert copy.read_text(encoding="utf-8") == "mine"
    settings = json.loads((tmp_path / "env/share/jupyter/lab/settings/overrides.json").read_text())
    note = settings["@jupyterlab/apputils-extension:notification"]
    assert note == {"fetchNews": "false", "checkForUpdates": False}
    argv, notes = lab.lab_argv(tmp_path, is_root=True)
    assert "--allow-root" in argv and "root" in notes[0]
    assert f"--ServerApp.root_dir={tmp_path}" in argv and argv[-1] == "work/explore.ipynb"
    assert "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate" in argv
    assert "--LabApp.news_url=None" in argv
    argv, notes = lab.lab_argv(tmp_path, is_root=False)
    assert "--allow-root" not in argv and notes == []
    assert "work/" in (paths.ROOT / ".gitignore").read_text().splitlines()


# ---- the notebook in a real JupyterLab ------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: NB(): the notebook panel, activated (a headless window has no focus, so Lab's
#: "current widget" stays empty until one is activated).
NB_JS = """window.NB = () => {
  const panel = Array.from(jupyterapp.shell.widgets('main')).find(w => w.sessionContext);
  if (panel && jupyterapp.shell.currentWidget !== panel) jupyterapp.shell.activateById(panel.id);
  return panel;
}"""


class _Lab:
    """A JupyterLab page driven over the DevTools protocol."""

    def __init__(self, session: _Session) -> None:
        self.s = session

    def js(self, expression: str, timeout: float = 60):
        result = self.s.send("Runtime.evaluate", expression=expression, awaitPromise=True,
                             returnByValue=True, timeout=int(timeout * 1000))  # fmt: skip
        if "exceptionDetails" in result:
            raise AssertionError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait(self, condition: str, timeout: float = 90, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.js(
                f"(() => {{ try {{ return !!({condition}); }} catch (e) {{ return false; }} }})()"
            ):
                return
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting for {what or condition}: " + self.text()[-1500:])

    def text(self) -> str:
        return self.js("document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)')"
                       "?.innerText || document.body.innerText") or ""  # fmt: skip

    def output_text(self) -> str:
        return self.js("Array.from(document.querySelectorAll('.csp-explore'))"
                       ".map(e => e.innerText).join('\\n')") or ""  # fmt: skip

    def run_all(self) -> None:
        self.js("NB(); window.jupyterapp.commands.execute('notebook:run-all-cells')")

    def select(self, label: str, option: str) -> None:
        """Pick ``option`` in the dropdown described ``label``, as a user would."""
        done = self.js(f"""(() => {{
          for (const w of document.querySelectorAll('.widget-dropdown')) {{
            const l = w.querySelector('label');
            if (!l || l.innerText.trim() !== {json.dumps(label)}) continue;
            const s = w.querySelector('select');
            const i = Array.from(s.options).findIndex(o => o.text.replace(/\u00a0/g, " ") === {json.dumps(option)});
            if (i < 0) return 'no option ' + {json.dumps(option)};
            s.selectedIndex = i; s.dispatchEvent(new Event('change', {{bubbles: true}}));
            return 'ok';
          }}
          return 'no dropdown ' + {json.dumps(label)};
        }})()""")
        assert done == "ok", done

    def retry(self, action, *args) -> None:
        """``action(*args)`` once the kernel has updated the option lists (a change
        reaches the page after a round trip)."""
        deadline = time.monotonic() + 60
        while True:
            try:
                return action(*args)
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def select_nth(self, index: int, option: str) -> None:
        """Pick ``option`` in the ``index``-th dropdown (the period list has no label: area,
        measure, compare with, period kind, then it)."""
        done = self.js(f"""(() => {{
          const s = Array.from(document.querySelectorAll('.widget-dropdown select'))[{index}];
          const i = Array.from(s.options).findIndex(o => o.text.replace(/\u00a0/g, " ") === {json.dumps(option)});
          if (i < 0) return 'no option';
          s.selectedIndex = i; s.dispatchEvent(new Event('change', {{bubbles: true}}));
          return 'ok';
        }})()""")
        assert done == "ok", done

    def click(self, text: str) -> None:
        done = self.js(f"""(() => {{
          const b = Array.from(document.querySelectorAll('button'))
            .find(b => b.innerText.trim() === {json.dumps(text)});
          if (!b) return 'no button';
          b.click(); return 'ok';
        }})()""")
        assert done == "ok", done


def _start_lab(root: Path, port: int) -> subprocess.Popen:
    argv, _ = lab.lab_argv(root)
    argv = [
        *argv[:-1],
        "--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
        "--IdentityProvider.token=csp-test", "--LabApp.expose_app_in_browser=True",
        "--ServerApp.port_retries=0", f"--ServerApp.preferred_dir={root}",
    ]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=root)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api?token=csp-test",
                                        timeout=5):  # fmt: skip
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("jupyter lab stopped at start") from None
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("jupyter lab did not start")


#: The report flags, but the local Lab server reachable (no proxy; no name resolves, so
#: nothing else can be reached; the test also checks every request was to the server).
LAB_FLAGS = [f for f in FLAGS if not f.startswith(("--proxy-server", "--host-resolver-rules"))] + [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]  # fmt: skip


def _open_chromium(browser: str, url: str):
    proc, profile, port = launch(browser, 1024, LAB_FLAGS)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
        page = next(t for t in json.load(r) if t.get("type") == "page")
    s = _Session(page["webSocketDebuggerUrl"])
    for domain in ("Network", "Runtime", "Page"):
        s.send(f"{domain}.enable")
    s.send("Page.navigate", url=url)
    return proc, profile, s


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_the_explorer_in_a_real_jupyterlab(sample_store, tmp_path):
    browser = find_browser()
    if browser is None:
        pytest.skip("no Chromium: apt-get install chromium")
    store, _ = sample_store
    committed = paths.NOTEBOOKS / "explore.ipynb"
    before = _digest(committed)
    # A project root like the real one: the committed notebook, and make lab's copy of
    # it (pointed at the test's store) in work/.
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    shutil.copyfile(committed, root / "notebooks" / "explore.ipynb")
    nb = nbformat.read(committed, as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace('"data/processed"', json.dumps(str(store)))
    (root / "work").mkdir()
    nbformat.write(nb, root / "work" / "explore.ipynb")
    lab.prepare(root=root)
    port = _free_port()
    server = _start_lab(root, port)
    chromium = profile = None
    try:
        chromium, profile, s = _open_chromium(
            browser, f"http://127.0.0.1:{port}/lab/tree/work/explore.ipynb?token=csp-test"
        )
        page = _Lab(s)
        page.wait("window.jupyterapp", 180, "JupyterLab")
        page.js(NB_JS)
        page.wait("NB()?.sessionContext"
                  "?.session?.kernel?.status === 'idle'", 180, "the kernel")  # fmt: skip
        page.run_all()
        page.wait("document.querySelector('.csp-explore')?.innerText"
                  ".includes('All crime: Synthchester, 2024/25 Q2')", 180, "the first view")  # fmt: skip
        text = page.output_text()
        assert "SYNTHETIC DATA" in text and "Open Government Licence" in text
        # Warnings look like warnings: a styled box, not body text.
        page.select("Measure", "Crime type: Burglary")
        page.wait(
            "document.querySelector('.csp-explore').innerText.includes('Burglary: Synthchester')"
        )
        page.select("Compare with", "Previous period")
        page.wait("document.querySelector('.csp-explore').innerText.includes('2024/25 Q1')")
        page.select("Compare with", "Same period last year")
        page.retry(page.select_nth, 4, "2023/24 Q3 (comparison incomplete)")
        page.wait("document.querySelector('.csp-explore').innerText.includes('Data gap')")
        bg = page.js("getComputedStyle(document.querySelector('.csp-explore .callout.warning'))"
                     ".backgroundColor")  # fmt: skip
        assert bg == "rgb(255, 244, 206)"
        page.select("Period", "Financial year")
        page.wait("document.querySelector('.csp-explore').innerText.includes('2023/24')")
        page.select("Period", "Custom months")
        page.retry(page.select, "From", "Jan 2024")
        page.select("to", "Mar 2024")
        page.wait("document.querySelector('.csp-explore').innerText"
                  ".includes('January 2024 to March 2024')")  # fmt: skip
        page.select("Period", "Financial quarter")
        page.select("Area", "Northvale")
        page.wait("document.querySelector('.csp-explore').innerText.includes('Northvale')")
        for view, marker in [("Places", "LSOA code"), ("Map", "Map: Northvale"),
                             ("Rate map", "Rate map: Northvale"),
                             ("County", "Northvale (selected)"), ("Peers", "Peers: Northvale"),
                             ("Outcomes", "Outcomes: Northvale"),
                             ("Stop and search", "Stop and search: Northvale"),
                             ("Overview", "Burglary: Northvale")]:  # fmt: skip
            page.click(view)
            page.wait(f"document.querySelector('.csp-explore').innerText.includes({json.dumps(marker)})",
                      what=view)  # fmt: skip
        imgs = page.js("Array.from(document.querySelectorAll('.csp-explore img'))"
                       ".every(i => i.complete && i.naturalWidth > 0)")  # fmt: skip
        assert imgs
        page.click("Export table, chart and command")
        page.wait("document.body.innerText.includes('Build the matching report: csp briefing')")
        # The controls wrap within a 1024-pixel window: nothing passes the notebook's edge.
        overflow = page.js("""(() => {
          const nb = document.querySelector('.jp-NotebookPanel-notebook').getBoundingClientRect();
          return Array.from(document.querySelectorAll('.csp-explorer-controls .widget-dropdown'))
            .filter(e => e.getBoundingClientRect().right > nb.right + 1).length; })()""")
        assert overflow == 0
        # Lab saves (as autosave would): into the copy, never into notebooks/.
        page.js("NB().context.save()")
        page.wait("!NB().context.model.dirty")
        assert "outputs" in (root / "work" / "explore.ipynb").read_text()
        assert _digest(root / "notebooks" / "explore.ipynb") == before
        # A kernel restart: the stale controls say so on screen.
        page.js("NB().sessionContext.session.kernel.restart()")
        page.wait("(() => { const n = document.querySelector('.csp-restart-note');"
                  " return n && getComputedStyle(n).display !== 'none'; })()", 120,
                  "the restart note")  # fmt: skip
        assert "The kernel restarted" in page.js(
            "document.querySelector('.csp-restart-note').innerText"
        )
        # A mistyped parameter: one line naming the parameter and the options.
        page.wait("NB().sessionContext.session.kernel.status === 'idle'")
        page.js("""(() => { const cell = NB().content.model.cells.get(1);
          const src = cell.sharedModel.getSource().replace('area = "Synthchester"',
                                                            'area = "Nowhereton"');
          cell.sharedModel.setSource(src); })()""")
        page.run_all()
        page.wait("document.body.innerText.includes(\"area 'Nowhereton' is not one of\")", 180,
                  "the parameter error")  # fmt: skip
        error = page.js("document.querySelector('.csp-explore .callout.warning').innerText")
        assert len(error.strip().splitlines()) == 1 and "Synthchester" in error
        assert "Traceback" not in page.text() and "TraitError" not in page.text()
        # Nothing left the machine.
        remote = [e["params"]["request"]["url"] for e in s.events
                  if e.get("method") == "Network.requestWillBeSent"
                  and not e["params"]["request"]["url"].startswith(
                      (f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}", "data:", "blob:",
                       "about:"))]  # fmt: skip
        assert remote == []
        s.ws.close()
    finally:
        if chromium is not None:
            chromium.terminate()
            chromium.wait(timeout=10)
        if profile is not None:
            shutil.rmtree(profile, ignore_errors=True)
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    assert _digest(committed) == before
