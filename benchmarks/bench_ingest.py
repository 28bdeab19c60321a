"""Benchmark: `csp ingest` on a national-size year against plain pandas.read_csv.

Generates about 6 million street rows (43 forces x 12 months, files in the real
data.police.uk layout: YYYY-MM/YYYY-MM-<force>-street.csv), then times, each in a
fresh process so that peak memory is its own:

* baseline: ``pandas.read_csv`` of every file (reading only, nothing else);
* workbook: ``csplib.ingest.ingest`` of the same folder (validation, geography
  assignment, Parquet store and coverage included).

Prints both times, their ratio and each run's peak memory (max RSS, worker processes
included).

    .venv/bin/python benchmarks/bench_ingest.py              # full size (~6M rows)
    .venv/bin/python benchmarks/bench_ingest.py --scale 0.1  # quick look
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

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

HERE = Path(__file__).resolve().parent
HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
          "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
          "Context"]  # fmt: skip
TYPES = ["Violence and sexual offences", "Anti-social behaviour", "Criminal damage and arson",
         "Public order", "Burglary", "Other theft", "Vehicle crime", "Shoplifting", "Other crime",
         "Drugs", "Robbery", "Possession of weapons", "Theft from the person", "Bicycle theft"]  # fmt: skip
SHARES = np.array(
    [7133, 2133, 1697, 1308, 1190, 1158, 987, 907, 506, 290, 148, 123, 114, 98], float
)
OUTCOMES = ["Investigation complete; no suspect identified", "Unable to prosecute suspect",
            "Under investigation", "Status update unavailable", "Offender given a caution"]  # fmt: skip


def generate(
    folder: Path, rows_total: int, forces: int = 43, months: int = 12, seed: int = 1
) -> int:
    """Write the synthetic national year; returns the number of rows written."""
    rng = np.random.default_rng(seed)
    per_file = rows_total // (forces * months)
    lsoas_per_force = 800
    written = 0
    for f in range(forces):
        force_id = f"bench-force-{f:02d}"
        force_name = f"Bench Force {f:02d} (synthetic)"
        codes = np.array([f"X01{f:02d}{i:04d}" for i in range(lsoas_per_force)])
        names = np.array(
            [f"Benchtown{f:02d} {i // 8:03d}{'ABCDEFGH'[i % 8]}" for i in range(lsoas_per_force)]
        )
        for m in range(months):
            month = f"2023-{m + 1:02d}"
            n = int(per_file * rng.uniform(0.8, 1.2))
            t = rng.choice(len(TYPES), size=n, p=SHARES / SHARES.sum())
            lsoa = rng.integers(0, lsoas_per_force, size=n)
            no_loc = rng.random(n) < 0.02
            types = np.array(TYPES)[t]
            asb = types == "Anti-social behaviour"
            ids = np.where(asb, "", np.char.add(f"{f:02d}{m:02d}", np.arange(n).astype(str)))
            lon = np.where(no_loc, "", np.round(-2 + rng.random(n), 6).astype(str))
            lat = np.where(no_loc, "", np.round(52 + rng.random(n), 6).astype(str))
            table = pa.table({
                "Crime ID": ids, "Month": np.full(n, month), "Reported by": np.full(n, force_name),
                "Falls within": np.full(n, force_name), "Longitude": lon, "Latitude": lat,
                "Location": np.where(no_loc, "No location", "On or near High Street"),
                "LSOA code": np.where(no_loc, "", codes[lsoa]),
                "LSOA name": np.where(no_loc, "", names[lsoa]), "Crime type": types,
                "Last outcome category": np.where(asb, "", np.array(OUTCOMES)[rng.integers(0, 5, n)]),
                "Context": np.full(n, ""),
            })  # fmt: skip
            path = folder / month / f"{month}-{force_id}-street.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
            written += n
    return written


def _child(mode: str, folder: str, store: str) -> None:
    start = time.perf_counter()
    if mode == "pandas":
        import pandas as pd

        rows = 0
        for path in sorted(Path(folder).rglob("*.csv")):
            rows += len(pd.read_csv(path))
    else:
        from csplib.ingest import ingest

        report = ingest([Path(folder)], Path(store))
        rows = report.totals()["rows_read"]
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Ingest may load files in worker processes: count each at the largest one's peak
    # (an overestimate, as forked workers share pages with their parent).
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    workers = min(os.cpu_count() or 1, 4) if worker_mb else 0
    peak_mb += workers * worker_mb
    print(json.dumps({"mode": mode, "seconds": seconds, "rows": rows, "peak_mb": peak_mb}))


def _run(mode: str, folder: Path, store: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(folder), str(store)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of ~6M rows")
    parser.add_argument("--work", type=Path, default=HERE / "output", help="scratch folder")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    folder, store = args.work / "national", args.work / "store"
    shutil.rmtree(args.work, ignore_errors=True)
    t0 = time.perf_counter()
    rows = generate(folder, int(6_000_000 * args.scale))
    print(f"generated {rows:,} rows in {time.perf_counter() - t0:.1f} s under {folder}")
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
    if not args.keep:
        shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
