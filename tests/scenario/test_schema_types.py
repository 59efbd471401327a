"""The scenario's number and period types write their core schema directly (types._Checked):
it must be the schema pydantic derives from the same validators spelled as Before/After
validators, node for node, so validation and its error messages are unchanged."""

import pytest
from pydantic import TypeAdapter, ValidationError

from rareflow.scenario import types


def plain(schema):
    """The schema without pydantic's bookkeeping (`metadata`: JSON-schema hints only)."""
    if isinstance(schema, dict):
        return {k: plain(v) for k, v in schema.items() if k != "metadata"}
    if isinstance(schema, list):
        return [plain(v) for v in schema]
    return schema


@pytest.mark.parametrize("name", sorted(types.SPELLED))
def test_checked_type_is_the_spelled_schema(name):
    mine = TypeAdapter(getattr(types, name)).core_schema
    spelled = TypeAdapter(types.SPELLED[name]).core_schema
    assert plain(mine) == plain(spelled)


@pytest.mark.parametrize("name, value", [("Amount", -1), ("Amount", "12"), ("Bound", float("nan")),
                                         ("Coef", 0), ("Fraction", 1.5), ("Real", 2e13),
                                         ("PeriodKey", "2025-13"), ("Amount", True)])
def test_checked_type_refuses_as_spelled(name, value):
    errors = []
    for t in (getattr(types, name), types.SPELLED[name]):
        with pytest.raises(ValidationError) as e:
            TypeAdapter(t).validate_python(value)
        errors.append([{**err, "ctx": repr(err.get("ctx"))} for err in e.value.errors(include_url=False)])
    assert errors[0] == errors[1]


@pytest.mark.parametrize("name, value", [("Amount", 3), ("Bound", float("inf")), ("Coef", 0.5),
                                         ("PeriodKey", 2025), ("PeriodKey", "2025Q2"),
                                         ("DateText", 2025)])
def test_checked_type_accepts_as_spelled(name, value):
    got = TypeAdapter(getattr(types, name)).validate_python(value)
    assert got == TypeAdapter(types.SPELLED[name]).validate_python(value)
    assert type(got) is type(TypeAdapter(types.SPELLED[name]).validate_python(value))
