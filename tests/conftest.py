import pytest


def chain(**over):
    """A small scenario mapping: one magnet commodity, regions A (maker), B (buyer), C (alt)."""
    base = {
        "name": "hand",
        "periods": [2024, 2025],
        "commodities": {"m": {"unit": "t"}},
        "regions": {"A": {}, "B": {}, "C": {}},
        "processes": {"make": {"outputs": {"m": 1}}},
        "facilities": [],
        "routes": [],
        "demands": [],
    }
    base.update(over)
    return base


@pytest.fixture
def approx():
    return lambda v: pytest.approx(v, rel=1e-9, abs=1e-6)


@pytest.fixture(autouse=True)
def _private_run_store(tmp_path_factory, monkeypatch):
    """Every test (and every CLI it starts) records runs in a throwaway store, never in ~."""
    monkeypatch.setenv("RAREFLOW_STORE", str(tmp_path_factory.mktemp("store") / "runs.duckdb"))
