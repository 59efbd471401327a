"""The HTML report (Plotly, self-contained) and the figures the web page shares with it."""

from rareflow.report.html import build_report, write_report

__all__ = ["build_report", "write_report"]
