"""``mockfed serve``: the simulator over HTTP, for the AWS CLI and every other SDK.

A third door to the one pipeline: :class:`FederationServer` translates each HTTP
request to :class:`~mockfed.http.HttpRequest`, lets :class:`mockfed.dispatch.Dispatcher`
answer it, and writes the answer back. It knows no STS action. The path ``/federation``
is the console federation endpoint (``getSigninToken``, ``login``), answered by
:func:`mockfed.dispatch.console_exchange` from the same backend. Beside STS it serves
the JSON admin API of :mod:`mockfed.server.admin` under ``/_mockfed/`` (state, clock,
reset, users, regions, injected errors) that :class:`mockfed.server.client.RemoteBackend`
drives from Python.

One :class:`~mockfed.backend.FederationBackend` (thread-safe) answers every thread.
Each request is logged on the ``mockfed.server`` logger (INFO): the action, the
caller's ARN, the outcome (200 or the error code) and the milliseconds taken, never
a secret or a token.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
import signal
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from mockfed import protocol
from mockfed.auth.endpoints import FEDERATION_PATH
from mockfed.backend import FederationBackend
from mockfed.dispatch import Dispatcher, Exchange, console_exchange
from mockfed.errors import ScenarioMismatchError, StsError
from mockfed.http import HttpRequest
from mockfed.scenario import Replay
from mockfed.server import admin
from mockfed.server.admin import ADMIN_PREFIX

__all__ = ["ADMIN_PREFIX", "FederationServer"]

logger = logging.getLogger("mockfed.server")

#: Query parameters that carry secrets: a presigned URL's token and signature, the console endpoint's credentials
#: (``Session``) and sign-in token.
_REDACTED_QUERY = re.compile(
    r"((?:X-Amz-Security-Token|X-Amz-Signature|(?<![\w-])Session|SigninToken)=)[^&\s\"]*", re.IGNORECASE
)


class FederationServer:
    """The simulated STS on a real socket: a threaded HTTP server answering through the shared pipeline.

    ``port=0`` picks a free port; :attr:`url` says which. It listens on loopback unless
    ``host`` says otherwise. ``strict_auth`` refuses keys mockfed never issued, as for
    :func:`mockfed.mock_federation`.

    Example::

        >>> import boto3
        >>> from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY
        >>> with FederationServer() as server:
        ...     sts = boto3.client("sts", region_name="us-east-1", endpoint_url=server.url,
        ...                        aws_access_key_id=DEFAULT_ACCESS_KEY_ID,
        ...                        aws_secret_access_key=DEFAULT_SECRET_ACCESS_KEY)
        ...     sts.get_federation_token(Name="Bob", DurationSeconds=900)["FederatedUser"]["Arn"]
        'arn:aws:sts::123456789012:federated-user/Bob'
        >>> server.backend.sessions[0].name
        'Bob'
    """

    def __init__(
        self,
        backend: FederationBackend | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        strict_auth: bool = False,
        replay: Replay | None = None,
    ) -> None:
        self.backend = backend if backend is not None else FederationBackend()
        self.replay = replay
        self.host = host
        self.strict_auth = strict_auth
        dispatcher = Dispatcher(self.backend, strict_auth=strict_auth)
        self._exchange = dispatcher.exchange if replay is None else functools.partial(replay.exchange, dispatcher)
        self._requested_port = port
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    # ---- life cycle ------------------------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen and answer from a background thread; returns ``self``.

        Raises ``OSError`` when the address cannot be bound (a port in use, say).
        """
        if self._httpd is not None:
            raise RuntimeError(f"this FederationServer is already serving on {self.url}")
        server_class = _HttpServer6 if ":" in self.host else _HttpServer
        httpd = server_class((self.host, self._requested_port), _Handler)
        httpd.federation = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name=f"mockfed-serve-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every open connection and the socket (idempotent)."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join()
        self._httpd = self._thread = None

    def serve_forever(self) -> None:
        """Serve until Ctrl-C or SIGTERM (or :meth:`stop` from another thread), then stop; starts if needed.

        Example::

            FederationServer(port=5566).serve_forever()     # what `mockfed serve` runs
        """
        if self._httpd is None:
            self.start()
        thread = self._thread
        previous = _raise_interrupt_on_sigterm()
        try:
            while thread is not None and thread.is_alive():
                thread.join(0.5)  # a timed join lets the signal handlers run
        except KeyboardInterrupt:
            pass
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
            self.stop()

    def __enter__(self) -> Self:
        return self.start() if self._httpd is None else self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ---- where ---------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port listened on (the one the system picked for ``port=0``)."""
        if self._httpd is None:
            raise RuntimeError("this FederationServer is not serving: call start() first")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The endpoint URL for clients, e.g. ``http://127.0.0.1:5566`` (``endpoint_url``, ``--endpoint-url``)."""
        host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def __repr__(self) -> str:
        where = self.url if self._httpd is not None else "stopped"
        return f"FederationServer({where}, strict_auth={self.strict_auth})"


