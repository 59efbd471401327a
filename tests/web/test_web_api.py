"""The JSON API: every endpoint with good and bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import rareflow
from tests.web.conftest import MINI, make_app


def _unserved(rows, region):
    return sum(r["amount"] for r in rows if r["region"] == region)


def test_health_and_openapi(client):
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["scenarios"] == 3 and h["workers"] >= 1
    spec = client.get("/openapi.json").json()
    for path in ("/api/scenarios", "/api/scenarios/{name}", "/api/runs", "/api/runs/{run_id}",
                 "/api/runs/{run_id}/sankey", "/api/runs/{run_id}/report", "/api/compare",
                 "/health"):
        assert path in spec["paths"], path
    assert "RunRequest" in spec["components"]["schemas"]


def test_list_and_get_scenarios(client):
    names = [s["name"] for s in client.get("/api/scenarios").json()]
    assert names == ["mini", "mini-controls", "mini-halt"]
    s = client.get("/api/scenarios/mini-controls").json()
    assert s["extends"] == "mini.yaml" and s["periods"][0] == "2024"
    assert s["regions"]["JPN"] == "Japan"
    assert any(e["id"] == "china-controls" for e in s["scenario"]["events"])  # resolved
    levers = {lv["id"]: lv for lv in s["levers"]}
    assert levers["china_controls"]["default"] is True
    assert levers["india_halt"]["default"] is False
    assert levers["irel_output"]["default"] == 100.0
    assert levers["magnet_plant"]["default"]["size"] == 0
    assert levers["policy:ind-jpn-2012"]["group"] == "policies"
    halt = {lv["id"]: lv for lv in client.get("/api/scenarios/mini-halt").json()["levers"]}
    assert halt["india_halt"]["default"] is True


@pytest.mark.parametrize("name", ["nope", "..%2F..%2Fetc%2Fpasswd", "toy"])
def test_unknown_scenarios_are_404_with_the_list(client, name):
    r = client.get(f"/api/scenarios/{name}")
    assert r.status_code == 404
    p = r.json()["error"]["problems"][0]
    if "passwd" in name:  # never reaches a file: no such endpoint
        assert "openapi" in p["fix"]
    else:
        assert p["path"] == "scenario" and "mini-controls" in p["fix"]


def test_run_with_a_lever_equals_the_engine(client):
    r = client.post("/api/runs", json={"scenario": "mini-controls", "levers": {"india_halt": True}})
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["status"] == "optimal" and d["scenario"] == "mini-controls" and d["run_id"] >= 1
    # the overlay it used, laid over the scenario by the engine, gives the same answer
    direct = rareflow.load(MINI["mini-controls"], overrides=d["overrides"]).solve()
    assert d["objective"] == pytest.approx(direct.objective)
    assert _unserved(d["tables"]["unserved"], "JPN") == pytest.approx(
        direct.unserved.query("region == 'JPN'")["amount"].sum())
    # it equals the published halt scenario too
    halt = rareflow.load(MINI["mini-halt"]).solve()
    assert d["objective"] == pytest.approx(halt.objective)
    # compared with the scenario as published (auto)
    c = d["comparison"]
    assert c["base"] == "mini-controls" and c["unserved"] > c["unserved_base"]
    assert any(f["origin"] == "IND" and f["destination"] == "JPN" and f["change"] < 0
               for f in c["flow_changes"])
    assert d["view"]["region"] == "JPN"
    assert {"sankey", "shortfall", "prices", "shares", "change"} <= d["figures"].keys()
    assert d["shortfalls"] and isinstance(d["explanation"], list)


def test_same_scenario_is_reused(client):
    body = {"scenario": "mini", "levers": {"irel_output": 50}}
    a = client.post("/api/runs", json=body).json()
    b = client.post("/api/runs", json=body).json()
    assert b["reused"] and b["run_id"] == a["run_id"]


def test_overrides_toggle_policy_change_capacity_add_candidate(client):
    base = client.post("/api/runs", json={"scenario": "mini", "compare_with": "none"}).json()
    off = client.post("/api/runs", json={"scenario": "mini", "overrides": {
        "policies": [{"id": "ind-jpn-2012", "remove": True}]}}).json()
    assert off["objective"] != base["objective"] and off["comparison"]["base"] == "mini"
    ctl = client.post("/api/runs", json={"scenario": "mini-controls"}).json()
    cap = client.post("/api/runs", json={"scenario": "mini-controls", "overrides": {
        "facilities": [{"id": "jpn-metal", "capacity": 100}]}}).json()
    assert cap["unserved_total"] > ctl["unserved_total"]
    cand = client.post("/api/runs", json={"scenario": "mini-controls", "overrides": {
        "candidates": [{"id": "jpn-metal-2", "region": "JPN", "process": "metal", "capex": 10,
                        "max_capacity": 5000}]}}).json()
    assert any(b["candidate"] == "jpn-metal-2" for b in cand["tables"]["builds"])


def test_levers_irel_plant_and_policy(client):
    irel = client.post("/api/runs", json={"scenario": "mini", "levers": {"irel_output": 0}}).json()
    assert not any(a["facility"].startswith("irel") for a in irel["tables"]["activity"])
    plant = client.post("/api/runs", json={"scenario": "mini-controls", "levers": {
        "magnet_plant": {"size": 2000, "year": "2029"}}}).json()
    made = [a for a in plant["tables"]["activity"] if a["facility"] == "lever-ind-magnet-plant"]
    assert made and min(a["period"] for a in made) >= "2029"
    assert max(a["amount"] for a in made) <= 2000 + 1e-6
    pol = client.post("/api/runs", json={"scenario": "mini",
                                         "levers": {"policy:ind-jpn-2012": False}}).json()
    assert pol["overrides"] == {"policies": [{"id": "ind-jpn-2012", "remove": True}]}


def test_changed_capacities_say_whether_they_bind(client):
    """The mini chain runs IREL's mine and plant at 750 t/yr of ore: the IREL lever at 150 %
    (capacity_change policies) cannot bind and changes nothing; Japan's metal plant cut to
    100 t/yr (an override) binds in every year."""
    more = client.post("/api/runs", json={"scenario": "mini", "levers": {"irel_output": 150}}).json()
    assert more["bound_check"][:2] == [
        "The capacity you raised never binds: irel-mining runs at 750 t/yr at most (its "
        "capacity is now 8,700 t/yr).",
        "The capacity you raised never binds: irel-separation runs at 750 t/yr at most (its "
        "capacity is now 9,000 t/yr)."]
    assert more["bound_check"][2].startswith("Nothing changes: the run costs the same as mini")
    cut = client.post("/api/runs", json={"scenario": "mini-controls", "overrides": {
        "facilities": [{"id": "jpn-metal", "capacity": 100}]}}).json()
    assert cut["bound_check"] == ["The capacity you lowered binds: jpn-metal runs at its "
                                  "capacity of 100 t/yr in 2024–2030."]
    assert client.post("/api/runs", json={"scenario": "mini"}).json()["bound_check"] == []
    again = client.post("/api/runs", json={"scenario": "mini", "levers": {"irel_output": 150}})
    assert again.json()["reused"] and again.json()["bound_check"] == more["bound_check"]


@pytest.mark.parametrize("body, path", [
    ({"scenario": "mini", "levers": {"nope": True}}, "levers.nope"),
    ({"scenario": "mini", "levers": {"india_halt": "yes"}}, "levers.india_halt"),
    ({"scenario": "mini", "levers": {"irel_output": 900}}, "levers.irel_output"),
    ({"scenario": "mini", "levers": {"magnet_plant": {"size": 10, "year": "1990"}}},
     "levers.magnet_plant.year"),
    ({"scenario": "mini", "overrides": {"facilities": [{"id": "jpn-metal", "capacity": -1}]}},
     "facilities[9].capacity"),
    ({"scenario": "mini", "overrides": {"routes": [{"from": "IND", "to": "XXX",
                                                    "commodity": "ndpr_oxide"}]}}, "routes"),
    ({"scenario": "mini", "overrides": {"extends": "/etc/passwd"}}, "overrides"),
    ({"scenario": "mini", "overrides": {"nonsense": 1}}, "overrides"),
    ({"scenario": "mini", "bogus": 1}, "bogus"),
    ({"levers": {}}, "scenario"),
    ({"scenario": "../mini"}, "scenario"),
    ({"scenario": "mini", "region": "XXX"}, "region"),
    ({"scenario": "mini", "period": "1999"}, "period"),
])
def test_bad_run_requests_are_422_with_path_and_fix(client, body, path):
    r = client.post("/api/runs", json=body)
    assert r.status_code == 422, r.text
    probs = r.json()["error"]["problems"]
    assert any(p["path"].startswith(path) for p in probs), probs
    assert all(p["fix"] for p in probs)


def test_unknown_scenario_in_a_run_is_404(client):
    r = client.post("/api/runs", json={"scenario": "baseline-9999"})
    assert r.status_code == 404 and r.json()["error"]["problems"][0]["path"] == "scenario"


def test_malformed_json_is_422(client):
    r = client.post("/api/runs", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["problems"]


def test_oversized_bodies_are_413(client):
    big = json.dumps({"scenario": "mini", "overrides": {"description": "x" * 300_000}})
    r = client.post("/api/runs", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "limit" in r.json()["error"]["message"]

    def chunks():  # no content-length: counted as it streams
        for _ in range(40):
            yield b" " * 10_000

    r = client.post("/api/runs", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_solve_time_limit_is_504(tmp_path):
    from fastapi.testclient import TestClient

    with TestClient(make_app(tmp_path / "s.duckdb", solve_timeout=1e-9)) as c:
        r = c.post("/api/runs", json={"scenario": "mini"})
    assert r.status_code == 504 and "limit" in r.json()["error"]["message"]


def test_full_queue_is_503(tmp_path):
    from fastapi.testclient import TestClient

    with TestClient(make_app(tmp_path / "s.duckdb", max_pending=0)) as c:
        r = c.post("/api/runs", json={"scenario": "mini"})
    assert r.status_code == 503 and "busy" in r.json()["error"]["message"]


def test_infeasible_overrides_are_422_in_words(client):
    r = client.post("/api/runs", json={"scenario": "mini", "overrides": {
        "facilities": [{"id": "jpn-metal", "minimum": 3000, "capacity": 3000}],
        "routes": [{"id": "IND-JPN-ndpr_oxide", "capacity": 0}, {"id": "AUS-JPN-ndpr_oxide",
                   "capacity": 0}, {"id": "CHN-JPN-ndpr_oxide", "capacity": 0}],
        "stocks": [{"id": "JPN-ndpr_oxide", "initial": 0}]}})
    assert r.status_code == 422
    assert "cannot be" in r.json()["error"]["problems"][0]["message"]


def test_stored_runs_get_sankey_report_compare(client):
    a = client.post("/api/runs", json={"scenario": "mini-halt", "compare_with": "none"}).json()
    b = client.post("/api/runs", json={"scenario": "mini-controls", "compare_with": "none"}).json()
    runs = client.get("/api/runs", params={"limit": 100}).json()
    assert {a["run_id"], b["run_id"]} <= {r["id"] for r in runs}
    assert client.get("/api/runs", params={"scenario": "mini-halt"}).json()[0]["scenario"] == \
        "mini-halt"
    one = client.get(f"/api/runs/{a['run_id']}").json()
    assert one["objective"] == pytest.approx(a["objective"]) and one["tables"]["flows"]
    sk = client.get(f"/api/runs/{a['run_id']}/sankey", params={"region": "JPN",
                                                                "period": "2027"}).json()
    assert sk["region"] == "JPN" and sk["period"] == "2027"
    links = sk["figure"]["data"][0]["link"]
    flows = {f["route"]: f["amount"] for f in one["tables"]["flows"] if f["period"] == "2027"
             and "JPN" in (f["origin"], f["destination"])}
    got = {c[1]: v for c, v in zip(links["customdata"], links["value"], strict=True)
           if c[0] == "trade"}
    assert got == pytest.approx(flows)
    cmp = client.get("/api/compare", params={"a": a["run_id"], "b": b["run_id"]}).json()
    assert cmp["unserved"] - cmp["unserved_base"] == pytest.approx(
        a["unserved_total"] - b["unserved_total"])
    rep = client.get(f"/api/runs/{a['run_id']}/report", params={"vs": b["run_id"]})
    assert rep.status_code == 200 and "rf-figure" in rep.text and "compared with" in rep.text


@pytest.mark.parametrize("url, status", [
    ("/api/runs/999999", 404), ("/api/runs/abc", 422), ("/api/runs/999999/sankey", 404),
    ("/api/runs/999999/report", 404), ("/api/compare?a=1", 422), ("/api/compare?a=1&b=999999", 404),
    ("/api/runs?limit=0", 422), ("/api/runs/1/sankey?region=XXX", 422), ("/nope", 404),
])
def test_bad_reads(client, url, status):
    client.post("/api/runs", json={"scenario": "mini", "compare_with": "none"})
    r = client.get(url)
    assert r.status_code == status, r.text
    assert "error" in r.json()


def test_page_and_local_assets(client):
    page = client.get("/")
    assert page.status_code == 200 and "/static/plotly.min.js" in page.text
    assert "http://" not in page.text and "https://" not in page.text
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000
    assert client.get("/static/dashboard.js").status_code == 200
    assert client.get("/static/dashboard.css").status_code == 200


def test_world_levers_map_onto_the_seed_scenarios(tmp_path):
    """With the built-in world scenarios: the five levers exist, and each is an overlay that
    changes the answer (no numbers in the code: ids come from the scenario files)."""
    from rareflow.scenario.loader import builtin_names
    from rareflow.web.levers import Catalog

    need = {"baseline-2024", "china-controls-2025", "india-japan-halt", "irel-nd-2030",
            "tolling-jp-kr"}
    assert need <= set(builtin_names())
    cat = Catalog()
    levers = {lv.id: lv for lv in cat.levers("baseline-2024")}
    assert {"china_controls", "india_halt", "irel_output", "tolling", "magnet_plant"} <= set(levers)
    assert not levers["china_controls"].default and not levers["india_halt"].default
    assert {lv.id: lv.default for lv in cat.levers("india-japan-halt")}["india_halt"] is True
    assert {lv.id: lv.default for lv in cat.levers("tolling-jp-kr")}["tolling"] == "JPN+KOR"
    on = cat.overlay("baseline-2024", {"india_halt": True})
    halt = rareflow.load("india-japan-halt").solve()
    assert rareflow.load("baseline-2024", overrides=on).solve().objective == pytest.approx(
        halt.objective)
    off = cat.overlay("india-japan-halt", {"india_halt": False})
    base = rareflow.load("baseline-2024").solve()
    assert rareflow.load("india-japan-halt", overrides=off).solve().objective == pytest.approx(
        base.objective)
    # China's controls are monthly licences: the lever brings the controls scenario's months
    # (2024–2026) along, so turned on it is that scenario, and turned off there the baseline.
    ctl = cat.overlay("baseline-2024", {"china_controls": True})
    assert "periods" in ctl
    assert {lv.id: lv.default for lv in cat.levers("china-controls-2025")}["china_controls"] is True
    assert rareflow.load("baseline-2024", overrides=ctl).solve().objective == pytest.approx(
        rareflow.load("china-controls-2025").solve().objective)
    back = cat.overlay("china-controls-2025", {"china_controls": False})
    assert rareflow.load("china-controls-2025", overrides=back).solve().objective == \
        pytest.approx(base.objective)
    plant = cat.overlay("baseline-2024", {"magnet_plant": {"size": 2000, "year": "2029"}})
    r = rareflow.load("baseline-2024", overrides=plant).solve()
    act = r.activity[r.activity["facility"] == "lever-ind-magnet-plant"]
    assert act["amount"].sum() > 0 and act[act["period"] < "2029"]["amount"].sum() == 0


def test_flipping_a_world_lever_moves_only_what_it_must(tmp_path):
    """Flipping "India halts exports to Japan" on the published baseline: the stored run is the
    optimum closest to the published one, so the comparison carries the halted link and its
    replacements, not equal-cost swaps between other suppliers."""
    from fastapi.testclient import TestClient

    from rareflow.analyze import compare
    from rareflow.web import create_app

    with TestClient(create_app(tmp_path / "w.duckdb"), base_url="http://127.0.0.1") as c:
        r = c.post("/api/runs", json={"scenario": "baseline-2024",
                                      "levers": {"india_halt": True}})
        assert r.status_code == 200, r.text
        body = r.json()
    fc = body["comparison"]["flow_changes"]
    lost = [x for x in fc if x["origin"] == "IND" and x["destination"] == "JPN"]
    assert lost and all(x["change"] < 0 for x in lost)
    base = rareflow.load("baseline-2024").solve()
    keys = ["origin", "destination", "commodity", "period"]
    served = pd.DataFrame(body["tables"]["flows"]).groupby(keys)["amount"].sum()
    ref = base.flows.groupby(keys)["amount"].sum()
    moved = served.sub(ref, fill_value=0.0).abs().sum()  # per link and period, t
    halt = rareflow.load("india-japan-halt").solve()
    raw = compare(base, halt, align=False).flows["change"].abs().sum()
    assert moved < 0.5 * raw  # far less than the solver's own vertex would show


def test_static_files_come_from_package_data(client):
    """The page's script and styles are the files shipped in rareflow/web/static; nothing
    outside that folder is served."""
    from rareflow.web.page import static_dir

    for name in ("dashboard.js", "dashboard.css"):
        assert client.get(f"/static/{name}").text == (static_dir() / name).read_text()
    for path in ("/static/../page.py", "/static/%2e%2e/page.py", "/static/nope.js"):
        assert client.get(path).status_code == 404


def test_backtest_endpoint_is_the_backtest_of_the_scenario(client):
    r = client.get("/api/backtest/mini-halt")
    assert r.status_code == 200, r.text
    d = r.json()
    want = rareflow.load(MINI["mini-halt"]).solve().backtest()
    assert d["scenario"] == "mini-halt" and isinstance(d["run_id"], int)
    assert len(d["rows"]) == len(want) > 0
    for got, w in zip(d["rows"], want.itertuples(), strict=True):
        assert (got["label"], got["period"], got["unit"]) == (w.label, w.period, w.unit)
        assert got["observed"] == pytest.approx(w.observed)
        if w.model == w.model:  # NaN (a ratio over nothing) is null in JSON
            assert got["model"] == pytest.approx(w.model, abs=1e-6)
        else:
            assert got["model"] is None
    errs = [abs(x["error_pct"]) for x in d["rows"] if x["error_pct"] is not None]
    assert errs == sorted(errs, reverse=True)  # worst first
    assert len(d["left_out"]) == len(want.attrs["left_out"]) and d["left_out_line"]
    assert {t["name"] for t in d["figure"]["data"]} == {"observed", "model"}
    # the second time reads the stored run
    assert client.get("/api/backtest/mini-halt").json()["run_id"] == d["run_id"]


@pytest.mark.parametrize(("name", "status"), [("nope", 404), ("toy", 404), ("a" * 150, 422),
                                              ("-x", 422), ("..%2F..%2Fetc%2Fpasswd", 404)])
def test_backtest_of_an_unknown_or_malformed_scenario_is_refused(client, name, status):
    r = client.get(f"/api/backtest/{name}")
    assert r.status_code == status, r.text
    assert r.json()["error"]["message"]
