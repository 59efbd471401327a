"""The HTML report (Plotly, self-contained) and the figures the web page shares with it."""

from rareflow.report.html import build_report, write_report
from rareflow.report.view import RunView, scenario_hash

__all__ = ["build_report", "write_report", "RunView", "scenario_hash"]
