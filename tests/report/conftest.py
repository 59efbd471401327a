from pathlib import Path

import pytest

SCENARIOS = Path(__file__).parent / "scenarios"


@pytest.fixture(autouse=True)
def _store_in_tmp(tmp_path, monkeypatch):
    """Never write to the real ~/.rareflow: the default store lives in the test's tmp dir."""
    monkeypatch.setenv("RAREFLOW_STORE", str(tmp_path / "runs.duckdb"))


@pytest.fixture(scope="session")
def mini_runs():
    """mini-halt (India halts exports to Japan) and mini-controls (its base), solved once."""
    import rareflow

    halt = rareflow.load(SCENARIOS / "mini-halt.yaml").solve()
    controls = rareflow.load(SCENARIOS / "mini-controls.yaml").solve()
    return halt, controls


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, headless, driven by playwright (one browser per module: playwright's
    sync API allows one instance at a time, and other test folders start their own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()
