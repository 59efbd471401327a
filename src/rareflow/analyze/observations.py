"""The observed series a back-test compares the model with, shipped as package data.

`src/rareflow/data/observed/*.csv` hold one record per observation (calibration.md tables
A–D): what was measured, where, when, the value, its unit and — on every row — its source.
They are read here and checked with pydantic, so that a typo in a file edited by hand is a
clear error naming the file, the row and the fix, never a traceback or a silently wrong
comparison.

Columns:
  series       id shared by the observations of one series (chn-ndfeb-exports)
  label        what a reader sees ("China's NdFeB magnet exports (HS 85051110)")
  measure      exports | price | mine_output | import_share
  commodity    model commodity id(s), `;`-separated (REO for mine output)
  region       exporter (exports), market (price), mining country (mine_output, WORLD for
               the world), importer (import_share); a region code of the model
  partner      exports: destination or `all`; import_share: the supplier
  period       a month 2025-05, a quarter 2025Q2, a year 2024, or a span 2025-01..2025-07
  relative_to  for a relative observation ("April ≈ half of March"): the reference period;
               then value is the ratio and unit `ratio`
  value, unit  t (exports), USD/kg (price), t REO (mine_output), % (import_share), ratio
  source, published, outlet   the publication, its date and where it was read
  confidence   High | Med-High | Med | Low-Med | Low | EST (facts.md grades)
  note         anything a reader needs (y/y changes, estimate methods)
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from rareflow.errors import Problem, RareflowError
from rareflow.scenario.periods import parse_key

COLUMNS = ["series", "label", "measure", "commodity", "region", "partner", "period", "relative_to",
           "value", "unit", "source", "published", "outlet", "confidence", "note"]
UNITS = {"exports": "t", "price": "USD/kg", "mine_output": "t REO", "import_share": "%"}
CONFIDENCE = ("High", "Med-High", "Med", "Low-Med", "Low", "EST")
SPAN_SEP = ".."

FIX = {
    "series": "give a short id shared by the rows of one series, e.g. chn-ndfeb-exports",
    "label": "say in words what is measured",
    "measure": "use one of exports, price, mine_output, import_share",
    "commodity": "name the model commodity (ndfeb_magnet), several separated by ';', or REO "
                 "for mine output",
    "region": "use the model's region code (CHN, JPN, ROW) or WORLD for a world total",
    "partner": "exports: a destination region or 'all'; import_share: the supplying region",
    "period": "write a month (2025-05), a quarter (2025Q2), a year (2024) or a span "
              "(2025-01..2025-07)",
    "relative_to": "leave empty, or write the reference period of a ratio (2025-03)",
    "value": "write a plain non-negative number without thousands separators (58152)",
    "unit": "use " + ", ".join(f"{u} for {m}" for m, u in UNITS.items()) + ", ratio when "
            "relative_to is set",
    "source": "name the publication the figure comes from; every observation needs one",
    "confidence": "use one of " + ", ".join(CONFIDENCE),
}


def parse_span(text: str) -> tuple[int, int]:
    """'2025-05', '2024', '2025Q2' or '2025-01..2025-07' → (first month, end month exclusive)."""
    text = str(text).strip()
    if SPAN_SEP in text:
        a, b = (x.strip() for x in text.split(SPAN_SEP, 1))
        s, _ = parse_key(a)
        e, elen = parse_key(b)
        if e + elen <= s:
            raise ValueError(f"the span '{text}' ends before it starts")
        return s, e + elen
    s, n = parse_key(text)
    return s, s + n


class Observation(BaseModel):
    """One observed figure; `file` and `row` say where it was read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    series: str
    label: str
    measure: Literal["exports", "price", "mine_output", "import_share"]
    commodity: tuple[str, ...]
    region: str
    partner: str | None = None
    period: str
    relative_to: str | None = None
    value: float
    unit: str
    source: str
    published: str = ""
    outlet: str = ""
    confidence: Literal["High", "Med-High", "Med", "Low-Med", "Low", "EST"]
    note: str = ""
    file: str = ""
    row: int = 0

    @field_validator("series", "label", "region", "source")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("is empty")
        return v.strip()

    @field_validator("commodity", mode="before")
    @classmethod
    def _split(cls, v):
        if isinstance(v, str):
            v = [x.strip() for x in v.split(";") if x.strip()]
        if not v:
            raise ValueError("is empty")
        return tuple(v)

    @field_validator("period", "relative_to")
    @classmethod
    def _period(cls, v: str | None) -> str | None:
        if v is not None:
            parse_span(v)
        return v

    @field_validator("value")
    @classmethod
    def _value(cls, v: float) -> float:
        if not v >= 0 or v == float("inf"):
            raise ValueError(f"{v} is not a non-negative finite number")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Observation:
        want = "ratio" if self.relative_to else UNITS[self.measure]
        if self.unit != want:
            raise ValueError(f"unit: '{self.unit}' is not the unit of {self.measure}"
                             f"{' ratios' if self.relative_to else ''}; expected '{want}'")
        if self.measure == "import_share" and not self.partner:
            raise ValueError("partner: an import share needs the supplying region")
        if self.measure == "mine_output" and self.commodity != ("REO",):
            raise ValueError("commodity: mine output is counted in t REO; write REO")
        if self.measure == "price" and len(self.commodity) != 1:
            raise ValueError("commodity: a price is of one commodity")
        return self

    @property
    def span(self) -> tuple[int, int]:
        return parse_span(self.period)

    @property
    def reference_span(self) -> tuple[int, int] | None:
        return parse_span(self.relative_to) if self.relative_to else None

    @property
    def where(self) -> str:
        return f"{self.file}, row {self.row}"

    def cite(self) -> str:
        """The source in one line: publication, date, outlet."""
        parts = [self.source, self.published, f"via {self.outlet}" if self.outlet else ""]
        return ", ".join(p for p in parts if p)


