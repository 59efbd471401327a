"""The CSV text of result tables (results/tables.py `csv_text`) is pandas' `to_csv(index=False)`
byte for byte: on every table and metric of several runs, and on awkward values."""

import numpy as np
import pandas as pd
import pytest

from rareflow import load
from rareflow.results.tables import TABLES, csv_text


@pytest.mark.parametrize("name", ["toy", "tolling-jp-kr", "irel-nd-2030"])
def test_every_table_and_metric_as_pandas_writes_it(name):
    r = load(name).solve()
    frames = dict(r.tables())
    frames.update({f"metrics_{k}": v for k, v in r.metrics().items()})
    assert len(frames) >= 20
    for key, df in frames.items():
        table = TABLES.get(key)
        if table is not None:
            df = df.reindex(columns=table.names)
        assert csv_text(df) == df.to_csv(index=False), key


def test_awkward_values_as_pandas_writes_them():
    df = pd.DataFrame({
        "text": pd.array(["a,b", 'say "hi"', "two\nlines", None, ""], dtype="str"),
        "obj": pd.Series(["x", None, 1.5, np.nan, 7], dtype=object),
        "f": [0.1, -0.0, np.nan, np.inf, 1e-05],
        "big": [1e16, 123456789.123, 2.5e-300, -np.inf, 0.0],
        "i": np.array([1, -2, 0, 2**40, 5], dtype=np.int64),
        "b": [True, False, True, False, True],
    })
    assert csv_text(df) == df.to_csv(index=False)
    assert csv_text(df.iloc[:0]) == df.iloc[:0].to_csv(index=False)  # header only
    assert csv_text(pd.DataFrame()) == pd.DataFrame().to_csv(index=False)


def test_other_column_types_are_left_to_pandas():
    df = pd.DataFrame({"when": pd.to_datetime(["2025-01-01", None]),
                       "cat": pd.Categorical(["a", None]),
                       "n": pd.array([1, None], dtype="Int64")})
    assert csv_text(df) == df.to_csv(index=False)
