"""Shared fixtures: copies of the cache and of the book, so no test ever writes to the real data/."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from shockbook import paths


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``: compared before and after, it proves nothing changed."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def market_copy(tmp_path) -> Path:
    """A private copy of data/market."""
    dst = tmp_path / "market"
    shutil.copytree(paths.MARKET_DIR, dst)
    return dst


@pytest.fixture(scope="session")
def real_data_digest() -> dict[str, str]:
    return tree_digest(paths.DATA_DIR)


@pytest.fixture
def data_untouched(real_data_digest):
    """Fails the test if it changed any byte of the real data/ folder."""
    yield
    assert tree_digest(paths.DATA_DIR) == real_data_digest, "the test changed data/"


#: The browser the site tests drive: Debian's chromium (make test installs it as root), or CHROMIUM_PATH.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    """Chromium through Playwright, with no background traffic (no network here): one browser for each
    pytest-xdist worker's whole session (a launch costs seconds on a loaded machine, and every module that
    opens pages asks for it). Each test opens its own context (a fresh, empty profile), so nothing a page
    stores reaches another test."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: `apt-get install chromium` (make test does it when run as root)")
    from playwright.sync_api import sync_playwright

    from shockbook.site import pdf

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=pdf.CHROMIUM_ARGS)
        yield b
        b.close()