@dataclass
class ObservationError(RareflowError):
    """The observed series could not be read; every problem names the file, row and fix."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the observed series:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


def builtin_dir() -> Path:
    return Path(str(resources.files("rareflow") / "data" / "observed"))


def _blank_to_none(rec: dict) -> dict:
    return {k: (None if v is None or not str(v).strip() else str(v).strip()) for k, v in rec.items()}


def _problems(err: ValidationError, file: str, row: int) -> list[Problem]:
    out = []
    for e in err.errors():
        loc = [str(x) for x in e["loc"]]
        name = loc[0] if loc else ""
        msg = e["msg"].removeprefix("Value error, ")
        if not name and ":" in msg:  # a cross-field check says which field it is about
            name, msg = (x.strip() for x in msg.split(":", 1))
        if e["type"] == "missing":
            msg = "is missing (the cell is empty)"
        elif e["type"] == "extra_forbidden":
            msg = "is not a column of the observed series"
        elif e["type"] in ("float_parsing", "float_type"):
            msg = f"'{e.get('input')}' is not a number"
        elif e["type"] == "literal_error":
            msg = f"'{e.get('input')}' is not allowed"
        fix = FIX.get(name, "remove the column" if e["type"] == "extra_forbidden" else "")
        out.append(Problem(path=f"row {row}, column '{name}'" if name else f"row {row}",
                           message=msg, fix=fix, file=file))
    return out


def read_file(path: Path) -> tuple[list[Observation], list[Problem]]:
    """One CSV file: its observations and the problems of its bad rows (row = line number)."""
    obs, problems = [], []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return [], [Problem("", f"cannot be read ({e})", "check the path and save it as UTF-8",
                            str(path))]
    reader = csv.DictReader(text.splitlines())
    head = reader.fieldnames or []
    missing = [c for c in ("series", "measure", "period", "value", "unit", "source")
               if c not in head]
    if missing:
        return [], [Problem("header", f"lacks the column(s) {', '.join(missing)}",
                            f"the first line must name the columns: {','.join(COLUMNS)}",
                            str(path))]
    for k, rec in enumerate(reader, start=2):
        if None in rec:
            problems.append(Problem(f"row {k}", f"has more cells ({len(head) + len(rec[None])}) "
                                    f"than the header has columns ({len(head)})",
                                    "quote cells that contain commas", str(path)))
            continue
        clean = {c: v for c, v in _blank_to_none(rec).items() if v is not None}
        try:
            obs.append(Observation(**clean, file=str(path), row=k))
        except ValidationError as e:
            problems += _problems(e, str(path), k)
    return obs, problems


def load_observations(path: str | Path | None = None) -> list[Observation]:
    """Every observation in a CSV file or a directory of them (default: the shipped series).

    Raises ObservationError listing every bad row of every file at once."""
    root = Path(path) if path is not None else builtin_dir()
    if root.is_dir():
        files = sorted(root.glob("*.csv"))
    elif root.is_file():
        files = [root]
    else:
        raise ObservationError([Problem("", "does not exist", "give a CSV file or a directory "
                                        "of CSV files of observations", str(root))])
    if not files:
        raise ObservationError([Problem("", "holds no .csv files", "put the observed series "
                                        "there as CSV", str(root))])
    obs: list[Observation] = []
    problems: list[Problem] = []
    for f in files:
        o, p = read_file(f)
        obs += o
        problems += p
    seen: dict[tuple, Observation] = {}
    for o in obs:
        key = (o.series, o.region, o.partner, o.commodity, o.period, o.relative_to)
        if key in seen:
            problems.append(Problem(f"row {o.row}", f"repeats the observation of {seen[key].where} "
                                    f"({o.series}, {o.period})",
                                    "keep one row per series and period", o.file))
        seen[key] = o
    if problems:
        raise ObservationError(problems)
    return obs
