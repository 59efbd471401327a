# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     name: python3
# ---

# %% [markdown]
# # IREL's overseas stakes: does mining abroad bring rare earths to India?
#
# The seed question (DESIGN.md, "Seed reference cases", 6): IREL stakes in Argentina,
# Australia, Malawi and Myanmar, as candidate mines from 2030 with routes to India.

# %%
import pandas as pd

import rareflow

pd.set_option("display.width", 120)
base = rareflow.load("baseline-2024").solve()
r = rareflow.load("overseas-mining").solve()
print(r)

# %% [markdown]
# ## Which stakes pay, in words

# %%
for sentence in r.build_plan():
    print("•", sentence)
built = r.builds[r.builds["amount"] > 0]
stakes = r.pivot("activity", index="facility").loc[lambda d: d.index.str.startswith("irel-stake")]
print("\nOre mined at the stakes (t of REO):")
print(stakes.round(0).to_string())
assert set(built["candidate"]) == {"irel-stake-myanmar"}
assert stakes.loc["irel-stake-myanmar", "2030"] > 0

# %% [markdown]
# ## Where the stakes' ore goes: not to India
# India has no plant that can separate it, so the ore is sold where it can be processed.

# %%
f = r.flows
ore_to_india = f[(f["destination"] == "IND") & f["commodity"].str.startswith("reo_")]
mmr = f[(f["origin"] == "MMR") & (f["amount"] > 0)]
print(mmr.groupby(["destination", "commodity"])["amount"].sum().round(0).to_string())
print(f"\nOre reaching India over the horizon: {ore_to_india['amount'].sum():,.0f} t. The "
      "stake pays by selling ore to China; it does not change India's supply.")
assert ore_to_india["amount"].sum() == 0
assert set(mmr["destination"]) == {"CHN"}
assert r.objective <= base.objective * (1 + 1e-9)  # a stake is built only where it pays
