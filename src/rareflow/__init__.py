"""rareflow: the rare-earth supply chain as a linear program, with what-if answers in words."""

__version__ = "0.1.0"

# Results.explain(), .metrics(), .compare(), … are computed by the analysis layer, which
# registers its functions with results/result.py when imported: it comes with the package.
# Results.plot likewise comes from rareflow.plot (light: Plotly is imported on first use).
from rareflow import analyze, plot  # noqa: E402,F401
from rareflow.errors import MassBalanceError, Problem, RareflowError, ScenarioError, SolveError  # noqa: E402
from rareflow.results.model import Model, from_mapping, from_yaml, load  # noqa: E402
from rareflow.results.result import NotLive, Results  # noqa: E402

Result = Results  # the primary name in the design; one class either way

__all__ = ["load", "from_yaml", "from_mapping", "Model", "Results", "Result", "NotLive",
           "RareflowError", "ScenarioError", "SolveError", "MassBalanceError", "Problem", "analyze"]


def __getattr__(name: str):
    """`rareflow.sweep`, `rareflow.report`, … without importing them at start-up."""
    if name in ("sweep", "report", "store", "web"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'rareflow' has no attribute '{name}'")
