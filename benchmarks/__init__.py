"""Side-by-side benchmarks of PoolSettings against AwsCustomResource and crhelper's defaults.

Run ``python -m benchmarks`` from the repository root (``make bench``); it writes
``benchmarks/RESULTS.md``. Not part of the test run.
"""
