"""`python -m rareflow.cli`: the same as the `rareflow` command."""

from rareflow.cli import main

main()
