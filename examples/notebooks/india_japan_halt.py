# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     name: python3
# ---

# %% [markdown]
# # India halts IREL's exports to Japan: who makes up the gap, and what does it cost?
#
# The seed question (DESIGN.md, "Seed reference cases", 3): India asks IREL to suspend the
# Japan exports from mid-2025; the 2012 agreement binds (breach cost) until renegotiated. Here:
# a half-year quota in 2025, a ban from 2026, the agreement renegotiated at the end of 2026.

# %%
import pandas as pd

import rareflow

pd.set_option("display.width", 120)
base = rareflow.load("baseline-2024").solve()
r = rareflow.load("india-japan-halt").solve()
print(r)

# %% [markdown]
# ## The answer in words: what changes against the baseline

# %%
c = r.compare(base)
for sentence in c.sentences[:3]:
    print("•", sentence, "\n")


# %%
def india_to_japan(res) -> pd.Series:
    f = res.flows
    f = f[(f["origin"] == "IND") & (f["destination"] == "JPN")]
    return f.groupby("period")["amount"].sum().reindex(res.periods, fill_value=0.0)


shipped = pd.DataFrame({"baseline": india_to_japan(base), "halt": india_to_japan(r)})
print("India → Japan (t):")
print(shipped.T.round(0).to_string())
assert shipped.loc["2025", "halt"] <= 500 + 1e-6  # the half-year quota
assert (shipped.loc["2026":, "halt"] == 0).all()  # nothing from 2026 on
assert shipped.loc["2026", "baseline"] >= 1000

# %% [markdown]
# ## The agreement binds until it is renegotiated: the breach, in tonnes and money

# %%
b = r.breaches[r.breaches["amount"] > 0]
print(b[["policy", "period", "side", "amount"]].to_string(index=False))
costs = r.costs.set_index("term")["amount"]
print(f"\nIndia misses {b['amount'].sum():,.0f} t of the agreement's minimum "
      f"({', '.join(b['period'])}), at a breach cost of {costs['agreement breach'] / 1e6:,.0f} M USD; "
      "after the renegotiation at the end of 2026 nothing more is owed.")
assert set(b["period"]) == {"2025", "2026"}
assert b.set_index("period").loc["2026", "amount"] == 1000
assert costs["agreement breach"] > 0

# %% [markdown]
# ## Japan is not short: other suppliers fill the gap

# %%
made_up = c.flows[(c.flows["destination"] == "JPN") & (c.flows["change"] > 0)]
print(made_up.groupby(["origin", "commodity"])["change"].sum().round(0).to_string())
assert r.total_unserved() < 1e-6
assert c.sentences[0].startswith("JPN's imports of mixed_re_oxide from IND fall by")
