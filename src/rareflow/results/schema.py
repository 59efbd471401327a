"""The result tables, declared once: their columns, types and units.

Every place that writes or reads a result table follows this declaration: the `Results` table
attributes (and their docstrings), the CSV files `rareflow run` writes (columns in this order,
rows whose `nonzero` column is 0 left out), and the run store's tables (one SQL column per
column here). Before, the CSV writer, the store and the docstrings each listed the columns and
had drifted apart (the store had no `tolling` table, the CSV no `served` column).

A table may carry more columns than declared (labels the LP adds, columns of newer versions);
they follow the declared ones. Declared columns that a table lacks are added empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # "str", "float", "int" or "bool"
    unit: str = ""
    doc: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    nonzero: str | None = None  # the CSV leaves out rows where this column is 0
    optional: bool = False  # written to CSV only when it has rows (a mechanism the file uses)
    keys: tuple[str, ...] = ()  # the columns that identify a row (`Results.frame`'s index)
    value: str | None = None  # the column `Results.pivot` sums by default

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def describe(self) -> str:
        """One docstring line per column: name (unit): meaning."""
        lines = [self.doc, ""]
        for c in self.columns:
            unit = f" ({c.unit})" if c.unit else ""
            lines.append(f"- `{c.name}`{unit}: {c.doc}")
        return "\n".join(lines)


def _s(name: str, doc: str) -> Column:
    return Column(name, "str", "", doc)


def _f(name: str, unit: str, doc: str) -> Column:
    return Column(name, "float", unit, doc)


REGION = _s("region", "region code (ISO-3166 alpha-3 where it is a country)")
COMMODITY = _s("commodity", "commodity id")
PERIOD = _s("period", "period label (2025, 2025Q2 or 2025-05)")

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("activity", "Plant activity per facility and period.", (
        _s("facility", "facility id (or candidate id for a plant built in the run)"), REGION,
        _s("process", "process id"), PERIOD,
        _f("amount", "units of activity", "activity in the period (a rate per year times the "
           "period's length)"),
        _s("kind", "'facility' or 'candidate'")),
        nonzero="amount", keys=("facility", "process", "period"), value="amount"),
    Table("flows", "Trade on each route per period.", (
        _s("origin", "exporting region"), _s("destination", "importing region"), COMMODITY,
        PERIOD, _f("amount", "t", "tonnes shipped in the period"), _s("route", "route id")),
        nonzero="amount", keys=("route", "period"), value="amount"),
    Table("stocks", "Inventory levels.", (
        _s("stock", "stock id"), REGION, COMMODITY, PERIOD,
        _f("level", "t", "tonnes held at the period's end"),
        _f("floor", "t", "the stock's `minimum` in force (0 without one)"),
        _f("draw", "t", "tonnes taken out in the period (previous level − this one; negative "
           "when it is filled)"),
        _f("final", "t", "the level the horizon must end at (last period only; empty "
           "elsewhere or without `final`)")), nonzero="level", keys=("stock", "period"), value="level"),
    Table("unserved", "Demand and the part of it left unserved.", (
        REGION, COMMODITY, _s("sector", "demand sector"), PERIOD,
        _f("amount", "t", "tonnes not served"), _f("requested", "t", "tonnes asked for"),
        _s("demand", "demand id"), _f("served", "t", "requested − amount")),
        nonzero="amount", keys=("demand", "period"), value="amount"),
    Table("prices", "Scarcity prices: the duals of the balance rows.", (
        REGION, COMMODITY, PERIOD,
        _f("price", "currency/t", "the value of one more tonne there and then, in money of the "
           "period (undiscounted)")), nonzero=None, keys=("region", "commodity", "period"), value="price"),
    Table("builds", "Capacity the run builds.", (
        _s("candidate", "candidate id"), REGION, PERIOD,
        _f("amount", "t/yr", "capacity built in the period (units of activity per year)"),
        _s("process", "process id"),
        _s("online", "first period the capacity serves, or 'after horizon'")),
        nonzero="amount", keys=("candidate", "period"), value="amount"),
    Table("surplus", "Material discarded (only commodities that declare a disposal_cost).", (
        REGION, COMMODITY, PERIOD, _f("amount", "t", "tonnes discarded")),
        nonzero="amount", keys=("region", "commodity", "period"), value="amount"),
    Table("breaches", "Agreement volumes missed or exceeded at their breach cost.", (
        _s("policy", "agreement id"), PERIOD, _s("side", "'min' (missed) or 'max' (exceeded)"),
        _f("amount", "t", "tonnes below the minimum or above the maximum")),
        nonzero="amount", keys=("policy", "side", "period"), value="amount"),
    Table("tolling", "Tolling: a partner converts the owner's material and returns the product.", (
        _s("policy", "tolling policy id"), _s("owner", "region that owns the material"),
        _s("partner", "region that converts it"), _s("input", "commodity sent"),
        _s("output", "commodity returned"), PERIOD,
        _f("amount", "t", "tonnes of output returned"),
        _f("input_amount", "t", "tonnes of input sent")),
        nonzero="amount", keys=("policy", "period"), value="amount"),
    Table("targets", "Policy targets per period: how far each falls short.", (
        _s("target", "target id"), PERIOD,
        _f("shortfall", "t", "tonnes by which the target is missed"),
        Column("met", "bool", "", "whether the target is met (shortfall within 1e-6 t)")),
        nonzero=None, keys=("target", "period"), value="shortfall"),
    Table("unserved_tiers", "Unserved demand split by demand tier (`unserved` sums them).", (
        _s("demand", "demand id"), REGION, COMMODITY, _s("sector", "demand sector"), PERIOD,
        Column("tier", "int", "", "0 for the rest of the amount (the demand's own priority), "
               "1, 2, … for the tiers the file lists"),
        _f("share", "", "the slice's share of the amount"),
        _f("priority", "currency/t", "the slice's penalty per unserved tonne (a valuation)"),
        _f("size", "t", "tonnes in the slice"), _f("amount", "t", "tonnes of it not served")),
        nonzero="amount", optional=True, keys=("demand", "tier", "period"), value="amount"),
    Table("stages", "The stages of an answer made without foreknowledge of late measures.", (
        Column("stage", "int", "", "0, 1, …"),
        _s("announced", "the period its announcements came in"),
        _s("policies", "ids of the policies that entered (comma-separated)"),
        _s("fixed_from", "first period fixed for the stages after it"),
        _s("fixed_to", "last period fixed for the stages after it"),
        Column("fixed_columns", "int", "", "variables fixed after the stage"),
        _f("objective", "currency", "the stage's own objective"),
        Column("iterations", "int", "", "simplex iterations"), _f("seconds", "s", "solve time")),
        nonzero=None, optional=True, keys=("stage",), value="objective"),
    Table("transit", "No-transit rows: re-exports of a controlled commodity per region.", (
        _s("policy", "trade measure id"), _s("exporter", "the measure's exporter"), REGION,
        COMMODITY, PERIOD,
        _f("re_exported", "t", "tonnes the region sends to the measure's destinations"),
        _f("allowed", "t", "its own output plus its imports from others than the exporter"),
        _f("slack", "t", "allowed − re_exported"),
        _f("dual", "currency/t", "the row's dual (undiscounted)"),
        Column("binding", "bool", "", "whether the row binds")),
        nonzero=None, optional=True, keys=("policy", "region", "commodity", "period"), value="re_exported"),
    Table("subsidies", "What each subsidy paid per period.", (
        _s("policy", "subsidy id"), REGION, _s("process", "process id"), PERIOD,
        _f("activity", "units of activity", "activity of the process in the region"),
        _f("subsidised", "units of activity", "the part paid for"),
        _f("amount_per_unit", "currency", "payment per unit of activity"),
        _f("paid", "currency", "money paid in the period (undiscounted)"),
        _f("budget", "currency", "the window's budget (empty without one)"),
        _f("budget_left", "currency", "budget left after the period")),
        nonzero=None, optional=True, keys=("policy", "period"), value="paid"),
)}

_EMPTY = {"str": object, "float": np.float64, "int": np.int64, "bool": bool}


def empty(name: str) -> pd.DataFrame:
    """A table with no rows and the declared columns and types."""
    return pd.DataFrame({c.name: pd.Series(dtype=_EMPTY[c.dtype]) for c in TABLES[name].columns})


def conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """`df` with the declared columns first, in their order (missing ones added empty), and any
    further columns after them; tables this schema does not declare are returned as they are."""
    table = TABLES.get(name)
    if table is None:
        return df
    if not len(df) and not set(table.names) <= set(df.columns):
        return pd.concat([empty(name), df.drop(columns=table.names, errors="ignore")], axis=1)
    out = df.copy()
    for c in table.columns:
        if c.name not in out.columns:
            out[c.name] = pd.Series(np.nan if c.dtype == "float" else None, index=out.index,
                                    dtype=_EMPTY[c.dtype] if c.dtype not in ("bool", "int")
                                    else object)
    rest = [c for c in out.columns if c not in table.names]
    return out[table.names + rest]


def sql_type(column: Column) -> str:
    return {"str": "VARCHAR", "float": "DOUBLE", "int": "BIGINT", "bool": "BOOLEAN"}[column.dtype]
