"""Turning schema errors and broken references into Problems a person can act on."""

from __future__ import annotations

import difflib
import types
import typing
from collections import defaultdict

import numpy as np
from pydantic import BaseModel, ValidationError

from rareflow.errors import MAX_PROBLEMS, Problem
from rareflow.scenario import series
from rareflow.scenario.periods import make_periods, parse_key

_TYPE_WORDS = {"float", "int", "str", "dict", "list", "bool", "none", "function-after",
               "function-before", "tagged-union", "union"}


def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out = []
    for arg in typing.get_args(annotation):
        out += _models_in(arg)
    return out


def _field_models(model: type[BaseModel], name: str) -> list[type[BaseModel]]:
    for fname, f in model.model_fields.items():
        if name in (fname, f.alias):
            return _models_in(f.annotation)
    return []


def _walk(root: type[BaseModel], loc: tuple) -> tuple[list[str], type[BaseModel] | None]:
    """Clean a pydantic location (drop union-branch tags) and find the model holding its end."""
    path: list[str] = []
    model: type[BaseModel] | None = root
    options: list[type[BaseModel]] = []
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(part, int):
            path.append(f"[{part}]")
            continue
        tag = [m for m in options if part in (_tag(m), m.__name__)]
        if tag:
            model, options = tag[0], []
            continue
        if part == "[key]":
            path.append("(key)")
            continue
        if part in _TYPE_WORDS or "[" in part:
            continue
        if model is not None and not last and _field_models(model, part):
            options = _field_models(model, part)
            path.append(f".{part}")
            model = options[0] if len(options) == 1 else None
            continue
        if model is None and options and len(options) == 1:
            model = options[0]
        path.append(f".{part}")
        if not last and model is not None and part not in _all_names(model):
            # a map key (commodity id, series period): stay on the map's value model
            continue
        if not last:
            model = None
    text = "".join(path).lstrip(".")
    return [text], model


def _tag(model: type[BaseModel]) -> str | None:
    f = model.model_fields.get("type")
    if f is None:
        return None
    args = typing.get_args(f.annotation)
    return args[0] if args else None


def _all_names(model: type[BaseModel]) -> set[str]:
    names = set()
    for fname, f in model.model_fields.items():
        names.add(fname)
        if f.alias:
            names.add(f.alias)
    return names


def _public_names(model: type[BaseModel]) -> list[str]:
    return sorted(f.alias or n for n, f in model.model_fields.items())


