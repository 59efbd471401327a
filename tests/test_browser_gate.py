"""The browser tests' gate: skipped with a reason on a machine without Chromium, a failure in
CI, run where the browser is (tests/browser.py decides; these tests feed it environments)."""

from __future__ import annotations

import os
import stat

import pytest

from tests import browser


def _fake_chromium(tmp_path):
    exe = tmp_path / "chromium"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return str(exe)


def test_missing_browser_skips_with_the_reason_and_how_to_get_it(tmp_path):
    env = {"RAREFLOW_CHROMIUM": str(tmp_path / "nowhere" / "chromium")}
    with pytest.raises(pytest.skip.Exception) as e:
        browser.require(env)
    msg = str(e.value)
    assert "no Chromium at" in msg and "nowhere" in msg and "apt-get install chromium" in msg


@pytest.mark.parametrize("ci", ["true", "True", "1"])
def test_missing_browser_fails_in_ci(tmp_path, ci):
    env = {"RAREFLOW_CHROMIUM": str(tmp_path / "chromium"), "CI": ci}
    with pytest.raises(pytest.fail.Exception) as e:
        browser.require(env)
    assert "must run in CI" in str(e.value)


def test_a_file_that_is_not_executable_is_no_browser(tmp_path):
    f = tmp_path / "chromium"
    f.write_text("not a program")
    os.chmod(f, 0o644)
    assert browser.missing({"RAREFLOW_CHROMIUM": str(f)}) is not None


def test_a_present_browser_is_used_in_and_out_of_ci(tmp_path):
    exe = _fake_chromium(tmp_path)
    assert browser.require({"RAREFLOW_CHROMIUM": exe}) == exe
    assert browser.require({"RAREFLOW_CHROMIUM": exe, "CI": "true"}) == exe


def test_ci_false_is_not_ci():
    assert not browser.in_ci({"CI": "false"}) and not browser.in_ci({})
    assert browser.in_ci({"CI": "true"})


def test_the_whole_environment_decides_when_none_is_passed(tmp_path, monkeypatch):
    monkeypatch.setenv("RAREFLOW_CHROMIUM", str(tmp_path / "absent"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        browser.require()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        browser.require()
