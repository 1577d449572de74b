"""moto's ``ThreadedMotoServer`` on loopback, for what moto emulates (SSM Parameter Store for the handler).

    with MotoServer() as moto:                    # 127.0.0.1, a free port, ready when entered
        os.environ["AWS_ENDPOINT_URL_SSM"] = moto.endpoint_url
        ...
        moto.reset()                              # every backend emptied (moto's POST /moto-api/reset)

Only its public API is used: ``moto.server.ThreadedMotoServer`` (``start``, ``stop``,
``get_host_and_port``) and the documented reset endpoint ("Moto server mode": ``/moto-api/reset``).
moto must be installed (``moto[server]``, see the project's requirements files).
"""

from __future__ import annotations

import logging
import urllib.request
from types import TracebackType

LOOPBACK = "127.0.0.1"


class MotoServer:
    """A moto server in a daemon thread on ``127.0.0.1``.

    Args:
        port: the port to listen on. Default: 0 (a free port, read back after start).
    """

    def __init__(self, port: int = 0) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
        self.endpoint_url = ""

    def start(self) -> MotoServer:
        """Start serving; returns once the socket accepts connections (werkzeug's request lines off)."""
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        """Stop serving and join the thread."""
        self._server.stop()

    def reset(self) -> None:
        """Empty every moto backend (parameters included)."""
        url = f"{self.endpoint_url}/moto-api/reset"  # http://127.0.0.1:<port>, built above
        request = urllib.request.Request(url, method="POST", data=b"")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            answer.read()

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
