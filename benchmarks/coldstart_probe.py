"""One cold start: get a handler ready to serve, print ``ready`` and its phase times, exit.

    python benchmarks/coldstart_probe.py ours|ours-import|crhelper|boto3

Prints ``ready <import seconds> <client seconds> <full GC collections>``, measured inside the
process (interpreter start-up comes before them and is in the caller's wall time only).

- ``boto3``: a bare ``import boto3; boto3.client("pinpoint-sms-voice-v2")``, the floor.
- ``ours``: import our handler module and build the SMS client it uses (it builds it lazily, so the
  first event would otherwise pay for it): the work a cold start cannot avoid.
- ``ours-import``: import our handler module only.
- ``crhelper``: import a handler built with crhelper's defaults (``CfnResource()``), which builds its
  clients at import.
"""

from __future__ import annotations

import gc
import sys
import time


def main(kind: str) -> None:
    start = time.perf_counter()
    if kind == "boto3":
        import boto3

        imported = time.perf_counter()
        boto3.client("pinpoint-sms-voice-v2")
    elif kind in ("ours", "ours-import"):
        from pool_settings_handler import client
        from pool_settings_handler.handler import handler

        imported = time.perf_counter()
        if kind != "ours-import":
            client.get_client()
        del handler
    elif kind == "crhelper":
        from baselines import crhelper_defaults

        imported = time.perf_counter()
        del crhelper_defaults
    else:
        raise SystemExit(f"kind must be one of boto3, ours, ours-import, crhelper, got {kind!r}")
    ready = time.perf_counter()
    full_collections = gc.get_stats()[2]["collections"]
    sys.stdout.write(f"ready {imported - start:.6f} {ready - imported:.6f} {full_collections}\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
