"""devicebench: measure deep-learning workloads on this machine, write tidy CSV rows.

The layers, one folder each (docs/development.md "Layout and layer rules"; tests/test_layers.py enforces them):
contract (the row and its CSV), measure (framework-free measuring), frameworks/torch and
frameworks/tensorflow (the adapters), dataset (reading and validating results files) and present
(summaries, figures, results.md). Everything but the two framework folders imports without torch or
TensorFlow: validation and plotting run on the light stack (requirements-plot.txt).
"""

__version__ = "0.2.0"  # the harness version written into every measured row
HOME = "https://github.com/devicebench/devicebench"  # where the results live: the site links commits and pull requests here
