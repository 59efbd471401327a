"""The levers file (`data/levers.yaml`): what the dashboard's levers are, as data.

Which scenarios a lever lays over the current one, which facilities it scales, which candidate
it builds, with labels and ranges: dataset knowledge, so it lives beside the built-in
scenarios, not in code. This module reads and checks the file (pydantic); `web/levers.py`
holds the mechanism of each lever type. A bad file is refused with its name, the field and
the fix, like a bad scenario file.
"""

from __future__ import annotations

import re
import string
from importlib import resources
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from rareflow.errors import Problem, ScenarioError
from rareflow.scenario.loader import safe_yaml
from rareflow.scenario.validate import pydantic_problems

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")  # a scenario name, as the API takes them
LEVER_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_BYTES = 1024 * 1024


def _name(v: str | None) -> str | None:
    if v is not None and not NAME.match(v):
        raise ValueError(f"'{v}' is not a scenario name | write the name of a built-in scenario "
                         "(the file name without .yaml), e.g. baseline-2024")
    return v


def _positive(v: float) -> float:
    if not v > 0:
        raise ValueError(f"{v:g} is not above zero | write a positive number")
    return v


ScenarioName = Annotated[str, AfterValidator(_name)]
Positive = Annotated[float, AfterValidator(_positive)]


class LeverFileError(ScenarioError):
    """The levers file is unreadable or breaks its schema; each problem names the field and fix."""

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the levers file:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


def builtin_levers_file() -> Path:
    return Path(str(resources.files("rareflow") / "data" / "levers.yaml"))


# ---- the schema -----------------------------------------------------------------------------
class _Spec(BaseModel):
    """What every lever has: an id (the key of its value in `POST /api/runs`), a label, help."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    PLACEHOLDERS: ClassVar[tuple[str, ...]] = ()

    id: str = Field(description="lower-case letters, digits and _ (e.g. india_halt)")
    label: str = Field(min_length=1, max_length=80)
    help: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not LEVER_ID.match(v):
            raise ValueError(f"'{v}' is not a lever id | use lower-case letters, digits and _, "
                             "starting with a letter (e.g. india_halt)")
        return v

    @field_validator("help")
    @classmethod
    def _placeholders(cls, v: str) -> str:
        try:
            names = [f for _, f, _, _ in string.Formatter().parse(v) if f is not None]
        except ValueError:
            raise ValueError("unmatched { or } in the help text | write {{ and }} for a brace "
                             "that is not a placeholder") from None
        allowed = ", ".join(f"{{{p}}}" for p in cls.PLACEHOLDERS) or "none"
        for f in names:
            if f not in cls.PLACEHOLDERS:
                raise ValueError(f"unknown placeholder {{{f}}} in the help text | use only: {allowed}")
        return v


class ScenarioLever(_Spec):
    """A switch: lay a scenario's own items over the current scenario, or take them out."""

    type: Literal["scenario"]
    scenario: ScenarioName


