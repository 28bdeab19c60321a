"""Benchmark the reports: one cold briefing, a batch of 12 against the naive route, and
an estimate for every partnership in England.

* ``cold``: one ``csp briefing`` in a fresh process on the sample store, with where the
  time went: the CLI's own work before the notebook starts (imports, store checks,
  papermill, the HTML exporter), the kernel's start (booting and importing the report's
  module), the notebook's cells (loading the data, then the sections), the export and
  writing, and the exit (killing the kernel, which ``csp`` does not wait for, and the
  process's own exit). The phases come from the timestamps papermill writes into the
  executed notebook and the files' times, so nothing in the workbook is instrumented.
  The benchmark adopts the killed kernel (Linux subreaper), so its CPU time is counted
  and a kernel left running would be reported. Floor 5 s, target 3 s.
* ``batch``: the naive route is what an analyst scripts by hand: for each report one
  ``papermill`` CLI call, then one ``jupyter nbconvert --to html --no-input`` CLI call,
  one after the other. The workbook's route is ``csp batch`` (one worker per core, each
  with a warm kernel; papermill and nbconvert in-process). Floor 8x, target 12x.
* ``national``: a store shaped like the national one for a few real forces
  (``police_uk_shape.py``: real force sizes, real LSOAs and partnerships from the ONS
  lookup), 15 months; ``csp batch --all-england`` on it; the time per briefing,
  multiplied out to England's 293 partnerships. An estimate, not a national
  run: a national store holds every force, so a briefing that reads more than its own
  force's files would be slower there. Floor 15 min, target 5 min on 2 cores.

    make ingest-sample
    .venv/bin/python benchmarks/bench_reports.py                 # all three
    .venv/bin/python benchmarks/bench_reports.py --only cold --repeat 5
    .venv/bin/python benchmarks/bench_reports.py --only national --forces kent,essex

The machine's load average is printed beside each figure: on a shared machine a run
with other work going is slower than the workbook is.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "quarterly_briefing.ipynb"
AREAS = ["Synthchester", "Northvale", "Ambermoor", "Brackenford", "Dunmarsh", "Elmswick",
         "Fallowdown", "Greythorn and Hazelby"]  # fmt: skip
JOBS = [(a, "2024/25 Q2") for a in AREAS] + [(a, "2024/25 Q1") for a in AREAS[:4]]
#: Partnerships in England in the ONS LAD -> CSP -> PFA lookup (January 2017): 293.
ENGLAND_CSPS = 293
NATIONAL_MONTHS = [f"{y}-{m:02d}" for y, m in [(2023, m) for m in range(4, 13)]
                   + [(2024, m) for m in range(1, 7)]]  # fmt: skip
NATIONAL_QUARTER = "2024/25 Q1"


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def cpu() -> float:
    """CPU seconds used so far by this script's finished child processes (and theirs)."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def adopt_orphans() -> None:
    """Make this script the reaper of its descendants (Linux ``PR_SET_CHILD_SUBREAPER``).

    ``csp briefing`` kills its kernel without waiting for it: the kernel then exits
    after ``csp`` has, and would be collected by the system, its CPU time lost to
    :func:`cpu`. Adopted here, it is collected by :func:`reap`, counted, and a kernel
    left running would be seen."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)


def reap(wait: float = 5.0) -> int:
    """Collect descendants that have exited (waiting up to ``wait`` seconds for them);
    the number still running after that."""
    deadline = time.time() + wait
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return 0
        if pid:
            continue
        if time.time() > deadline:
            return len(_children())
        time.sleep(0.05)


def _children() -> list[int]:
    """This process's child processes (from /proc)."""
    me, kids = os.getpid(), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == me:
                kids.append(int(stat.parent.name))
    return kids


