"""``python -m sms_pool_settings_local.emulator --port 4566 [--host 127.0.0.1] [--state-file PATH]
[--iam-policy FILE ...] [--principal-arn ARN]``.

``--iam-policy`` turns IAM enforcement on from the start with the policy documents in FILE (one
document, or a JSON list of documents; repeat the option for more files). Prints
``sms_pool_settings_local.emulator listening on http://HOST:PORT`` once ready and serves until SIGINT
or SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .server import EmulatorServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sms_pool_settings_local.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=4566, help="port to bind, 0 for any free one (default: 4566)"
    )
    parser.add_argument(
        "--state-file", default=None, help="JSON state file, loaded at start, saved on change"
    )
    parser.add_argument(
        "--iam-policy",
        action="append",
        default=[],
        metavar="FILE",
        help="turn IAM enforcement on with the policy document(s) in FILE (repeatable)",
    )
    parser.add_argument(
        "--principal-arn", default=None, help="the caller named in AccessDenied messages (with --iam-policy)"
    )
    args = parser.parse_args(argv)
    policies = []
    for path in args.iam_policy:
        try:
            loaded = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            parser.error(f"--iam-policy {path}: cannot read a JSON policy document: {exc}")
        policies.extend(loaded if isinstance(loaded, list) else [loaded])

    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    server = EmulatorServer(host=args.host, port=args.port, state_file=args.state_file)
    if policies:
        try:
            server.enforcer.enforce(policies, args.principal_arn)
        except ValueError as exc:
            parser.error(f"--iam-policy: {exc}")
    elif args.principal_arn is not None:
        parser.error("--principal-arn needs --iam-policy")
    server.start()
    print(f"sms_pool_settings_local.emulator listening on {server.endpoint_url}", flush=True)
    try:
        stop.wait()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
