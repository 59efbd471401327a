from pathlib import Path

import pytest

SCENARIOS = Path(__file__).parents[1] / "report" / "scenarios"


@pytest.fixture(autouse=True)
def _store_in_tmp(tmp_path, monkeypatch):
    """Never write to the real ~/.rareflow: the default store lives in the test's tmp dir."""
    monkeypatch.setenv("RAREFLOW_STORE", str(tmp_path / "default-runs.duckdb"))


@pytest.fixture(scope="session")
def mini_results():
    import rareflow

    return rareflow.load(SCENARIOS / "mini-halt.yaml").solve()
