"""Options shared by several commands, declared and parsed in one place, so that every command
that records runs spells `--store`, `--no-store` and `--reuse` the same way, explains them in
the same words and acts on them the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rareflow.errors import RareflowError

STORE_HELP = "the run store, a DuckDB file (default: $RAREFLOW_STORE or ~/.rareflow/runs.duckdb)"
NO_STORE_HELP = "record nothing in the run store (and reuse nothing from it)"
REUSE_HELP = ("reuse the stored result of an identical scenario (same hash, solver options and "
              "rareflow version) instead of solving")

# `store: StoreOption = None` in a command's signature: one name, one help text everywhere
StoreOption = Annotated[Path | None, typer.Option("--store", help=STORE_HELP, show_default=False)]
NoStoreOption = Annotated[bool, typer.Option("--no-store", help=NO_STORE_HELP)]
ReuseOption = Annotated[bool, typer.Option("--reuse", help=REUSE_HELP)]


def open_store(store: Path | None, no_store: bool, reuse: bool = False):
    """The run store the options name, or None with --no-store. --reuse with --no-store is a
    contradiction, refused before anything is solved. The store module is imported only here:
    DuckDB is heavy and most commands' help needs none of it."""
    if reuse and no_store:
        raise RareflowError("--reuse needs the run store; drop --no-store")
    if no_store:
        return None
    from rareflow.store import RunStore, default_path

    return RunStore(store or default_path())


SET_HELP = ("change one field of the scenario for this run, BLOCK.ID.FIELD=VALUE (repeatable; "
            "VALUE in YAML), e.g. facilities.trei-odisha.capacity=2200 or "
            "commodities.m.disposal_cost=0; laid over the scenario as `overrides` are")


def set_overrides(pairs: list[str]) -> dict:
    """`--set BLOCK.ID.FIELD=VALUE` pairs → an overlay shaped like a scenario file: list
    blocks (facilities, routes, …) get one item per id, matched by id as `extends` matches;
    map blocks (commodities, regions, …) a key per id. Values are read as YAML, so a series
    is `{2024: 100, 2030: 200}`. Wrong fields are named by validation, as for any overlay."""
    import yaml

    from rareflow.scenario.loader import LIST_BLOCKS, MAP_BLOCKS

    out: dict = {}
    for p in pairs:
        key, sep, raw = p.partition("=")
        parts = key.strip().split(".")
        if not sep or len(parts) != 3 or not all(parts):
            raise RareflowError(f"--set '{p}' is not BLOCK.ID.FIELD=VALUE (e.g. "
                                "facilities.trei-odisha.capacity=2200)")
        block, iid, field = parts
        try:
            value = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError as e:
            raise RareflowError(f"--set '{p}': the value is not YAML ({str(e).splitlines()[0]})"
                                ) from None
        if block in LIST_BLOCKS:
            items = out.setdefault(block, [])
            item = next((it for it in items if it["id"] == iid), None)
            if item is None:
                item = {"id": iid}
                items.append(item)
            item[field] = value
        elif block in MAP_BLOCKS:
            out.setdefault(block, {}).setdefault(iid, {})[field] = value
        else:
            raise RareflowError(f"--set '{p}': no block '{block}'; use one of "
                                f"{', '.join((*LIST_BLOCKS, *MAP_BLOCKS))}")
    return out


def solver_options(pairs: list[str]) -> dict[str, str]:
    """`--solver-option KEY=VALUE` pairs → a dict of HiGHS options."""
    out = {}
    for p in pairs:
        if "=" not in p:
            raise RareflowError(f"--solver-option '{p}' is not KEY=VALUE (e.g. solver=ipm)")
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out
