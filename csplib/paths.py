"""Project paths, anchored at the project root rather than the current directory."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
RAW = DATA / "raw"
SAMPLE = DATA / "sample"
STORE = DATA / "processed"
PARAMETERS = ROOT / "parameters"
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
SHARED_REALDATA = ROOT.parent / "shared" / "realdata"
#: The file in a report's folder recording what it was built from (csplib.report.run).
REPORT_STAMP = ".inputs.json"
