"""Results as JSON: NaN and infinities become null (JSON has no such numbers), numpy scalars
become Python numbers, keys become strings. The one such helper for the run store, the report
and the web API (there were four)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def jsonable(obj: Any) -> Any:
    """`obj` with every non-finite float as None, numpy scalars as Python ones, keys as text."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):  # numpy scalars
        return jsonable(obj.item())
    return obj


def dumps(obj: Any, **kw: Any) -> str:
    """Strict JSON text of `jsonable(obj)`; anything else unknown is written as text."""
    return json.dumps(jsonable(obj), allow_nan=False, default=str, **kw)
