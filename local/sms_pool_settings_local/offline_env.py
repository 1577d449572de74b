"""The environment that keeps a local run off real AWS: dummy credentials, one region, no AWS config.

The credentials only sign requests to the local emulator; they grant nothing anywhere. Tests,
benchmarks and the local Lambda runtime all start from these values.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

REGION = "us-east-1"

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}

# The CDK CLI and jsii must not try the network (version notices, telemetry) on an offline machine.
CDK_OFFLINE_ENVIRONMENT = {
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "CDK_DISABLE_VERSION_CHECK": "1",
    "CDK_DISABLE_CLI_TELEMETRY": "1",
}

OFFLINE_ENVIRONMENT = {
    **DUMMY_CREDENTIALS,
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    # Never read a developer's profiles or credentials, never ask an instance metadata service.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    **CDK_OFFLINE_ENVIRONMENT,
}


def isolate(environ: MutableMapping[str, str] = os.environ) -> MutableMapping[str, str]:
    """Apply OFFLINE_ENVIRONMENT to ``environ`` and drop any AWS profile; returns ``environ``.

    Example:
        >>> isolate({"AWS_PROFILE": "prod"})["AWS_ACCESS_KEY_ID"]
        'testing'
    """
    environ.update(OFFLINE_ENVIRONMENT)
    environ.pop("AWS_PROFILE", None)
    return environ
