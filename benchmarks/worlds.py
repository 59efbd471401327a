"""Synthetic rare-earth worlds of any size, as scenario mappings rareflow and linopy both read.

`world(regions, periods)` returns a scenario shaped like a YAML file: a full chain
(mining → separation → NdPr / DyTb / LaCe oxides → NdPr metal → NdFeB magnets → four demand
sectors) in every region, stocks, trade routes to nearby regions for every traded commodity,
and a few dominant producers, so that disruptions to them matter. `uncertainty(world)` adds a
disruption block in rareflow's format (embargo, mine outages, licence squeeze, demand shock).

Sizes (variables ≈ periods × (facilities + routes + stocks + demands + disposal)):
    world(5, 12) ≈ 1.4 k · world(50, 12) ≈ 40 k · world(100, 30) ≈ 250 k · world(20, "monthly") ≈ 300 k
"""

from __future__ import annotations

import numpy as np

TRADED = ("ore_reo", "ndpr_oxide", "dytb_oxide", "ndpr_metal", "ndfeb_magnet")
SECTORS = ("automotive", "wind", "electronics", "industrial")


def _periods(periods) -> dict | list:
    if periods == "monthly":
        return {"start": "2024-01", "end": "2035-12", "step": "month"}
    if periods == "blocks":  # months first, years after (like china-controls-2025)
        return [{"start": "2024-01", "end": "2026-12", "step": "month"},
                {"start": 2027, "end": 2035, "step": "year"}]
    return {"start": 2024, "end": 2024 + int(periods) - 1, "step": "year"}


def region_ids(n: int) -> list[str]:
    return [f"R{i:03d}" for i in range(n)]


