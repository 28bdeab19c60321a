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


def _child(mode: str, folder: str, store: str) -> None:
    start = time.perf_counter()
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
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Ingest may load files in worker processes: count each at the largest one's peak
    # (an overestimate, as forked workers share pages with their parent).
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    workers = min(os.cpu_count() or 1, 4) if worker_mb else 0
    peak_mb += workers * worker_mb
    print(json.dumps({"mode": mode, "seconds": seconds, "rows": rows, "peak_mb": peak_mb,
                      "counts": counts}))  # fmt: skip


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
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    folder, store = args.work / "national", args.work / "store"
    shutil.rmtree(args.work, ignore_errors=True)
    t0 = time.perf_counter()
    shape = shape_mod.load_shape()
    rows = generate(shape, folder, int(NATIONAL_ROWS * args.scale))
    size = sum(p.stat().st_size for p in folder.rglob("*.csv"))
    print(
        f"generated {rows:,} rows ({size / 1e6:,.0f} MB, {size / rows:.0f} bytes a row) in "
        f"{time.perf_counter() - t0:.1f} s under {folder}"
    )
    if args.compare:
        table = shape_mod.comparison(shape, args.work / "compare")
        national = shape_mod.profile(sorted(folder.rglob("*.csv")))
        print(shape_mod.show(table.assign(**{"national generated": national})))
        shutil.rmtree(args.work / "compare")
    base = _run("pandas", folder, store)
    ours = _run("ingest", folder, store)
    assert ours["rows"] == base["rows"] == rows, (ours, base, rows)
    print(f"{'':10}{'seconds':>10}{'rows/s':>14}{'peak MB':>10}")
    for r in (base, ours):
        print(
            f"{r['mode']:<10}{r['seconds']:>10.2f}{r['rows'] / r['seconds']:>14,.0f}{r['peak_mb']:>10,.0f}"
        )
    print(
        f"ratio pandas.read_csv time / csp ingest time = {base['seconds'] / ours['seconds']:.2f} "
        "(>= 1 means ingest, with validation and Parquet writing, is at least as fast)"
    )
    print(
        f"ratio csp ingest time / pandas.read_csv time = {ours['seconds'] / base['seconds']:.2f}x "
        "(issue 13: floor 1.0x, target 0.5x)"
    )
    print("ingest geography: " + ", ".join(f"{k} {v:,}" for k, v in ours["counts"].items()))
    if not args.keep:
        shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
