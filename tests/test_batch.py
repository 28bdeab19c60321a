"""Batches: every partnership's briefing (``csp batch --all-england``) and its index page,
the warm kernel that builds them, and the notebook export without a second read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from csplib.cli import main
from csplib.errors import CspError, ParameterError
from csplib.report.params import ReportParams
from csplib.report.run import (
    Partnership,
    ReportResult,
    WarmKernel,
    check_outputs,
    kernel_arguments,
    partnerships,
    refuse_duplicates,
    write_index,
)
from csplib.store import Store

pytestmark = pytest.mark.slow


def test_partnerships_are_every_csp_of_the_loaded_forces(sample_store):
    store, _ = sample_store
    lad = pd.read_parquet(store / "geography_lad.parquet")
    # The sample's lookup names nine partnerships in two force areas; its police data is
    # Synthshire's only, so Westmarch's one partnership (Ivorton) has nothing to report.
    assert Store(store).forces() == {"synthshire": "X23000001"}
    pairs = sorted(set(zip(lad["pfa_name"], lad["csp_name"], strict=True)))
    assert ("Westmarch (synthetic)", "Ivorton") in pairs
    expected = [p for p in pairs if p[0] == "Synthshire (synthetic)"]
    got = partnerships(store)
    assert [(p.force_area, p.name) for p in got] == expected
    assert len(got) == 8


def test_a_store_without_a_partnership_lookup_is_a_clear_error(tmp_path):
    with pytest.raises(CspError, match="no partnership with police data"):
        partnerships(tmp_path / "empty-store")


def test_index_links_each_report_and_escapes_names_and_reasons(tmp_path):
    good = tmp_path / "2024-25-q2" / "a-b" / "report.html"
    good.parent.mkdir(parents=True)
    good.write_text("<p>report</p>")
    (good.parent / "figures.json").write_text(json.dumps({"synthetic": True}))
    areas = [
        Partnership("A & B", "E22000001", "Kent"),
        Partnership("<script>x</script>", "E22000002", "Kent"),
        Partnership("Up To Date", "E22000003", "Essex"),
    ]
    results = [
        ReportResult("a", "ok", good.parent, good),
        ReportResult("b", "failed", reason='months missing: "2024-07" <b>'),
        ReportResult("c", "skipped", good.parent, good, "up to date"),
    ]
    index = write_index(areas, results, tmp_path / "2024-25-q2", "2024/25 Q2")
    html = index.read_text(encoding="utf-8")
    assert index == tmp_path / "2024-25-q2" / "index.html"
    assert '<a href="a-b/report.html">A &amp; B</a>' in html
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<b>" not in html and "&lt;b&gt;" in html
    # the failed partnership has no link; 3 rows: 1 built, 1 up to date, 1 failed
    assert html.count("<a href=") == 2
    assert "3 partnerships: 1 built, 1 up to date, 1 failed." in html
    assert html.count('<th scope="row">') == 3
    assert 'class="banner synthetic"' in html  # a synthetic report makes a synthetic index


def test_two_jobs_for_the_same_folder_are_refused(tmp_path):
    a = ReportParams(area="Dunmarsh", period="2024/25 Q2", store=str(tmp_path))
    b = ReportParams(area="DUNMARSH", period="2024/25 Q2", store=str(tmp_path))  # one folder
    with pytest.raises(ParameterError, match="both would write"):
        refuse_duplicates([a, b], tmp_path / "out")


def test_check_outputs_reads_the_notebook_in_memory():
    import nbformat.v4 as v4

    ok = v4.new_notebook(
        cells=[v4.new_code_cell("1", outputs=[v4.new_output("stream", text="hi")])]
    )
    check_outputs(ok)
    bad = v4.new_output("stream", name="stderr", text="Warning: odd\n")
    with pytest.raises(CspError, match="cell 1 wrote to stderr: Warning: odd"):
        check_outputs(v4.new_notebook(cells=[ok.cells[0], v4.new_code_cell("2", outputs=[bad])]))


def test_notebook_tools_load_without_the_iri_parser_and_still_validate():
    code = (
        "import sys\n"
        "from csplib.report.run import skip_slow_format_checker\n"
        "skip_slow_format_checker()\n"
        "import nbformat, nbformat.v4 as v4\n"
        "nb = v4.new_notebook(cells=[v4.new_code_cell('1')])\n"
        "nbformat.validate(nb)\n"
        "nb.cells[0].execution_count = 'one'  # not an integer: the schema says no\n"
        "try:\n"
        "    nbformat.validate(nb)\n"
        "    print('accepted')\n"
        "except nbformat.ValidationError:\n"
        "    print('rejected')\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["rejected", "None"]


def test_kernel_preload_runs_at_boot_and_leaves_the_namespace_empty():
    from jupyter_core.utils import run_sync

    kernel = WarmKernel()
    try:
        kernel.start("csplib.report.params")
        kc = kernel.get("csplib.report.params").client()
        kc.start_channels()
        try:
            run_sync(kc.wait_for_ready)(timeout=120)
            seen: list[str] = []

            def keep(msg):
                if msg["msg_type"] == "stream":
                    seen.append(msg["content"]["text"])

            code = "import sys; print('csplib.report.params' in sys.modules, 'csplib' in dir())"
            run_sync(kc.execute_interactive)(code, output_hook=keep, timeout=60)
        finally:
            kc.stop_channels()
        assert "".join(seen).split() == ["True", "False"]
    finally:
        kernel.discard()
    assert kernel.km is None


def _started_kernels(monkeypatch) -> list:
    """Record every kernel process ``WarmKernel.start`` launches (its Popen)."""
    from csplib.report import kernel as kernel_module

    started = []
    original = kernel_module.WarmKernel.start

    def start(self, preload=None):
        original(self, preload)
        launched = (self, self.km.provisioner.process, Path(self.km.connection_file))
        if launched not in started:  # an alive kernel is not launched again
            started.append(launched)

    monkeypatch.setattr(kernel_module.WarmKernel, "start", start)
    return started


def test_stop_kills_the_kernel_and_removes_its_connection_file(monkeypatch):
    started = _started_kernels(monkeypatch)
    kernel = WarmKernel(reuse=False)
    kernel.start()
    ((_, process, connection),) = started
    assert process.poll() is None and connection.exists()
    kernel.stop()
    assert kernel.km is None
    assert process.wait(timeout=60) == -9  # SIGKILL: gone, nothing left to print
    assert not connection.exists()
    kernel.stop()  # a second stop does nothing


def test_csp_briefing_starts_its_kernel_first_hands_it_over_and_stops_it(
    monkeypatch, tmp_path, capsys
):
    """The kernel is launched before the parameters are read, the same kernel runs the
    notebook, and it is stopped once the report is written."""
    from csplib.report import run as run_module

    started = _started_kernels(monkeypatch)
    seen = {}

    def fake_run_report(params, out, *, force, kernel):
        seen.update(params=params, kernel=kernel, alive=kernel.alive())
        return ReportResult("x", "ok", tmp_path, tmp_path / "report.html")

    monkeypatch.setattr(run_module, "run_report", fake_run_report)
    rc = main(["briefing", "--area", "Synthchester", "--quarter", "2024/25 Q2",
               "--store", str(tmp_path / "store"), "--rebuild"])  # fmt: skip
    assert rc == 0
    ((kernel, process, connection),) = started
    assert seen["kernel"] is kernel and seen["alive"] and not kernel.reuse
    assert seen["params"].report == "quarterly_briefing"
    assert process.wait(timeout=60) == -9 and not connection.exists()
    assert capsys.readouterr().err == ""


REAPER = """
import ctypes, os, signal, subprocess, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
run = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(run.returncode, repr(run.stderr))
signal.alarm(60)  # a kernel left running would keep the wait below from returning
while True:
    try:
        pid, status = os.waitpid(-1, 0)
    except ChildProcessError:
        break
    print("reaped", os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_CHILD_SUBREAPER")
def test_csp_briefing_writes_its_report_and_leaves_no_kernel_behind(sample_store, tmp_path):
    """The whole command in a fresh process: the report and its executed notebook are
    written, nothing reaches stderr, and the kernel (adopted here when csp exits without
    waiting for it) has been killed, not left running."""
    store, manifest = sample_store
    out = tmp_path / "out"
    csp = [sys.executable, "-m", "csplib.cli", "briefing", "--area",
           manifest["main_partnership"], "--quarter", manifest["latest_complete_quarter"],
           "--store", str(store), "--out", str(out), "--rebuild"]  # fmt: skip
    run = subprocess.run([sys.executable, "-c", REAPER, *csp], capture_output=True, text=True,
                         timeout=600)  # fmt: skip
    lines = run.stdout.splitlines()
    assert lines[0] == "0 ''", run.stdout + run.stderr
    assert lines[1:] == ["reaped -9"]  # the kernel, killed; nothing else left
    (folder,) = [p.parent for p in out.rglob("report.html")]
    assert {p.name for p in folder.iterdir()} == {
        "report.html", "report.ipynb", "figures.json", ".inputs.json"}  # fmt: skip
    nb = json.loads((folder / "report.ipynb").read_text(encoding="utf-8"))
    assert all(c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code")


def test_a_report_built_before_is_checked_before_a_kernel_is_launched(monkeypatch, tmp_path):
    """With a stamp in the report's folder the report may be up to date: no kernel is
    launched up front (run_report launches one only if it rebuilds)."""
    from csplib.report import run as run_module

    started = _started_kernels(monkeypatch)
    (tmp_path / "out" / "2024-25-q2" / "synthchester").mkdir(parents=True)
    (tmp_path / "out" / "2024-25-q2" / "synthchester" / ".inputs.json").write_text("{}")
    seen = {}

    def fake_run_report(params, out, *, force, kernel):
        seen.update(kernel=kernel, alive=kernel.alive(), out=params.out_dir(out))
        return ReportResult("x", "skipped", tmp_path, tmp_path / "report.html")

    monkeypatch.setattr(run_module, "run_report", fake_run_report)
    rc = main(["briefing", "--area", "Synthchester", "--quarter", "2024/25 Q2",
               "--out", str(tmp_path / "out")])  # fmt: skip
    assert rc == 0 and started == [] and not seen["alive"]
    assert seen["out"] == (tmp_path / "out" / "2024-25-q2" / "synthchester").resolve()


@pytest.mark.parametrize(
    "args",
    [["--quarter", "2024/25 Q7"], ["--quarter", "2024/25 Q2"]],
    ids=["bad quarter", "no store"],
)
def test_a_failed_check_leaves_no_kernel_running(monkeypatch, tmp_path, capsys, args):
    started = _started_kernels(monkeypatch)
    rc = main(["briefing", "--area", "Synthchester", *args, "--store", str(tmp_path / "none"),
               "--out", str(tmp_path / "out")])  # fmt: skip
    assert rc == 2
    assert capsys.readouterr().err.startswith("error: ")
    ((_, process, connection),) = started
    assert process.wait(timeout=60) == -9 and not connection.exists()
    assert not (tmp_path / "out").exists()


def test_a_failing_preload_is_swallowed_not_printed():
    args = kernel_arguments("csplib.no_such_module")
    code = args[-1].split("=", 1)[1]
    assert args[-1].startswith("--IPKernelApp.exec_lines=")
    exec(code, {})  # the ImportError is caught: the notebook reports a broken library


def test_cli_all_england_needs_a_quarter_and_no_files(tmp_path, capsys):
    assert main(["batch", "--all-england", "--store", str(tmp_path)]) == 2
    assert "--all-england needs the quarter" in capsys.readouterr().err
    rc = main(["batch", str(tmp_path), "--all-england", "--quarter", "2024/25 Q2"])
    assert rc == 2
    assert "give no parameter files" in capsys.readouterr().err
    assert main(["batch"]) == 2
    assert "give parameter files or folders" in capsys.readouterr().err


def test_all_england_builds_every_partnership_and_the_index(sample_store, tmp_path, capsys):
    store, _ = sample_store
    out = tmp_path / "out"
    rc = main(["batch", "--all-england", "--quarter", "2024/25 Q2", "--store", str(store),
               "--out", str(out), "--workers", "2"])  # fmt: skip
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert "8 built, 0 up to date, 0 failed" in printed
    folder = out / "2024-25-q2"
    reports = sorted(p.parent.name for p in folder.glob("*/report.html"))
    assert len(reports) == 8 and "greythorn-and-hazelby" in reports
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert '<a href="greythorn-and-hazelby/report.html">Greythorn and Hazelby</a>' in index
    for name in reports:
        figures = json.loads((folder / name / "figures.json").read_text(encoding="utf-8"))
        assert figures["period"] == "2024/25 Q2"
    # a second run finds every report up to date and says so in the index
    assert main(["batch", "--all-england", "--quarter", "2024/25 Q2", "--store", str(store),
                 "--out", str(out)]) == 0  # fmt: skip
    assert "0 built, 8 up to date, 0 failed" in capsys.readouterr().out
    assert (
        "8 partnerships: 0 built, 8 up to date, 0 failed."
        in Path(folder / "index.html").read_text()
    )
