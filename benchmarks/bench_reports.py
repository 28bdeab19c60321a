"""Benchmark: one briefing end to end, and a batch of 12, against the naive route.

The naive route is what an analyst scripts by hand: for each report one ``papermill``
CLI call, then one ``jupyter nbconvert --to html --no-input`` CLI call, one after the
other. The workbook's route is ``csp batch`` (reports in parallel worker processes,
papermill and nbconvert called in-process). Both run in this script, on the sample
store (``make ingest-sample`` builds it), and the ratio is printed.

    .venv/bin/python benchmarks/bench_reports.py
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "quarterly_briefing.ipynb"
AREAS = ["Synthchester", "Northvale", "Ambermoor", "Brackenford", "Dunmarsh", "Elmswick",
         "Fallowdown", "Greythorn and Hazelby"]  # fmt: skip
JOBS = [(a, "2024/25 Q2") for a in AREAS] + [(a, "2024/25 Q1") for a in AREAS[:4]]


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


def ours(work: Path, store: Path, jobs: list[tuple[str, str]]) -> float:
    folder = work / "params"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i, (area, period) in enumerate(jobs):
        (folder / f"report-{i:02d}.yaml").write_text(
            f'area: "{area}"\nperiod: "{period}"\nstore: "{store}"\n', encoding="utf-8"
        )
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "csp"), "batch", str(folder), "--out", str(work / "reports"), "--rebuild"],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, default=ROOT / "data" / "processed")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "output" / "reports")
    args = parser.parse_args()
    if not (args.store / "crimes").is_dir():
        sys.exit(f"no store at {args.store}: run `make ingest-sample` first")
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    rows = []
    for label, jobs in (("one briefing", JOBS[:1]), ("batch of 12", JOBS)):
        t_naive = naive(args.work, args.store, jobs)
        t_ours = ours(args.work, args.store, jobs)
        rows.append((label, t_naive, t_ours))
    print(f"{'':14}{'naive s':>10}{'csp batch s':>13}{'ratio':>8}")
    for label, a, b in rows:
        print(f"{label:<14}{a:>10.1f}{b:>13.1f}{a / b:>8.2f}")
    print("ratio = naive time / workbook time (target for the batch: >= 2.5)")


if __name__ == "__main__":
    main()