def _raise_interrupt_on_sigterm() -> Any:
    """Make SIGTERM stop the server as Ctrl-C does; returns the previous handler (None off the main thread)."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # signals can only be handled on the main thread
        return None


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    federation: FederationServer

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would resolve the host's FQDN (a DNS lookup); nothing here needs it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):  # a client that hung up is no server failure
            logger.debug("connection from %s ended: %s", client_address, error)
        else:
            logger.exception("mockfed serve failed on a request from %s", client_address)

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """End idle keep-alive connections so their threads finish now rather than at the client's leisure."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class _HttpServer6(_HttpServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    """Translates one HTTP exchange to the pipeline (STS) or the admin API (``/_mockfed/``)."""

    server: _HttpServer
    protocol_version = "HTTP/1.1"  # keep-alive: SDKs reuse their connections
    timeout = 120  # an idle keep-alive connection is closed after this many seconds

    def setup(self) -> None:
        super().setup()
        if self.connection.family in (socket.AF_INET, socket.AF_INET6):
            # Headers and body leave in two writes: without this, Nagle and the client's delayed ACK
            # hold every keep-alive answer for ~40 ms (about 25 requests/s per connection).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.track(self.connection, open_=False)
        super().finish()

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        """Other methods: the console endpoint answers them (405); anywhere else, http.server's 501 as before."""
        if self.path.split("?", 1)[0] == FEDERATION_PATH:
            self._answer()
        else:
            self.send_error(501, f"Unsupported method ({self.command!r})")

    do_DELETE = do_PATCH = do_OPTIONS = do_PUT

    def version_string(self) -> str:
        return "mockfed"

    def log_message(self, format: str, *args: Any) -> None:
        # The request line of a presigned URL carries the session token: never log it.
        logger.debug("%s %s", self.address_string(), _REDACTED_QUERY.sub(r"\1<redacted>", format % args))

    def _answer(self) -> None:
        try:
            body = self._read_body()
        except ValueError as err:
            self._send(400, {"Content-Type": "text/plain"}, f"{err}\n".encode())
            self.close_connection = True
            return
        started = time.perf_counter()
        path = self.path.split("?", 1)[0]
        federation = self.server.federation
        if path.startswith(ADMIN_PREFIX):
            route = path[len(ADMIN_PREFIX) :].strip("/")
            status, answer = admin.answer(self.command, route, body, federation.backend)
            payload = json.dumps(answer, default=str).encode("utf-8")
            logger.info("admin %s %s %s %.1f ms", self.command, _printable(path), status, _ms(started))
            self._send(status, {"Content-Type": "application/json"}, payload)
            return
        request = HttpRequest.build(self.command, self._url(), dict(self.headers.items()), body)
        try:
            if path == FEDERATION_PATH:
                exchange = console_exchange(request, federation.backend)
            else:
                exchange = federation._exchange(request)
        except ScenarioMismatchError as mismatch:  # a client of the server cannot see a Python exception
            refusal = StsError("ScenarioMismatch", str(mismatch), 400)
            exchange = Exchange(protocol.render_error(refusal, "scenario-mismatch"), error_code=refusal.code)
        if logger.isEnabledFor(logging.INFO):  # logged before answering, so a client that got its answer sees it
            logger.info("%s %s %.1f ms", _summary(exchange), _outcome(exchange), _ms(started))
        response = exchange.response
        self._send(response.status, response.headers, response.body)

    def _url(self) -> str:
        """The URL the client addressed; the Host header is what SigV4 signed."""
        if self.path.startswith(("http://", "https://")):
            return self.path
        host = self.headers.get("Host") or f"{self.server.server_name}:{self.server.server_port}"
        return f"http://{host}{self.path}"

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers, up to the blank line
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        if not length.strip().isdigit():
            raise ValueError(f"Content-Length {length!r} is not a number")
        return self.rfile.read(int(length))

    def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _printable(text: str) -> str:
    """Client-supplied text made safe for one log line."""
    return "".join(char if char.isprintable() and not char.isspace() else "?" for char in text[:64]) or "-"


def _summary(exchange: Exchange) -> str:
    """The action and the caller, as the pipeline resolved them."""
    return f"{_printable(exchange.action or '-')} {exchange.caller_arn or '-'}"


def _outcome(exchange: Exchange) -> str:
    code = f" {_printable(exchange.error_code)}" if exchange.error_code else ""
    return f"{exchange.response.status}{code}"
