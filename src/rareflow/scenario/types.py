"""Field types shared by the scenario schema and the policy modules.

Numbers are checked once, at load time, so that the LP assembly can trust them: NaN is
never data, infinity only where "unbounded" makes sense, negatives only where allowed.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from pydantic_core import core_schema

from rareflow.scenario.periods import parse_key


class Block(BaseModel):
    """Base of every scenario block: unknown keys are errors, never silently ignored.

    `defer_build`: a block's validator is compiled when it is first used, not when its class is
    defined; every process imports the ~50 block classes, and compiling each one's validator
    at import cost more than compiling the scenario's once when a file is read (issue 17)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_default=False,
                              defer_build=True)


def _number(v: Any) -> Any:
    if isinstance(v, bool):
        raise ValueError("expected a number, got a true/false value | write a number")
    if isinstance(v, str):
        s = v.strip().lower()
        if s in {".inf", "inf", "+inf", "infinity"}:
            return math.inf
        try:
            float(s)
        except ValueError:
            raise ValueError(f"expected a number, got the text '{v}' | write a number") from None
        raise ValueError(f"expected a number, got the text '{v}' | write {v} without quotes")
    return v


LARGEST = 1e12  # tonnes or currency per tonne: beyond this a number is a unit mistake


def _not_huge(v: float) -> float:
    if math.isfinite(v) and abs(v) > LARGEST:
        raise ValueError(f"{v:g} is implausibly large (over {LARGEST:g}) | check the units: "
                         "amounts are tonnes and costs are per tonne; use .inf for unbounded")
    return v


def _finite_nonneg(v: float) -> float:
    if math.isnan(v):
        raise ValueError("NaN is not a value | write a number")
    if math.isinf(v):
        raise ValueError("infinity is not allowed here | write a finite number")
    if v < 0:
        raise ValueError(f"must be zero or more, got {v:g} | write 0 or a positive number")
    return v


def _nonneg_or_inf(v: float) -> float:
    if math.isnan(v):
        raise ValueError("NaN is not a value | write a number, or .inf for unbounded")
    if v < 0:
        raise ValueError(f"must be zero or more, got {v:g} | write 0 or a positive number, "
                         "or .inf for unbounded")
    return v


def _positive(v: float) -> float:
    _finite_nonneg(v)
    if v == 0:
        raise ValueError("must be greater than zero | write a positive coefficient or drop the entry")
    return v


def _finite(v: float) -> float:
    if math.isnan(v) or math.isinf(v):
        raise ValueError("must be a finite number | write a number")
    return v


def _fraction(v: float) -> float:
    _finite_nonneg(v)
    if v > 1:
        raise ValueError(f"must be a fraction between 0 and 1, got {v:g} | write e.g. 0.3 for 30 %")
    return v


def _period_key(v: Any) -> Any:
    if isinstance(v, _dt.datetime):
        v = v.date()
    if isinstance(v, _dt.date):
        raise ValueError(
            f"'{v}' is a date | write a year (2025), a quarter (2025Q2) or a month (2025-05)"
        )
    try:
        parse_key(v)
    except ValueError as e:
        raise ValueError(str(e).replace("; use", " | use")) from None
    return v if isinstance(v, int) else str(v)


def final_level(v: Any) -> Any:
    """A stock's `final.min`: the word `initial` or a level in tonnes (finite, ≥ 0)."""
    if isinstance(v, str):
        if v.strip().lower() == "initial":
            return "initial"
        raise ValueError(f"expected 'initial' or a number, got the text '{v}' | write "
                         "'min: initial' or a level in t such as 'min: 1000'")
    v = _number(v)
    if not isinstance(v, int | float):
        raise ValueError(f"expected 'initial' or a number, got {v!r} | write 'min: initial' or "
                         "a level in t such as 'min: 1000'")
    return _not_huge(_finite_nonneg(float(v)))


def _date_text(v: Any) -> Any:
    if isinstance(v, _dt.date | _dt.datetime):
        return v.isoformat()
    return v


class _Checked:
    """`Annotated[T, _Checked(before, *after)]` validates as `Annotated[T,
    BeforeValidator(before), AfterValidator(a1), AfterValidator(a2), …]` does — the same core
    schema, node for node (tests/scenario/test_schema_types.py compares them) — but writes
    that schema directly instead of having pydantic derive it at every use.

    Why: these types appear ~400 times in the scenario schema (every amount, bound, period
    key of every block), and pydantic derives each use again, inspecting each validator's
    signature; the derivation was 0.05 s of every `rareflow run` (issue 17). The functions
    take no `info` argument, so the schema is the `no-info` form pydantic picks for them."""

    def __init__(self, base: str, before, *after) -> None:
        self.base, self.before, self.after = base, before, after

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        if self.base == "float":
            inner = core_schema.float_schema()
        elif self.base == "int|str":
            inner = core_schema.union_schema([core_schema.int_schema(), core_schema.str_schema()])
        else:  # "str|int"
            inner = core_schema.union_schema([core_schema.str_schema(), core_schema.int_schema()])
        out = core_schema.no_info_before_validator_function(self.before, inner)
        for f in self.after:
            out = core_schema.no_info_after_validator_function(f, out)
        return out


Amount = Annotated[float, _Checked("float", _number, _finite_nonneg, _not_huge)]
"""Finite, ≥ 0 (tonnes, costs, rates)."""
Bound = Annotated[float, _Checked("float", _number, _nonneg_or_inf, _not_huge)]
"""≥ 0 or .inf (capacities)."""
Coef = Annotated[float, _Checked("float", _number, _positive, _not_huge)]
"""> 0 (process coefficients)."""
Fraction = Annotated[float, _Checked("float", _number, _fraction)]
Real = Annotated[float, _Checked("float", _number, _finite, _not_huge)]
PeriodKey = Annotated[int | str, _Checked("int|str", _period_key)]
DateText = Annotated[str | int, _Checked("str|int", _date_text)]

# the same types as pydantic's validators spell them (what `_Checked` must equal)
SPELLED = {
    "Amount": Annotated[float, BeforeValidator(_number), AfterValidator(_finite_nonneg),
                        AfterValidator(_not_huge)],
    "Bound": Annotated[float, BeforeValidator(_number), AfterValidator(_nonneg_or_inf),
                       AfterValidator(_not_huge)],
    "Coef": Annotated[float, BeforeValidator(_number), AfterValidator(_positive),
                      AfterValidator(_not_huge)],
    "Fraction": Annotated[float, BeforeValidator(_number), AfterValidator(_fraction)],
    "Real": Annotated[float, BeforeValidator(_number), AfterValidator(_finite),
                      AfterValidator(_not_huge)],
    "PeriodKey": Annotated[int | str, BeforeValidator(_period_key)],
    "DateText": Annotated[str | int, BeforeValidator(_date_text)],
}

AmountSeries = Amount | dict[PeriodKey, Amount]
BoundSeries = Bound | dict[PeriodKey, Bound]


def _plain_name(v: str) -> str:
    """A scenario's name names it; it is never a path. (The default output folder is made from
    it, so `name: ../../somewhere` must not reach the file system.)"""
    if "/" in v or "\\" in v or v.strip() in (".", "..") or "\x00" in v:
        raise ValueError(f"the name {v[:60]!r} looks like a path | write a plain name without "
                         "'/', '\\' or '..', e.g. 'india-halt-2025' (put files where you like "
                         "with --out)")
    return v


ScenarioName = Annotated[str, AfterValidator(_plain_name)]
