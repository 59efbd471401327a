"""Stages come from the commodity chain, not from ids (plot/stages.py)."""

from __future__ import annotations

import rareflow
from rareflow.plot.stages import commodity_stages, layout
from tests.plot.conftest import loop_world


def test_world_dataset_stages():
    """The embedded dataset: concentrates 0, oxides 1, metals 2, magnets 3 — although magnet
    plants return swarf as NdPr and Dy/Tb oxide, and ferrite magnets are made from nothing
    the scenario models."""
    scn = rareflow.load("baseline-2024").scenario
    st = commodity_stages(scn)
    assert {c for c, k in st.items() if k == 0} == {
        "reo_bastnaesite", "reo_bayan_obo", "reo_monazite", "reo_mt_weld", "reo_ionic_clay"}
    assert {c for c, k in st.items() if k == 1} == {
        "mixed_re_oxide", "ndpr_oxide", "dytb_oxide", "other_reo"}
    assert {c for c, k in st.items() if k == 2} == {"ndpr_metal", "dytb_metal"}
    assert {c for c, k in st.items() if k == 3} == {"ndfeb_magnet", "ferrite_magnet"}
    lay = layout(scn)
    assert lay.names == {0: "concentrate", 1: "oxide", 2: "metal", 3: "magnet"}
    # the mixed compound is separated into oxides: it stands half a stage earlier, and both
    # processes around it run left to right
    assert lay.x["reo_monazite"] < lay.process_x("trei_processing") < lay.x["mixed_re_oxide"] \
        < lay.process_x("sep_mixed_oxide") < lay.x["ndpr_oxide"]
    for pid, p in scn.processes.items():
        for c in p.inputs:
            assert lay.x[c] < lay.process_x(pid), (pid, c)
    assert lay.sector_x > max(lay.x.values())


def test_user_ids_get_the_same_stages():
    scn = rareflow.from_mapping(loop_world()).scenario
    assert commodity_stages(scn) == {"rock": 0, "ox": 1, "junk": 1, "met": 2, "mag": 3}
