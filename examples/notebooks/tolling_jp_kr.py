# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     name: python3
# ---

# %% [markdown]
# # Tolling through Japan and Korea: how many magnets come back to India?
#
# The seed question (DESIGN.md, "Seed reference cases", 5): IREL supplies NdPr oxide to a
# Japanese or Korean partner who returns magnets. Here, from 2026, through Japanese
# (1,000 t/yr) and Korean (400 t/yr) magnet makers.

# %%
import pandas as pd

import rareflow

pd.set_option("display.width", 120)
base = rareflow.load("baseline-2024").solve()
r = rareflow.load("tolling-jp-kr").solve()
print(r)

# %% [markdown]
# ## Magnets returned to India, by partner and year (t)

# %%
back = r.pivot("tolling", index="partner")
sent = r.pivot("tolling", index="partner", values="input_amount")
print("NdFeB magnets returned to India (t):")
print(back.round(0).to_string())
print("\nNdPr oxide India sends for them (t):")
print(sent.round(0).to_string())
yearly = back["2030"].sum()
print(f"\nFrom 2026 India gets {yearly:,.0f} t of magnets a year back from its partners "
      f"({back.loc['JPN', '2030']:,.0f} t from Japan, {back.loc['KOR', '2030']:,.0f} t from Korea), "
      f"for {sent['2030'].sum():,.0f} t of its own NdPr oxide.")
assert set(r.tolling["owner"]) == {"IND"}
assert (back[["2024", "2025"]].to_numpy() == 0).all()  # the deal starts in 2026
assert back.loc["KOR", "2030"] > 0 and back.loc["JPN", "2030"] > 0
assert back.loc["KOR", "2030"] <= 400 + 1e-6 and back.loc["JPN", "2030"] <= 1000 + 1e-6

# %% [markdown]
# ## What changes against the baseline, in words

# %%
c = r.compare(base)
india = [s for s in c.sentences if s.startswith("IND's")]
for sentence in india[:2]:
    print("•", sentence, "\n")
assert india, "the comparison names India's changed imports"
fees = r.costs.set_index("term")["amount"]["tolling fees"]
print(f"Tolling fees over the horizon: {fees / 1e6:,.0f} M USD (discounted).")
assert fees > 0
