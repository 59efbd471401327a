"""Every seed question has a notebook, and every notebook runs and holds its seed facts.

The notebooks in examples/notebooks/ are jupytext "percent" scripts: plain Python, runnable
with `python file.py`, opened as notebooks by jupytext. Each asserts the facts DESIGN.md's
"Seed reference cases" states for its scenario, so running it is the test; it runs in its own
process, as a reader would run it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rareflow.scenario.loader import builtin_names

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "examples" / "notebooks"
SEEDS = ["baseline-2024", "china-controls-2025", "india-japan-halt", "irel-nd-2030",
         "tolling-jp-kr", "overseas-mining"]


def _file(seed: str) -> Path:
    return NOTEBOOKS / f"{seed.replace('-', '_')}.py"


def test_one_notebook_per_seed_question():
    assert set(SEEDS) <= set(builtin_names())
    missing = [s for s in SEEDS if not _file(s).exists()]
    assert not missing, f"no notebook for {missing} in {NOTEBOOKS}"
    for seed in SEEDS:
        text = _file(seed).read_text()
        assert "formats: py:percent" in text and "# %% [markdown]" in text, seed
        assert f'rareflow.load("{seed}")' in text, seed  # it answers its own scenario
        assert "assert " in text, seed  # and checks the seed facts


@pytest.mark.parametrize("seed", SEEDS)
def test_notebook_runs_and_its_seed_facts_hold(seed, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(_file(seed))], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=600)
    assert done.returncode == 0, f"{_file(seed).name} failed:\n{done.stdout[-3000:]}\n" \
                                 f"{done.stderr[-3000:]}"
    assert f"<Results {seed}: optimal" in done.stdout
    assert not list(tmp_path.iterdir()), "a notebook should write nothing where it is run"
