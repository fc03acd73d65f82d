"""`devicebench submit FILE`: send one results file as a pull request, only after the user agreed.

plan (validate the file and say exactly what would be sent), gitops (a branch holding that one file, built
without touching the user's working tree or index, and the push), github (the pull request through `gh`, or
the steps left to do by hand), command (the subcommand's flags and the flow). An entry-point layer beside
collect/console.py: it imports contract and dataset, never the runner, a framework or the plotting stack.
"""
