"""How long to wait before the next attempt of an SMS API call: the retry pacing. Pure: no boto3, no clock.

The SMS control operations (DescribePools, UpdatePool, ...) default to 1 request/s per account and
Region ("Quotas for AWS End User Messaging SMS"), and every Lambda invocation of the provider runs in
its own execution environment, so concurrent invocations cannot share a queue: each paces itself from
what its own calls tell it. Two policies, chosen by ``Timeouts.backoff_policy``:

- ``"quota"`` (the default). The ceiling of attempt ``n`` doubles from ``backoff_base`` up to
  ``backoff_cap`` (Timeouts' defaults, 2 s and 12 s, are 2 and 12 slots of that quota). A throttled
  call waits ``uniform(ceiling / 4, ceiling)``: a throttle means another caller took the quota's slot
  less than one slot ago, so coming back at once only adds to the throttled calls; a wait drawn from
  the whole window spreads the callers over the slots that follow. Any other retryable error (5xx, a
  connection error) waits ``uniform(0, ceiling)`` (full jitter), since it says nothing about the quota.
- ``"full-jitter"``: every retryable error waits ``uniform(0, ceiling)``. With ``backoff_base`` 0.25 s
  and ``backoff_cap`` 8 s it is the handler's policy before the quota policy; ``benchmarks/`` runs it
  as the baseline next to the default.

``benchmarks/RESULTS.md`` (section Scale) measures both, and explains why no policy that an invocation
can apply on its own gets close to the minimum of calls when hundreds start at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .timing import BACKOFF_POLICIES, Timeouts

# The error codes that mean "over the request rate" (client.py retries them): the SMS API's, and
# CloudFormation's "Throttling" for the handler's DescribeStacks/DescribeStackResource.
THROTTLING_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "Throttling"}
)
POLICIES = BACKOFF_POLICIES
QUOTA, FULL_JITTER = POLICIES
# A throttled call waits at least this share of its ceiling under the quota policy.
THROTTLED_FLOOR = 0.25


def ceiling(attempt: int, timeouts: Timeouts) -> float:
    """The longest wait after attempt ``attempt`` (1-based): ``backoff_base`` doubled per attempt, capped.

    Raises:
        ValueError: ``attempt`` is below 1.

    Example:
        >>> [ceiling(n, Timeouts(backoff_base=1, backoff_cap=4)) for n in (1, 2, 3, 4)]
        [1.0, 2.0, 4.0, 4.0]
    """
    if attempt < 1:
        raise ValueError(f"attempt must be an attempt number >= 1, got {attempt!r}")
    # The exponent is bounded so that a long run of attempts cannot overflow a float.
    return float(min(timeouts.backoff_cap, timeouts.backoff_base * 2 ** min(attempt - 1, 64)))


def retry_delay(
    attempt: int,
    timeouts: Timeouts,
    *,
    throttled: bool,
    uniform: Callable[[float, float], float] | None = None,
) -> float:
    """Seconds to wait after attempt ``attempt`` (1-based) failed with a retryable error.

    Args:
        attempt: how many attempts of this call have been made, the failed one included.
        timeouts: gives ``backoff_policy``, ``backoff_base`` and ``backoff_cap``.
        throttled: the attempt failed with one of ``THROTTLING_CODES``.
        uniform: draws a number between its two arguments. Default: - ``random.uniform``.

    Raises:
        ValueError: ``attempt`` is below 1, or ``timeouts.backoff_policy`` is not one of ``POLICIES``.

    Example:
        >>> highest = lambda low, high: high
        >>> retry_delay(2, Timeouts(backoff_base=2, backoff_cap=12), throttled=True, uniform=highest)
        4.0
        >>> lowest = lambda low, high: low
        >>> retry_delay(2, Timeouts(backoff_base=2, backoff_cap=12), throttled=True, uniform=lowest)
        1.0
    """
    top = ceiling(attempt, timeouts)
    draw = uniform or random.uniform  # jitter, not cryptography
    if timeouts.backoff_policy == QUOTA:
        return float(draw(top * THROTTLED_FLOOR if throttled else 0.0, top))
    if timeouts.backoff_policy == FULL_JITTER:
        return float(draw(0.0, top))
    raise ValueError(f"backoff_policy must be one of {', '.join(POLICIES)}, got {timeouts.backoff_policy!r}")
