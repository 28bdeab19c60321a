"""Faults mid-run: an ingest killed part-way, notebooks that raise, hang or lose their
kernel inside a batch, and a reports folder or disk that cannot be written.

What must hold: the store stays readable and each partition is either as before or
complete; a re-run finishes the job; one failed report never stops the others, its
cause is reported, nothing half-built looks like a finished report, and a re-run redoes
only what failed; a disk or folder that cannot be written gives an error naming the
folder and the fix.

Faults are injected without touching the shipped notebooks: the batch is pointed at a
small test notebook (``monkeypatch`` on ``csplib.report.run.notebook_path``; batch
workers are forked, so they inherit it) whose behaviour per report is read from a
control file.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pyarrow.parquet as pq
import pytest
from badinput import stores
from factories import STREET_HEADER, street_row

from csplib.errors import CspError
from csplib.ingest import ingest
from csplib.periods import month_range
from csplib.report import run as run_module
from csplib.report.params import ReportParams
from csplib.report.run import run_batch, run_report
from csplib.store import Store

pytestmark = pytest.mark.slow


# --- (a) an ingest killed part-way -----------------------------------------------------

OLD_MONTHS = month_range("2013-01", "2022-12")  # 120 months already in the store
NEW_MONTHS = month_range("2023-01", "2023-06")  # 6 months the killed run adds
OLD_ROWS, NEW_ROWS = 10, 3000


def _write_month(folder: Path, month: str, n: int) -> None:
    """A street file of ``n`` burglaries (written as text: 400,000 rows take a second)."""
    row = ",".join(street_row(month=month)[1:])
    path = folder / month / f"{month}-testshire-street.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        ",".join(STREET_HEADER) + "\n" + "".join(f"{month}-{i},{row}\n" for i in range(n))
    )


def _csp(*args: str) -> list[str]:
    return [sys.executable, "-m", "csplib.cli", *args]


def _partition_counts(store: Path) -> dict[str, int]:
    """Rows in every crimes partition, each file opened on its own (all must open)."""
    return {
        p.stem: pq.read_metadata(p).num_rows
        for p in sorted((store / "crimes" / "testshire").glob("*.parquet"))
    }


def test_ingest_killed_part_way_leaves_a_readable_store_and_a_rerun_finishes(tmp_path):
    store = tmp_path / "store"
    old, new = tmp_path / "old", tmp_path / "new"
    for month in OLD_MONTHS:
        _write_month(old, month, OLD_ROWS)
    for month in OLD_MONTHS + NEW_MONTHS:
        _write_month(new, month, NEW_ROWS)
    assert ingest([old], store, latest_month="2024-12").ok
    before = {p: p.stat().st_mtime_ns for p in (store / "crimes" / "testshire").glob("*.parquet")}

    # `csp ingest` of the corrected download, killed once partitions start changing.
    proc = subprocess.Popen(
        _csp("ingest", str(new), "--store", str(store), "--quiet"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        now = {p: p.stat().st_mtime_ns for p in (store / "crimes" / "testshire").glob("*.parquet")}
        if now != before:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    assert proc.wait(timeout=60) == -signal.SIGKILL, "the ingest finished before it was killed"

    # Every Parquet file opens; each partition is as before or complete; no .tmp is data.
    for path in store.rglob("*.parquet"):
        pq.read_metadata(path)
    counts = _partition_counts(store)
    for month in OLD_MONTHS:
        assert counts[month] in (OLD_ROWS, NEW_ROWS), (month, counts[month])
    for month in NEW_MONTHS:
        assert counts.get(month, NEW_ROWS) == NEW_ROWS, (month, counts[month])
    done = sum(n == NEW_ROWS for n in counts.values())
    assert 0 < done < len(OLD_MONTHS) + len(NEW_MONTHS), f"{done} partitions rewritten"
    leftovers = list(store.rglob("*.tmp"))
    crimes = Store(store).crimes(["month"])
    assert len(crimes) == sum(counts.values())  # the readers see the partitions only
    by_month = Store(store).month_counts().set_index("month")["crimes"].to_dict()
    assert by_month == {m: n for m, n in counts.items()}

    # A re-run finishes the job: the counts of an uninterrupted ingest.
    done = subprocess.run(
        _csp("ingest", str(new), "--store", str(store), "--quiet"),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _partition_counts(store) == dict.fromkeys(OLD_MONTHS + NEW_MONTHS, NEW_ROWS)
    report = json.loads((store / "ingest_report.json").read_text())
    n = NEW_ROWS * (len(OLD_MONTHS) + len(NEW_MONTHS))
    assert report["totals"]["rows_read"] == report["totals"]["kept"] == n
    assert report["coverage_problems"] == []
    coverage = Store(store).coverage()
    assert set(coverage["status"]) == {"present"} and len(coverage) == 126
    # Temporary files a kill leaves behind are never read; the re-run adds none.
    assert set(store.rglob("*.tmp")) <= set(leftovers)


def test_disk_full_during_ingest_is_a_clear_error_and_loses_nothing(tmp_path, monkeypatch, capsys):
    """`csp ingest` when the disk fills while one partition (2023-03) is being written: a
    plain error naming that partition, exit non-zero, and the store as before or complete,
    partition by partition.

    The fault is tied to the partition, not to a count of writes: police files are loaded
    by threads or forked worker processes, so which writes come before the failing one
    depends on scheduling, while the partition being written does not."""
    import csplib.store
    from csplib.cli import main

    store = tmp_path / "store"
    old, new = tmp_path / "old", tmp_path / "new"
    months = month_range("2023-01", "2023-06")
    for month in months:
        _write_month(old, month, 4)
        _write_month(new, month, 7)
    assert ingest([old], store, latest_month="2024-12").ok

    real_write = csplib.store.pq.write_table

    def full_disk(table, where, **kw):
        if "month" in table.column_names and "2023-03" in table["month"].to_pylist():
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(table, where, **kw)

    monkeypatch.setattr(csplib.store.pq, "write_table", full_disk)
    try:
        rc = main(["ingest", str(new), "--store", str(store)])
    except OSError as err:
        pytest.fail(f"csp ingest raised {err!r} instead of printing an error")
    out, err = capsys.readouterr()
    assert rc != 0 and "Traceback" not in out + err
    assert "No space left on device" in err and "Fix:" in err
    assert "2023-03.parquet" in err  # the file that could not be written
    monkeypatch.undo()
    counts = _partition_counts(store)
    assert set(counts) == set(months) and set(counts.values()) <= {4, 7}
    assert counts["2023-03"] == 4  # as before: never half-written
    assert not list(store.rglob("*.tmp"))


def test_file_size_limit_during_ingest_is_a_clear_error(tmp_path):
    """A file-size limit (EFBIG: `ulimit -f`, or a file system's largest file) while
    `csp ingest` writes the store: a plain error with the fix, exit non-zero, no
    traceback; what was written is complete. The limit is real (RLIMIT_FSIZE in the
    child process; Python ignores SIGXFSZ, so the write fails with EFBIG)."""
    src = tmp_path / "in"
    _write_month(src, "2023-01", 3)
    _write_month(src, "2023-02", 3000)  # about 0.6 MB of Parquet: over the limit below
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))\n"
        "from csplib.cli import main\n"
        f"sys.exit(main(['ingest', {str(src)!r}, '--store', {str(tmp_path / 'store')!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.stderr.startswith("error: ") and "File too large" in done.stderr
    assert "file-size limit" in done.stderr and "Fix:" in done.stderr
    for path in (tmp_path / "store").rglob("*.parquet"):
        pq.read_metadata(path)  # whatever was written opens
    assert not list((tmp_path / "store").rglob("*.tmp"))


# --- (b) notebooks that fail inside a batch --------------------------------------------

FAULT_CELL = """\
import json, os, pathlib, time
mode = json.loads(pathlib.Path({control!r}).read_text()).get(f"{{area}}|{{period}}", "ok")
if mode == "raise":
    raise RuntimeError(f"injected failure for {{area}}")
if mode == "hang":
    time.sleep(3600)
if mode == "die":
    os._exit(1)
out = pathlib.Path(figures_path)
out.write_text(json.dumps({{"area": area, "period": period, "synthetic": True}}))
if mode == "partial":
    (out.parent / "report.html").write_text("<p>half a report</p>")
    raise RuntimeError("failed after writing part of its output")
"""


def fault_notebook(folder: Path) -> tuple[Path, Path]:
    """A stand-in report notebook that raises, hangs, kills its kernel or succeeds, as
    the control file says for each area and period."""
    control = folder / "faults.json"
    control.write_text("{}")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "language": "python",
        "display_name": "Python 3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell(
        "area = period = store = figures_path = peer_group = peer_groups_file = None\n"
        "threshold = 5\nallow_incomplete = False"
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(FAULT_CELL.format(control=str(control))),
        nbformat.v4.new_code_cell("from IPython.display import HTML\nHTML('<p>report</p>')"),
    ]
    path = folder / "fault.ipynb"
    nbformat.write(nb, path)
    return path, control


@pytest.fixture(scope="module")
def report_store(tmp_path_factory) -> Path:
    return stores.report_store(tmp_path_factory.mktemp("faults"))


@pytest.fixture
def faults(tmp_path, monkeypatch):
    notebook, control = fault_notebook(tmp_path)
    monkeypatch.setattr(run_module, "notebook_path", lambda params: notebook)
    return control


PERIODS = ["2023/24 Q3", "2023/24 Q4", "2024/25 Q1"]
AREAS = ["Alpha", "testshire"]
FAULTS = {
    "Alpha|2023/24 Q3": "raise",
    "Alpha|2023/24 Q4": "hang",
    "testshire|2023/24 Q3": "die",
    "testshire|2023/24 Q4": "partial",
}
CAUSES = {
    "raise": "RuntimeError: injected failure for Alpha",
    "hang": "timed out",
    "die": "Kernel died",
    "partial": "failed after writing part of its output",
}


def _slug(text: str) -> str:
    from csplib.schema import slugify

    return slugify(text)


def test_failures_inside_a_batch_are_reported_and_only_they_are_redone(
    report_store, faults, tmp_path, capfd
):
    from csplib.cli import main

    folder = tmp_path / "params"
    folder.mkdir()
    for area in AREAS:
        for period in PERIODS:
            (folder / f"{area}-{_slug(period)}.yaml").write_text(
                f"area: {area}\nperiod: {period}\nstore: {report_store}\n"
            )
    faults.write_text(json.dumps(FAULTS))
    out_root = tmp_path / "out"
    rc = main(["batch", str(folder), "--out", str(out_root), "--workers", "2", "--timeout", "5"])
    out, err = capfd.readouterr()
    assert rc == 1
    assert "2 built, 0 up to date, 4 failed" in out
    lines = {line.split()[0].rsplit("/", 1)[-1]: line for line in out.splitlines()[1:-1]}
    for key, mode in FAULTS.items():
        area, period = key.split("|")
        line = lines[f"{area}-{_slug(period)}.yaml"]
        assert " failed " in line and CAUSES[mode] in line, line
    assert "Traceback" not in out + err, err

    # Finished reports are complete; failed ones left nothing that looks finished.
    for area in AREAS:
        for period in PERIODS:
            report = out_root / _slug(period) / _slug(area)
            if f"{area}|{period}" in FAULTS:
                assert not report.exists(), report
            else:
                assert {p.name for p in report.iterdir()} == {
                    "report.html", "report.ipynb", "figures.json", ".inputs.json"}  # fmt: skip
    assert not [p for p in out_root.rglob("*") if p.name.startswith(".") and p.is_dir()]

    # Fix the faults and run again: only the four failures are rebuilt.
    faults.write_text("{}")
    results = run_batch([folder], out_root, timeout=5, workers=2, progress=False)
    status = {Path(r.name).stem: r.status for r in results}
    assert status == {
        f"{a}-{_slug(p)}": "ok" if f"{a}|{p}" in FAULTS else "skipped"
        for a in AREAS for p in PERIODS
    }  # fmt: skip


# --- (c) a reports folder or disk that cannot be written --------------------------------


def _params(store: Path) -> ReportParams:
    return ReportParams(area="Alpha", period=stores.QUARTER, store=str(store))


def _assert_write_error(err: CspError, folder: Path, words: str) -> None:
    text = str(err)
    assert str(folder) in text and words in text and "Fix:" in text, text


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions: the "
                    "simulated read-only test below covers this case")  # fmt: skip
def test_read_only_reports_folder_is_a_clear_error(report_store, faults, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    reports.chmod(0o555)
    try:
        with pytest.raises(CspError) as info:
            run_report(_params(report_store), reports)
    finally:
        reports.chmod(0o755)
    _assert_write_error(info.value, reports, "Permission denied")


def test_read_only_reports_folder_simulated_is_a_clear_error(
    report_store, faults, tmp_path, monkeypatch
):
    """As root, chmod does not stop writes: make every folder creation under reports/
    fail as a read-only file system would."""
    reports = tmp_path / "reports"
    reports.mkdir()
    real_mkdir, real_mkdtemp = Path.mkdir, run_module.tempfile.mkdtemp

    def read_only(path, *args, **kwargs):
        if Path(path).resolve().is_relative_to(reports.resolve()):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_mkdir(path, *args, **kwargs)

    def read_only_tmp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir).resolve().is_relative_to(reports.resolve()):
            raise OSError(errno.EROFS, "Read-only file system", str(dir))
        return real_mkdtemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    monkeypatch.setattr(run_module.tempfile, "mkdtemp", read_only_tmp)
    with pytest.raises(CspError) as info:
        run_report(_params(report_store), reports)
    _assert_write_error(info.value, reports.resolve() / _slug(stores.QUARTER), "Read-only")


def test_disk_full_while_writing_a_report_keeps_the_previous_one(
    report_store, faults, tmp_path, monkeypatch
):
    reports = tmp_path / "reports"
    first = run_report(_params(report_store), reports)
    assert first.status == "ok"
    html_before = (first.out_dir / "report.html").read_bytes()
    real_write_text = Path.write_text

    def full_disk(path, *args, **kwargs):
        if path.name == "report.html":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_write_text(path, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk)
    with pytest.raises(CspError) as info:
        run_report(_params(report_store), reports, force=True)
    monkeypatch.undo()
    _assert_write_error(info.value, first.out_dir.parent, "No space left on device")
    assert (first.out_dir / "report.html").read_bytes() == html_before
    assert sorted(p.name for p in first.out_dir.parent.iterdir()) == [first.out_dir.name]
