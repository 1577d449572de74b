"""One cold start: get a handler ready to serve, print ``ready``, exit. Run by coldstart.py.

    python benchmarks/coldstart_probe.py ours|ours-import|crhelper|boto3

- ``boto3``: a bare ``import boto3; boto3.client("pinpoint-sms-voice-v2")``, the floor.
- ``ours``: import our handler module and build the SMS client it uses (it builds it lazily, so the
  first event would otherwise pay for it): the work a cold start cannot avoid.
- ``ours-import``: import our handler module only.
- ``crhelper``: import a handler built with crhelper's defaults (``CfnResource()``).
"""

from __future__ import annotations

import sys


def main(kind: str) -> None:
    if kind == "boto3":
        import boto3

        boto3.client("pinpoint-sms-voice-v2")
    elif kind == "ours":
        from pool_settings_handler import client
        from pool_settings_handler.handler import handler

        client.get_client()
    elif kind == "ours-import":
        from pool_settings_handler.handler import handler  # noqa: F401
    elif kind == "crhelper":
        from baselines import crhelper_defaults  # noqa: F401
    else:
        raise SystemExit(f"kind must be one of boto3, ours, ours-import, crhelper, got {kind!r}")
    sys.stdout.write("ready\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
