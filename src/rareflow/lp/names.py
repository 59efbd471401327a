"""Every column and row of a model's LP by name: `m.lp.columns`, `m.lp.column("flow[…]")`.

The LP is built in blocks that already carry a label table per column and row (lp/matrix.py's
`Span`); nothing at build or solve time spends work on names. This module makes names from those
labels only when someone asks (a user inspecting why a bound binds, or writing the LP to a file
to read it in another solver), so a solve that never looks pays nothing.

A name is `kind[ids…,period]`: the block's kind, then the entity id (facility, route, stock,
demand, policy, target, …) and whatever else tells that block's columns apart (a facility's
recipe, a demand's tier), then the period — e.g. `flow[AUS-JPN-ndpr_oxide,2025]`,
`activity[irel-oscom,mining,2024]`, `balance[JPN,ndfeb_magnet,2025-05]`. Balance rows, which
have no entity, are named by region and commodity.
"""

from __future__ import annotations

import difflib
from functools import cached_property

import numpy as np
import pandas as pd

from rareflow.errors import RareflowError

ID_COLUMNS = ("facility", "candidate", "route", "stock", "demand", "policy", "target")
"""Label columns that name an entity: the first one a block has leads its names."""

TELL_APART = ("process", "tier", "side", "destination", "exporter", "region", "commodity", "window")
"""Further label columns tried, in this order, when the id and period alone repeat in a block."""

KEYS = {
    "activity": ("facility", "process", "period"),
    "recipe_share": ("facility", "process", "period"),
    "unserved": ("demand", "tier", "period"),
    "surplus": ("region", "commodity", "period"),
    "balance": ("region", "commodity", "period"),
    "no_transit": ("policy", "region", "commodity", "period"),
    "export_licence": ("policy", "destination", "period"),
}
"""Fixed name parts for kinds where the id and period alone would not tell entries apart in
every scenario: a name must not change because some other entity appeared (a facility's second
recipe must not rename every activity column)."""

VALUES = ("requested", "slice", "share", "priority", "max_share", "kind")
"""Label columns that are numbers or notes about a column, never part of its name."""


class UnknownName(RareflowError, KeyError):
    """A column or row name the LP does not have (the message suggests close ones)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def _text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _key_columns(kind: str, labels: pd.DataFrame) -> list[str]:
    """The label columns that name this kind's entries: `KEYS` for the kinds listed there,
    otherwise the id and period; if those repeat, the fewest that tell entries apart (id, then
    `TELL_APART` columns one at a time, then every non-value column)."""
    cols = [c for c in labels.columns if c not in VALUES]
    fixed = [c for c in KEYS.get(kind, ()) if c in cols]
    if fixed and not labels.duplicated(subset=fixed).any():
        return fixed
    ids = [c for c in ID_COLUMNS if c in cols][:1]
    period = ["period"] if "period" in cols else []
    others = [c for c in TELL_APART if c in cols and c not in ids]
    tries = []
    if ids:
        tries.append(ids + period)
        tries += [ids + [c] + period for c in others]
    tries.append(ids + [c for c in cols if c not in ids and c != "period"] + period)
    for keys in tries:
        if keys and not labels.duplicated(subset=keys).any():
            return keys
    return tries[-1]


def _names(kind: str, labels: pd.DataFrame) -> list[str]:
    keys = _key_columns(kind, labels)
    if not keys:
        return [kind] * len(labels)
    parts = labels[keys].to_numpy(dtype=object)
    return [f"{kind}[{','.join(t for t in map(_text, row) if t)}]" for row in parts]


def _unique(names: list[str]) -> list[str]:
    """Names as they are, with `#2`, `#3`, … on any that still repeat (never expected: the key
    columns are chosen to be unique; this keeps lookups exact if a rule labels loosely)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0) + 1
        seen[n] = k
        out.append(n if k == 1 else f"{n}#{k}")
    return out


def _by_kind(spans, offset: int = 0) -> list[tuple[str, np.ndarray, pd.DataFrame]]:
    """(kind, LP indexes, labels) per kind, the spans of one kind together (rules add one span
    per policy: names must be unique across them)."""
    groups: dict[str, list] = {}
    for sp in spans:
        groups.setdefault(sp.kind, []).append(sp)
    out = []
    for kind, sps in groups.items():
        idx = np.concatenate([np.arange(sp.start, sp.stop) for sp in sps]) + offset
        labels = pd.concat([sp.labels for sp in sps], ignore_index=True)
        out.append((kind, idx, labels))
    return out


