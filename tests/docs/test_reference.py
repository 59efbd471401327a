"""The API reference builds (`mkdocs build --strict`) and holds what it promises.

CI installs the `test` extra, which has mkdocs and mkdocstrings, and runs this: a docstring
that breaks the strict build, or a reference page naming an object that does not exist, fails
the tests. Without mkdocs (a machine without the extra) the tests skip and say why — except in
CI (`CI=true`), where a missing mkdocs is a failure.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "mkdocs.yml"


def _need_mkdocs() -> None:
    missing = [m for m in ("mkdocs", "mkdocstrings_handlers.python")
               if importlib.util.find_spec(m.split(".")[0]) is None]
    if missing:
        msg = (f"{', '.join(missing)} not installed: pip install -e '.[test]' to build the API "
               "reference")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)


def _build(config: Path, site: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f",
                           str(config), "-d", str(site)], capture_output=True, text=True,
                          cwd=config.parent, env=env, timeout=300)


def _text(page: str) -> str:
    """The words of an HTML page, as a reader sees them (tags gone, spaces folded)."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))


def _first(doc: str, n: int) -> str:
    """The start of a docstring as rendered: markdown's backticks gone, spaces folded."""
    return " ".join(doc.replace("`", "").split())[:n]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    _need_mkdocs()
    out = tmp_path_factory.mktemp("site")
    done = _build(CONFIG, out)
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    return out


def test_every_doc_page_is_in_the_nav():
    nav = yaml.safe_load(CONFIG.read_text())["nav"]

    def pages(items):
        for it in items:
            for v in it.values():
                yield from (pages(v) if isinstance(v, list) else [v])

    listed = set(pages(nav))
    on_disk = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    assert on_disk == listed, f"pages not in mkdocs.yml's nav: {on_disk - listed}; " \
                              f"nav entries without a page: {listed - on_disk}"


def test_reference_holds_model_and_results_with_their_docstrings(site):
    model = _text((site / "reference/model/index.html").read_text())
    for anchor in ("rareflow.Model.solve", "rareflow.Model.write_lp", "rareflow.Model.lp",
                   "rareflow.lp.names.LPNames.column"):
        assert f'id="{anchor}"' in (site / "reference/model/index.html").read_text(), anchor
    import rareflow
    from rareflow.lp.names import LPNames

    # the docstrings themselves, as written in the source (first sentence of each)
    for doc in (rareflow.Model.solve.__doc__, rareflow.Model.write_lp.__doc__,
                LPNames.column.__doc__, rareflow.Model.load.__doc__):
        first = _first(doc, 60)
        assert first in model, first
    results_html = (site / "reference/results/index.html").read_text()
    results = _text(results_html)
    for meth in ("explain", "compare", "pivot", "frame", "metrics", "backtest"):
        assert f'id="rareflow.Results.{meth}"' in results_html, meth
        first = _first(getattr(rareflow.Results, meth).__doc__, 50)
        assert first in results, meth
    # the result tables, from the schema
    assert "tonnes shipped in the period" in results
    assert "r.frame('flows')" in results


def test_other_reference_pages_are_built(site):
    for page, anchor in (("errors", "rareflow.errors.ScenarioError"),
                         ("scenario", "rareflow.scenario.schema.Scenario"),
                         ("sweep", "rareflow.sweep.api.sweep"),
                         ("store", "rareflow.store.db.RunStore"),
                         ("report", "rareflow.report.html.write_report")):
        assert f'id="{anchor}"' in (site / f"reference/{page}/index.html").read_text(), page
    assert (site / "scenario-format/index.html").exists()


def test_a_page_naming_a_missing_object_fails_the_build(tmp_path):
    _need_mkdocs()
    cfg = yaml.safe_load(CONFIG.read_text())
    docs = tmp_path / "docs"
    (docs / "reference").mkdir(parents=True)
    (docs / "reference" / "missing.md").write_text("# Missing\n\n::: rareflow.NoSuchThing\n")
    cfg.update(docs_dir=str(docs), nav=[{"Missing": "reference/missing.md"}],
               hooks=[str(ROOT / h) for h in cfg.get("hooks", [])])
    mkd = next(p for p in cfg["plugins"] if isinstance(p, dict) and "mkdocstrings" in p)
    mkd["mkdocstrings"]["handlers"]["python"]["paths"] = [str(ROOT / "src")]
    config = tmp_path / "mkdocs.yml"
    config.write_text(yaml.safe_dump(cfg))
    done = _build(config, tmp_path / "site")
    assert done.returncode != 0
    assert "rareflow.NoSuchThing" in done.stdout + done.stderr
