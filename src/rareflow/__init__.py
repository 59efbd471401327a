"""rareflow: the rare-earth supply chain as a linear program, with what-if answers in words."""

from rareflow.errors import MassBalanceError, Problem, RareflowError, ScenarioError, SolveError
from rareflow.lp.model import Model, from_mapping, from_yaml, load
from rareflow.results.result import Results

__version__ = "0.1.0"
__all__ = ["load", "from_yaml", "from_mapping", "Model", "Results", "RareflowError", "ScenarioError",
           "SolveError", "MassBalanceError", "Problem"]


def __getattr__(name: str):
    """`rareflow.analyze`, `rareflow.sweep`, … without importing them at start-up."""
    if name in ("analyze", "sweep", "report", "store", "web"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'rareflow' has no attribute '{name}'")
