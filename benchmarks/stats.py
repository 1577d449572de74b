"""Summaries of repeated measurements: median and min-max, because these machines are noisy."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """The median, minimum and maximum of a non-empty series of measurements."""

    median: float
    low: float
    high: float
    count: int

    def format(self, unit: str = "", digits: int = 2) -> str:
        """``1.23 (1.10-1.40)`` with the unit after each figure; one run shows the figure alone."""
        if self.count == 1:
            return f"{self.median:.{digits}f}{unit}"
        return f"{self.median:.{digits}f}{unit} ({self.low:.{digits}f}-{self.high:.{digits}f}{unit})"


def summarize(values: Sequence[float]) -> Summary:
    """Summarize ``values``; raises ValueError when there are none.

    >>> summarize([3.0, 1.0, 2.0]).median
    2.0
    """
    if not values:
        raise ValueError("summarize needs at least one value, got none")
    return Summary(statistics.median(values), min(values), max(values), len(values))
