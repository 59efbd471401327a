"""What a build plan changes at home, on the hand-worked expansion network."""

from rareflow.analyze import home_supply, home_supply_sentences
from tests.analyze.test_explain import lumpy


def test_home_supply_of_a_built_plant():
    # I needs 100 t/yr over 2024–2029; a 100 t/yr plant built in 2025 is online from 2027, so
    # I imports 100 t/yr until 2026 and makes all 100 t/yr itself from 2027.
    r = lumpy(0)
    tab = home_supply(r)
    assert tab["produced"].tolist() == [0, 0, 0, 100, 100, 100]
    assert tab["imports"].tolist() == [100, 100, 100, 0, 0, 0]
    assert home_supply_sentences(r) == [
        "I's m: made at home 0 t in 2024 (0% of its use) → 100 t in 2027 (100% of its use) → "
        "100 t in 2029 (100% of its use); imports 100 t → 0 t → 0 t; it covers all its own use "
        "from 2027."]


def test_nothing_built_nothing_said():
    r = lumpy(150)  # the lumpy plant does not pay: no build
    assert home_supply_sentences(r) == [] and len(home_supply(r)) == 0
