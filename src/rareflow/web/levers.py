"""Dashboard levers: the mechanism that turns lever values into one scenario overlay.

What the levers are (which scenarios they lay over the current one, which facilities they
scale, which candidate they build, labels and ranges) is data: `data/levers.yaml`, read and
checked by `web/lever_file.py`. This module knows only what each lever *type* does, and reads
every id from the scenario files and the levers file:

- `scenario`: a toggle that lays the overlay of a scenario (what it adds to the scenario it
  extends: its events, policies, routes, …) over the current scenario, or takes those items
  out again (restoring the base's version of anything it had changed);
- `scale`: a percentage that scales the picked facilities of the current scenario with
  `capacity_change` policies (factor = percent / 100);
- `tolling`: a choice that keeps the tolling policies of a scenario for the chosen partner(s),
  with the capacity they reserve at the partner's plants;
- `plant`: a candidate plant built at the chosen size from the chosen year, with the feeder
  candidates (those making its inputs) sized to supply it;
- *policy toggles*: every other policy or event of the current scenario can be switched off.

`Catalog.levers(name)` lists the levers of a scenario with their defaults (the scenario as
published); `Catalog.overlay(name, values)` turns lever values into one overlay mapping.
Only the public scenario API is used: `overlay` lays an overlay as `extends:` does,
`combine_overlays` joins several, `item_id` names a list item.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rareflow.errors import Problem, ScenarioError
from rareflow.scenario.loader import (
    LIST_BLOCKS,
    MAP_BLOCKS,
    builtin_dir,
    combine_overlays,
    from_dict,
    item_id,
    load_raw,
    overlay,
    read_yaml,
)
from rareflow.scenario.periods import Periods, parse_key
from rareflow.web.lever_file import (
    LeverSpec,
    PlantLever,
    ScaleLever,
    ScenarioLever,
    TollingLever,
    builtin_levers_file,
    check_scenarios,
    read_levers,
)

HEAD_KEYS = ("name", "description", "extends", "periods", "currency", "discount_rate")
KIND = {"scenario": "toggle", "scale": "percent", "tolling": "select", "plant": "plant"}


@dataclass
class Lever:
    id: str
    label: str
    kind: str  # toggle | percent | select | plant (the input the page draws)
    default: Any
    help: str = ""
    group: str = "seed"  # seed | policies
    options: list[dict] = field(default_factory=list)
    min: float | None = None
    max: float | None = None
    step: float | None = None
    unit: str = ""
    source: str = ""

    def public(self) -> dict:
        return asdict(self)


class LeverError(ScenarioError):
    pass


def _problem(path: str, message: str, fix: str) -> LeverError:
    return LeverError([Problem(path, message, fix, "<levers>")])


def _ids(raw: dict, block: str) -> dict[str, dict]:
    out = {}
    for it in raw.get(block) or []:
        iid = item_id(block, it)
        if iid is not None:
            out[iid] = it
    return out


def _region_label(raw: dict, r: str) -> str:
    reg = (raw.get("regions") or {}).get(r) or {}
    return reg.get("label") or r


def _picked(spec: ScaleLever, raw: dict) -> list[dict]:
    """The facilities of `raw` a scale lever moves: a whole word of the owner, or an id prefix."""
    pick = spec.facilities
    word = re.compile(rf"\b{re.escape(pick.owner)}\b", re.IGNORECASE) if pick.owner else None
    return [f for f in raw.get("facilities") or [] if isinstance(f, dict) and (
        (word is not None and word.search(str(f.get("owner", ""))))
        or (pick.id_prefix is not None and str(f.get("id", "")).startswith(pick.id_prefix)))]


@dataclass
class Seed:
    """A seed scenario as a delta on its base: what it adds and what it changes."""

    name: str
    raw: dict  # the file as written
    base: dict  # the resolved scenario it extends ({} if none)
    description: str

    def delta(self) -> dict:
        return {k: copy.deepcopy(v) for k, v in self.raw.items() if k not in HEAD_KEYS}

    def new_ids(self) -> dict[str, set[str]]:
        out = {}
        for block in LIST_BLOCKS:
            mine = set(_ids(self.raw, block))
            out[block] = mine - set(_ids(self.base, block))
        return out

    def all_ids(self) -> dict[str, set[str]]:
        return {block: set(_ids(self.raw, block)) for block in LIST_BLOCKS}

    def is_on(self, current: dict) -> bool:
        new = self.new_ids()
        have = {b: set(_ids(current, b)) for b in LIST_BLOCKS}
        wanted = [(b, i) for b, ids in new.items() for i in ids]
        if not wanted:
            return False
        return all(i in have[b] for b, i in wanted)

    def _own_periods(self) -> bool:
        """Whether the seed cuts time differently from its base (china-controls-2025: months
        for 2024–2026): its measures are written for its own periods (monthly licences), so
        turning them on must bring the periods along."""
        return "periods" in self.raw and self.raw.get("periods") != self.base.get("periods")

    def on(self) -> dict:
        out = self.delta()
        if self._own_periods():
            out["periods"] = copy.deepcopy(self.raw["periods"])
        return out

    def off(self, current: dict) -> dict:
        """Take the seed's items out of `current`, restoring the base's version of changed ones."""
        out: dict = {}
        for block in LIST_BLOCKS:
            have = _ids(current, block)
            base = _ids(self.base, block)
            for iid in _ids(self.raw, block):
                if iid not in have:
                    continue
                if iid in base:
                    out.setdefault(block, []).append(copy.deepcopy(base[iid]))
                else:
                    out.setdefault(block, []).append({"id": iid, "remove": True})
        for block in MAP_BLOCKS:
            for k in (self.raw.get(block) or {}):
                if k in (current.get(block) or {}):
                    if k in (self.base.get(block) or {}):
                        out.setdefault(block, {})[k] = copy.deepcopy(self.base[block][k])
                    else:
                        out.setdefault(block, {})[k] = {"remove": True}
        if self._own_periods() and current.get("periods") == self.raw["periods"] \
                and "periods" in self.base:
            out["periods"] = copy.deepcopy(self.base["periods"])  # the base's own time axis
        return out


class Catalog:
    """The scenarios a server offers (built-in names only) and the levers of each.

    `scenarios`: name → file (default: the built-in scenarios); `levers`: the levers file
    (default: the built-in `data/levers.yaml`); `seeds`: lever id → scenario name, replacing
    the scenarios the levers file names (a lever left out reads no scenario). A levers file
    naming a scenario the server does not offer is refused, except the built-in file laid over
    other scenarios, whose levers then simply do not apply.
    """

    def __init__(self, scenarios: dict[str, Path] | None = None,
                 seeds: dict[str, str] | None = None, levers: Path | str | None = None) -> None:
        strict = scenarios is None or levers is not None
        if scenarios is None:
            scenarios = {p.stem: p for p in sorted(builtin_dir().glob("*.yaml"))}
        self.paths = {k: Path(v) for k, v in scenarios.items()}
        self.levers_file = Path(levers) if levers is not None else builtin_levers_file()
        self.spec = read_levers(self.levers_file)
        if strict:
            check_scenarios(self.spec, self.names(), str(self.levers_file))
        self.specs: dict[str, LeverSpec] = {lv.id: lv for lv in self.spec.levers}
        self.seeds_map = {lv.id: getattr(lv, "scenario", None) for lv in self.spec.levers}
        if seeds is not None:
            self.seeds_map = {k: seeds.get(k) for k in self.seeds_map}
        self._raw: dict[str, tuple[dict, dict, list[str]]] = {}
        self._levers: dict[str, list[Lever]] = {}
        self._seeds: dict[str, Seed | None] = {}
        self._by_path: dict[str, dict] = {}
        self._lock = threading.RLock()

    @property
    def opens_on(self) -> str | None:
        """The scenario the dashboard shows first (None: the first name)."""
        return self.spec.opens_on

    # ---- scenarios --------------------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(self.paths)

    def path(self, name: str) -> Path:
        if name not in self.paths:
            known = ", ".join(self.names())
            raise ScenarioError([Problem("scenario", f"no scenario named '{name}' on this server",
                                         f"use one of: {known}", "<request>")])
        return self.paths[name]

    def head(self, name: str) -> dict:
        raw = read_yaml(self.path(name))
        return {"name": name, "description": str(raw.get("description") or ""),
                "extends": raw.get("extends")}

    def _load_raw(self, path: Path) -> dict:
        key = str(Path(path).resolve())
        with self._lock:
            if key not in self._by_path:
                self._by_path[key] = load_raw(Path(path))[0]
            return copy.deepcopy(self._by_path[key])

    def _loaded(self, name: str) -> tuple[dict, dict, list[str]]:
        with self._lock:
            if name not in self._raw:
                self._raw[name] = load_raw(self.path(name))
            return copy.deepcopy(self._raw[name])

    def resolved_raw(self, name: str) -> dict:
        """The merged raw mapping of a scenario (its `extends` chain laid out)."""
        return self._loaded(name)[0]

    def scenario(self, name: str, over: dict | None = None):
        """(Scenario, files) of `name` with the overlay `over` laid over it, as
        `load(name, overrides)` gives, from the parsed files kept in memory (YAML is read once
        per scenario)."""
        raw, origins, files = self._loaded(name)
        if over:
            raw = overlay(raw, over, "<overrides>", origins)
            files = [*files, "<overrides>"]
        raw.pop("extends", None)
        return from_dict(raw, files[-1], origins), files

    def _seed(self, key: str) -> Seed | None:
        with self._lock:
            if key not in self._seeds:
                self._seeds[key] = self._read_seed(key)
            return self._seeds[key]

    def _read_seed(self, key: str) -> Seed | None:
        name = self.seeds_map.get(key)
        if not name or name not in self.paths:
            return None
        raw = read_yaml(self.paths[name])
        base: dict = {}
        ext = raw.get("extends")
        if isinstance(ext, str):
            bpath = (self.paths[name].parent / ext)
            if not bpath.is_file():
                bpath = self.paths.get(ext) or self.paths[name].parent / f"{ext}.yaml"
            if Path(bpath).is_file():
                base = self._load_raw(Path(bpath))
        return Seed(name, raw, base, str(raw.get("description") or ""))

    def _valid(self, name: str, over: dict) -> bool:
        """Whether `over` laid over scenario `name` gives a valid scenario."""
        try:
            raw = overlay(self.resolved_raw(name), over, "<levers>")
            raw.pop("extends", None)
            from_dict(raw, "<levers>")
        except ScenarioError:
            return False
        return True

    # ---- levers -----------------------------------------------------------------------------
    def levers(self, name: str) -> list[Lever]:
        with self._lock:
            if name not in self._levers:
                self._levers[name] = self._build_levers(name)
            return copy.deepcopy(self._levers[name])

    def _build_levers(self, name: str) -> list[Lever]:
        cur = self.resolved_raw(name)
        out: list[Lever] = []
        controlled: dict[str, set[str]] = {b: set() for b in LIST_BLOCKS}
        for spec in self.spec.levers:
            found: tuple[Lever, Seed | None] | None
            if isinstance(spec, ScenarioLever):
                found = self._scenario_lever(spec, name, cur)
            elif isinstance(spec, ScaleLever):
                found = self._scale_lever(spec, cur)
            elif isinstance(spec, TollingLever):
                found = self._tolling(spec, name, cur)
            else:
                found = self._plant(spec, name, cur)
            if found is None:
                continue
            lever, seed = found
            out.append(lever)
            if seed is not None:
                for b, ids in seed.all_ids().items():
                    controlled[b] |= ids
        if self.spec.policy_toggles:
            out += self._policy_toggles(cur, controlled)
        return out

    def _scenario_lever(self, spec: ScenarioLever, name: str,
                        cur: dict) -> tuple[Lever, Seed] | None:
        seed = self._seed(spec.id)
        if seed is None:
            return None
        on = seed.is_on(cur)
        if not on and not self._valid(name, seed.on()):
            return None
        return (Lever(spec.id, spec.label, KIND[spec.type], on, help=spec.help or seed.description,
                      source=f"scenario {seed.name}"), seed)

    def _scale_lever(self, spec: ScaleLever, cur: dict) -> tuple[Lever, None] | None:
        picked = _picked(spec, cur)
        if not picked:
            return None
        ids = ", ".join(str(f["id"]) for f in picked)
        return (Lever(spec.id, spec.label, KIND[spec.type], 100.0, help=spec.help.format(ids=ids),
                      min=spec.min, max=spec.max, step=spec.step, unit="%",
                      source=spec.facilities.words()), None)

    @staticmethod
    def _policy_toggles(cur: dict, controlled: dict[str, set[str]]) -> list[Lever]:
        """An off switch for every policy and event no other lever governs."""
        out = []
        for block, kind in (("events", "event"), ("policies", "policy")):
            for it in cur.get(block) or []:
                iid = it.get("id") if isinstance(it, dict) else None
                if not iid or iid in controlled[block]:
                    continue
                if block == "events" and not it.get("policies"):
                    continue  # a dated record with no effect
                text = it.get("headline") or it.get("label") or iid
                if block == "policies" and not it.get("headline"):
                    text = f"{it.get('type', 'policy')}: {iid}"
                out.append(Lever(f"{kind}:{iid}", str(text), "toggle", True, group="policies",
                                 help=str(it.get("source") or ""), source=f"{block} '{iid}'"))
        return out

    def _tolling(self, spec: TollingLever, name: str, cur: dict) -> tuple[Lever, Seed] | None:
        seed = self._seed(spec.id)
        if seed is None:
            return None
        partners = []
        for ev in seed.raw.get("events") or []:
            for p in ev.get("policies") or []:
                if p.get("type") == "tolling" and p.get("partner") not in partners:
                    partners.append(p["partner"])
        for p in seed.raw.get("policies") or []:
            if p.get("type") == "tolling" and p.get("partner") not in partners:
                partners.append(p["partner"])
        if not partners:
            return None
        if not seed.is_on(cur) and not self._valid(name, seed.on()):
            return None
        current = set()
        pol = [p for ev in cur.get("events") or [] for p in ev.get("policies") or []]
        pol += list(cur.get("policies") or [])
        for p in pol:
            if p.get("type") == "tolling" and p.get("partner") in partners:
                current.add(p["partner"])
        options = [{"value": "none", "label": "none"}]
        options += [{"value": p, "label": _region_label(cur, p)} for p in partners]
        if len(partners) > 1:
            options.append({"value": "+".join(partners),
                            "label": " and ".join(_region_label(cur, p) for p in partners)})
        default = "none" if not current else (
            "+".join(p for p in partners if p in current))
        return (Lever(spec.id, spec.label, KIND[spec.type], default, options=options,
                      help=spec.help or seed.description, source=f"scenario {seed.name}"), seed)

    def _plant_candidates(self, spec: PlantLever, name: str,
                          cur: dict) -> tuple[list[dict], dict, dict] | None:
        """(the candidate + its feeders, their processes, the seed's extra routes): from the
        lever's scenario if its candidates fit the current one, else from the current one."""
        seed = self._seed(spec.id)
        pools = []
        if seed is not None:
            cands = overlay({"candidates": seed.base.get("candidates") or []},
                            {"candidates": seed.raw.get("candidates") or []}, "<levers>")
            resolved = cands.get("candidates") or []
            procs = {**(seed.base.get("processes") or {}), **(seed.raw.get("processes") or {})}
            routes = [r for r in seed.raw.get("routes") or []]
            if self._valid(name, {"processes": procs, "candidates": resolved}):
                pools.append((resolved, procs, routes))
        pools.append((cur.get("candidates") or [], cur.get("processes") or {}, []))
        for cands, procs, routes in pools:
            def outputs(c, procs=procs):
                return (procs.get(c.get("process")) or {}).get("outputs") or {}
            plant = next((c for c in cands if isinstance(c, dict) and c.get("id") == spec.candidate
                          and (outputs(c).get(spec.product) or 0) > 0), None)
            if plant is None:
                continue
            ins = (procs.get(plant["process"]) or {}).get("inputs") or {}
            feeders = [c for c in cands if c is not plant and c.get("region") == plant.get("region")
                       and any(k in ins for k in outputs(c))]
            return [plant, *feeders], procs, {"routes": routes}
        return None

    def _plant(self, spec: PlantLever, name: str, cur: dict) -> tuple[Lever, None] | None:
        found = self._plant_candidates(spec, name, cur)
        if found is None:
            return None
        (plant, *feeders), procs, _ = found
        periods = _periods_of(cur)
        start = parse_key(plant.get("earliest"))[0] if plant.get("earliest") is not None else None
        lead = float(plant.get("lead_time") or 0)
        years = []
        for lab, st in periods:
            if start is None or st >= start + round(lead * 12):
                years.append(lab)
        if not years:
            return None
        mx = plant.get("max_capacity")
        mx = float(mx) if isinstance(mx, int | float) and mx != float("inf") else spec.max_size
        label = plant.get("label") or plant["id"]
        fed = (", with " + ", ".join(f.get("label") or f["id"] for f in feeders)
               + " sized to feed it") if feeders else ""
        text = spec.help or ("{plant}: a plant of this size (t/yr of {product}) from this year"
                             "{feeders}. Size 0 leaves the scenario as it is.")
        lever = Lever(spec.id, spec.label, KIND[spec.type], {"size": 0.0, "year": years[0]},
                      help=text.format(plant=label, feeders=fed, product=spec.product),
                      options=[{"value": y, "label": y} for y in years], min=0.0, max=mx,
                      step=max(mx / 50, 1.0), unit="t/yr", source=f"candidate '{plant['id']}'")
        return lever, None

    # ---- lever values → overlay -------------------------------------------------------------
    def overlay(self, name: str, values: dict[str, Any] | None) -> dict:
        values = dict(values or {})
        levers = {lv.id: lv for lv in self.levers(name)}
        for k in values:
            if k not in levers:
                known = ", ".join(levers) or "none"
                raise _problem(f"levers.{k}", f"no lever '{k}' for scenario '{name}'",
                               f"use one of: {known}")
        cur = self.resolved_raw(name)
        parts: list[dict] = []
        for lid, lv in levers.items():
            if lid not in values:
                continue
            part = self._lever_overlay(name, cur, lv, values[lid])
            if part:
                parts.append(part)
        return combine_overlays(*parts)

    def _lever_overlay(self, name: str, cur: dict, lv: Lever, v: Any) -> dict:
        path = f"levers.{lv.id}"
        if lv.group == "policies":
            if not isinstance(v, bool):
                raise _problem(path, f"expected true or false, got {v!r}", "send true or false")
            if v == lv.default:
                return {}
            kind, iid = lv.id.split(":", 1)
            return {"events" if kind == "event" else "policies": [{"id": iid, "remove": True}]}
        spec = self.specs[lv.id]
        if isinstance(spec, ScenarioLever):
            if not isinstance(v, bool):
                raise _problem(path, f"expected true or false, got {v!r}", "send true or false")
            if v == lv.default:
                return {}
            seed = self._seed(lv.id)
            assert seed is not None
            return seed.on() if v else seed.off(cur)
        if isinstance(spec, ScaleLever):
            if isinstance(v, bool) or not isinstance(v, int | float) or not (
                    lv.min <= float(v) <= lv.max):
                raise _problem(path, f"expected a percentage between {lv.min:g} and {lv.max:g}, "
                               f"got {v!r}", f"send e.g. 50 for half the capacity of the "
                               f"{spec.facilities.words()}")
            if float(v) == 100.0:
                return {}
            stem = "lever-" + spec.id.replace("_", "-")
            return {"policies": [{"id": f"{stem}-{f['id']}", "type": "capacity_change",
                                  "facility": f["id"], "factor": float(v) / 100.0,
                                  "headline": f"Dashboard: {spec.label} at {float(v):g} %"}
                                 for f in _picked(spec, cur)]}
        if isinstance(spec, TollingLever):
            allowed = [o["value"] for o in lv.options]
            if v not in allowed:
                raise _problem(path, f"'{v}' is not an option", f"use one of: {', '.join(allowed)}")
            if v == lv.default:
                return {}
            seed = self._seed(lv.id)
            assert seed is not None
            return seed.off(cur) if v == "none" else _tolling_overlay(seed, cur, set(str(v).split("+")))
        if not isinstance(v, dict) or set(v) - {"size", "year"}:
            raise _problem(path, f"expected {{'size': t/yr, 'year': period}}, got {v!r}",
                           "send e.g. {\"size\": 2000, \"year\": \"2028\"}")
        size = v.get("size", 0)
        year = str(v.get("year", lv.default["year"]))
        if isinstance(size, bool) or not isinstance(size, int | float) or not (
                lv.min <= float(size) <= lv.max):
            raise _problem(f"{path}.size", f"expected a size between {lv.min:g} and "
                           f"{lv.max:g} t/yr, got {size!r}", "send a number of t/yr")
        years = [o["value"] for o in lv.options]
        if year not in years:
            raise _problem(f"{path}.year", f"'{year}' is not a possible first year",
                           f"use one of: {', '.join(years)}")
        if float(size) == 0:
            return {}
        found = self._plant_candidates(spec, name, cur)
        assert found is not None
        (plant, *feeders), procs, extra = found
        return _plant_overlay(cur, plant, feeders, procs, extra, spec.product, float(size), year)


def _tolling_overlay(seed: Seed, cur: dict, chosen: set[str]) -> dict:
    """The tolling scenario's items with only the chosen partners' tolling (and the capacity
    reserved at their plants); policies of other partners the current scenario has, removed."""
    regions_of = {f.get("id"): f.get("region") for f in
                  [*(cur.get("facilities") or []), *(seed.base.get("facilities") or [])]}

    def keep(p: dict) -> bool:
        if p.get("type") == "tolling":
            return p.get("partner") in chosen
        if p.get("type") == "capacity_change":
            return regions_of.get(p.get("facility")) in chosen
        return True

    on = seed.on()
    for ev in on.get("events") or []:
        if "policies" in ev:
            ev["policies"] = [p for p in ev["policies"] if keep(p)]
    if "policies" in on:
        on["policies"] = [p for p in on["policies"] if keep(p)]
        dropped = [p["id"] for p in seed.raw.get("policies") or []
                   if not keep(p) and p.get("id") in _ids(cur, "policies")]
        on["policies"] += [{"id": i, "remove": True} for i in dropped]
    return on


def _plant_overlay(cur: dict, plant: dict, feeders: list[dict], procs: dict, extra: dict,
                   product: str, size: float, year: str) -> dict:
    """Facilities for the plant (`size` t/yr of `product` from `year`) and its feeders, the
    candidates they replace taken out, their processes and the seed's routes added."""
    cur_procs = cur.get("processes") or {}
    cur_cands = _ids(cur, "candidates")
    cur_routes = _ids(cur, "routes")
    out: dict = {"facilities": [], "candidates": [], "processes": {}}
    pproc = procs[plant["process"]]
    activity = size * (1.0 / pproc["outputs"][product])  # units of activity for `size` t/yr

    def facility(c: dict, cap: float, what: str) -> dict:
        f = {"id": f"lever-{c['id']}", "region": c["region"], "process": c["process"],
             "capacity": {year: cap}, "online": year,
             "label": f"{c.get('label') or c['id']} ({what}, dashboard lever)",
             "source": str(c.get("source") or "")}
        if c.get("cost") is not None:
            f["cost"] = c["cost"]
        if c.get("owner"):
            f["owner"] = c["owner"]
        return f

    out["facilities"].append(facility(plant, activity, f"{size:,.0f} t/yr from {year}"))
    ins = pproc.get("inputs") or {}
    for fd in feeders:
        fproc = procs[fd["process"]]
        need = sum(activity * ins[k] / fproc["outputs"][k] for k in fproc.get("outputs", {})
                   if k in ins)
        if need > 0:
            out["facilities"].append(facility(fd, need, "feeder"))
    for c in [plant, *feeders]:
        if c["id"] in cur_cands:
            out["candidates"].append({"id": c["id"], "remove": True})
        if c["process"] not in cur_procs:
            out["processes"][c["process"]] = copy.deepcopy(procs[c["process"]])
    for r in extra.get("routes") or []:
        if item_id("routes", r) not in cur_routes:
            out.setdefault("routes", []).append(copy.deepcopy(r))
    return {k: v for k, v in out.items() if v}


def _periods_of(raw: dict) -> list[tuple[str, int]]:
    p = raw.get("periods")
    if isinstance(p, list) and p and all(isinstance(b, dict) for b in p):
        # blocks (china-controls-2025: months for 2024–2026, then years)
        return [pair for b in p for pair in _periods_of({"periods": b})]
    if isinstance(p, list):
        return [(str(k), parse_key(k)[0]) for k in p]
    if isinstance(p, dict):
        per = Periods.from_range(p.get("start"), p.get("end"), p.get("step", "year"))
        return list(zip(per.labels, (int(s) for s in per.start), strict=True))
    return []