def _sense(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """('=', '>=', '<=', 'range' or 'free') and the right-hand side a reader expects."""
    eq = lo == hi
    lo_inf, hi_inf = np.isneginf(lo), np.isposinf(hi)
    sense = np.select([eq, lo_inf & hi_inf, hi_inf, lo_inf], ["=", "free", ">=", "<="], "range")
    rhs = np.where(hi_inf | eq, lo, np.where(lo_inf, hi, np.nan))
    return sense, rhs


def _named(groups: list[tuple[str, np.ndarray, pd.DataFrame]]) -> pd.DataFrame:
    """One table of columns (or rows) from their blocks: name, kind, index, then the block's
    label columns, in index order, every name unique."""
    parts = []
    for kind, idx, labels in groups:
        df = labels.drop(columns=["kind"], errors="ignore")
        df.insert(0, "name", _names(kind, labels))
        df.insert(1, "kind", kind)
        df.insert(2, "index", idx)
        parts.append(df)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["name", "kind", "index"])
    out = out.sort_values("index", kind="stable", ignore_index=True)
    out["name"] = _unique(out["name"].tolist())
    return out


class LPNames:
    """Named access to a model's LP (`Model.lp`): its columns (variables) and rows
    (constraints) as tables, one of each by name, and the values of the last solve.

    Example:
        ```python
        m = rareflow.load("toy")
        r = m.solve()
        m.lp.columns.head()                       # name, kind, index, labels…, bounds, cost, value
        m.lp.column("flow[IND-JPN-ndpr_oxide,2025]")["value"]      # tonnes shipped in 2025
        m.lp.row("balance[JPN,ndfeb_magnet,2025]")["dual"]         # the price of a magnet there
        m.lp.columns.query("kind == 'unserved' and value > 0")     # what goes short
        m.write_lp("toy.lp")                      # the same LP, named, for another solver
        ```

    Names are made on first use from the labels the LP was built with (module doc); bounds and
    costs are the built model's (costs discounted, as in the objective). Values, reduced costs,
    row activities and duals are those of the model's last solve (NaN before one). In an answer
    made in stages (measures announced late), a row's `dual` is that of the stage that decided
    its period, as the `prices` table uses.
    """

    def __init__(self, model) -> None:
        self._model = model

    def __repr__(self) -> str:
        rows, cols = self._model.frozen.shape
        return f"<LP of {self._model.name}: {cols:,} columns, {rows:,} rows; .columns, .rows>"

    # ---- the static tables (made once) -------------------------------------------------------
    @cached_property
    def _col_table(self) -> pd.DataFrame:
        f = self._model.frozen
        out = _named(_by_kind(self._model.build.lp.cols))
        i = out["index"].to_numpy(dtype=np.int64)
        out["lower"], out["upper"], out["cost"] = f.lb[i], f.ub[i], f.cost[i]
        return out

    @cached_property
    def _row_table(self) -> pd.DataFrame:
        b, f = self._model.build, self._model.frozen
        groups = []
        if f.n_balance:
            groups.append(("balance", np.arange(f.n_balance), b.balance_labels()))
        groups += _by_kind(b.lp.rows, offset=f.n_balance)
        out = _named(groups)
        i = out["index"].to_numpy(dtype=np.int64)
        lo, hi = f.row_lb[i], f.row_ub[i]
        out["sense"], out["rhs"] = _sense(lo, hi)
        out["lower"], out["upper"] = lo, hi
        return out

    @cached_property
    def _col_index(self) -> dict[str, int]:
        return dict(zip(self._col_table["name"], self._col_table["index"], strict=True))

    @cached_property
    def _row_index(self) -> dict[str, int]:
        return dict(zip(self._row_table["name"], self._row_table["index"], strict=True))

    # ---- the public tables -------------------------------------------------------------------
    @property
    def columns(self) -> pd.DataFrame:
        """One row per LP column (variable), in LP order: `name`, `kind` (activity, flow,
        stock, unserved, build, surplus, agreement_shortfall, …), `index`, the label columns of
        its block (facility, route, region, commodity, period, …), `lower`, `upper`, `cost`
        (discounted objective coefficient) and, after a solve, `value` and `reduced_cost`."""
        out = self._col_table.copy()
        sol = self._solution()
        if sol is not None:
            i = out["index"].to_numpy(dtype=np.int64)
            out["value"] = sol.x[i]
            out["reduced_cost"] = sol.col_dual[i] if sol.col_dual is not None else np.nan
        return out

    @property
    def rows(self) -> pd.DataFrame:
        """One row per LP row (constraint), in LP order (balance rows first): `name`, `kind`,
        `index`, its labels, `sense` ('=', '<=', '>=', 'range', 'free'), `rhs` (the finite
        side; NaN for a range), `lower`, `upper` and, after a solve, `activity` and `dual`."""
        out = self._row_table.copy()
        sol = self._solution()
        if sol is not None:
            i = out["index"].to_numpy(dtype=np.int64)
            out["activity"] = sol.row_value[i] if sol.row_value is not None else np.nan
            dual = self._row_dual(sol)
            out["dual"] = dual[i] if dual is not None else np.nan
        return out

    def column_names(self) -> list[str]:
        """Every column's name, in LP order."""
        return self._col_table["name"].tolist()

    def row_names(self) -> list[str]:
        """Every row's name, in LP order."""
        return self._row_table["name"].tolist()

    def column(self, name: str) -> pd.Series:
        """One column by name: its labels, bounds, cost and, after a solve, `value` and
        `reduced_cost`. An unknown name raises `UnknownName` with the closest names."""
        i = self._find(name, self._col_index, "column")
        out = self._col_table.iloc[i].dropna().copy()
        sol = self._solution()
        out["value"] = float(sol.x[i]) if sol is not None else np.nan
        out["reduced_cost"] = float(sol.col_dual[i]) if sol is not None and \
            sol.col_dual is not None else np.nan
        return out

    def row(self, name: str) -> pd.Series:
        """One row by name: its labels, sense, right-hand side, bounds and, after a solve,
        `activity` (the left-hand side's value) and `dual`. Unknown names as `column`."""
        i = self._find(name, self._row_index, "row")
        out = self._row_table.iloc[i].copy()
        out = out[out.notna() | out.index.isin(["rhs"])]
        sol = self._solution()
        out["activity"] = float(sol.row_value[i]) if sol is not None and \
            sol.row_value is not None else np.nan
        dual = self._row_dual(sol) if sol is not None else None
        out["dual"] = float(dual[i]) if dual is not None else np.nan
        return out

    # ---- helpers -----------------------------------------------------------------------------
    def _solution(self):
        return getattr(self._model, "last_solution", None)

    @staticmethod
    def _row_dual(sol):
        return sol.info.get("row_dual_decided", sol.row_dual)

    def _find(self, name: str, index: dict[str, int], what: str) -> int:
        i = index.get(name)
        if i is not None:
            return int(i)
        kind = name.split("[", 1)[0]
        same = [n for n in index if n.startswith(kind + "[")]
        close = difflib.get_close_matches(name, same or list(index), n=3, cutoff=0.5)
        kinds = sorted({n.split("[", 1)[0] for n in index})
        hint = (f" Did you mean {', '.join(repr(c) for c in close)}?" if close else
                f" Its kinds are {', '.join(kinds)}; names look like {next(iter(index), '')!r}.")
        raise UnknownName(f"the LP of '{self._model.name}' has no {what} named {name!r}.{hint} "
                          f"m.lp.{what}s lists them all.")

    def file_names(self) -> tuple[list[str], list[str]]:
        """Column and row names spelled for LP and MPS files: HiGHS refuses `[`, `]`, `-` and
        `:` in names, so they become `(`, `)`, `_` and `_` (made unique with the index if the
        spelling makes two alike)."""
        return _file_spelling(self.column_names()), _file_spelling(self.row_names())


_FILE = str.maketrans({"[": "(", "]": ")", "-": "_", ":": "_", " ": "_", "|": "_", "/": "_"})


def _file_spelling(names: list[str]) -> list[str]:
    out = [n.translate(_FILE) for n in names]
    if len(set(out)) < len(out):
        seen: set[str] = set()
        for k, n in enumerate(out):
            if n in seen:
                out[k] = f"{n}#{k}"
            seen.add(out[k])
    return out