class FacilityPick(BaseModel):
    """Which facilities a lever moves: a whole word of the owner (any case) or an id prefix."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    owner: str | None = Field(None, min_length=1)
    id_prefix: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _some(self) -> FacilityPick:
        if self.owner is None and self.id_prefix is None:
            raise ValueError("picks no facility | add 'owner:' (a word of the facilities' owner) "
                             "and/or 'id_prefix:' (the start of their ids)")
        return self

    def words(self) -> str:
        """The pick in words (the lever's `source`)."""
        if self.owner:
            return f"facilities owned by {self.owner}"
        return f"facilities whose id starts with '{self.id_prefix}'"


class ScaleLever(_Spec):
    """A percentage of the capacity of the picked facilities (100 = the scenario's)."""

    PLACEHOLDERS: ClassVar[tuple[str, ...]] = ("ids",)
    type: Literal["scale"]
    facilities: FacilityPick
    min: float = 0.0
    max: float = 200.0
    step: Positive = 5.0

    @model_validator(mode="after")
    def _range(self) -> ScaleLever:
        if self.min < 0:
            raise ValueError(f"min {self.min:g} % is below zero | set min to 0 or more")
        if not self.min <= 100.0 <= self.max:
            raise ValueError(f"the range {self.min:g}–{self.max:g} % leaves out 100 % (the "
                             "scenario as published) | set min ≤ 100 ≤ max")
        return self


class TollingLever(_Spec):
    """A choice among the tolling partners of a scenario's tolling policies."""

    type: Literal["tolling"]
    scenario: ScenarioName


class PlantLever(_Spec):
    """A candidate plant built at a chosen size from a chosen year, its feeders sized to it."""

    PLACEHOLDERS: ClassVar[tuple[str, ...]] = ("plant", "feeders", "product")
    type: Literal["plant"]
    scenario: ScenarioName | None = Field(None, description="where the candidate is read (else "
                                                            "the current one)")
    candidate: str = Field(min_length=1)
    product: str = Field(min_length=1, description="the commodity whose t/yr the size counts")
    max_size: Positive = Field(10000.0, description="the size's top when the candidate has no "
                                                    "max_capacity")


LeverSpec = Annotated[ScenarioLever | ScaleLever | TollingLever | PlantLever,
                      Field(discriminator="type")]


class LeversFile(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    opens_on: ScenarioName | None = Field(None, description="the scenario shown first")
    policy_toggles: bool = True
    levers: list[LeverSpec] = Field(default_factory=list)

    @field_validator("levers")
    @classmethod
    def _unique(cls, v: list) -> list:
        seen: set[str] = set()
        for lv in v:
            if lv.id in seen:
                raise ValueError(f"lever id '{lv.id}' is used twice | give each lever its own id")
            seen.add(lv.id)
        return v

    def scenarios(self) -> list[tuple[str, str]]:
        """(field path, scenario name) of every scenario the file names."""
        out = [("opens_on", self.opens_on)] if self.opens_on else []
        out += [(f"levers[{i}].scenario", lv.scenario) for i, lv in enumerate(self.levers)
                if getattr(lv, "scenario", None)]
        return out


# ---- reading and checking ---------------------------------------------------------------------
def read_levers(path: Path | str) -> LeversFile:
    """The levers file at `path`, checked, or LeverFileError naming every problem."""
    path = Path(path)
    f = str(path)
    try:
        raw = path.read_bytes()[:MAX_BYTES + 1]
    except OSError as e:
        raise LeverFileError([Problem("", f"cannot read the levers file ({e.strerror})",
                                      "check the path and permissions", f)]) from None
    if len(raw) > MAX_BYTES:
        raise LeverFileError([Problem("", f"over the {MAX_BYTES // 2**20} MB limit",
                                      "a levers file is a few dozen lines; trim it", f)])
    try:
        data = safe_yaml(raw.decode("utf-8"), f)
    except UnicodeDecodeError as e:
        raise LeverFileError([Problem("", f"not UTF-8 text (bad byte at offset {e.start})",
                                      "save the file as UTF-8", f)]) from None
    except ScenarioError as e:  # YAML syntax, nesting or a key given twice: the same words
        raise LeverFileError(e.problems, e.more) from None
    if not isinstance(data, dict):
        got = "empty" if data is None else f"a {type(data).__name__}"
        raise LeverFileError([Problem("", f"the file is {got}, not a mapping",
                                      "write 'levers:' with a list of levers (see the built-in "
                                      "data/levers.yaml)", f)])
    try:
        return LeversFile.model_validate(data)
    except ValidationError as e:
        raise LeverFileError([Problem(p.path, p.message, p.fix, f)
                              for p, _ in pydantic_problems(e, LeversFile)]) from None


def check_scenarios(spec: LeversFile, known: list[str], file: str) -> None:
    """Refuse a levers file naming a scenario the server does not offer."""
    bad = [Problem(where, f"no scenario named '{name}'", f"use one of: {', '.join(known)}", file)
           for where, name in spec.scenarios() if name not in known]
    if bad:
        raise LeverFileError(bad)
