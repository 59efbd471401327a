"""rareflow: the rare-earth supply chain as a linear program, with what-if answers in words."""

__version__ = "0.1.0"

import gc as _gc  # noqa: E402

# Python's cyclic garbage collector runs every few hundred allocations and now and then walks
# every object alive. Importing numpy, pandas, pydantic and rareflow's schema allocates ~140,000
# objects that live as long as the process and are nearly never garbage (~900 in cycles), so
# the collections they trigger find nothing and cost ~0.1 s of a 1 s `rareflow run`, and
# every later full collection walks them all again (issue 17). So the collector is paused
# while the package imports and resumed as it was. Freezing what is alive then (`gc.freeze`)
# is left to the `rareflow` command (cli.main), which owns its process: a program that imports
# rareflow as a library keeps its own objects collectable. Nothing is computed differently.
_collecting = _gc.isenabled()
_gc.disable()
try:
    from rareflow.errors import MassBalanceError, Problem, RareflowError, ScenarioError, SolveError  # noqa: E402
    from rareflow.results.model import Model, from_mapping, from_yaml, load  # noqa: E402
    from rareflow.results.result import NotLive, Results, set_analysis_loader  # noqa: E402
finally:
    if _collecting:
        _gc.enable()

# Results.explain(), .metrics(), .compare(), … are computed by the analysis layer, which
# registers its functions with results/result.py when imported. It is imported on the first
# call that needs it, not with the package: `rareflow run` then never imports the back-test
# and its observations, and `rareflow --help` none of it (issue 17). The back-test registers
# from its own module, apart from the rest of the layer; `Results.plot` from rareflow.plot.
_ANALYSIS_HOMES = {"backtest": "rareflow.analyze.backtest", "plot": "rareflow.plot"}


def _load_analysis(name: str) -> None:
    import importlib

    importlib.import_module(_ANALYSIS_HOMES.get(name, "rareflow.analyze"))


set_analysis_loader(_load_analysis)

Result = Results  # the primary name in the design; one class either way

__all__ = ["load", "from_yaml", "from_mapping", "Model", "Results", "Result", "NotLive",
           "RareflowError", "ScenarioError", "SolveError", "MassBalanceError", "Problem", "analyze"]


def __getattr__(name: str):
    """`rareflow.sweep`, `rareflow.report`, … without importing them at start-up."""
    if name in ("analyze", "plot", "sweep", "report", "store", "web"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'rareflow' has no attribute '{name}'")
