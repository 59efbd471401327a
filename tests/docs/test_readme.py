"""The README is what a new user runs first, so what it shows must be what rareflow does.

- It starts with exactly two set-up commands: one installs and runs the main job, one installs
  and runs the tests.
- Its Python block runs as written (with `Figure.show` kept from opening a browser), and what it
  prints is the text block printed under it, line for line.
- The what-if that changes nothing prints the lines the README shows.
- Every command in "What it answers" is a command the CLI has.
- The package layout it draws is the package's (each folder exists, each package is drawn).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.S)


def _blocks(kind: str) -> list[str]:
    return [body for k, body in BLOCKS if k == kind]


def test_starts_with_two_setup_commands():
    first_kind, first = BLOCKS[0]
    assert README.index("```") < README.index("\n## ")  # before any section
    lines = [x for x in first.splitlines() if x.strip()]
    assert first_kind == "bash" and len(lines) == 2
    assert lines[0].startswith("pip install") and "rareflow run baseline-2024" in lines[0]
    assert lines[1].startswith("pip install") and "pytest" in lines[1]


def test_python_block_prints_what_the_readme_shows(monkeypatch):
    import plotly.graph_objects as go

    monkeypatch.setattr(go.Figure, "show", lambda self, *a, **k: None)
    (code,) = _blocks("python")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})  # noqa: S102
    shown = _blocks("text")[0].strip().splitlines()
    assert out.getvalue().strip().splitlines() == shown


def test_a_what_if_that_changes_nothing_says_so():
    import rareflow

    r = rareflow.load("baseline-2024", overrides={
        "facilities": [{"id": "irel-oscom", "capacity": 5800}]}).solve()
    assert r.bound_check() == _blocks("text")[1].strip().splitlines()


def test_every_command_shown_is_a_cli_command():
    from typer.testing import CliRunner

    from rareflow.cli import app

    answers = README.split("## What it answers", 1)[1]
    block = re.search(r"```bash\n(.*?)```", answers, flags=re.S).group(1)
    commands = {line.split()[1] for line in block.splitlines() if line.startswith("rareflow ")}
    assert {"run", "compare", "explain", "sweep", "backtest", "report", "serve"} <= commands
    runner = CliRunner()
    for cmd in sorted(commands):
        res = runner.invoke(app, [cmd, "--help"])
        assert res.exit_code == 0, f"`rareflow {cmd}` in the README: {res.output}"


def test_the_layout_drawn_is_the_package():
    block = next(b for b in _blocks("") if b.startswith("src/rareflow/"))
    drawn = set(re.findall(r"(?<![\w/.])([a-z]+)/(?!\w)", block)) - {"src", "rareflow"}
    pkg = ROOT / "src" / "rareflow"
    packages = {p.parent.name for p in pkg.glob("*/__init__.py")}
    assert drawn == packages | {"data"}, "README's layout and src/rareflow differ"
    assert all((pkg / d).is_dir() for d in drawn)


@pytest.mark.parametrize("link", sorted(set(re.findall(r"\]\(((?:docs|examples)/[^)#]+)", README))))
def test_links_resolve(link):
    assert (ROOT / link).exists(), f"README links to {link}, which does not exist"
