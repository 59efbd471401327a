"""Layer 3: the one result type (`Results`), its table schema, and the user-facing `Model`.

A regular package (not a namespace one) so that tools reading the source — the API reference
built by mkdocstrings — find its modules; it imports nothing, so `import rareflow.results.x`
costs what it did.
"""
