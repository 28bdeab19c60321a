"""``make lab``: JupyterLab at the project root on the user's own copy of the explorer.

The tracked ``notebooks/explore.ipynb`` is never opened for editing: JupyterLab would save
outputs and widget state into it. :func:`prepare` copies it to ``work/explore.ipynb``
(git-ignored) the first time, and writes JupyterLab's defaults for this environment
(``.venv/share/jupyter/lab/settings/overrides.json``): no news prompt and no update
check, so nothing is fetched from the network. :func:`lab_argv` is the command:
the server's root is the project root (so ``data/``, ``parameters/`` and ``reports/``
are reachable), the copy opens at start, the server asks for no news and no updates, and
``--allow-root`` is passed when running as root (common in containers), with a note.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from csplib import paths

WORK = "work"
NOTEBOOK = "explore.ipynb"
#: JupyterLab settings for this environment: no news prompt, no update check.
OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    }
}


def prepare(root: Path = paths.ROOT, prefix: Path | None = None) -> tuple[Path, list[str]]:
    """Copy the explorer to ``root/work/`` if it is not there yet and write the settings
    overrides under ``prefix`` (default: this Python's environment). Returns the copy's
    path and notes for the user."""
    notes = []
    copy = root / WORK / NOTEBOOK
    if not copy.exists():
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / "notebooks" / NOTEBOOK, copy)
        notes.append(f"Copied notebooks/{NOTEBOOK} to {WORK}/{NOTEBOOK}: your copy, not "
                     "tracked by git (delete it to start again from the committed one).")  # fmt: skip
    settings = Path(prefix or sys.prefix) / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    target = settings / "overrides.json"
    current = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
    current.update(OVERRIDES)
    target.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    return copy, notes


def lab_argv(
    root: Path = paths.ROOT, *, is_root: bool | None = None
) -> tuple[list[str], list[str]]:
    """(the jupyter lab command, notes): root dir at the project root, the copy open."""
    argv = [
        str(Path(sys.executable).with_name("jupyter")), "lab",
        f"--ServerApp.root_dir={root}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=None",
        f"{WORK}/{NOTEBOOK}",
    ]  # fmt: skip
    notes = []
    if is_root is None:
        is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if is_root:
        argv.insert(2, "--allow-root")
        notes.append("Running as root (as in many containers): passing --allow-root to "
                     "JupyterLab. Prefer an ordinary user where you can.")  # fmt: skip
    return argv, notes


def main() -> None:
    _, notes = prepare()
    argv, more = lab_argv()
    for note in notes + more:
        print(note)
    os.chdir(paths.ROOT)
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
