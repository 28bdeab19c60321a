"""Benchmark: `csp ingest` on a national-size year against plain pandas.read_csv.

Generates a national year of real-shaped data.police.uk street files (43 forces x 12
months, about 6 million rows, ~1.3 GB, in the real layout
YYYY-MM/YYYY-MM-<force>-street.csv; see benchmarks/police_uk_shape.py and
docs/performance.md), then times, each in a fresh process so that peak memory is its own:

* baseline: ``pandas.read_csv`` of every street file (reading only, nothing else);
* workbook: ``csplib.ingest.ingest`` of the same folder plus the ONS district lookup and
  LSOA list from ../shared/realdata (validation, geography assignment, Parquet store and
  coverage included), as a user ingests them.

Prints both times, their ratio and each run's peak memory (max RSS, worker processes
included), and the ingest's geography counts (no LSOA, outside the force area).

    .venv/bin/python benchmarks/bench_ingest.py              # full size (~6M rows)
    .venv/bin/python benchmarks/bench_ingest.py --scale 0.02 # quick look (~120k rows)
    .venv/bin/python benchmarks/bench_ingest.py --keep --reuse   # generate once, keep it

``--briefing`` times instead what one briefing loads from a national store of three
years (all 43 forces, 2021-01 to 2023-12, each year generated as above with its own
seed and ingested; ``--store`` names one already built): one force's 36 months of
the columns a briefing reads (``csplib.report.data.REPORT_COLUMNS``) with the store's
forces, coverage and district lookup, through ``Store``; against plain pandas,
``pandas.read_parquet`` of the whole crimes folder (those columns) then filtered to
the force and months. Each in a fresh process, the files in the page cache.

    .venv/bin/python benchmarks/bench_ingest.py --briefing --keep --reuse
    .venv/bin/python benchmarks/bench_ingest.py --briefing --store benchmarks/output/store3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import police_uk_shape as shape_mod  # noqa: E402

NATIONAL_ROWS = 6_000_000
MONTHS = [f"2023-{m:02d}" for m in range(1, 13)]


def generate(shape: shape_mod.Shape, folder: Path, rows_total: int, seed: int = 1) -> int:
    """Write the real-shaped national year; returns the number of rows written."""
    return shape_mod.generate(
        shape, folder, shape_mod.national_rows(shape, rows_total), MONTHS, seed=seed
    )


YEARS = {2021: 21, 2022: 22, 2023: 1}  # year -> generator seed (2023 is the ingest year)
#: the force a briefing is timed for, and the largest (the worst case)
BRIEFING_FORCES = ["kent", "metropolitan"]


def briefing_months() -> list[str]:
    return [f"{y}-{m:02d}" for y in YEARS for m in range(1, 13)]


def _briefing_child(mode: str, store: str, force: str) -> None:
    import pandas as pd

    from csplib.report.data import REPORT_COLUMNS
    from csplib.store import Store

    months = briefing_months()
    times, rows = [], 0
    for _ in range(3):  # the first is a fresh process's; then the same again
        start = time.perf_counter()
        if mode == "store":
            st = Store(store)
            st.forces(), st.coverage(), st.read("geography_lad")
            rows = len(st.crimes(REPORT_COLUMNS, forces=[force], months=months))
        else:
            frame = pd.read_parquet(Path(store) / "crimes", columns=REPORT_COLUMNS)
            rows = len(frame[(frame["force"] == force) & frame["month"].isin(months)])
            del frame
        times.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "force": force, "seconds": times, "rows": rows,
                      "peak_mb": peak_mb}))  # fmt: skip


def build_store3(work: Path, scale: float, reuse: bool) -> Path:
    """Three real-shaped national years ingested into one store (kept under ``work``)."""
    store = work / "store3"
    if reuse and (store / "coverage.parquet").exists():
        return store
    shape = shape_mod.load_shape()
    folders = []
    for year, seed in YEARS.items():
        folder = work / "years" / str(year)
        if not (reuse and folder.is_dir()):
            shutil.rmtree(folder, ignore_errors=True)
            months = [f"{year}-{m:02d}" for m in range(1, 13)]
            rows = shape_mod.national_rows(shape, int(NATIONAL_ROWS * scale))
            shape_mod.generate(shape, folder, rows, months, seed=seed)
        folders.append(folder)
    from csplib.ingest import ingest

    shutil.rmtree(store, ignore_errors=True)
    t0 = time.perf_counter()
    report = ingest([shape_mod.LAD_LOOKUP, shape_mod.LSOA_LIST, *folders], store)
    size = sum(p.stat().st_size for p in (store / "crimes").rglob("*.parquet"))
    print(
        f"ingested {report.totals()['kept']:,} rows of 3 years into {store} "
        f"({size / 1e6:,.0f} MB of crimes Parquet) in {time.perf_counter() - t0:.1f} s"
    )
    return store


def briefing(args) -> None:
    store = args.store or build_store3(args.work, args.scale, args.reuse)
    print(f"one briefing's figures from {store}: load average {os.getloadavg()[0]:.2f} "
          f"(2 cores)")  # fmt: skip
    print(f"{'':20}{'first s':>9}{'best s':>9}{'rows':>12}{'peak MB':>9}")
    for force in BRIEFING_FORCES:
        runs = {}
        for mode in ("pandas", "store"):
            out = subprocess.run(
                [sys.executable, __file__, "--briefing-child", mode, str(store), force],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            runs[mode] = r = json.loads(out.stdout.strip().splitlines()[-1])
            label = f"{force} {mode}"
            print(f"{label:<20}{r['seconds'][0]:>9.3f}{min(r['seconds']):>9.3f}{r['rows']:>12,}"
                  f"{r['peak_mb']:>9,.0f}")  # fmt: skip
        assert runs["store"]["rows"] == runs["pandas"]["rows"], runs
        print(
            f"  {force}: Store / pandas = {runs['store']['seconds'][0] / runs['pandas']['seconds'][0]:.2f}x"
            " (first run; issue 13 floor 1 s, target 0.3 s for the Store)"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def _child(mode: str, folder: str, store: str) -> None:
    start = time.perf_counter()
    use = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu_before = sum(u.ru_utime + u.ru_stime for u in use)
    counts: dict[str, int] = {}
    if mode == "pandas":
        import pandas as pd

        rows = 0
        for path in sorted(Path(folder).rglob("*.csv")):
            rows += len(pd.read_csv(path))
    else:
        from csplib.ingest import ingest

        geography = [shape_mod.LAD_LOOKUP, shape_mod.LSOA_LIST]
        report = ingest([*geography, Path(folder)], Path(store))
        rows = sum(f.rows_read for f in report.files if f.name.endswith("-street.csv"))
        totals = report.totals()
        counts = {k: totals.get(k, 0) for k in ("no_location", "outside_force_area",
                                                 "unknown_lsoa", "rejected")}  # fmt: skip
    seconds = time.perf_counter() - start
    # CPU time of this process and its worker processes: on a shared machine the wall
    # time depends on the load, the CPU time much less.
    use = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(u.ru_utime + u.ru_stime for u in use) - cpu_before
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Ingest may load files in worker processes: count each at the largest one's peak
    # (an overestimate, as forked workers share pages with their parent).
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    workers = min(os.cpu_count() or 1, 4) if worker_mb else 0
    peak_mb += workers * worker_mb
    print(json.dumps({"mode": mode, "seconds": seconds, "rows": rows, "peak_mb": peak_mb,
                      "cpu": cpu, "counts": counts}))  # fmt: skip


def _run(mode: str, folder: Path, store: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(folder), str(store)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of a national year (~6M rows)"
    )
    parser.add_argument("--work", type=Path, default=HERE / "output", help="scratch folder")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also print bytes per row and distinct values per column of the generated "
        "files beside the real ones",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="use files generated (and kept) by an earlier run"
    )
    parser.add_argument(
        "--briefing", action="store_true", help="time one briefing's read of a 3-year store"
    )
    parser.add_argument("--store", type=Path, help="with --briefing: a 3-year store to read")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--briefing-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    if args.briefing_child:
        _briefing_child(*args.briefing_child)
        return
    if args.briefing:
        briefing(args)
        if not args.keep and not args.store:  # never delete a store given to read
            shutil.rmtree(args.work / "store3", ignore_errors=True)
            shutil.rmtree(args.work / "years", ignore_errors=True)
        return
    folder, store = args.work / "national", args.work / "store"
    t0 = time.perf_counter()
    reused = args.reuse and folder.is_dir()
    if reused:
        rows = sum(sum(1 for _ in p.open("rb")) - 1 for p in folder.rglob("*.csv"))
    else:
        shutil.rmtree(args.work, ignore_errors=True)
        shape = shape_mod.load_shape()
        rows = generate(shape, folder, int(NATIONAL_ROWS * args.scale))
    size = sum(p.stat().st_size for p in folder.rglob("*.csv"))
    print(
        f"{'reused' if reused else 'generated'} {rows:,} rows ({size / 1e6:,.0f} MB, "
        f"{size / rows:.0f} bytes a row) in {time.perf_counter() - t0:.1f} s under {folder}"
    )
    shutil.rmtree(store, ignore_errors=True)
    if args.compare:
        table = shape_mod.comparison(shape, args.work / "compare")
        national = shape_mod.profile(sorted(folder.rglob("*.csv")))
        print(shape_mod.show(table.assign(**{"national generated": national})))
        shutil.rmtree(args.work / "compare")
    load_before = os.getloadavg()[0]
    base = _run("pandas", folder, store)
    ours = _run("ingest", folder, store)
    print(f"load average (2 cores): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    assert ours["rows"] == base["rows"] == rows, (ours, base, rows)
    print(f"{'':10}{'seconds':>10}{'CPU s':>8}{'rows/s':>14}{'peak MB':>10}")
    for r in (base, ours):
        print(
            f"{r['mode']:<10}{r['seconds']:>10.2f}{r['cpu']:>8.2f}"
            f"{r['rows'] / r['seconds']:>14,.0f}{r['peak_mb']:>10,.0f}"
        )
    print(
        f"ratio pandas.read_csv time / csp ingest time = {base['seconds'] / ours['seconds']:.2f} "
        "(>= 1 means ingest, with validation and Parquet writing, is at least as fast)"
    )
    print(
        f"ratio csp ingest time / pandas.read_csv time = {ours['seconds'] / base['seconds']:.2f}x "
        "(issue 13: floor 1.0x, target 0.5x)"
    )
    print(
        f"CPU seconds csp ingest / pandas.read_csv = {ours['cpu'] / base['cpu']:.2f}x "
        "(ingest's worker processes included; less affected by other load)"
    )
    print("ingest geography: " + ", ".join(f"{k} {v:,}" for k, v in ours["counts"].items()))
    if not args.keep:
        shutil.rmtree(args.work, ignore_errors=True)
    else:
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    main()
