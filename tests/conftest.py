"""Shared fixtures. Real published files live in ../shared/realdata beside the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from csplib.paths import SHARED_REALDATA


@pytest.fixture(scope="session")
def realdata() -> Path:
    """Folder of real published police and ONS files; skips the test when absent."""
    if not SHARED_REALDATA.is_dir():
        pytest.skip(
            f"real data folder {SHARED_REALDATA} is absent (it sits beside the project in CI)"
        )
    return SHARED_REALDATA


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory):
    """The built-in synthetic sample, generated and ingested once per test session."""
    from csplib.ingest import ingest
    from csplib.sample import generate

    root = tmp_path_factory.mktemp("sample")
    manifest = generate(root / "sample")
    report = ingest([root / "sample"], root / "store")
    assert report.ok, report.render()
    return root / "store", manifest
