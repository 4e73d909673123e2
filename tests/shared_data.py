"""Locate ../shared/data (beside the repo in CI and in development) for tests that read it."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL_CATALOG = SHARED / "data" / "download-metadata.json"


def real_catalog_path() -> Path:
    if not REAL_CATALOG.is_file():
        pytest.skip(f"the real catalog is not at {REAL_CATALOG}")
    return REAL_CATALOG
