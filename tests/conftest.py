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
