from pathlib import Path

import pytest

from tests.browser import launched

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




@pytest.fixture(scope="module")
def chromium():
    """Chromium driven by playwright, one per module; skipped with the reason where no
    browser is installed, a failure in CI (tests/browser.py)."""
    with launched() as browser:
        yield browser
