"""Handlers the benchmarks compare PoolSettings' handler against. Not shipped."""
