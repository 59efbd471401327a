"""The dashboard page: a Jinja2 template (`web/templates/dashboard.html.j2`) and two static
files (`web/static/dashboard.css`, `dashboard.js`) shipped as package data. No framework and no
CDN: Plotly.js is served from the installed plotly package at /static/plotly.min.js.

The template holds the page's structure only; the script draws every list, lever and chart from
the JSON the API returns, so the page shows exactly what `POST /api/runs` answers.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


def static_dir() -> Path:
    """The folder served at /static (dashboard.css, dashboard.js)."""
    return Path(str(resources.files("rareflow.web") / "static"))


@cache
def _templates():
    import jinja2  # here, not at the top: ~90 ms that only rendering needs

    # autoescape on: whatever a template is given is text, never markup
    return jinja2.Environment(loader=jinja2.PackageLoader("rareflow.web", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True)


def dashboard_html(opens_on: str | None) -> str:
    """The page; `opens_on` is the scenario it shows first when the URL names none."""
    return _templates().get_template("dashboard.html.j2").render(opens_on=opens_on or "")


@cache
def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()
