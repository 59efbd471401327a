"""Where each node of the chain diagram stands, read off the scenario's commodity chain.

A commodity's stage is how many conversions it is, at the fewest, from a raw material: a
commodity made by a process with inputs takes the smallest over its makers of (the latest stage
among that maker's inputs) + 1; one made only by processes without inputs (mines) is stage 0.
Taking the fewest makes the chain read left to right even when a late process sends something
back (a magnet plant's swarf returned as oxide is a by-product of the magnet stage, not what
defines oxide). A commodity no process consumes and none converts into is a finished good and
stands in the last commodity column, beside the sectors that use it (a ferrite magnet, made
from inputs the scenario does not model, is a magnet, not a mineral).

Columns on the page (`x`): a commodity of stage k at 2k + 1; a process between its inputs and
its forward outputs; processes without inputs one step before their output (the "mine" column
for stage 0); the sectors after the last commodity column. A commodity that feeds a process
whose outputs share its stage (a mixed compound separated into oxides) stands half a stage
earlier, so that process, too, reads left to right. Stage names ("concentrate", "oxide",
"metal", "magnet") are the word most labels of the stage end with.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Layout:
    stage: dict[str, int]                      # commodity → stage
    x: dict[str, float] = field(default_factory=dict)   # commodity or process id → column
    proc_x: dict[str, float] = field(default_factory=dict)
    sector_x: float = 0.0
    last: int = 0                              # the last commodity stage
    names: dict[int, str] = field(default_factory=dict)  # stage → its name
    mine_x: float = 0.0

    def commodity_x(self, c: str) -> float:
        return self.x.get(c, 2 * self.last + 1)

    def process_x(self, p: str) -> float:
        return self.proc_x.get(p, 0.0)


def commodity_stages(scenario) -> dict[str, int]:
    procs = scenario.processes
    stage: dict[str, int] = {}
    for p in procs.values():
        if not p.inputs:
            for c in p.outputs:
                stage.setdefault(c, 0)
    with_inputs = [p for p in procs.values() if p.inputs]
    made_with_inputs = {c for p in with_inputs for c in p.outputs}
    for c in made_with_inputs:
        stage.pop(c, None)  # made by a conversion: its stage comes from that, below
    for c in scenario.commodities:
        if not any(c in p.outputs for p in procs.values()):
            stage.setdefault(c, 0)  # nobody makes it: a raw input (stocks, imports only)
    changed = True
    while changed:  # smallest fixed point (Bellman–Ford on "fewest conversions")
        changed = False
        for p in with_inputs:
            if not all(c in stage for c in p.inputs):
                continue
            s = max(stage[c] for c in p.inputs) + 1
            for c in p.outputs:
                if c in made_with_inputs and s < stage.get(c, 10**9):
                    stage[c] = s
                    changed = True
    for c in scenario.commodities:
        stage.setdefault(c, 0)
    consumed = {c for p in procs.values() for c in p.inputs}
    # made from nothing and used by no process: a finished good bought as is (ferrite magnets)
    finished = [c for c in scenario.commodities if c not in consumed and c not in made_with_inputs
                and any(c in p.outputs for p in procs.values())]
    last = max((stage[c] for c in scenario.commodities if c not in finished), default=0)
    for c in finished:
        stage[c] = last
    return stage


def _stage_name(labels: list[str]) -> str:
    ends = Counter()
    for lab in labels:
        words = re.sub(r"\([^)]*\)", "", lab.split(",")[0]).lower().split()
        words = [w for w in words if re.fullmatch(r"[a-z][a-z-]*", w)]
        if words:
            ends[words[-1].rstrip("s") if len(words[-1]) > 3 else words[-1]] += 1
    if not ends:
        return ""
    word, n = ends.most_common(1)[0]
    return word if n >= 2 or len(labels) == 1 else ""


def layout(scenario) -> Layout:
    stage = commodity_stages(scenario)
    procs = scenario.processes
    last = max(stage.values(), default=0)
    lay = Layout(stage=stage, last=last)
    for c, k in stage.items():
        lay.x[c] = 2 * k + 1
    for p in procs.values():  # half a stage earlier: inputs of a same-stage conversion
        for c in p.inputs:
            if any(stage.get(o) == stage[c] for o in p.outputs) and stage[c] > 0:
                lay.x[c] = 2 * stage[c]
    for pid, p in procs.items():
        outs = [lay.x[o] for o in p.outputs]
        if not p.inputs:
            lay.proc_x[pid] = min(outs) - 1 if outs else 0.0
            continue
        xin = max(lay.x[c] for c in p.inputs)
        fwd = [x for x in outs if x > xin]
        lay.proc_x[pid] = (xin + min(fwd)) / 2 if fwd else xin + 0.5
    lay.sector_x = 2 * last + 3.4  # room for the last column's labels before the sectors
    for k in range(last + 1):
        labels = [v.label or c for c, v in scenario.commodities.items() if stage.get(c) == k]
        lay.names[k] = _stage_name(labels) or f"stage {k + 1}"
    return lay
