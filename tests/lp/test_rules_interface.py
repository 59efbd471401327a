"""Rules reach the LP only through the declared `RuleBuild` interface (lp/rules/base.py).

Read with ast: every attribute a rule reads or calls on its build argument `b` must be one
that `RuleBuild` declares, so the assembler can change inside without touching any rule."""

from __future__ import annotations

import ast
from pathlib import Path

from rareflow.lp import rules
from rareflow.lp.rules.base import RuleBuild

RULES_DIR = Path(rules.__file__).parent


def _declared() -> set[str]:
    names = set(getattr(RuleBuild, "__annotations__", {}))
    names |= {n for n in vars(RuleBuild) if not n.startswith("_")}
    return names


def _uses(path: Path) -> list[tuple[str, int]]:
    """Attributes read on a parameter named `b` (the build) in every function of the file."""
    out = []
    tree = ast.parse(path.read_text())
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        params = {a.arg for a in fn.args.args}
        if "b" not in params:
            continue
        for node in ast.walk(fn):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "b"):
                out.append((node.attr, node.lineno))
    return out


def test_rules_use_only_the_declared_interface():
    declared = _declared()
    bad = [f"{p.name}:{line} uses b.{attr}" for p in sorted(RULES_DIR.glob("*.py"))
           if p.name != "base.py" for attr, line in _uses(p) if attr not in declared]
    assert not bad, "undeclared Build attributes used by rules:\n" + "\n".join(bad)


def test_every_policy_type_has_a_rule():
    from typing import get_args

    from rareflow.scenario.schema import Policy, Target

    def types_of(annotated) -> set[str]:
        union = get_args(annotated)[0]
        return {get_args(cls.model_fields["type"].annotation)[0] for cls in get_args(union)}

    assert types_of(Policy) | types_of(Target) <= set(rules.RULES)


def test_the_checker_sees_an_undeclared_attribute(tmp_path):
    p = tmp_path / "rule.py"
    p.write_text("def apply(pol, b):\n    b.lp.ub[0] = 1\n")
    assert ("lp", 2) in _uses(p) and "lp" not in _declared()
