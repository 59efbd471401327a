import numpy as np
import pytest

import rareflow
from rareflow.lp.check import check_mass_balance


def test_a_solution_that_loses_tonnes_is_refused():
    m = rareflow.load("toy")
    r = m.solve()
    x = r.solution.x.copy()
    assert check_mass_balance(m.frozen, x, m.build.balance_labels()) <= 1e-6
    stock = m.build.stock_cols[0, 3]
    x[stock] += 1e-3  # one kilogram appears from nowhere
    with pytest.raises(rareflow.MassBalanceError, match="ndpr_oxide in JPN in 2027"):
        check_mass_balance(m.frozen, x, m.build.balance_labels())
    x = r.solution.x.copy()
    x[0] = -1.0
    with pytest.raises(rareflow.MassBalanceError):
        check_mass_balance(m.frozen, np.asarray(x), m.build.balance_labels())
