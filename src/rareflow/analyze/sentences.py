"""Which function writes each section of a result's explanation (results/result.py SECTIONS).

A live `Results` asks here, once per section, when its `explain()`, `build_plan()`,
`target_report()` or `explanation()` is first used; the run store keeps the sections, so a
result read back has the same sentences without its LP.
"""

from __future__ import annotations

from rareflow.analyze.explain import explainer
from rareflow.analyze.home import home_supply_sentences, tolling_sentences
from rareflow.analyze.plans import build_plan, target_report
from rareflow.results.result import analysis

WRITERS = {
    "explain": lambda r: explainer(r).sentences(),
    "build_plan": build_plan,
    "target_report": target_report,
    "home_supply": home_supply_sentences,
    "tolling": tolling_sentences,
}


@analysis("section")
def section(results, name: str) -> list[str]:
    return [str(s) for s in WRITERS[name](results)]
