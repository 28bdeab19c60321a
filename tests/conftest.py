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
