# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     name: python3
# ---

# %% [markdown]
# # Baseline 2024: where does India's rare-earth chain stand?
#
# The seed question (DESIGN.md, "Seed reference cases", 1): in 2024 IREL mines about 2,900 t
# of rare-earth oxide; Toyotsu ships more than 1,000 t — about a third — to Japan under the
# 2012 agreement; India makes no magnets and imports 53,748 t of permanent magnets (FY2024-25),
# mainly from China — by unit value mostly ferrite, a few thousand tonnes NdFeB.
#
# Run it as a script (`python examples/notebooks/baseline_2024.py`) or open it as a notebook
# with jupytext. The `assert`s are the seed facts: the tests run this file.

# %%
import pandas as pd

import rareflow

pd.set_option("display.width", 120)
r = rareflow.load("baseline-2024").solve()
print(r)


# %%
def year(df: pd.DataFrame, period: str = "2024") -> pd.DataFrame:
    return df[df["period"] == period]


act = year(r.activity)
irel = act[act["facility"] == "irel-oscom"]["amount"].sum()
fl = year(r.flows)
to_japan = fl[(fl["origin"] == "IND") & (fl["destination"] == "JPN")]["amount"].sum()
print(f"In 2024 IREL's OSCOM mine produces {irel:,.0f} t of rare-earth oxide; "
      f"{to_japan:,.0f} t of it ({to_japan / irel:.0%}) goes to Japan under the 2012 agreement.")
assert irel == 2900
assert to_japan >= 1000 and 0.3 <= to_japan / irel <= 0.4

# %% [markdown]
# ## India's magnets: all imported, mostly ferrite, mostly from China

# %%
magnets = fl[(fl["destination"] == "IND") & (fl["origin"] != "IND")
             & fl["commodity"].isin(["ferrite_magnet", "ndfeb_magnet"])]
by = magnets.pivot_table(index="origin", columns="commodity", values="amount", aggfunc="sum",
                         fill_value=0)
print("India's magnet imports in 2024 (t):")
print(by.round(0).to_string())
total = magnets["amount"].sum()
china = magnets[magnets["origin"] == "CHN"]["amount"].sum()
ndfeb = magnets[magnets["commodity"] == "ndfeb_magnet"]["amount"].sum()
made = act[(act["region"] == "IND") & act["process"].str.contains("magnet")]["amount"].sum()
print(f"India imports {total:,.0f} t of permanent magnets, {china / total:.0%} from China; "
      f"{ndfeb:,.0f} t are NdFeB, the rest ferrite. Magnets made in India: {made:,.0f} t.")
assert round(total) == 53_748
assert china / total >= 0.9
assert 2_000 <= ndfeb <= 3_500
assert made == 0

# %% [markdown]
# ## Nothing is short in the calm years
# The baseline is the yardstick the other seed cases are compared with: it serves all demand.

# %%
print("\n".join(r.explain()[:1]))
assert r.total_unserved() < 1e-6
assert r.max_balance_residual <= 1e-6
