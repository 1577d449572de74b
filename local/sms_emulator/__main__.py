"""``python -m sms_emulator --port 4566 [--host 127.0.0.1] [--state-file PATH]``.

Prints ``sms_emulator listening on http://HOST:PORT`` once ready and serves until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .server import EmulatorServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sms_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=4566, help="port to bind, 0 for any free one (default: 4566)"
    )
    parser.add_argument(
        "--state-file", default=None, help="JSON state file, loaded at start, saved on change"
    )
    args = parser.parse_args(argv)

    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    server = EmulatorServer(host=args.host, port=args.port, state_file=args.state_file)
    server.start()
    print(f"sms_emulator listening on {server.endpoint_url}", flush=True)
    try:
        stop.wait()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
