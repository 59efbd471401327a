"""Validation in linear time, duplicate YAML keys, long `extends` chains and names
(issue 15, defects 5, 9 and 10)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rareflow.errors import MAX_PROBLEMS, ScenarioError
from rareflow.scenario import validate
from rareflow.scenario.loader import MAX_CHAIN, load_scenario, parse_yaml

ROOT = Path(__file__).resolve().parents[2]
TOY = (ROOT / "src/rareflow/data/scenarios/toy.yaml").read_text()


def cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "rareflow.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def unknown_keys(n: int) -> str:
    return TOY + "".join(f"bogus{i}: {i}\n" for i in range(n))


def calls_to_validate(path: Path) -> int:
    """Python and C function calls (generator steps included) made while loading `path`: a
    count of the work done that does not depend on the machine's speed or load."""
    n = 0

    def prof(frame, event, arg):
        nonlocal n
        if event in ("call", "c_call"):
            n += 1

    sys.setprofile(prof)
    try:
        load_scenario(path)
    except ScenarioError:
        pass
    finally:
        sys.setprofile(None)
    return n


def test_validation_work_grows_linearly_with_unknown_keys(tmp_path):
    """5,000 unknown keys took 5 s, 20,000 took 72 s (each problem path was compared with
    every other). Four times the keys must now cost about four times the work, not sixteen."""
    small, large = tmp_path / "small.yaml", tmp_path / "large.yaml"
    small.write_text(unknown_keys(1000))
    large.write_text(unknown_keys(4000))
    a, b = calls_to_validate(small), calls_to_validate(large)
    assert b / a < 5.0, (a, b)


def test_at_most_fifty_problems_are_listed_with_the_count_of_the_rest(tmp_path, monkeypatch):
    f = tmp_path / "many.yaml"
    f.write_text(unknown_keys(20_000))
    worded = []
    real = validate._message
    monkeypatch.setattr(validate, "_message", lambda e, r: worded.append(1) or real(e, r))
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    assert len(e.value.problems) == MAX_PROBLEMS == 50
    assert e.value.more == 20_000 - 50 and e.value.total == 20_000
    assert len(worded) <= MAX_PROBLEMS  # only the problems shown are worded
    assert "and 19,950 more" in str(e.value)


def test_validate_cli_lists_fifty_and_counts_the_rest(tmp_path):
    f = tmp_path / "many.yaml"
    f.write_text(unknown_keys(5000))
    p = cli("validate", f)
    assert p.returncode == 1
    assert "5,000 problem(s)" in p.stderr
    assert p.stderr.count("unknown key") == 50
    assert "and 4,950 more" in p.stderr


def test_duplicate_keys_are_errors_naming_both_lines(tmp_path):
    f = tmp_path / "dup.yaml"
    f.write_text(TOY + "regions:\n  XXX: {label: X}\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(f)
    [p] = e.value.problems
    assert "'regions' appears twice" in p.message and "line 10 and line 38" in p.message
    assert p.file == str(f) and p.fix
    with pytest.raises(ScenarioError, match="'a' appears twice"):
        parse_yaml("x:\n  a: 1\n  b: 2\n  a: 3\n")


def test_merge_keys_may_still_be_overridden():
    data = parse_yaml("base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  x: 3\n")
    assert data["item"] == {"x": 3, "y": 2}


def test_python_tags_and_alias_bombs_are_still_refused():
    with pytest.raises(ScenarioError, match="invalid YAML"):
        parse_yaml("name: !!python/object/apply:os.system ['echo hi']\n")
    bomb = ['a: &a ["l","l","l","l","l","l","l","l","l"]']
    prev = "a"
    for n in "bcdefghi":
        bomb.append(f"{n}: &{n} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = n
    with pytest.raises(ScenarioError, match="alias bomb"):
        parse_yaml("\n".join(bomb) + "\n")


def test_a_2000_file_extends_chain_is_named_as_such(tmp_path):
    (tmp_path / "c0.yaml").write_text("name: c0\nperiods: [2024]\n")
    for i in range(1, 2000):
        (tmp_path / f"c{i}.yaml").write_text(f"extends: c{i - 1}.yaml\n")
    p = cli("validate", tmp_path / "c1999.yaml")
    assert p.returncode == 1
    assert f"'extends' chain is longer than {MAX_CHAIN} files" in p.stderr
    assert "nested too deeply" not in p.stderr and "Traceback" not in p.stderr
    scn, files = load_scenario(tmp_path / f"c{MAX_CHAIN - 1}.yaml")  # at the limit: fine
    assert scn.name == "c0" and len(files) == MAX_CHAIN


@pytest.mark.parametrize("name", ["a" * 5000, "a" * 300, "x/" + "b" * 300])
def test_a_very_long_extends_name_is_a_plain_message(tmp_path, name):
    f = tmp_path / "long.yaml"
    f.write_text(f"name: x\nextends: {name}\nperiods: [2024]\n")
    p = cli("validate", f)
    assert p.returncode == 1, p.stderr
    assert "extends:" in p.stderr and "internal error" not in p.stderr
    assert len(p.stderr) < 1500  # the name is shortened, not printed whole