def _parent_model(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    model: type[BaseModel] | None = root
    options: list[type[BaseModel]] = []
    for part in loc[:-1]:
        if isinstance(part, int) or part in _TYPE_WORDS or "[" in str(part):
            continue
        tag = [m for m in options if part in (_tag(m), m.__name__)]
        if tag:
            model, options = tag[0], []
            continue
        if model is not None and part in _all_names(model):
            options = _field_models(model, part)
            model = options[0] if len(options) == 1 else None
        elif model is None and len(options) == 1:
            model = options[0]
    if model is None and len(options) == 1:
        model = options[0]
    return model


def _message(err: dict, root: type[BaseModel]) -> tuple[str, str]:
    kind = err["type"]
    loc = err["loc"]
    name = str(loc[-1]) if loc else ""
    if kind == "missing":
        return f"'{name}' is required", f"add '{name}:' with a value"
    if kind == "extra_forbidden":
        model = _parent_model(root, loc)
        allowed = _public_names(model) if model else []
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return (f"unknown key '{name}'",
                f"{hint}remove it or use one of: {', '.join(allowed)}" if allowed else "remove it")
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        tags = ctx.get("expected_tags", "")
        close = difflib.get_close_matches(str(ctx.get("tag")), [t.strip(" '") for t in
                                          str(tags).split(",")], n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return (f"unknown type '{ctx.get('tag')}'", f"{hint}use one of the types: {tags}")
    if kind == "union_tag_not_found":
        return "no 'type' given", "add 'type:' (export_ban, agreement, …)"
    if kind == "value_error":
        msg, _, fix = err["msg"].removeprefix("Value error, ").partition(" | ")
        return msg, fix or "correct the value"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing"):
        return f"expected a number, got {err.get('input')!r}", "write a number"
    if kind in ("string_type",):
        return f"expected text, got {err.get('input')!r}", "write a text value"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of keys, got {type(err.get('input')).__name__}", \
            "write 'key: value' pairs here"
    if kind == "list_type":
        return f"expected a list, got {type(err.get('input')).__name__}", "write a '- item' list"
    if kind == "literal_error":
        return f"{err.get('input')!r} is not allowed", err["msg"].replace("Input should be", "use")
    return err["msg"], "correct the value"


def pydantic_problems(exc: ValidationError, root: type[BaseModel]) -> list[tuple[Problem, tuple]]:
    """One Problem per path; for union fields the most specific message wins."""
    return schema_problems(exc, root, limit=None)[0]


def _prefixes(path: str) -> set[str]:
    """The proper prefixes of a problem path that are paths themselves:
    'facilities[2].capacity.2024' → {'facilities', 'facilities[2]', 'facilities[2].capacity'}."""
    return {path[:i] for i, ch in enumerate(path) if ch in ".[" and i}


def schema_problems(exc: ValidationError, root: type[BaseModel], limit: int | None = MAX_PROBLEMS
                    ) -> tuple[list[tuple[Problem, tuple]], int]:
    """The first `limit` problems of a schema error (None: all) and how many more there are.

    Linear in the number of errors: a file with 200,000 misspelt keys is judged in about the
    time pydantic takes to find them, and only the problems shown are worded (the wording
    looks for close matches, which is the expensive part)."""
    groups: dict[str, list[tuple[dict, tuple]]] = defaultdict(list)
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        [path], _ = _walk(root, loc)
        groups[path].append((err, loc))
    deeper: set[str] = set()
    for q in groups:
        deeper |= _prefixes(q)
    for path in [p for p in groups if p in deeper]:
        if all(e["type"] not in ("missing", "extra_forbidden") for e, _ in groups[path]):
            del groups[path]  # a union's "not a number" branch; the deeper error says more
    out: list[tuple[Problem, tuple]] = []
    more = 0
    for path, errs in groups.items():
        specific = [e for e in errs if e[0]["type"] in ("value_error", "missing", "extra_forbidden",
                                                        "union_tag_invalid", "union_tag_not_found",
                                                        "literal_error")]
        full = limit is None or len(out) < limit
        if specific:
            chosen = specific
        elif len(errs) > 1:
            if not full:
                more += 1
                continue
            err, loc = errs[0]
            out.append((Problem(path, f"cannot read {err.get('input')!r} here",
                                "write a number, or a map {period: value} of numbers"), loc))
            continue
        else:
            chosen = errs
        if not full:  # counted, not worded
            more += len({(e["type"], e["msg"]) for e, _ in chosen})
            continue
        seen = set()
        for err, loc in chosen:
            msg, fix = _message(err, root)
            if (msg, fix) in seen:
                continue
            seen.add((msg, fix))
            out.append((Problem(path, msg, fix), loc))
    if limit is not None and len(out) > limit:
        more += len(out) - limit
        out = out[:limit]
    return out, more


def _period_problems(scn) -> list[Problem]:
    p = scn.periods
    if isinstance(p, list):
        if not p:
            return [Problem("periods", "the period list is empty", "list at least one period")]
        blocks = [hasattr(b, "step") for b in p]
        if all(blocks):
            return _block_problems(p)
        if any(blocks):
            return [Problem("periods", "the list mixes period labels and {start, end, step} blocks",
                            "write every item as a block (e.g. '{start: 2027, end: 2035, step: "
                            "year}'), or every item as a label")]
        parsed = [parse_key(k) for k in p]
        starts = [s for s, _ in parsed]
        if any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
            return [Problem("periods", "periods must be listed in increasing order, each once",
                            "sort the list and remove repeats")]
        for (a, (s0, n0)), (b, (s1, _)) in zip(zip(p, parsed, strict=True),
                                               zip(p[1:], parsed[1:], strict=True), strict=False):
            if s0 + n0 > s1:
                return [Problem("periods", f"period {a} overlaps the next one, {b}",
                                f"remove {b} or split {a} into shorter periods (a list may mix "
                                "years, quarters and months, but no two may overlap)")]
        return []
    return _block_problems([p], single=True)


def _block_problems(blocks: list, single: bool = False) -> list[Problem]:
    """Each range ends after it starts; blocks follow each other with no gap and no overlap;
    the horizon is not absurdly long."""
    from rareflow.scenario.periods import MAX_PERIODS, STEP_MONTHS, block_span

    out: list[Problem] = []
    n = 0
    prev = None
    for i, b in enumerate(blocks):
        path = "periods" if single else f"periods[{i}]"
        if parse_key(b.end)[0] < parse_key(b.start)[0]:
            out.append(Problem(f"{path}.end", f"end {b.end} is before start {b.start}",
                               "swap start and end"))
            return out
        s0, stop = block_span(b.start, b.end, b.step)
        n += (stop - s0) // STEP_MONTHS[b.step]
        if prev is not None and s0 != prev[1]:
            out.append(_block_gap(blocks, prev[0], i, prev[1], s0))
        prev = (i, stop, b.step)
    if n > MAX_PERIODS:
        out.append(Problem("periods", f"{n:,} periods is more than the {MAX_PERIODS:,} allowed",
                           "shorten the horizon or use a coarser step"))
    return out


def _block_gap(blocks: list, j: int, i: int, pstop: int, s0: int) -> Problem:
    """Block i does not start right after block j ends: name both and say where it must start."""
    from rareflow.scenario.periods import STEP_MONTHS, label_of

    b = blocks[i]
    last = label_of(pstop - 1, "month")
    first = label_of(s0, b.step)
    starts = f"starting {b.start}" if str(b.start) == first else \
        f"starting {b.start}, so its first {b.step} is {first}"
    if pstop % STEP_MONTHS[b.step]:
        fix = (f"block {i + 1} is in {b.step}s, so block {j + 1} must end with a whole {b.step} "
               f"(it ends with {last}); or give block {i + 1} a finer step")
    else:
        fix = (f"start block {i + 1} at {label_of(pstop, b.step)}, right after block {j + 1} "
               "(blocks follow each other: months first, years after)")
    if s0 > pstop:
        what = (f"a gap between block {j + 1} (ending with {last}) and block {i + 1} ({starts}): "
                f"{label_of(pstop, 'month')} to {label_of(s0 - 1, 'month')} are in no block")
    else:
        what = f"block {i + 1} ({starts}) overlaps block {j + 1}, which runs to {last}"
    return Problem(f"periods[{i}].start", what, fix)


def _stock_problems(s, path: str, periods) -> list[Problem]:
    """Levels a stock can never hold: an initial level, a floor or a final level above its
    capacity. (An initial level below the first floor is allowed: the reserve is filled.)"""
    out = []
    cap = s.capacity
    if cap is None:
        return out
    if s.initial > cap:
        out.append(Problem(f"{path}.initial", f"initial {s.initial:g} exceeds capacity {cap:g}",
                           "lower initial or raise capacity"))
    low = series.values(s.minimum, periods)
    bad = np.flatnonzero(low > cap + 1e-9)
    if len(bad):
        out.append(Problem(f"{path}.minimum", f"the floor {low[bad[0]]:g} t exceeds the capacity "
                           f"{cap:g} t in {periods.labels[bad[0]]}",
                           "lower the minimum or raise the capacity"))
    if s.final is not None and s.final_min() > cap + 1e-9:
        out.append(Problem(f"{path}.final.min", f"the final level {s.final_min():g} t exceeds "
                           f"the capacity {cap:g} t", "lower final.min or raise the capacity"))
    return out


def _duplicates(items, block: str, kind: str) -> list[Problem]:
    """Ids must be unique within a block (a default id counts: two routes A→B of one commodity
    need ids of their own)."""
    seen: dict[str, str] = {}
    out = []
    for i, item in enumerate(items):
        path = f"{block}[{i}]"
        if item.id in seen:
            out.append(Problem(path, f"duplicate {kind} id '{item.id}' (also at {seen[item.id]})",
                               f"give each {kind} its own id"))
        seen[item.id] = path
    return out


def _announcements(scn, periods) -> list[Problem]:
    """`announced` on policies, targets and events (an event's holds for its policies)."""
    from rareflow.scenario.policies.base import announced_problems

    out = []
    for block in ("policies", "targets"):
        for i, p in enumerate(getattr(scn, block)):
            out += announced_problems(p.announced, p.start, periods, f"{block}[{i}].announced")
    for j, ev in enumerate(scn.events):
        for k, p in enumerate(ev.policies):
            own = p.announced is not None
            path = f"events[{j}].policies[{k}].announced" if own else f"events[{j}].announced"
            found = announced_problems(p.announced if own else ev.announced, p.start, periods, path)
            out += [q for q in found if q not in out]
    return out


def check_references(scn) -> list[Problem]:
    """Every reference between blocks must resolve; every date must fall in the horizon."""
    from rareflow.scenario.policies.base import known

    probs = _period_problems(scn)
    if probs:
        return probs
    periods = make_periods(scn)
    regions, comms, procs = scn.regions, scn.commodities, scn.processes

    for pid, proc in procs.items():
        if not proc.inputs and not proc.outputs:
            probs.append(Problem(f"processes.{pid}", "has neither inputs nor outputs",
                                 "give it 'outputs: {commodity: coefficient}'"))
        for side in ("inputs", "outputs"):
            for c in getattr(proc, side):
                probs += known("commodity", c, comms, f"processes.{pid}.{side}.{c}")

    def in_horizon(key, path: str, what: str) -> None:
        if key is not None and not periods.contains(key) and parse_key(key)[0] >= periods.end_month:
            probs.append(Problem(path, f"{what} {key} is after the horizon "
                                 f"({periods.labels[0]}–{periods.labels[-1]})",
                                 "move it inside the horizon or extend 'periods'"))

    ids: dict[str, str] = {}

    def unique(kind: str, iid: str, path: str) -> None:
        if iid in ids:
            probs.append(Problem(path, f"duplicate {kind} id '{iid}' (also at {ids[iid]})",
                                 "give each one its own id"))
        else:
            ids[iid] = path

    for i, f in enumerate(scn.facilities):
        path = f"facilities[{i}]"
        unique("facility", f.id, path)
        probs += known("region", f.region, regions, f"{path}.region")
        if f.processes is None:
            probs += known("process", f.process, procs, f"{path}.process")
        for pid, rec in (f.processes or {}).items():
            probs += known("process", pid, procs, f"{path}.processes.{pid}")
            if rec.max_share is not None and len(f.processes) == 1 and rec.max_share < 1:
                probs.append(Problem(f"{path}.processes.{pid}.max_share",
                                     f"the only recipe may not exceed {rec.max_share:g} of the "
                                     "facility's activity, so the facility can never run",
                                     "drop max_share or add another recipe"))
        in_horizon(f.online, f"{path}.online", "online")
        cap = series.values(f.capacity, periods)
        low = series.values(f.minimum, periods)
        bad = np.flatnonzero(low > cap + 1e-9)
        if len(bad):
            t = periods.labels[bad[0]]
            probs.append(Problem(f"{path}.minimum", f"minimum {low[bad[0]]:g} exceeds capacity "
                                 f"{cap[bad[0]]:g} in {t}",
                                 "lower the minimum or raise the capacity"))
    for i, c in enumerate(scn.candidates):
        path = f"candidates[{i}]"
        unique("candidate", c.id, path)
        probs += known("region", c.region, regions, f"{path}.region")
        probs += known("process", c.process, procs, f"{path}.process")
        in_horizon(c.earliest, f"{path}.earliest", "earliest")
        if c.min_capacity > c.max_capacity:
            probs.append(Problem(f"{path}.min_capacity", "min_capacity exceeds max_capacity",
                                 "lower min_capacity or raise max_capacity"))
        elif c.min_capacity > 0 and c.max_capacity == float("inf"):
            probs.append(Problem(f"{path}.max_capacity", "a lumpy plant (min_capacity > 0) needs a "
                                 "finite max_capacity", "give max_capacity in t/yr"))
    probs += _duplicates(scn.routes, "routes", "route")
    probs += _duplicates(scn.stocks, "stocks", "stock")
    probs += _duplicates(scn.demands, "demands", "demand")
    for i, r in enumerate(scn.routes):
        path = f"routes[{i}]"
        probs += known("region", r.from_, regions, f"{path}.from")
        probs += known("region", r.to, regions, f"{path}.to")
        probs += known("commodity", r.commodity, comms, f"{path}.commodity")
        if r.from_ == r.to:
            probs.append(Problem(f"{path}.to", f"route goes from {r.to} to itself",
                                 "routes link two different regions"))
    for block in ("stocks", "demands"):
        for i, s in enumerate(getattr(scn, block)):
            path = f"{block}[{i}]"
            probs += known("region", s.region, regions, f"{path}.region")
            probs += known("commodity", s.commodity, comms, f"{path}.commodity")
    for i, s in enumerate(scn.stocks):
        probs += _stock_problems(s, f"stocks[{i}]", periods)
    for i, d in enumerate(scn.demands):
        total = sum(t.share for t in d.tiers)
        if total > 1 + 1e-9:
            probs.append(Problem(f"demands[{i}].tiers", f"the tiers' shares sum to {total:g}, "
                                 "over 1", "lower them so that they sum to 1 or less (the rest "
                                 "keeps the demand's own priority)"))

    located = [(f"policies[{i}]", p) for i, p in enumerate(scn.policies)]
    located += [(f"targets[{i}]", p) for i, p in enumerate(scn.targets)]
    for j, ev in enumerate(scn.events):
        located += [(f"events[{j}].policies[{k}]", p) for k, p in enumerate(ev.policies)]
    probs += _announcements(scn, periods)
    for path, pol in located:
        probs += pol.check(scn, path)
        if pol.start is not None and parse_key(pol.start)[0] >= periods.end_month:
            probs.append(Problem(f"{path}.start", f"start {pol.start} is after the horizon "
                                 f"({periods.labels[0]}–{periods.labels[-1]}), so it never applies",
                                 "move start inside the horizon or extend 'periods'"))
        if pol.end is not None and sum(parse_key(pol.end)) <= periods.start[0]:
            probs.append(Problem(f"{path}.end", f"end {pol.end} is before the horizon starts "
                                 f"({periods.labels[0]}), so it never applies",
                                 "move end inside the horizon"))
        if pol.start is not None and pol.end is not None and \
                parse_key(pol.end)[0] < parse_key(pol.start)[0]:
            probs.append(Problem(f"{path}.end", f"end {pol.end} is before start {pol.start}",
                                 "swap start and end"))
    if scn.uncertainty is not None:
        probs += scn.uncertainty.check(scn, periods)
    return probs


__all__ = ["pydantic_problems", "schema_problems", "check_references", "make_periods", "types"]
