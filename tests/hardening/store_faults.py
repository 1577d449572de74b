"""A fault-injecting HTTP proxy on loopback, in front of moto's SSM or the CloudFormation stand-in.

moto cannot inject faults, so the handler's ``AWS_ENDPOINT_URL_SSM`` / ``AWS_ENDPOINT_URL_CLOUDFORMATION``
point at a ``FaultProxy`` that forwards every request to the real server unless a fault is armed for
its operation (``X-Amz-Target: AmazonSSM.<Operation>`` for SSM's JSON protocol, the form's ``Action``
for CloudFormation's query protocol):

- ``throttle``: SSM ``ThrottlingException`` (HTTP 400, JSON 1.1) / CloudFormation ``Throttling`` (400, XML);
- ``server_error``: ``InternalServerError`` (HTTP 500), the request not forwarded;
- ``access_denied``: ``AccessDeniedException`` (400) / ``AccessDenied`` (403), not forwarded;
- ``connection_reset``: the connection is reset (RST) without an answer, not forwarded;
- ``hang``: no answer for ``seconds``, then the connection closes, not forwarded;
- ``latency``: forwarded after ``seconds`` (so a write lands after the handler's attempt timed out).

``wait_quiet`` returns once no request is in the proxy, so a test judges the store after late writes.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

KINDS = ("throttle", "server_error", "access_denied", "connection_reset", "hang", "latency")
SKIPPED_HEADERS = {"transfer-encoding", "connection", "content-length"}


@dataclass
class StoreFault:
    """One armed fault: ``count`` requests of ``operation`` (None: every one)."""

    operation: str
    kind: str
    count: int | None = 1
    seconds: float = 0.0


def _error(protocol: str, kind: str) -> tuple[int, str, bytes]:
    codes = {
        "throttle": (400, "ThrottlingException", "Throttling", "Rate exceeded"),
        "server_error": (500, "InternalServerError", "InternalFailure", "An internal error occurred."),
        "access_denied": (400, "AccessDeniedException", "AccessDenied", "User is not authorized."),
    }
    status, json_code, query_code, message = codes[kind]
    if protocol == "json":
        return (
            status,
            "application/x-amz-json-1.1",
            json.dumps({"__type": json_code, "message": message}).encode(),
        )
    status = 403 if kind == "access_denied" else status
    body = (
        '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>'
        f"<Code>{query_code}</Code><Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
    )
    return status, "text/xml", body.encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target")
        if target:
            protocol, operation = "json", target.rsplit(".", 1)[-1]
        else:
            form = parse_qs(body.decode("utf-8"))
            protocol, operation = "query", form.get("Action", [""])[0]
        with self.server.owner.busy():
            fault = self.server.owner.take(operation)
            kind = fault.kind if fault else None
            if kind in ("throttle", "server_error", "access_denied"):
                self._send(*_error(protocol, str(kind)))
            elif kind == "connection_reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.server.reset.add(self.connection)
                self.close_connection = True
            elif kind == "hang":
                time.sleep(fault.seconds if fault else 0)
                self.close_connection = True
            else:
                if kind == "latency" and fault:
                    time.sleep(fault.seconds)
                self._forward(body)

    def _forward(self, body: bytes) -> None:
        upstream = http.client.HTTPConnection(self.server.owner.host, self.server.owner.port, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in SKIPPED_HEADERS}
            upstream.request("POST", self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            payload = answer.read()
            content_type = answer.getheader("Content-Type") or "application/octet-stream"
            self._send(answer.status, content_type, payload)
        finally:
            upstream.close()

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: FaultProxy) -> None:
        self.owner = owner
        self.reset: set[socket.socket] = set()
        super().__init__(("127.0.0.1", 0), _Handler)

    def shutdown_request(self, request: Any) -> None:
        if request in self.reset:  # close at once: the linger of 0 makes it a reset
            self.reset.discard(request)
            request.close()
        else:
            super().shutdown_request(request)


class FaultProxy:
    """Forwards to ``upstream_url`` (``http://127.0.0.1:<port>``), injecting the armed faults."""

    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self.host, self.port = parts.hostname or "127.0.0.1", int(parts.port or 80)
        self._faults: list[StoreFault] = []
        self._lock = threading.Condition()
        self._inflight = 0
        self._server = _Server(self)
        self.endpoint_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True).start()

    def add(self, operation: str, kind: str, *, count: int | None = 1, seconds: float = 0.0) -> None:
        """Arm ``kind`` for the next ``count`` requests of ``operation`` (``"*"``: any)."""
        assert kind in KINDS, kind
        with self._lock:
            self._faults.append(StoreFault(operation, kind, count, seconds))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, operation: str) -> StoreFault | None:
        with self._lock:
            for fault in self._faults:
                if fault.operation in ("*", operation):
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    @contextmanager
    def busy(self) -> Iterator[None]:
        with self._lock:
            self._inflight += 1
        try:
            yield
        finally:
            with self._lock:
                self._inflight -= 1
                self._lock.notify_all()

    def wait_quiet(self, timeout: float = 30.0) -> None:
        """Return once no request is in the proxy; AssertionError after ``timeout`` seconds."""
        with self._lock:
            assert self._lock.wait_for(lambda: self._inflight == 0, timeout=timeout), "proxy still busy"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