def world(regions: int, periods=12, seed: int = 0, fan_out: int | None = None, depth: int = 4) -> dict:
    """A scenario mapping with `regions` regions; `periods` = number of years, "monthly"
    (144 months) or "blocks" (36 months, then 9 years: a monthly-then-yearly horizon).

    `fan_out` is how many destinations each exporter serves per commodity (default: grows with
    the world, min(regions − 1, 15)). `depth` is the number of processing stages (4: mining,
    separation, metal, magnets); each stage beyond 4 is one more traded intermediate between
    metal and magnets (an alloy, a blank, …: `ndpr_metal_2`, `ndpr_metal_3`, …), with its own
    plants, stocks-free, in the regions that make metal.
    """
    if depth < 4:
        raise ValueError("depth is at least 4 (mining, separation, metal, magnets)")
    extra = [f"ndpr_metal_{j}" for j in range(2, depth - 2)]  # depth 6 → ndpr_metal_2, _3
    rng = np.random.default_rng(seed)
    R = region_ids(regions)
    k = min(regions - 1, fan_out if fan_out is not None else 15)
    big = set(R[: max(1, regions // 10)])  # dominant producers, like China
    y0 = 2024
    facilities, demands, stocks, routes = [], [], [], []
    # demand first, so that every stage of the chain can be sized to it
    for i, r in enumerate(R):
        for s in SECTORS:
            if rng.random() < 0.8 or i == 0:
                amt = float(rng.uniform(50, 400))
                demands.append({"region": r, "commodity": "ndfeb_magnet", "sector": s,
                                "amount": {y0: round(amt, 1), y0 + 5: round(amt * 1.4, 1)},
                                "priority": {"automotive": 60000, "wind": 50000,
                                             "electronics": 80000, "industrial": 40000}[s]})
    total = sum(d["amount"][y0] for d in demands)
    # t of activity per t of magnet demand at each stage, and who runs it: the dominant
    # producers hold about 60 % of each stage, the others share the rest; 3-10 % spare
    stages = [("mine", "mining", 1.8, 0.6, 15, 40), ("sep", "separation", 1.8, 0.4, 40, 90),
              ("metal", "metal", 0.3, 0.35, 200, 400)]
    stages += [(f"stage{j}", f"refine_{j}", 0.3, 0.35, 50, 120) for j in range(2, depth - 2)]
    stages += [("magnet", "magnets", 1.0, 0.5, 800, 1500)]
    for tag, proc, need, p_other, c_lo, c_hi in stages:
        hosts = [r for r in R if r in big or rng.random() < p_other]
        weights = np.array([6.0 * (regions - len(big)) / len(big) * 0.1 if r in big
                            else float(rng.uniform(0.5, 1.5)) for r in hosts])
        if len(hosts) == len(big):
            weights = np.ones(len(hosts))
        shares = np.where([r in big for r in hosts], 0.6 / max(1, len(big)), 0.0)
        others = ~np.array([r in big for r in hosts])
        if others.any():
            shares[others] = 0.4 * weights[others] / weights[others].sum()
        else:
            shares = shares / shares.sum()
        margin = float(rng.uniform(1.03, 1.10))
        for r, sh in zip(hosts, shares, strict=True):
            v = total * need * margin * sh
            facilities.append({"id": f"{r}-{tag}", "region": r, "process": proc,
                               "capacity": {y0: round(v, 1), y0 + 4: round(v * 1.25, 1),
                                            y0 + 9: round(v * 1.45, 1)},
                               "cost": round(float(rng.uniform(c_lo, c_hi)), 2)})
    for i, r in enumerate(R):
        stocks.append({"region": r, "commodity": "ndfeb_magnet",
                       "initial": round(float(rng.uniform(0, 200)), 1),
                       "capacity": 1000, "holding_cost": 30})
        stocks.append({"region": r, "commodity": "ndpr_oxide",
                       "initial": round(float(rng.uniform(0, 100)), 1),
                       "capacity": 500, "holding_cost": 10})
        for c in TRADED + tuple(extra):
            # neighbours on a ring plus a few random partners; big producers reach further
            near = [R[(i + d) % regions] for d in range(1, k // 2 + 2) if (i + d) % regions != i]
            near += [R[(i - d) % regions] for d in range(1, k // 2 + 2) if (i - d) % regions != i]
            far = list(rng.choice(R, size=min(regions, k), replace=False))
            dests = []
            for d in near + far:
                if d != r and d not in dests:
                    dests.append(d)
            for d in dests[:k]:
                j = R.index(d)
                dist = min(abs(i - j), regions - abs(i - j))
                route = {"from": r, "to": d, "commodity": c,
                         "cost": round(5 + 2.0 * dist + float(rng.uniform(0, 5)), 2)}
                if rng.random() < 0.3:
                    route["capacity"] = round(float(rng.uniform(200, 3000)), 1)
                routes.append(route)
    commodities = {
        "ore_reo": {"unit": "t", "disposal_cost": 0}, "ndpr_oxide": {"unit": "t", "disposal_cost": 0},
        "dytb_oxide": {"unit": "t", "disposal_cost": 0},
        "lace_oxide": {"unit": "t", "disposal_cost": 0}, "ndpr_metal": {"unit": "t"},
        **{c: {"unit": "t"} for c in extra}, "ndfeb_magnet": {"unit": "t"}}
    chain = ["ndpr_metal", *extra]
    processes = {
        "mining": {"outputs": {"ore_reo": 1}},
        "separation": {"inputs": {"ore_reo": 1},
                       "outputs": {"ndpr_oxide": 0.2, "dytb_oxide": 0.02, "lace_oxide": 0.6}},
        "metal": {"inputs": {"ndpr_oxide": 1.2}, "outputs": {"ndpr_metal": 1}},
        **{f"refine_{j}": {"inputs": {chain[j - 2]: 1.0}, "outputs": {chain[j - 1]: 1}}
           for j in range(2, depth - 2)},
        "magnets": {"inputs": {chain[-1]: 0.3, "dytb_oxide": 0.01}, "outputs": {"ndfeb_magnet": 1}}}
    return {
        "name": f"world-{regions}x{periods}" + (f"-depth{depth}" if depth != 4 else ""),
        "description": f"Synthetic world: {regions} regions, full chain, {periods} periods",
        "periods": _periods(periods),
        "commodities": commodities,
        "regions": {r: {"label": r} for r in R},
        "processes": processes,
        "facilities": facilities, "routes": routes, "stocks": stocks, "demands": demands,
    }


def uncertainty(w: dict) -> dict:
    """A disruption block for a synthetic world: the top producer's embargo on its two
    neighbours (about as long as the 2010 one, sometimes much longer), a licence squeeze,
    outages at the four first mines and a wind-demand surge."""
    R = list(w["regions"])
    top = R[0]
    mines = [f["id"] for f in w["facilities"] if f["process"] == "mining"][:4]
    events = [
        {"id": "embargo", "type": "export_ban", "exporter": top,
         "commodity": ["ndfeb_magnet", "ndpr_metal", "ndpr_oxide"], "to": R[1:3],
         "annual_probability": 0.15,
         "duration": {"distribution": "lognormal", "median": 1.6, "sigma": 1.0, "max": 24}},
        {"id": "licence-squeeze", "type": "export_licence", "exporter": top,
         "commodity": ["dytb_oxide", "ndfeb_magnet"],
         "share": {"distribution": "uniform", "low": 0.2, "high": 0.8},
         "annual_probability": 0.1, "duration": {"distribution": "uniform", "low": 2, "high": 9}},
        {"id": "demand-surge", "type": "demand_shock", "sector": "wind", "factor": 1.3,
         "annual_probability": 0.1, "duration": 12},
    ]
    for m in mines:
        events.append({"id": f"outage-{m}", "type": "outage", "facility": m,
                       "severity": {"distribution": "uniform", "low": 0.3, "high": 1.0},
                       "annual_probability": 0.08, "duration": {"distribution": "exponential", "mean": 4}})
    return {"seed": 0, "events": events}
