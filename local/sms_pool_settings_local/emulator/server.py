"""The emulator as an HTTP server in a daemon thread, like moto's ``ThreadedMotoServer``.

``POST /`` with ``X-Amz-Target`` is the service; ``/_emulator/...`` is the control API. HTTP/1.1 with
keep-alive, one thread per connection.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import struct
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .authorization import IamEnforcer
from .control import EmulatorControl
from .control_api import PREFIX, ControlApi
from .faults import FaultRegistry, RateLimiter
from .models import SmsBackend
from .responses import CONTENT_TYPE, Dispatcher, Outcome

LOG = logging.getLogger("sms_pool_settings_local.emulator")

# An idle keep-alive connection is closed after this many seconds, so no handler thread lives forever.
IDLE_TIMEOUT_SECONDS = 60


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # 200 clients may connect at once; the default backlog of 5 would make them wait for SYN retries.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], emulator: EmulatorServer) -> None:
        self.emulator = emulator
        self.open_connections: set[socket.socket] = set()
        self.reset_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.open_connections.discard(request)
            reset = request in self.reset_connections
            self.reset_connections.discard(request)
        if reset:
            request.close()
        else:
            super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sms_pool_settings_local.emulator"
    sys_version = ""
    timeout = IDLE_TIMEOUT_SECONDS
    # Headers and body leave in one write (flushed after each request) with Nagle off: two small
    # writes would meet the client's delayed ACK and cost about 40 ms per request.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: _HttpServer

    def log_message(self, format: str, *args: Any) -> None:
        LOG.debug("%s " + format, self.address_string(), *args)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: Any, content_type: str) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", self.server.emulator.request_id())
        self.end_headers()
        self.wfile.write(data)

    def _control(self, method: str) -> None:
        status, body = self.server.emulator.control_api.handle(method, self.path, self._body())
        self._send(status, body, "application/json")

    def do_GET(self) -> None:
        if self.path.startswith(PREFIX):
            self._control("GET")
        else:
            self._send(404, {"error": f"no route GET {self.path}"}, "application/json")

    def do_DELETE(self) -> None:
        if self.path.startswith(PREFIX):
            self._control("DELETE")
        else:
            self._send(404, {"error": f"no route DELETE {self.path}"}, "application/json")

    def do_POST(self) -> None:
        if self.path.startswith(PREFIX):
            self._control("POST")
            return
        outcome = self.server.emulator.dispatcher.answer(self.headers, self._body())
        self._carry_out(outcome)

    def _carry_out(self, outcome: Outcome) -> None:
        if outcome.action == "respond":
            assert outcome.status is not None
            self._send(outcome.status, outcome.body, CONTENT_TYPE)
            return
        if outcome.action == "hang":
            time.sleep(outcome.seconds)
        elif outcome.action == "reset":
            # Linger 0 makes close() send RST, so the client sees "connection reset", not a clean EOF;
            # the server must then skip its usual shutdown(SHUT_WR), which would send a FIN first.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            with self.server.connections_lock:
                self.server.reset_connections.add(self.connection)
        # Nothing is written: the connection closes once this request returns.
        self.close_connection = True


class EmulatorServer:
    """The emulated SMS pool API on ``host``:``port`` (0 picks a free port), in a daemon thread.

    Args:
        host: address to bind. Default: "127.0.0.1"
        port: port to bind; 0 lets the OS choose. Default: 0
        state_file: JSON file loaded at start (when it exists) and rewritten atomically after every
            change of state. Default: None (state lives in memory only)

    Example:
        >>> server = EmulatorServer()
        >>> server.start()
        >>> server.endpoint_url  # doctest: +SKIP
        'http://127.0.0.1:49152'
        >>> server.stop()
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, state_file: str | os.PathLike[str] | None = None
    ):
        self._address = (host, port)
        self.state_file = Path(state_file) if state_file is not None else None
        self.backend = SmsBackend()
        self.faults = FaultRegistry()
        self.limiter = RateLimiter()
        self.enforcer = IamEnforcer()
        self.dispatcher = Dispatcher(
            self.backend, self.faults, self.limiter, on_change=self.save_state, enforcer=self.enforcer
        )
        self.control_api = ControlApi(
            self.backend,
            self.faults,
            self.limiter,
            self.dispatcher,
            reset=self.reset,
            on_change=self.save_state,
            enforcer=self.enforcer,
        )
        self._http: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._save_lock = threading.Lock()
        self._request_count = 0
        self._count_lock = threading.Lock()

    # --- Life cycle ---
    def start(self) -> None:
        """Load the state file (if any), bind, and return once the server accepts requests."""
        if self._http is not None:
            raise RuntimeError("EmulatorServer is already started")
        if self.state_file is not None and self.state_file.exists():
            self.backend.from_json(json.loads(self.state_file.read_text(encoding="utf-8")))
        self._http = _HttpServer(self._address, self)
        self._ready.clear()
        self._thread = threading.Thread(target=self._serve, name="sms-emulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError("sms_pool_settings_local.emulator did not start within 10 s")

    def _serve(self) -> None:
        assert self._http is not None
        self._ready.set()
        self._http.serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        """Stop accepting, close open connections and the listening socket. Safe to call twice."""
        http, self._http = self._http, None
        if http is None:
            return
        http.shutdown()
        with http.connections_lock:
            connections = list(http.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by its handler
                connection.shutdown(socket.SHUT_RDWR)
        http.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def reset(self) -> None:
        """Clear pools, opt-out lists (Default ones return), faults, rate limit, statuses, registered
        roles, the access-key mapping and calls, and turn IAM enforcement off."""
        self.backend.reset()
        self.enforcer.clear()
        self.faults.clear()
        self.limiter.set_rate(None)
        self.dispatcher.clear_calls()
        self.save_state()

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- Addresses ---
    @property
    def host_and_port(self) -> tuple[str, int]:
        """The bound (host, port); the real port when 0 was asked for."""
        if self._http is None:
            raise RuntimeError("EmulatorServer is not started")
        host, port = self._http.server_address[:2]
        return str(host), int(port)

    @property
    def endpoint_url(self) -> str:
        host, port = self.host_and_port
        return f"http://{host}:{port}"

    @property
    def control(self) -> EmulatorControl:
        """An ``EmulatorControl`` bound to this server."""
        return EmulatorControl(self.endpoint_url)

    def request_id(self) -> str:
        with self._count_lock:
            self._request_count += 1
            return f"sms-emulator-{self._request_count:08d}"

    # --- State file ---
    def save_state(self) -> None:
        """Write the state atomically (temporary file in the same directory, then ``os.replace``)."""
        if self.state_file is None:
            return
        with self._save_lock:
            data = json.dumps(self.backend.to_json(), indent=1, sort_keys=True)
            directory = self.state_file.parent
            directory.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{self.state_file.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp, self.state_file)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
