"""Why a sector runs short: the binding constraints upstream of each shortfall, ranked by dual.

From the short balance row (region, commodity, period) we walk up the chain: the columns that
could supply it (imports, plants, stock drawdown), then their own inputs' balance rows, and so
on. Every column held at a bound with a nonzero reduced cost, and every policy or capacity row
with a nonzero dual met on the way, is a bottleneck. Facilities, policies and events are named
by id, headline and source.

Duals rank the candidates, but the figure a sentence quotes ("relaxing it by 1 t saves X") is
measured: the bound or row is relaxed by one unit on a private copy of the LP and re-solved
warm. Supply-chain LPs are degenerate (an idle plant's product has any price between zero and
its cost), so a dual alone is one subgradient among many and moves between HiGHS versions; the
re-solve gives the one number the sentence claims.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rareflow.analyze import policy_mechanisms
from rareflow.analyze.mechanisms import facility_row_phrase, mechanism_sentences
from rareflow.analyze.words import period_runs, span
from rareflow.results.result import analysis
from rareflow.tolerances import AT_BOUND_REL, DUAL, SHOWN_T

EPS = DUAL
MAX_DEPTH = 6
POLICY_KINDS = ("export_ban", "export_quota", "export_licence", "tariff", "agreement", "tolling",
                "capacity_change")
SERVES = 1e-6  # t of a shortfall's own demand a one-unit relaxation must serve to count
MAX_PROBES = 400  # relaxation re-solves per explanation; past it the dual is quoted as is
MAX_CANDIDATES = 18  # candidates by dual one shortfall may measure looking for its own limits


@dataclass(frozen=True)
class Constraint:
    name: str  # a phrase that completes "is bound by …"
    kind: str
    period: str
    key: tuple
    source: str = ""
    unit: str = "t"


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


class Explainer:
    def __init__(self, results) -> None:
        self.r = results
        m = results.model
        self.m, self.b, self.f = m, m.build, policy_mechanisms.lp_of(results)
        self.sol = results.solution
        self.a_csr = self.f.csc.tocsr()  # numpy arrays, as scipy's (lp/matrix.py)
        self.T = self.b.T
        ncol = self.f.shape[1]
        self.col_span = np.zeros(ncol, dtype=np.int64)
        for i, sp in enumerate(self.b.lp.cols):
            self.col_span[sp.start:sp.stop] = i
        nrow = self.b.lp.n_rows
        self.row_span = np.zeros(nrow, dtype=np.int64)
        for i, sp in enumerate(self.b.lp.rows):
            self.row_span[sp.start:sp.stop] = i
        self.col_policy: dict[int, object] = {}
        for pol, cols in self.b.bound_owners:
            for c in np.asarray(cols).ravel():
                self.col_policy[int(c)] = pol
        self.row_policy: dict[int, object] = {}
        for pol, rows in self.b.row_owners:
            for rr in np.asarray(rows).ravel():
                self.row_policy[int(rr) + self.f.n_balance] = pol
        self.bal = self.b.balance_labels()
        self.regions = {k: (v.label or k) for k, v in m.scenario.regions.items()}
        self._index_columns_and_rows()
        self.currency = m.scenario.currency
        self.where: dict[Constraint, tuple[str, int]] = {}  # constraint → the col/row of its dual
        self._probe = None
        self._saves: dict[tuple[str, int], float] = {}
        self._served: dict[tuple[str, int], float] = {}
        self._binding: list[tuple[Constraint, float, float, tuple[str, int]]] | None = None
        self._table_df: pd.DataFrame | None = None
        self._sentences: dict[int, list[str]] = {}
        self._traces: dict[tuple[int, ...], tuple[dict[Constraint, float], dict]] = {}
        self._col_c: dict[int, Constraint | None] = {}
        self._row_c: dict[int, Constraint | None] = {}
        self._udelta: dict[tuple[str, int], np.ndarray] = {}
        self._ranked_rows: dict[tuple, list[tuple[Constraint, float, float]]] = {}
        self._label_arrays: dict[int, dict[str, np.ndarray]] = {}

    def _index_columns_and_rows(self) -> None:
        """Per column and per row, once: its period, its kind, its dual in money of its period.

        Tracing and naming then read numpy arrays instead of the label tables row by row, so
        an explanation costs what it visits, not a pandas lookup per visit (issue 17)."""
        labels = pd.Index(list(self.m.periods.labels))

        def period_index(col: pd.Series) -> np.ndarray:
            k = labels.get_indexer(col.astype(str))
            return np.where(k < 0, 0, k)

        ncol, nb = self.f.shape[1], self.f.n_balance
        self.col_t = np.zeros(ncol, dtype=np.int64)
        skip = ("unserved", "surplus", "agreement_shortfall", "agreement_excess")
        self.skip_col = np.zeros(ncol, dtype=bool)
        self.unserved_col = np.zeros(ncol, dtype=bool)
        for sp in self.b.lp.cols:
            if "period" in sp.labels:
                self.col_t[sp.start:sp.stop] = period_index(sp.labels["period"])
            self.skip_col[sp.start:sp.stop] = sp.kind in skip
            self.unserved_col[sp.start:sp.stop] = sp.kind == "unserved"
        self.row_t = np.zeros(self.f.shape[0], dtype=np.int64)
        self.row_t[:nb] = np.arange(nb) % self.T if self.T else 0
        self.cand_row = np.zeros(self.f.shape[0], dtype=bool)
        for sp in self.b.lp.rows:
            if "period" in sp.labels:
                self.row_t[nb + sp.start:nb + sp.stop] = period_index(sp.labels["period"])
            self.cand_row[nb + sp.start:nb + sp.stop] = sp.kind == "candidate_capacity"
        disc = np.asarray(self.b.disc, dtype=float)
        self.col_dual_u = np.asarray(self.sol.col_dual, dtype=float) / disc[self.col_t]
        self.row_dual_u = np.asarray(self.sol.row_dual, dtype=float) / disc[self.row_t]
        self.length = np.asarray(self.m.periods.length, dtype=float)
        # who each unserved column belongs to: (region, commodity) and (region, sector)
        self.ucol_ids = np.flatnonzero(self.unserved_col)
        reg, com, sec = [], [], []
        for sp in self.b.lp.cols:
            if sp.kind == "unserved":
                reg += list(sp.labels["region"].astype(str))
                com += list(sp.labels["commodity"].astype(str))
                sec += list(sp.labels["sector"].astype(str))
        self.ucol_region = np.array(reg, dtype=object)
        self.ucol_commodity = np.array(com, dtype=object)
        self.ucol_sector = np.array(sec, dtype=object)
        # a policy with rows per destination (an export licence's approved volumes): its rows
        # are told apart by destination, so each importer's shortfall can name its own
        dests: dict[str, set] = defaultdict(set)
        for sp in self.b.lp.rows:
            if "destination" in sp.labels and "policy" in sp.labels:
                for pid, d in zip(sp.labels["policy"], sp.labels["destination"], strict=True):
                    dests[str(pid)].add(str(d))
        self.multi_dest = {pid for pid, ds in dests.items() if len(ds) > 1}

    # ---- naming ---------------------------------------------------------------------
    def label_arrays(self, sp) -> dict[str, np.ndarray]:
        """A span's label columns as numpy arrays, taken once per span: naming a column or
        row then indexes arrays instead of building a pandas row per visit (issue 17)."""
        got = self._label_arrays.get(id(sp))
        if got is None:
            got = self._label_arrays[id(sp)] = {c: sp.labels[c].to_numpy() for c in sp.labels.columns}
        return got

    def label(self, sp, pos: int) -> dict:
        """The labels of one column or row of a span (position `pos` in it), by name: the
        same values, of the same types, as `sp.labels.iloc[pos]`."""
        return {c: a[pos] for c, a in self.label_arrays(sp).items()}

    def _period_of_col(self, j: int) -> int:
        return int(self.col_t[j])

    def _policy_name(self, pol) -> str:
        if hasattr(pol, "describe"):
            return f"target '{pol.id}' ({pol.describe()})"
        if pol.headline:
            return f"{_short(pol.headline)} [{pol.type} '{pol.id}']"
        return f"{pol.type} '{pol.id}'"

    def _policy_constraint(self, pol, per: str) -> Constraint:
        unit = "t"
        if hasattr(pol, "commodities"):
            unit = "t of " + "/".join(pol.commodities())
        elif getattr(pol, "commodity", None):
            unit = f"t of {pol.commodity}"
        return Constraint(self._policy_name(pol), pol.type, per, ("policy", pol.id, per),
                          pol.source, unit)

    def col_constraint(self, j: int) -> Constraint | None:
        """The limit a column at its bound meets, named (computed once per column)."""
        j = int(j)
        if j not in self._col_c:
            self._col_c[j] = self._col_constraint(j)
        return self._col_c[j]

    def _col_constraint(self, j: int) -> Constraint | None:
        if (fixed := policy_mechanisms.fixed_constraint(self, j)) is not None:
            return fixed
        sp = self.b.lp.cols[self.col_span[j]]
        lab = self.label(sp, j - sp.start)
        per = str(lab.get("period", ""))
        t = int(self.col_t[j])
        x, lo, hi = self.sol.x[j], self.f.lb[j], self.f.ub[j]
        at_hi = np.isfinite(hi) and abs(x - hi) <= AT_BOUND_REL * max(1.0, abs(hi))
        at_lo = abs(x - lo) <= AT_BOUND_REL * max(1.0, abs(lo))
        if j in self.col_policy:
            return self._policy_constraint(self.col_policy[j], per)
        length = self.length[t]
        if sp.kind == "activity" and lab.get("kind") == "facility":
            if at_hi:
                cap = hi / length
                what = (f"{cap:,.0f} t/yr of {lab['process']}" if cap > 0 else
                        f"no {lab['process']} capacity then")
                fac = next((f for f in self.m.scenario.facilities if f.id == lab["facility"]), None)
                return Constraint(f"the capacity of {lab['facility']} in {self._reg(lab['region'])} "
                                  f"({what})", "capacity", per, ("capacity", lab["facility"], per),
                                  fac.source if fac else "", "unit of activity")
            if at_lo and lo > 0:
                return Constraint(f"the must-run minimum of {lab['facility']} ({lo / length:,.0f}/yr)",
                                  "minimum", per, ("minimum", lab["facility"], per))
        if sp.kind == "flow" and at_hi:
            return Constraint(f"the capacity of route {lab['route']} ({hi / length:,.0f} t/yr)",
                              "route_capacity", per, ("route", lab["route"], per))
        if sp.kind == "stock":
            if at_lo:
                return Constraint(f"the empty stock {lab['stock']}", "stock_empty", per,
                                  ("stock_empty", lab["stock"], per))
            if at_hi:
                return Constraint(f"the capacity of stock {lab['stock']} ({hi:,.0f} t)",
                                  "stock_capacity", per, ("stock_cap", lab["stock"], per))
        if sp.kind == "build" and at_hi and hi == 0:
            c = next(c for c in self.m.scenario.candidates if c.id == lab["candidate"])
            return Constraint(f"the earliest build date of candidate {c.id} ({c.earliest}, "
                              f"online {c.lead_time:g} yr after the build)", "build_window", "",
                              ("earliest", c.id))
        return None

    def row_constraint(self, i: int) -> Constraint | None:
        """The limit a row with a nonzero dual stands for, named (computed once per row)."""
        i = int(i)
        if i not in self._row_c:
            self._row_c[i] = self._row_constraint(i)
        return self._row_c[i]

    def _row_constraint(self, i: int) -> Constraint | None:
        if policy_mechanisms.silent_row(self, i):
            return None
        if i in self.row_policy:
            pol = self.row_policy[i]
            sp = self.b.lp.rows[self.row_span[i - self.f.n_balance]]
            lab = self.label(sp, i - self.f.n_balance - sp.start)
            per = str(lab.get("period", ""))
            c = self._policy_constraint(pol, per)
            dest = lab.get("destination")
            if dest is None or pol.id not in self.multi_dest:
                return c
            head, sep, tail = c.name.partition(" [")
            return Constraint(f"{head} (to {self._reg(str(dest))}){sep}{tail}", c.kind, per,
                              (*c.key, str(dest)), c.source, c.unit)
        k = i - self.f.n_balance
        sp = self.b.lp.rows[self.row_span[k]]
        lab = self.label(sp, k - sp.start)
        per = str(lab.get("period", ""))
        if sp.kind == "candidate_capacity":
            c = next(c for c in self.m.scenario.candidates if c.id == lab["facility"])
            return Constraint(f"the capacity of candidate plant {c.id} in {self._reg(c.region)} that "
                              f"can be online by then (lead time {c.lead_time:g} yr)",
                              "candidate_capacity", per, ("candidate", c.id, per))
        if sp.kind == "candidate_max":
            return Constraint(f"the maximum size of candidate {lab['facility']}", "candidate_max",
                              "", ("candidate_max", lab["facility"]))
        if (rec := facility_row_phrase(self.r, sp.kind, lab, i)) is not None:
            return Constraint(rec[0], rec[1], per, rec[2], "", rec[3])
        if sp.kind.startswith("target"):
            return Constraint(f"target {lab.get('target')}", "target", per,
                              ("target", lab.get("target"), per))
        return Constraint(f"{sp.kind} ({', '.join(f'{v}' for v in lab.values())})",
                          sp.kind, per, (sp.kind, k))

    def _reg(self, code: str) -> str:
        return self.regions.get(code, code)

    # ---- tracing ----------------------------------------------------------------------
    def _dual_col(self, j: int) -> float:
        return float(self.col_dual_u[j])

    def _dual_row(self, i: int) -> float:
        return float(self.row_dual_u[i])

    def trace(self, start_rows: list[int]) -> dict[Constraint, float]:
        """Binding constraints reachable upstream of `start_rows` → |dual| (per tonne/unit).

        Breadth first, one level of the chain at a time on the sparse matrix (a level is a few
        numpy operations, whatever its width), to MAX_DEPTH levels; only columns and rows with
        a nonzero dual are named. Kept per set of start rows: sectors sharing a balance row
        share its trace."""
        found, where = self._trace_of(start_rows)
        self.where.update(where)
        return dict(found)

    def _trace_of(self, start_rows) -> tuple[dict[Constraint, float], dict]:
        """(found, where each was found) of one trace, computed once. Each trace keeps its own
        `where`, so what a shortfall is told does not depend on which were traced before it."""
        key = tuple(sorted(int(i) for i in start_rows))
        if key not in self._traces:
            self._traces[key] = self._trace(np.asarray(key, dtype=np.int64))
        return self._traces[key]

    def _trace(self, start: np.ndarray) -> tuple[dict[Constraint, float], dict]:
        found: dict[Constraint, float] = {}
        where: dict[Constraint, tuple[str, int]] = {}
        a, csr, nb = self.f.csc, self.a_csr, self.f.n_balance
        seen_rows = np.zeros(a.shape[0], dtype=bool)
        seen_cols = np.zeros(a.shape[1], dtype=bool)
        frontier = np.unique(start)
        depth = 0
        while len(frontier) and depth <= MAX_DEPTH:
            seen_rows[frontier] = True
            pos, cols, vals = csr.rows(frontier)  # scipy's csr[frontier].tocoo()
            parent = frontier[pos]
            # only suppliers of a balance row lead upstream
            keep = ~self.skip_col[cols] & ((parent >= nb) | (vals > 0)) & ~seen_cols[cols]
            cols, first = np.unique(cols[keep], return_index=True)
            parent = parent[keep][first]
            seen_cols[cols] = True
            for j in cols[np.abs(self.col_dual_u[cols]) > EPS]:
                d = abs(float(self.col_dual_u[j]))
                c = self.col_constraint(j)
                if c is not None and d > found.get(c, 0.0):
                    found[c] = d
                    where[c] = ("col", int(j))
            pos, rows, rvals = a.cols(cols)  # scipy's a[:, cols].tocoo()
            owner = parent[pos]
            other = rows != owner
            rows, rvals = rows[other], rvals[other]
            side = rows >= nb
            for i2 in np.unique(rows[side & (np.abs(self.row_dual_u[rows]) > EPS)]):
                d = abs(float(self.row_dual_u[i2]))
                c = self.row_constraint(i2)
                if c is not None and d > found.get(c, 0.0):
                    found[c] = d
                    where[c] = ("row", int(i2))
            nxt = rows[(side & self.cand_row[rows]) | (~side & (rvals < 0))]
            frontier = np.unique(nxt)
            frontier = frontier[~seen_rows[frontier]]
            depth += 1
        return found, where

    # ---- measured relaxation -------------------------------------------------------------
    def saving(self, kind: str, idx: int) -> float:
        """What relaxing this bound or row by one unit saves, re-solved warm (undiscounted).

        NaN when it cannot be measured (the probe budget is spent or the re-solve fails); the
        caller then falls back to the dual.
        """
        key = (kind, idx)
        if key in self._saves:
            return self._saves[key]
        if len(self._saves) >= MAX_PROBES or len(self.f.integer):
            return float("nan")
        from rareflow.lp import highs

        h = self._probe
        if h is None:
            h = self._probe = highs.new_solver(self.f)
            for k, v in (("solver", "simplex"), ("simplex_strategy", 1)):
                highs.set_option(h, k, v)
            base = highs.run(h, duals=False)  # a probe reads x and the objective only
            if base.status != "optimal":
                self._saves[key] = float("nan")
                return float("nan")
            self._obj0 = base.objective
            self._basis0 = h.getBasis()
            self._ucols = self.b.unserved_cols.ravel()
            self._u0 = float(base.x[self._ucols].sum()) if len(self._ucols) else 0.0
            self._u0vec = base.x[self.ucol_ids]
        # every probe starts from the base optimum's basis, not from the last probe's: on a
        # degenerate LP the tonnes a relaxation serves depend on where the re-solve starts, so
        # a figure must not depend on which sentences were worked out before it
        h.clearSolver()  # the solver's own state of the last probe goes too, not only its basis
        highs.set_basis(h, self._basis0)
        if kind == "col":
            lo, hi = float(self.f.lb[idx]), float(self.f.ub[idx])
            up = self.sol.col_dual[idx] < 0  # raising the upper bound lowers the cost
            new = (lo, hi + 1.0) if up else (lo - 1.0, hi)
            h.changeColBounds(idx, *new)
            sol = highs.run(h, duals=False)
            h.changeColBounds(idx, lo, hi)
            t = self._period_of_col(idx)
        else:
            lo, hi = float(self.f.row_lb[idx]), float(self.f.row_ub[idx])
            up = self.sol.row_dual[idx] < 0
            if lo == hi:
                new = (lo + 1.0, hi + 1.0) if up else (lo - 1.0, hi - 1.0)
            else:
                new = (lo, hi + 1.0) if up else (lo - 1.0, hi)
            h.changeRowBounds(idx, *new)
            sol = highs.run(h, duals=False)
            h.changeRowBounds(idx, lo, hi)
            t = self._period_of_row(idx)
        val = (self._obj0 - sol.objective) / self.b.disc[t] if sol.status == "optimal" \
            else float("nan")
        self._saves[key] = val
        if sol.status == "optimal" and len(self._ucols):
            self._served[key] = self._u0 - float(sol.x[self._ucols].sum())
            self._udelta[key] = self._u0vec - sol.x[self.ucol_ids]
        return val

    def served(self, c: Constraint, mask: np.ndarray | None = None,
               at: dict | None = None) -> float:
        """Tonnes of demand one more unit of `c` serves (measured with its saving), or 0; with
        `mask` (over the unserved columns) only the demand it selects: one shortfall's own;
        `at`: where each constraint was found (one trace's), else the last seen."""
        where = (self.where if at is None else at).get(c)
        if not where:
            return 0.0
        if mask is None:
            return self._served.get(where, 0.0)
        delta = self._udelta.get(where)
        return float(delta[mask].sum()) if delta is not None else 0.0

    def demand_mask(self, region: str, commodity: str | None = None,
                    sector: str | None = None) -> np.ndarray:
        """The unserved columns of one shortfall: a region's demand for a commodity (or one
        sector's)."""
        m = self.ucol_region == region
        if commodity is not None:
            m &= self.ucol_commodity == commodity
        if sector is not None:
            m &= self.ucol_sector == sector
        return m

    def causes(self, row: int, mask: np.ndarray, top: int) -> list[tuple[Constraint, float, float]]:
        """(constraint, saving, tonnes of THIS shortfall served) of the limits behind one
        shortfall, its own first.

        Each candidate upstream is relaxed by one unit and re-solved (`saving`); what counts
        for this shortfall is how much of its own demand (`mask`) that serves. Limits that
        serve some of it are ranked by those tonnes (then by the saving); a limit that only
        serves someone else's demand (another importer's licence) is not this shortfall's
        cause. When none serves any of it (limits binding only together, or demand given up
        on price), the strongest by saving are told, as before."""
        raw, at = self._trace_of([row])
        self.where.update(at)
        found = self.measured(raw, top, 0, at)
        batch = max(3 * top, top + 4)
        for start in range(batch, MAX_CANDIDATES, batch):  # none serves it yet: look further down
            if any(self.served(c, mask, at) > SERVES for c in found) or start >= len(raw):
                break
            found = {**found, **self.measured(raw, top, start, at)}
        best: dict[str, tuple[Constraint, float, float]] = {}
        for c, d in found.items():
            du = self.served(c, mask, at)
            if c.name not in best or (round(du, 6), d) > (round(best[c.name][2], 6), best[c.name][1]):
                best[c.name] = (c, d, du)
        items = list(best.values())
        own = [it for it in items if it[2] > SERVES]
        if own:
            items = sorted(own, key=lambda it: (-round(it[2], 6), -it[1]))
        else:
            items = sorted(items, key=lambda it: -it[1])
        return items[:top]

    def _period_of_row(self, i: int) -> int:
        return int(self.row_t[i])

    def measured(self, found: dict[Constraint, float], top: int, skip: int = 0,
                 at: dict | None = None) -> dict[Constraint, float]:
        """The strongest candidates by dual (after the first `skip`), valued by what relaxing
        each by one unit saves."""
        out: dict[Constraint, float] = {}
        n = max(3 * top, top + 4)
        for c, d in sorted(found.items(), key=lambda kv: -kv[1])[skip:skip + n]:
            where = (self.where if at is None else at).get(c)
            v = self.saving(*where) if where else float("nan")
            out[c] = d if np.isnan(v) else max(v, 0.0)
        if any(v > EPS for v in out.values()):  # the limits that matter on their own
            return {c: v for c, v in out.items() if v > EPS}
        return out  # limits that bind only together (a chain in series): each saves nothing alone

    def no_supply(self, row: int) -> bool:
        """True if nothing but unserved demand could ever feed this balance row."""
        csr = self.a_csr
        cols = csr.indices[csr.indptr[row]:csr.indptr[row + 1]]
        vals = csr.data[csr.indptr[row]:csr.indptr[row + 1]]
        for j, v in zip(cols, vals, strict=True):
            if v > 0 and self.b.lp.cols[self.col_span[j]].kind != "unserved" and self.f.ub[j] > 0:
                return False
        return True

    def no_local_producer(self, region: str, commodity: str, t: int) -> bool:
        for sp in self.b.lp.cols:
            if sp.kind != "activity":
                continue
            lab = self.label_arrays(sp)
            sel = (lab["region"] == region) & (lab["period"] == self.m.periods.labels[t])
            for j in np.flatnonzero(sel):
                proc = self.m.scenario.processes[lab["process"][j]]
                if commodity in proc.outputs and (self.f.ub[sp.start + j] > 0
                                                   or lab["kind"][j] == "candidate"):
                    return False
        return True

    # ---- outputs ----------------------------------------------------------------------
    def shortfalls(self, region: str | None = None) -> pd.DataFrame:
        """The causes of each shortfall (top 5 limits), one row per cause; with `region`, only
        of the shortfalls `region_rows` matches ('region/sector/period' contains `region/`)."""
        un = self.r.unserved
        un = un[un["amount"] > SHOWN_T]
        if region is not None:
            item = un["region"].astype(str) + "/" + un["sector"].astype(str) + "/" \
                + un["period"].astype(str)
            un = un[item.str.contains(f"{region}/").to_numpy()]
        rows = []
        for rec in un.itertuples():
            t = self.m.periods.labels.index(rec.period)
            k = self.b.pairs[(rec.region, rec.commodity)]
            row = k * self.T + t
            raw = self.trace([row])
            found = self.causes(row, self.demand_mask(rec.region, rec.commodity, rec.sector), 5)
            for c, v, _du in found:
                rows.append({"region": rec.region, "sector": rec.sector, "commodity": rec.commodity,
                             "period": rec.period, "unserved": rec.amount, "constraint": c.name,
                             "kind": c.kind, "constraint_period": c.period, "dual": raw[c],
                             "saves": v})
            if not found:
                rows.append({"region": rec.region, "sector": rec.sector, "commodity": rec.commodity,
                             "period": rec.period, "unserved": rec.amount,
                             "constraint": self._structural(rec.region, rec.commodity, t, row),
                             "kind": "structure", "constraint_period": rec.period, "dual": np.nan,
                             "saves": np.nan})
        return pd.DataFrame(rows, columns=["region", "sector", "commodity", "period", "unserved",
                                           "constraint", "kind", "constraint_period", "dual",
                                           "saves"])

    def _structural(self, region, commodity, t, row) -> str:
        if self.no_supply(row):
            return (f"the absence of any supply: {self._reg(region)} has no plant, open route or "
                    f"stock for {commodity}")
        return "the chain's total capacity upstream (no single binding limit)"

    def _ranked(self, found: dict[Constraint, float], top: int) -> list[tuple[Constraint, float]]:
        """Distinct constraints by name (one policy over many periods counts once), by dual."""
        best: dict[str, tuple[Constraint, float]] = {}
        for c, d in found.items():
            if c.name not in best or d > best[c.name][1]:
                best[c.name] = (c, d)
        return sorted(best.values(), key=lambda cd: -cd[1])[:top]

    def _phrase(self, c: Constraint, d: float, du: float | None = None) -> str:
        if np.isnan(d):
            return c.name
        if d <= EPS:
            return f"{c.name} (binding together with others: relaxing it alone saves nothing)"
        du = self.served(c) if du is None else du
        if du > 0.5:  # the money is mostly shortfall penalty: say the tonnes first
            return (f"{c.name} (1 {c.unit} more would serve {du:,.0f} t more demand, worth "
                    f"{d:,.0f} {self.currency} at the shortfall penalties)")
        return f"{c.name} (relaxing it by 1 {c.unit} saves {d:,.0f} {self.currency})"

    def _worth(self, c: Constraint, d: float, du: float | None = None) -> str:
        """The short form of a phrase's value: tonnes served if any, else the saving."""
        du = self.served(c) if du is None else du
        return f"{du:,.0f} t" if du > 0.5 else f"{d:,.0f} {self.currency}"

    def _phrases(self, ranked: list[tuple[Constraint, float, float]]) -> list[str]:
        """Phrases for ranked (constraint, saving, tonnes served) triples; several policies of
        one measure (the same headline, e.g. one licence per month) are told once, the others
        by id and value."""
        groups: dict[str, list[tuple[Constraint, float, float]]] = {}
        for c, d, du in ranked:
            head = c.name.split(" [", 1)[0] if c.key[0] == "policy" else c.name
            groups.setdefault(f"{c.kind}|{head}", []).append((c, d, du))
        out = []
        for items in groups.values():
            (c0, d0, du0), rest = items[0], items[1:]
            text = self._phrase(c0, d0, du0)
            if rest:
                kind = c0.kind.replace("_", " ")
                text += f", and by the same measure's other {kind}s " + ", ".join(
                    f"'{c.key[1]}' ({self._worth(c, d, du)})" for c, d, du in rest)
            out.append(text)
        return out

    def sentences(self, top: int = 3) -> list[str]:
        """One sentence per shortfall (consecutive periods with the same causes merged), then
        the scarcity prices that stand out, then the sources of the policies cited. Computed
        once per result: `run` asks for them to store and again to print."""
        if top not in self._sentences:
            self._sentences[top] = self._make_sentences(top)
        return list(self._sentences[top])

    def _make_sentences(self, top: int) -> list[str]:
        out, cited = self.shortfall_sentences(top)
        if not out:
            out.append("All demand is served in every period.")
        out += mechanism_sentences(self.r)
        out += self.policy_sentences(cited)
        out += policy_mechanisms.sentences(self, cited)
        out += self.price_sentences(cited)
        out += [f"Source of {pid}: {src}" for pid, src in cited.items()]
        return out

    def region_sentences(self, region: str, top: int = 3) -> list[str] | None:
        """The sentences of `sentences(top)` that `select` keeps for `region`, in the same
        order, computed alone: only the shortfalls of regions whose sentences can open with
        the region's code or label are traced, and the sentences that cannot open so (prices,
        sources, the foresight re-solve) are not written. Exact because every sentence kind
        opens with a text known before it is worked out (`_could_open`); None when the region's
        names could open one of the fixed openings (then the caller filters the full list)."""
        names = region_names(self.r, region)
        if any(_could_open(p, names) for p in _FIXED_OPENINGS) or not self._full_within_budget():
            return None
        # every shortfall sentence opens with "<region label>'s " (shortfall_sentences)
        out, cited = self.shortfall_sentences(
            top, regions=lambda reg: _could_open(f"{self._reg(reg)}'s ", names))
        out += mechanism_sentences(self.r)
        out += self.policy_sentences(cited, opens=lambda opening: _could_open(opening, names))
        out += policy_mechanisms.sentences(self, cited, foresight=False)
        return out

    def _full_within_budget(self, top: int = 3) -> bool:
        """Whether the whole explanation, worked out now, would measure every relaxation it
        asks for (at most MAX_PROBES): then a sentence's figures do not depend on which other
        sentences are written, and a part of them can be worked out alone. Counted from above:
        the probes made already, the first MAX_CANDIDATES candidates by dual of every
        shortfall's trace (all `causes` may measure), every policy-owned bound or row (the
        policy sentences) and 6 per scarcity-price sentence (at most 5)."""
        un = self.r.unserved
        un = un[un["amount"] > SHOWN_T]
        index = {p: k for k, p in enumerate(self.m.periods.labels)}
        wheres = set(self._saves)
        for reg, com, per in dict.fromkeys(zip(un["region"], un["commodity"], un["period"],
                                               strict=True)):
            raw, at = self._trace_of([self.b.pairs[(reg, com)] * self.T + index[per]])
            wheres.update(at[c] for c, _ in sorted(raw.items(), key=lambda kv: -kv[1])
                          [:max(MAX_CANDIDATES, 3 * top, top + 4)] if c in at)
            if len(wheres) > MAX_PROBES:
                return False
        wheres.update(w for *_, w in self.policy_binding())
        return len(wheres) + 5 * max(3 * 2, 2 + 4) <= MAX_PROBES

    def shortfall_sentences(self, top: int = 3, limit: int | None = None, regions=None
                            ) -> tuple[list[str], dict[str, str]]:
        """One sentence per shortfall (a region's commodity; consecutive periods and sectors
        with the same causes merged), in the order the unserved table first meets them, and
        the sources of the policies they cite.

        With `limit`, only the first `limit` sentences, exactly as the full list has them:
        the (region, commodity) pairs are explained in the order they first appear, and the
        work stops once `limit` groups are complete (no later record can join or precede
        them) — what `rareflow run` prints costs what it shows, not every shortfall.

        With `regions` (a test on a region code), only the shortfalls of the regions it
        accepts: their sentences are those of the full list, in its order (a sentence is about
        one region's commodity and depends on no other)."""
        un = self.r.unserved
        un = un[un["amount"] > SHOWN_T]
        if regions is not None:
            keep = {g: bool(regions(g)) for g in dict.fromkeys(un["region"])}
            un = un[un["region"].map(keep).astype(bool).to_numpy()]
        first: dict[tuple[str, str], int] = {}
        by_pair: dict[tuple[str, str], list] = defaultdict(list)
        for k, rec in enumerate(un.itertuples()):
            first.setdefault((rec.region, rec.commodity), k)
            by_pair[(rec.region, rec.commodity)].append((k, rec))
        pairs = sorted(first, key=first.get)
        groups: dict[tuple, tuple[int, list]] = {}
        index = {p: k for k, p in enumerate(self.m.periods.labels)}
        for n, pair in enumerate(pairs):
            mask = self.demand_mask(*pair)
            for k, rec in by_pair[pair]:
                t = index[rec.period]
                row = self.b.pairs[pair] * self.T + t
                key = (row, rec.region, rec.commodity, top)
                if key not in self._ranked_rows:
                    self._ranked_rows[key] = self.causes(row, mask, top)
                ranked = self._ranked_rows[key]
                names = tuple(c.name for c, _, _ in ranked)
                groups.setdefault((rec.region, rec.commodity, names), (k, []))[1].append(
                    (rec.period, rec.amount, ranked, row, t, rec.sector))
            if limit is not None:
                bound = first[pairs[n + 1]] if n + 1 < len(pairs) else len(un)
                if sum(1 for k0, _ in groups.values() if k0 < bound) >= limit:
                    break
        ordered = sorted(groups.items(), key=lambda kv: kv[1][0])
        if limit is not None:
            ordered = ordered[:limit]
        out: list[str] = []
        cited: dict[str, str] = {}
        order = index
        for (reg, com, _names), (_k, items) in ordered:
            pers = sorted({it[0] for it in items}, key=order.get)
            total = sum(it[1] for it in items)
            ranked, row, t = items[0][2], items[0][3], items[0][4]
            by_sector: dict[str, float] = {}
            for it in items:
                by_sector[it[5]] = by_sector.get(it[5], 0.0) + it[1]
            when = span(pers)
            amount = f"{total:,.0f} t" if len(pers) == 1 else \
                f"{total:,.0f} t in total over {len(pers)} periods"
            parts = self._phrases(ranked)
            for c, *_ in ranked:
                if c.key[0] == "policy" and c.source:
                    cited[c.key[1]] = c.source
            if not ranked:
                parts.append(self._structural(reg, com, t, row))
            elif self.no_local_producer(reg, com, t):
                parts.append(f"{self._reg(reg)}'s {com} capacity of 0 t/yr")
            if len(by_sector) == 1:
                who = f"{self._reg(reg)}'s {next(iter(by_sector))} shortfall of {amount}"
            else:  # sectors with the same causes (equal priority shares pro rata) told once
                split = ", ".join(f"{sec} {v:,.0f} t" for sec, v in
                                  sorted(by_sector.items(), key=lambda kv: -kv[1]))
                who = f"{self._reg(reg)}'s shortfall of {amount} ({split})"
            out.append(f"{who} of {com} in {when} is bound by " + "; and by ".join(parts) + ".")
        return out, cited

    def policy_sentences(self, cited: dict[str, str], opens=None) -> list[str]:
        """What each binding policy costs: the periods it binds in and what one more unit of it
        would save; then the agreements missed, by how much and at what breach cost.

        This answers "what does the halt (the ban, the licence squeeze) cost" even when every
        demand is still served and no shortfall sentence names the policy.

        With `opens` (a test on how a sentence opens), only the sentences whose opening it
        accepts are worked out (the others' relaxations are not measured); each is the one of
        the full list, since a policy's sentence depends on its own rows only.
        """
        out: list[str] = []
        order = {p: k for k, p in enumerate(self.m.periods.labels)}
        br = self.r.breaches
        br = br[br["amount"] > SHOWN_T] if len(br) else br
        breached = set(br["policy"]) if len(br) else set()
        groups: dict[str, list] = defaultdict(list)
        for c, _d, _s, w in self.policy_binding():
            if c.kind in POLICY_KINDS and (opens is None or opens(f"{c.name} binds in")):
                groups[c.name].append((c, max(self.saving(*w), 0.0)))
        for name, items in groups.items():
            if opens is not None and not opens(f"{name} binds in"):
                continue
            items = [(c, v) for c, v in items if not np.isnan(v)]
            if not items:
                continue
            c0 = items[0][0]
            pers = sorted({c.period for c, _ in items if c.period}, key=lambda p: order.get(p, 0))
            when = period_runs(pers, self.m.periods.labels, "the whole horizon")
            best_c, best = max(items, key=lambda cv: cv[1])
            if best <= EPS:
                continue
            if c0.kind == "agreement" and c0.key[1] in breached:
                continue  # the breach sentence below says it, with volumes
            low = min(v for _, v in items)
            if len(items) == 1:
                worth = f"{best:,.0f} {self.currency}"
            elif low < best * 0.99:
                worth = (f"{low:,.0f}–{best:,.0f} {self.currency} per period (most in "
                         f"{best_c.period})")
            else:
                worth = f"{best:,.0f} {self.currency} in each period"
            out.append(f"{name} binds in {when}: relaxing it by 1 {c0.unit} would save {worth}.")
            if c0.source and c0.key[0] == "policy":
                cited[c0.key[1]] = c0.source
        pols = {p.id: p for p in self.b.policies}
        for (pid, side), g in (br.groupby(["policy", "side"], sort=False) if len(br) else []):
            pol = pols.get(pid)
            if pol is None or (opens is not None and not opens(f"{self._policy_name(pol)}: the ")):
                continue
            g = g.sort_values("period", key=lambda s: s.map(order))
            parts = [f"{a:,.0f} t in {p}" for p, a in zip(g["period"], g["amount"], strict=True)]
            what = "missed" if side == "min" else "exceeded"
            total = g["amount"].sum() * pol.breach_cost
            out.append(f"{self._policy_name(pol)}: the {side} volume of {pol.commodity} from "
                       f"{pol.exporter} to {pol.importer} is {what} by " + ", ".join(parts)
                       + f", paying its breach cost of {pol.breach_cost:,.0f} {self.currency}/t "
                       f"({total:,.0f} {self.currency} in all, undiscounted).")
            if pol.source:
                cited[pid] = pol.source
        return out

    def price_sentences(self, cited: dict[str, str], top: int = 5, ratio: float = 3.0) -> list[str]:
        """Scarcity prices far above the commodity's usual level, and what holds them there."""
        pr = self.r.prices
        pr = pr[pr["price"] > 0]
        if not len(pr):
            return []
        med = pr.groupby("commodity")["price"].transform("median")
        hot = pr.assign(ratio=pr["price"] / med)
        hot = hot[(hot["ratio"] >= ratio)]
        un = self.r.unserved
        short = set(zip(un.loc[un["amount"] > SHOWN_T, "region"], un.loc[un["amount"] > SHOWN_T,
                                                                      "commodity"], strict=True))
        keep = np.array([(r, c) not in short for r, c in zip(hot["region"], hot["commodity"],
                                                              strict=True)], dtype=bool)
        hot = hot[keep] if len(hot) else hot
        tg = self.r.targets
        if len(tg):  # prices in periods where a target is missed carry its penalty: not news
            missed = set(tg.loc[~tg["met"].astype(bool), "period"])
            hot = hot[~hot["period"].isin(missed)]
        out = []
        for (reg, com), g in list(hot.groupby(["region", "commodity"], sort=False))[:top]:
            peak = g.loc[g["price"].idxmax()]
            t = self.m.periods.labels.index(peak["period"])
            row = self.b.pairs[(reg, com)] * self.T + t
            ranked = self._ranked(self.measured(self.trace([row]), 2), 2)
            for c, _ in ranked:
                if c.key[0] == "policy" and c.source:
                    cited[c.key[1]] = c.source
            why = ("; it is held there by " + "; and by ".join(self._phrase(c, d) for c, d in ranked)
                   ) if ranked else ""
            pers = list(g["period"])
            when = span(pers)
            out.append(f"The scarcity price of {com} in {self._reg(reg)} is {peak['price']:,.0f} "
                       f"{self.currency}/t at its peak ({peak['period']}; {peak['ratio']:.1f}× the "
                       f"median across regions and periods; high in {when}){why}.")
        return out

    def table(self, region: str | None = None, top: int | None = None) -> pd.DataFrame:
        """Every binding constraint (`_make_table`); with `region`, only the rows
        `rareflow explain --region` shows — those naming the region or affecting one of its
        shortfalls — computed alone: the shortfalls of other regions are not traced and the
        other rows are not probed (issue 17). Each kept row is the full table's row, except
        that `affected` lists only the shortfalls matching the region.

        With `top`, only the rows that can be among the first `top` by rank (`saves`, else the
        |dual|, largest first: what `rareflow explain` shows) are measured; the others keep
        `saves` NaN. Exact: a relaxation by one unit saves at most |dual| (the LP's optimal
        value is convex in a bound or right-hand side, and the dual is a subgradient of it), so
        once the `top`-th rank measured exceeds the |dual| of every row left (with the solver's
        tolerance as margin), no row left can displace a shown one."""
        if self._table_df is not None:  # at hand already: filter it
            return self._table_df.copy() if region is None else region_rows(self._table_df, region)
        if region is None and top is None:
            self._table_df = self._make_table()
            return self._table_df.copy()
        return self._make_table(region, top)

    def _col_entry(self, j: int) -> tuple[Constraint, float, float, tuple[str, int]] | None:
        c = self.col_constraint(j)
        if c is None:
            return None
        x = self.sol.x[j]
        return c, self._dual_col(j), min(x - self.f.lb[j], self.f.ub[j] - x), ("col", j)

    def _row_entry(self, i: int) -> tuple[Constraint, float, float, tuple[str, int]] | None:
        c = self.row_constraint(i)
        if c is None:
            return None
        v = self.sol.row_value[i]
        return c, self._dual_row(i), min(v - self.f.row_lb[i], self.f.row_ub[i] - v), ("row", i)

    def _entries(self, cols, rows) -> list[tuple[Constraint, float, float, tuple[str, int]]]:
        """(constraint, dual, slack, where) of the given columns and rows that carry a nonzero
        dual, strongest first (the probe budget goes to them); nothing is re-solved here."""
        out = [e for j in cols if abs(self.sol.col_dual[j]) > EPS
               and (e := self._col_entry(int(j))) is not None]
        out += [e for i in rows if abs(self.sol.row_dual[i]) > EPS
                and (e := self._row_entry(int(i))) is not None]
        out.sort(key=lambda r: -abs(r[1]))
        return out

    def binding(self) -> list[tuple[Constraint, float, float, tuple[str, int]]]:
        """Every bound or non-balance row with a nonzero dual."""
        if self._binding is None:
            nb = self.f.n_balance
            self._binding = self._entries(np.flatnonzero(np.abs(self.sol.col_dual) > EPS),
                                          np.flatnonzero(np.abs(self.sol.row_dual[nb:]) > EPS) + nb)
        return self._binding

    def _measure_rows(self, rows, keep: list[bool], top: int | None) -> dict[int, float]:
        """{row number: saves} of the kept `rows` (strongest |dual| first, as `binding` orders
        them); with `top`, stopping once no row left can reach the first `top` (see `table`)."""
        out: dict[int, float] = {}
        ranks: list[float] = []
        tol = 1e-7 * max(1.0, abs(self.r.objective))  # HiGHS tolerances (1e-7) on a saving
        if top is not None and len(set(self._saves) | {w for (*_, w), k in zip(rows, keep, strict=True)
                                                        if k}) > MAX_PROBES:
            top = None  # measuring all would spend the probe budget: measured as before, in order
        disc = np.asarray(self.b.disc, dtype=float)
        for n, ((_c, d, _s, w), k) in enumerate(zip(rows, keep, strict=True)):
            if not k:
                continue
            if top is not None and len(ranks) >= top:
                t = self._period_of_col(w[1]) if w[0] == "col" else self._period_of_row(w[1])
                if sorted(ranks, reverse=True)[top - 1] > abs(d) + tol / disc[t]:
                    break
            out[n] = v = max(self.saving(*w), 0.0)
            ranks.append(abs(d) if np.isnan(v) else v)
        return out

    def policy_binding(self) -> list[tuple[Constraint, float, float, tuple[str, int]]]:
        """Like `binding()`, but only the bounds and rows that policies own: a few instead of
        every priced column of the model (what the policy sentences need)."""
        return self._entries(sorted(self.col_policy), sorted(self.row_policy))

    def _make_table(self, region: str | None = None, top: int | None = None) -> pd.DataFrame:
        """Every binding constraint in the model: constraint, kind, period, dual, saves (what
        relaxing it by one unit saves, measured), slack, affected, source.

        With `region`: the same frame, built and ordered the same way, but only the shortfalls
        whose 'region/sector/period' matches `region/` are traced and only the rows kept by
        `region_rows` are probed; the others are dropped at the end."""
        sf = self.shortfalls(region)
        affected = defaultdict(set)
        for rec in sf.itertuples():
            affected[(rec.constraint, rec.constraint_period)].add(
                f"{rec.region}/{rec.sector}/{rec.period}")
        rows = self.binding()
        keep = [region is None or bool(re.search(region, c.name))
                or bool(affected.get((c.name, c.period))) for c, _d, _s, _w in rows]
        saves = self._measure_rows(rows, keep, top)
        out = pd.DataFrame([{"constraint": c.name, "kind": c.kind, "period": c.period, "dual": d,
                             "saves": saves.get(n, np.nan),
                             "slack": max(s, 0.0),
                             "affected": ", ".join(sorted(affected.get((c.name, c.period), []))),
                             "source": c.source}
                            for n, (c, d, s, w) in enumerate(rows)],
                           columns=["constraint", "kind", "period", "dual", "saves", "slack",
                                    "affected", "source"])
        out = out.drop_duplicates(["constraint", "period"])
        out = out.sort_values("dual", key=np.abs, ascending=False).reset_index(drop=True)
        return out if region is None else region_rows(out, region)


def region_rows(tab: pd.DataFrame, region: str) -> pd.DataFrame:
    """The rows of an explain table `rareflow explain --region` shows: a shortfall of the
    region among those it affects, or the region in the constraint's name."""
    return tab[tab["affected"].str.contains(f"{region}/") | tab["constraint"].str.contains(region)]


# ---- what `Results` asks of this module (results/result.py: the analysis registry) ---------
def explainer(results) -> Explainer:
    """The result's explainer, made once (its traces and relaxation probes are kept)."""
    ex = results.cache.get("explainer")
    if ex is None:
        ex = results.cache["explainer"] = Explainer(results)
    return ex


def shown_causes(results, limit: int = 3) -> list[str]:
    """The first `limit` shortfall sentences of `results.explain()`, computed alone when the
    whole explanation is not at hand (what `rareflow run` prints: it then traces and probes
    only the shortfalls it shows). A result read back, or one whose explanation was already
    written (to the store), answers from its sentences."""
    if not results.live or "explain" in getattr(results, "_sentences", {}):
        return [s for s in results.explain() if "shortfall of" in s][:limit]
    return explainer(results).shortfall_sentences(limit=limit)[0]


def region_names(results, region: str) -> set[str]:
    """The names a sentence about `region` opens with: its code and its label."""
    regions = results.scenario.regions
    return {n for n in {region, regions[region].label if region in regions else region} if n}


# texts that other sentences of `Explainer.sentences` open with, whatever their figures
_FIXED_OPENINGS = ("All demand is served in every period.", "The scarcity price of ", "Source of ",
                   *policy_mechanisms.FORESIGHT_OPENINGS)


def _could_open(opening: str, names: set[str]) -> bool:
    """Whether a sentence that opens with `opening` can open with one of `names` + "'s" (what
    `select` keeps): one of the two texts begins the other."""
    return any(opening.startswith(f"{n}'s") or f"{n}'s".startswith(opening) for n in names)


@analysis("explain_region")
def explain_region(results, region: str, period: str | None = None) -> list[str]:
    """`select(results, results.section("explain"), region, period)`, computing only the
    region's sentences when the whole explanation is not at hand (issue 17)."""
    found = explainer(results).region_sentences(region)
    if found is None:
        return select(results, results.section("explain"), region, period)
    return select(results, found, region, period)


@analysis("select")
def select(results, sentences: list[str], region: str | None = None,
           period: str | None = None) -> list[str]:
    """The sentences about one region (by code or label, as a sentence opens: "Japan's …")
    and/or mentioning one period."""
    out = list(sentences)
    if region:
        names = region_names(results, region)
        out = [s for s in out if any(s.startswith(f"{n}'s") for n in names)]
    if period:
        out = [s for s in out if str(period) in s]
    return out


@analysis("explain_table")
def explain_table(results, region: str | None = None, top: int | None = None) -> pd.DataFrame:
    return explainer(results).table(region, top)


@analysis("shortfall_causes")
def shortfall_causes(results) -> pd.DataFrame:
    return explainer(results).shortfalls()
