"""The package's imports run one way: scenario → lp → results → analyze → sweep/store/report
→ web/cli (DESIGN.md, "Layout"). Read from the source with `ast`, imports inside functions
included, so a lazy import cannot hide an upward edge."""

from __future__ import annotations

import ast
from pathlib import Path

import rareflow

PKG = Path(rareflow.__file__).parent
LAYER = {"errors": 0, "tolerances": 0, "scenario": 1, "lp": 2, "results": 3, "analyze": 4,
         "plot": 4, "sweep": 5, "store": 5, "report": 5, "web": 6, "cli": 6}
ROOT_LAYER = 3  # `rareflow` itself re-exports the Model (lp) and the Result (results)


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        rel = p.relative_to(PKG).with_suffix("")
        parts = [x for x in rel.parts if x != "__init__"]
        out[".".join(["rareflow", *parts])] = p
    return out


def _imports(name: str, path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text())
    is_pkg = path.name == "__init__.py"
    pkg = name if is_pkg else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((mod, node.lineno))
            # `from rareflow import sweep` names a sub-package
            out += [(f"{mod}.{a.name}", node.lineno) for a in node.names
                    if mod == "rareflow" and a.name in LAYER]
    return out


def _layer(mod: str) -> tuple[str, int] | None:
    parts = mod.split(".")
    if parts[0] != "rareflow":
        return None
    if len(parts) == 1:
        return "rareflow", ROOT_LAYER
    top = parts[1]
    return (top, LAYER[top]) if top in LAYER else None


def _edges():
    for name, path in sorted(_modules().items()):
        src = _layer(name)
        if src is None or name == "rareflow":
            continue
        for mod, line in _imports(name, path):
            yield name, path, src, mod, line


def test_no_upward_imports():
    bad = []
    for _name, path, (top, lay), mod, line in _edges():
        dst = _layer(mod)
        if dst and dst[1] > lay:
            bad.append(f"{path.relative_to(PKG)}:{line} ({top}, layer {lay}) imports {mod} "
                       f"(layer {dst[1]})")
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_report_and_store_never_import_each_other():
    bad = [f"{path.relative_to(PKG)}:{line} imports {mod}"
           for name, path, (top, _), mod, line in _edges()
           if top in ("report", "store") and (d := _layer(mod)) and d[0] in ("report", "store")
           and d[0] != top]
    assert not bad, "\n".join(bad)


def test_scenario_layer_knows_no_solver():
    bad = [f"{path.relative_to(PKG)}:{line} imports {mod}"
           for name, path, (top, _), mod, line in _edges()
           if top == "scenario" and (mod.split(".")[0] in ("highspy", "scipy")
                                     or mod.startswith("rareflow.lp"))]
    assert not bad, "\n".join(bad)


def test_only_one_module_imports_highspy():
    users = sorted({str(path.relative_to(PKG)) for name, path, _, mod, _ in _edges()
                    if mod.split(".")[0] == "highspy"})
    assert users == ["lp/highs.py"], users


def test_the_checker_sees_an_upward_import(tmp_path):
    """The test above can fail: an upward import in a scratch module is found."""
    p = tmp_path / "x.py"
    p.write_text("def f():\n    from rareflow.report import charts\n")
    assert ("rareflow.report", 2) in [(m, ln) for m, ln in _imports("rareflow.lp.x", p)]
    assert _layer("rareflow.report")[1] > _layer("rareflow.lp.x")[1]
