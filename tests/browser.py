"""The one place the tests find a browser: Chromium at $RAREFLOW_CHROMIUM or /usr/bin/chromium.

A fresh machine without Chromium skips the browser tests, saying why and how to get it; in CI
(`CI=true`) a missing browser is a failure instead, so a broken CI image cannot pass by
skipping everything that draws.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

DEFAULT = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
HOW = ("install it (Debian/Ubuntu: `sudo apt-get install chromium`) or point $RAREFLOW_CHROMIUM "
       "at a Chromium or Chrome binary; playwright's own `playwright install chromium` works too "
       "with RAREFLOW_CHROMIUM set to the path it prints")


def in_ci(env=None) -> bool:
    """CI providers set CI=true (GitHub Actions, GitLab, most others)."""
    env = os.environ if env is None else env
    return str(env.get("CI", "")).strip().lower() in ("true", "1", "yes")


def missing(env=None) -> str | None:
    """Why no browser can run here (None when one can): no executable Chromium at the
    configured path, or no playwright to drive it."""
    env = os.environ if env is None else env
    path = env.get("RAREFLOW_CHROMIUM") or DEFAULT
    exe = Path(path) if Path(path).is_absolute() else shutil.which(path)
    if not exe or not Path(exe).is_file() or not os.access(exe, os.X_OK):
        where = "$RAREFLOW_CHROMIUM" if env.get("RAREFLOW_CHROMIUM") else "the default path"
        return f"no Chromium at {path} ({where}); {HOW}"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


def require(env=None) -> str:
    """The Chromium path, or skip the test with the reason (fail instead in CI)."""
    env = os.environ if env is None else env
    why = missing(env)
    if why:
        if in_ci(env):
            pytest.fail(f"browser tests must run in CI (CI=true), but {why}", pytrace=False)
        pytest.skip(f"browser tests skipped: {why}")
    return env.get("RAREFLOW_CHROMIUM") or DEFAULT


@contextmanager
def launched() -> Iterator:
    """A headless Chromium driven by playwright, for one module's fixture (playwright's sync
    API allows one instance at a time)."""
    path = require()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
