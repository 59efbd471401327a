"""What every figure shares: the font, the frame, an empty figure that says why it is empty."""

from __future__ import annotations

from rareflow.analyze.words import tonnes
from rareflow.tolerances import SHOWN_T as EPS

__all__ = ["EPS", "FONT", "layout", "empty", "fmt_t"]

FONT = {"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 13, "color": "#222"}


def fmt_t(v: float) -> str:
    return tonnes(v, small=2)


def layout(title: str, **kw) -> dict:
    base = {"title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 17}},
            "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
            "margin": {"l": 70, "r": 20, "t": 60, "b": 50}, "hoverlabel": {"namelength": -1}}
    base.update(kw)
    return base


def empty(title: str, message: str, height: int = 360) -> dict:
    return {"data": [], "layout": layout(title, height=height, xaxis={"visible": False},
                                         yaxis={"visible": False},
                                         annotations=[{"text": message, "showarrow": False,
                                                       "xref": "paper", "yref": "paper",
                                                       "x": 0.5, "y": 0.5,
                                                       "font": {"size": 15, "color": "#555"}}])}
