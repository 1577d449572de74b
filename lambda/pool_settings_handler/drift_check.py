"""Lambda entry point of the scheduled drift check (``pool_settings_handler.drift_check.handler``).

The stack's EventBridge rule invokes it on the ``drift_check`` schedule with the logical IDs to compare
(``drift.py`` decides, ``client.py`` calls, this module only wires them):

1. ``DescribeStacks``: while CloudFormation works on the stack, nothing is checked (``drift.deploying``).
2. ``ListStackResources``: the pool of each resource (its physical ID, the pool's ARN).
3. ``GetParameters``: the resources' records, 10 per call; ``DescribePools``: their pools, 5 per call
   (a batch that names a deleted pool is described pool by pool).
4. ``UpdatePool`` with the applied values, for the resources that correct (``drift_auto_correct``).
5. ``PutMetricData``: ``SettingsDrifted`` per pool, 0 when in sync.

A resource that could not be compared (no record, no pool, a failed correction) is logged, and once the
others are published the invocation fails with one line per resource (Lambda's ``Errors`` metric): its
pool gets no datapoint, so its alarm goes to INSUFFICIENT_DATA rather than OK.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from . import client, drift
from . import constants as c
from .errors import PoolNotFoundError, PoolSettingsError
from .timing import Budget, LambdaContextLike

logger = logging.getLogger("pool_settings_handler.drift_check")
logging.getLogger("pool_settings_handler").setLevel(logging.INFO)


class DriftCheckError(RuntimeError):
    """Some resources could not be compared or corrected; one line each."""


def check(event: Mapping[str, Any], budget: Budget, stack_id: str) -> dict[str, Any]:
    """Compare, correct and publish; the summary that is logged.

    Raises:
        DriftCheckError: a resource could not be compared or corrected (after publishing the others).
        ValueError: the input is not the rule's (``drift.requested``).
    """
    wanted = drift.requested(event)
    status = client.stack_status(stack_id, budget)
    if drift.deploying(status):
        return {"Skipped": f"stack is {status}: the deploy sets the settings, checked next time"}
    found, missing = drift.targets(
        wanted, client.stack_resources(stack_id, c.RESOURCE_TYPE, budget), stack_id
    )
    texts: dict[str, str] = {}
    for names in drift.batches([t.record_name for t in found], drift.RECORDS_BATCH):
        texts.update(client.get_records(names, budget))
    pools = drift.described(
        sorted({t.pool_arn for t in found}),
        lambda batch: client.describe_pools(batch, budget),
        PoolNotFoundError,
    )
    findings = drift.compare(found, texts, pools)
    problems = [f"{logical_id}: no pool in the stack" for logical_id in missing] + findings.problems
    corrected = []
    for arn, fields in findings.corrections.items():
        live = pools[arn] or {}
        try:
            client.update_pool(arn, fields, budget, live_role=live.get(c.PROP_TWO_WAY_CHANNEL_ROLE))
        except PoolSettingsError as exc:
            problems.append(str(exc))  # it names the operation and the pool
        else:
            corrected.append({"PoolArn": arn, "Written": sorted(fields)})
    for data in drift.batches(drift.metric_data(findings.drifted), drift.METRICS_BATCH):
        client.put_metric_data(c.DRIFT_NAMESPACE, data, budget)
    summary = {"Drifted": findings.drifted, "Corrected": corrected, "Problems": problems}
    if problems:
        logger.error(json.dumps(summary))
        raise DriftCheckError("; ".join(problems))
    return summary


def handler(event: dict[str, Any], context: LambdaContextLike) -> dict[str, Any]:
    """The Lambda handler: one drift check of the stack named by ``SMS_POOL_SETTINGS_STACK_ID``."""
    summary = check(event, Budget.of_context(context), os.environ[c.DRIFT_STACK_ID_VARIABLE])
    logger.info(json.dumps(summary))
    return summary
