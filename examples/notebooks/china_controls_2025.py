# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     name: python3
# ---

# %% [markdown]
# # China's April 2025 export controls: who runs short, and for how long?
#
# The seed question (DESIGN.md, "Seed reference cases", 2): China's export controls on heavy
# rare earths and magnets of 4 April 2025, at monthly resolution around the event, announced
# as a surprise: a licence squeeze that troughs in May and eases by July — not an embargo.
#
# The answer to check: demand outside China goes short only in spring 2025 (April to June);
# nothing is short from July on; China itself is never short.

# %%
import pandas as pd

import rareflow

pd.set_option("display.width", 120)
r = rareflow.load("china-controls-2025").solve()
print(r)

# %% [markdown]
# ## The answer in words

# %%
for sentence in r.explain(region="JPN")[:2]:
    print("•", sentence, "\n")

# %% [markdown]
# ## The shortfall, by region and month (tonnes), only where something is short

# %%
grid = r.pivot("unserved", index="region")
short = grid.loc[grid.sum(axis=1) > 0.5, grid.sum(axis=0) > 0.5]
print(short.round(0).to_string())
months = list(short.columns)
print(f"\n{r.total_unserved():,.0f} t of magnet demand goes unserved, all of it in "
      f"{months[0]}–{months[-1]}; China's own demand is served in full.")
assert months == ["2025-04", "2025-05", "2025-06"]
assert "CHN" not in short.index
after = [p for p in r.periods if p >= "2025-07"]
assert grid[after].to_numpy().sum() < 1e-6  # nothing short after July

# %% [markdown]
# ## A squeeze, not an embargo: China's magnet exports by month

# %%
out = r.flows[(r.flows["origin"] == "CHN") & (r.flows["commodity"] == "ndfeb_magnet")]
months_2025 = [p for p in r.periods if p.startswith("2025-")]
ex = out.groupby("period")["amount"].sum().reindex(months_2025)
print(ex.round(0).to_frame("China's NdFeB exports (t)").T.to_string())
print(f"\nChina's magnet exports fall from {ex['2025-03']:,.0f} t in March to "
      f"{ex['2025-05']:,.0f} t in May ({ex['2025-05'] / ex['2025-03']:.0%} of March) and are back "
      f"at {ex['2025-07']:,.0f} t in July.")
assert ex["2025-05"] > 0  # licences still granted: not an embargo
assert ex["2025-05"] == ex[["2025-04", "2025-05", "2025-06"]].min()  # the trough is May
assert ex["2025-07"] > 0.8 * ex["2025-01"]  # eased by July

# %% [markdown]
# ## Made in stages: the plan did not see it coming
# Before April the plan did not know of the controls (`announced: 2025-04`): no one pre-stocked.

# %%
print(r.stages[["stage", "announced", "fixed_from", "fixed_to"]].to_string(index=False))
assert len(r.stages) == 2
