"""The exploration notebook and its widgets, on the sample store."""

from __future__ import annotations

import nbformat
import pytest

from csplib import paths
from csplib.report.explore import (
    ALL_CRIME,
    ASB_LABEL,
    COMPARISONS,
    GROUP_PREFIX,
    PEER_GROUP,
    PREVIOUS_PERIOD,
    SAME_PERIOD,
    TYPE_PREFIX,
    Explorer,
    measure_options,
)
from csplib.store import Store


@pytest.fixture(scope="module")
def explorer(sample_store) -> Explorer:
    store, _ = sample_store
    return Explorer.load(store=store)


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
    # The dashboard the callback rendered is in the saved widget state.
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    outputs = [m["state"]["outputs"] for m in state.values() if m["model_name"] == "OutputModel"]
    html = outputs[0][0]["data"]["text/html"]
    assert "All crime: Synthchester, 2024/25 Q2" in html
    assert "<table>" in html and "<caption>" in html and 'alt="' in html


def test_options_come_from_the_store(explorer, sample_store):
    _, manifest = sample_store
    assert explorer.areas[: len(manifest["csps"])] == sorted(manifest["csps"])
    assert manifest["outside_area"]["lad_name"] not in explorer.areas  # a stray district
    options = dict(explorer.period_options("Synthchester"))
    assert options["2022/23 Q3 (incomplete data)"] == "2022/23 Q3"
    assert explorer.default_period("Synthchester") == manifest["latest_complete_quarter"]
    assert ALL_CRIME in measure_options() and GROUP_PREFIX + "Robbery" in measure_options()


def test_same_period_last_year_counts_recount(explorer, sample_store):
    store, _ = sample_store
    crimes = Store(store).crimes(["month", "csp_name", "crime_type", "is_asb"])
    mine = crimes[(crimes["csp_name"] == "Synthchester") & (crimes["crime_type"] == "Shoplifting")]
    f = explorer.figures("Synthchester", "2024/25 Q2", TYPE_PREFIX + "Shoplifting", SAME_PERIOD)
    assert f["current"] == int(mine["month"].isin(["2024-07", "2024-08", "2024-09"]).sum())
    assert f["previous"] == int(mine["month"].isin(["2023-07", "2023-08", "2023-09"]).sum())
    assert f["other_period"] == "2023/24 Q2"
    prev = explorer.figures("Synthchester", "2024/25 Q2", ASB_LABEL, PREVIOUS_PERIOD)
    assert prev["other_period"] == "2024/25 Q1"


def test_a_flagged_quarter_states_no_change(explorer):
    f = explorer.figures("Synthchester", "2023/24 Q3", ALL_CRIME, SAME_PERIOD)
    assert "no change is stated" in f["headline"]
    html = str(explorer.dashboard("Synthchester", "2023/24 Q3", ALL_CRIME, SAME_PERIOD))
    assert "Data gap: 2022-12" in html and "not tested: data gap" in html


def test_peer_group_view(explorer):
    f = explorer.figures("Synthchester", "2024/25 Q2", ALL_CRIME, PEER_GROUP)
    assert f["group"] == "synthchester-msg"
    assert sorted(f["table"]["area"]) == sorted(
        ["Synthchester", "Northvale", "Ambermoor", "Brackenford", "Dunmarsh", "Elmswick"]
    )
    # Fallowdown is in no peer group: its county's partnerships stand in.
    other = explorer.figures("Fallowdown", "2024/25 Q2", ALL_CRIME, PEER_GROUP)
    assert other["group"].startswith("partnerships in") and len(other["table"]) == 8


def test_the_callback_re_renders_the_dashboard(explorer):
    controls = explorer.controls(area="Synthchester")
    first = controls.output.outputs[0]["data"]["text/html"]
    assert "All crime: Synthchester" in first
    controls.measure.value = GROUP_PREFIX + "Robbery"
    assert "Offence group: Robbery: Synthchester" in controls.output.outputs[0]["data"]["text/html"]
    controls.comparison.value = PEER_GROUP
    assert "Peer group" in controls.output.outputs[0]["data"]["text/html"]
    controls.area.value = "Northvale"
    assert len(controls.output.outputs) == 1
    assert "Robbery: Northvale" in controls.output.outputs[0]["data"]["text/html"]
    assert controls.period.value == "2024/25 Q2"  # kept: Northvale has the same quarters
    assert set(COMPARISONS) == set(controls.comparison.options)
