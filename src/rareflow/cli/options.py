"""Options shared by several commands, parsed in one place."""

from __future__ import annotations

from rareflow.errors import RareflowError


def solver_options(pairs: list[str]) -> dict[str, str]:
    """`--solver-option KEY=VALUE` pairs → a dict of HiGHS options."""
    out = {}
    for p in pairs:
        if "=" not in p:
            raise RareflowError(f"--solver-option '{p}' is not KEY=VALUE (e.g. solver=ipm)")
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out
