"""Where an ingest spends its time: read, parse, validate, geography, write.

Runs ``csplib.ingest.ingest`` on a folder of street files in this one process (police
files loaded one after another, no worker processes, so the profiler sees every call)
and prints the time of each stage:

* read: the files' bytes from disk (``InputFile.read_bytes``);
* parse: CSV text to Arrow columns (``base.read_table``);
* geography: LSOA -> district, partnership and force area (``police_uk._geography``);
* validate: the rest of loading a police file (months, crime types, coordinates,
  forces, flags);
* write: Parquet partitions and their rejects (``Store.write_partition*``);
* other: setup (the ONS lookups, the LSOA list), coverage, the report.

By default it samples the run with py-spy (``pip install py-spy``; no cost per Python
call, so the stages are in proportion) and sorts each sample into the innermost stage
on its stack; ``--cprofile`` uses cProfile instead (always available; it adds a cost to
every Python call, which inflates the stages that make many small calls).

    .venv/bin/python benchmarks/profile_ingest.py benchmarks/output/national
    .venv/bin/python benchmarks/profile_ingest.py FOLDER --cprofile --top 25
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import police_uk_shape as shape_mod  # noqa: E402

import csplib.ingest as ingest_module  # noqa: E402

#: stage -> (file, function) whose calls it is; checked innermost first
STAGES = {
    "write": [("store.py", "write_partition"), ("store.py", "write_partition_rejects")],
    "geography": [("police_uk.py", "_geography")],
    "parse": [("base.py", "read_table")],
    "read": [("files.py", "read_bytes")],
    "validate": [("ingest.py", "load_police_file")],
}
ORDER = ["read", "parse", "validate", "geography", "write", "other"]


class _Inline:
    """An executor that runs each job in the calling thread, where a profiler sees it."""

    def map(self, fn, jobs, chunksize=1):
        return map(fn, jobs)

    def shutdown(self, wait=True, cancel_futures=False):
        pass


def _one_process(n_jobs, geography):
    ingest_module.police_uk.prepare_geography(geography)
    return _Inline(), partial(ingest_module._police_job, geography=geography), 1


def run_ingest(folder: Path) -> float:
    ingest_module._police_pool = _one_process
    store = Path(tempfile.mkdtemp(prefix="profile-store-"))
    start = time.perf_counter()
    try:
        ingest_module.ingest([shape_mod.LAD_LOOKUP, shape_mod.LSOA_LIST, folder], store)
    finally:
        shutil.rmtree(store, ignore_errors=True)
    return time.perf_counter() - start


def show(seconds: dict[str, float], total: float, how: str) -> None:
    print(f"{'stage':<12}{'seconds':>9}{'share':>8}")
    for k in ORDER:
        print(f"{k:<12}{seconds.get(k, 0.0):>9.2f}{seconds.get(k, 0.0) / total:>8.0%}")
    print(f"{'total':<12}{total:>9.2f}   ({how}, one process)")


def stage_of(frames: list[tuple[str, str]]) -> str:
    """The stage of a stack (outermost frame first): its innermost stage function."""
    for file, func in reversed(frames):
        for stage, calls in STAGES.items():
            # py-spy names methods with their class ("Store.write_partition")
            if any(file.endswith(f) and func.rpartition(".")[2] == fn for f, fn in calls):
                return stage
    return "other"


def with_pyspy(folder: Path, rate: int) -> None:
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "stacks.txt"
        cmd = [pyspy, "record", "--format", "raw", "--rate", str(rate), "--output", str(raw),
               "--", sys.executable, __file__, str(folder), "--child"]  # fmt: skip
        subprocess.run(cmd, check=True, capture_output=True)
        samples: Counter = Counter()
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            # frames look like "function (path/file.py:line)"
            frames = []
            for frame in stack.split(";"):
                func, _, where = frame.partition(" (")
                frames.append((where.split(":")[0], func))
            samples[stage_of(frames)] += int(count)
    total = sum(samples.values())
    show({k: v / rate for k, v in samples.items()}, total / rate, f"py-spy, {total:,} samples")


def with_cprofile(folder: Path, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    wall = run_ingest(folder)
    profiler.disable()
    stats = pstats.Stats(profiler)

    def cumulative(file: str, func: str) -> float:
        return sum(
            v[3]
            for (path, _line, name), v in stats.stats.items()  # type: ignore[attr-defined]
            if name == func and path.endswith(file)
        )

    t = {k: sum(cumulative(*c) for c in calls) for k, calls in STAGES.items()}
    seconds = {
        "read": t["read"],
        "parse": t["parse"],
        "geography": t["geography"],
        "write": t["write"],
        # load_police_file holds reading, parsing, geography and its own write
        "validate": t["validate"] - t["read"] - t["parse"] - t["geography"] - t["write"],
    }
    total = cumulative("ingest.py", "ingest")
    seconds["other"] = total - sum(seconds.values())
    show(seconds, total, f"cProfile, wall {wall:.2f} s")
    if top:
        stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="folder of street files (download layout)")
    parser.add_argument("--cprofile", action="store_true", help="cProfile instead of py-spy")
    parser.add_argument("--top", type=int, default=0, help="with --cprofile: print the top N")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples a second")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(f"ingest took {run_ingest(args.folder):.2f} s")
    elif args.cprofile:
        with_cprofile(args.folder, args.top)
    else:
        with_pyspy(args.folder, args.rate)


if __name__ == "__main__":
    main()
