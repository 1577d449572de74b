"""Settings every test shares: no test may reach real AWS or read a developer's AWS configuration."""

import os

# Dummy credentials sign requests to the local emulator; they grant nothing anywhere.
_ISOLATED_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "CDK_DISABLE_VERSION_CHECK": "1",
    "CDK_DISABLE_CLI_TELEMETRY": "1",
}
os.environ.update(_ISOLATED_ENVIRONMENT)
os.environ.pop("AWS_PROFILE", None)