def _when(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def cold(store: Path, work: Path) -> dict:
    """One briefing in a fresh process, and its phases."""
    out = work / "cold"
    shutil.rmtree(out, ignore_errors=True)
    before, cpu0 = load(), cpu()
    start = time.time()
    subprocess.run(
        [str(BIN / "csp"), "briefing", "--area", "Synthchester", "--quarter", "2024/25 Q2",
         "--peer-group", "synthchester-msg", "--store", str(store), "--out", str(out),
         "--rebuild"],
        check=True, capture_output=True,
    )  # fmt: skip
    end = time.time()
    left = reap()
    folder = out / "2024-25-q2" / "synthchester"
    nb = json.loads((folder / "report.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    pm_start = _when(nb["metadata"]["papermill"]["start_time"])
    pm_end = _when(nb["metadata"]["papermill"]["end_time"])
    first = _when(code[0]["metadata"]["papermill"]["start_time"])
    load_cell = next(c for c in code if "QuarterlyBriefing.load" in "".join(c["source"]))
    load_s = load_cell["metadata"]["papermill"]["duration"]
    written = (folder / "report.html").stat().st_mtime
    phases = {
        "CLI before the notebook (imports, checks, papermill, exporter)": pm_start - start,
        "kernel ready (boot + import, overlapping the CLI's work)": first - start,
        "cells: load data and figures": load_s,
        "cells: the sections": pm_end - first - load_s,
        "export HTML and write": written - pm_end,
        "exit (kill the kernel, the process exits)": end - written,
    }
    return {"seconds": end - start, "phases": phases, "load": f"{before} -> {load()}",
            "cpu": cpu() - cpu0, "left_running": left}  # fmt: skip


def naive(work: Path, store: Path, jobs: list[tuple[str, str]]) -> float:
    start = time.perf_counter()
    for i, (area, period) in enumerate(jobs):
        out_nb = work / f"naive-{i}.ipynb"
        subprocess.run(
            [str(BIN / "papermill"), str(NOTEBOOK), str(out_nb), "-k", "python3",
             "--cwd", str(ROOT), "-p", "area", area, "-p", "period", period,
             "-p", "store", str(store), "-p", "peer_group", "", "--no-progress-bar"],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out_nb)],
            check=True, capture_output=True,
        )  # fmt: skip
    return time.perf_counter() - start


def ours(work: Path, store: Path, jobs: list[tuple[str, str]], workers: int | None) -> float:
    folder = work / "params"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i, (area, period) in enumerate(jobs):
        (folder / f"report-{i:02d}.yaml").write_text(
            f'area: "{area}"\nperiod: "{period}"\nstore: "{store}"\n', encoding="utf-8"
        )
    cmd = [str(BIN / "csp"), "batch", str(folder), "--out", str(work / "reports"), "--rebuild"]
    start = time.perf_counter()
    subprocess.run(cmd + (["--workers", str(workers)] if workers else []), check=True,
                   capture_output=True)  # fmt: skip
    return time.perf_counter() - start


def national_store(work: Path, forces: list[str]) -> Path:
    """Real-shaped street files for ``forces`` at their real sizes, 15 months, ingested
    with the ONS lookups (so every partnership of those forces is in the store)."""
    sys.path.insert(0, str(HERE))
    import police_uk_shape as shape_mod
    from bench_ingest import NATIONAL_ROWS

    store = work / "national-store"
    stamp = store / f".bench-{'-'.join(forces)}"
    if stamp.exists():
        return store
    shape = shape_mod.load_shape()
    unknown = [f for f in forces if f not in shape.forces]
    if unknown:
        sys.exit(f"unknown force(s) {unknown}: use data.police.uk ids such as kent, essex")
    year = shape_mod.national_rows(shape, NATIONAL_ROWS)
    rows = {f: round(year[f] * len(NATIONAL_MONTHS) / 12) for f in forces}
    raw = work / "national-raw"
    shutil.rmtree(raw, ignore_errors=True)
    shutil.rmtree(store, ignore_errors=True)
    n = shape_mod.generate(shape, raw, rows, NATIONAL_MONTHS)
    print(f"generated {n:,} rows for {', '.join(forces)} ({len(NATIONAL_MONTHS)} months)")
    from csplib.ingest import ingest

    report = ingest([shape_mod.LAD_LOOKUP, shape_mod.LSOA_LIST, raw], store)
    if not report.ok:
        sys.exit(report.render())
    shutil.rmtree(raw, ignore_errors=True)
    stamp.touch()
    return store


def national(work: Path, forces: list[str], workers: int | None) -> dict:
    store = national_store(work, forces)
    out = work / "national-reports"
    shutil.rmtree(out, ignore_errors=True)
    before, cpu0 = load(), cpu()
    start = time.perf_counter()
    run = subprocess.run(
        [str(BIN / "csp"), "batch", "--all-england", "--quarter", NATIONAL_QUARTER,
         "--store", str(store), "--out", str(out), "--rebuild", "--allow-incomplete"]
        + (["--workers", str(workers)] if workers else []),
        capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    lines = run.stdout.strip().splitlines()
    built = sum(" ok " in line for line in lines)
    failed = [line for line in lines if " failed " in line]
    if run.returncode not in (0, 1) or not built:
        sys.exit(run.stdout + run.stderr)
    return {"seconds": seconds, "built": built, "failed": failed, "summary": lines[-2:],
            "load": f"{before} -> {load()}", "cpu": cpu() - cpu0}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, default=ROOT / "data" / "processed")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "output" / "reports")
    parser.add_argument("--only", choices=["cold", "batch", "national"], action="append")
    parser.add_argument("--repeat", type=int, default=1,
                        help="cold: how many briefings, one after another (each printed)")  # fmt: skip
    parser.add_argument("--workers", type=int, help="csp batch --workers (default: cores)")
    parser.add_argument("--forces", default="kent,essex",
                        help="forces of the national-shaped store (data.police.uk ids)")  # fmt: skip
    args = parser.parse_args()
    adopt_orphans()
    only = set(args.only or ["cold", "batch", "national"])
    if only & {"cold", "batch"} and not (args.store / "crimes").is_dir():
        sys.exit(f"no store at {args.store}: run `make ingest-sample` first")
    args.work.mkdir(parents=True, exist_ok=True)
    cores = os.cpu_count()
    print(f"{cores} cores; load average = the 1-minute load before -> after each measure")
    if "cold" in only:
        runs = [cold(args.store, args.work) for _ in range(args.repeat)]
        for r in runs:
            print(f"\none csp briefing, cold process: {r['seconds']:.1f} s  ({r['load']}; "
                  f"{r['cpu']:.1f} CPU s)  floor 5 s, target 3 s")  # fmt: skip
            for phase, s in r["phases"].items():
                print(f"  {phase:<66}{s:>6.1f} s")
            if r["left_running"]:
                print(f"  processes left running after csp exited: {r['left_running']}")
        if len(runs) > 1:
            times = sorted(r["seconds"] for r in runs)
            print(f"\n{len(runs)} cold briefings: median {times[len(times) // 2]:.1f} s, "
                  f"fastest {times[0]:.1f} s, slowest {times[-1]:.1f} s")  # fmt: skip
    if "batch" in only:
        work = args.work / "batch"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        before, cpu0 = load(), cpu()
        t_naive = naive(work, args.store, JOBS)
        mid, cpu1 = load(), cpu()
        t_ours = ours(work, args.store, JOBS, args.workers)
        cpu2 = cpu()
        print(
            f"\nbatch of {len(JOBS)} briefings: naive {t_naive:.1f} s ({before} -> {mid}; "
            f"{cpu1 - cpu0:.0f} CPU s), csp batch {t_ours:.1f} s ({mid} -> {load()}; "
            f"{cpu2 - cpu1:.0f} CPU s); ratio {t_naive / t_ours:.2f}x  floor 8x, target 12x"
        )
        print(f"  CPU ratio (naive CPU s / csp batch CPU s): {(cpu1 - cpu0) / (cpu2 - cpu1):.2f}x")
    if "national" in only:
        forces = [f.strip() for f in args.forces.split(",") if f.strip()]
        r = national(args.work, forces, args.workers)
        per = r["seconds"] / r["built"]
        print(f"\ncsp batch --all-england on a national-shaped store of {', '.join(forces)}: "
              f"{r['built']} briefings in {r['seconds']:.1f} s ({r['load']}), "
              f"{per:.2f} s each with {args.workers or cores} workers; "
              f"{r['cpu']:.0f} CPU s, {r['cpu'] / r['built']:.2f} CPU s each)")  # fmt: skip
        for line in r["failed"]:
            print(f"  failed: {line.strip()}")
        print(f"  estimate for England's {ENGLAND_CSPS} partnerships: "
              f"{ENGLAND_CSPS * per / 60:.1f} min  floor 15 min, target 5 min (extrapolated "
              "from this run's time per briefing, not a national run)")  # fmt: skip
        print(
            f"  on an otherwise idle machine (CPU s / {cores} cores): "
            f"{ENGLAND_CSPS * r['cpu'] / r['built'] / cores / 60:.1f} min"
        )


if __name__ == "__main__":
    main()
