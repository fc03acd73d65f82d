"""devicebench: measure deep-learning workloads on this machine, write tidy CSV rows.

This package must import without torch or TensorFlow: the record, CSV IO,
validation and plotting run on the light stack (requirements-plot.txt).
Framework imports live only in the runner modules (torch_runner, tf_runner).
"""

__version__ = "0.1.0"  # the harness version written into every measured row
