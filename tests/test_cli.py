"""The ``csp`` command line as a user meets it: usage errors, one meaning per flag, a
quick start.

The usage-error tests run the installed console script in a subprocess, so they see
what a shell sees: the exit code, stderr, and no traceback whatever typer or click
version is installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import csplib.report.run as run_module
from csplib.cli import main

SCRIPT = Path(sys.executable).with_name("csp")


def csp(*args: str) -> subprocess.CompletedProcess:
    """Run the installed ``csp`` (or ``python -m csplib.cli`` where it is not installed)."""
    cmd = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "csplib.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("args", "usage", "error"),
    [
        (["briefing", "--area", "Synthchester"], "Usage: csp briefing",
         "Missing option '--quarter'"),
        (["ingest"], "Usage: csp ingest", "Missing argument"),
        (["briefing", "--are", "Synthchester"], "Usage: csp briefing",
         "No such option: --are"),
        (["fetch", "police-uk", "--from", "2024-01", "--to", "2024-02", "--rebuild"],
         "Usage: csp fetch police-uk", "No such option: --rebuild"),
        (["brefing"], "Usage: csp [OPTIONS] COMMAND", "No such command 'brefing'"),
    ],
    ids=["missing-option", "missing-argument", "unknown-option", "flag-of-another-command",
         "misspelt-command"],
)  # fmt: skip
def test_usage_errors_print_the_short_usage_and_exit_2(args, usage, error) -> None:
    done = csp(*args)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert usage in done.stderr and error in done.stderr
    assert "--help" in done.stderr  # where to look next
    assert len(done.stderr.strip().splitlines()) <= 5


def test_a_user_error_is_one_line_and_exit_2(tmp_path) -> None:
    done = csp("coverage", "--store", str(tmp_path / "nothing-here"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1


def test_help_exits_0_and_lists_every_command() -> None:
    done = csp("--help")
    assert done.returncode == 0 and done.stderr == ""
    for command in ("ingest", "sample", "coverage", "areas", "briefing", "assessment",
                    "batch", "fetch"):  # fmt: skip
        assert command in done.stdout


def test_the_cli_imports_no_analysis_library_until_a_command_runs() -> None:
    code = (
        "import sys, csplib.cli; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pandas', 'numpy', 'pyarrow', 'duckdb', 'matplotlib', 'httpx', 'shapely', 'scipy'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


# -- one meaning per flag: --rebuild rebuilds, --force is the police force --------------


@pytest.fixture
def calls(monkeypatch) -> list[dict]:
    """Stand-ins for the report runners, recording what the CLI asked of them."""
    seen: list[dict] = []

    def run_report(params, out, *, force=False, **kw):
        seen.append({"report": params.report, "force": force})
        return SimpleNamespace(status="written", html=Path("report.html"), pdf=None)

    def run_batch(inputs, out, *, force=False, **kw):
        seen.append({"report": "batch", "force": force})
        return []

    monkeypatch.setattr(run_module, "run_report", run_report)
    monkeypatch.setattr(run_module, "run_batch", run_batch)
    monkeypatch.setattr(run_module, "summary", lambda results: "0 reports")
    return seen


@pytest.mark.parametrize(
    "command",
    [
        ["briefing", "--area", "Synthchester", "--quarter", "2024/25 Q2"],
        ["assessment", "--area", "Synthchester", "--year", "2023/24"],
        ["batch", "parameters"],
    ],
    ids=["briefing", "assessment", "batch"],
)
def test_rebuild_is_the_flag_and_force_still_works_with_a_warning(command, calls, capsys) -> None:
    assert main(command) == 0
    assert main([*command, "--rebuild"]) == 0
    assert capsys.readouterr().err == ""
    assert main([*command, "--force"]) == 0
    err = capsys.readouterr().err
    assert f"'csp {command[0]} --force' is deprecated" in err and "--rebuild" in err
    assert [c["force"] for c in calls] == [False, True, True]


def test_force_is_hidden_where_it_is_not_the_police_force() -> None:
    for command in ("briefing", "assessment", "batch"):
        shown = csp(command, "--help").stdout
        assert "--rebuild" in shown and "--force" not in shown, command
    assert "--force" in csp("fetch", "police-uk", "--help").stdout
