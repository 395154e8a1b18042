"""``mockfed serve``: the simulator over HTTP, for the AWS CLI and every other SDK.

A third door to the one pipeline: :class:`FederationServer` translates each HTTP
request to :class:`~mockfed.http.HttpRequest`, lets :class:`mockfed.dispatch.Dispatcher`
answer it, and writes the answer back. It knows no STS action. The path ``/federation``
is the console federation endpoint (``getSigninToken``, ``login``), answered by
:func:`mockfed.dispatch.console_exchange` from the same backend. Beside STS it serves
the JSON admin API of :mod:`mockfed.server.admin` under ``/_mockfed/`` (state, clock,
reset, users, regions, injected errors) that :class:`mockfed.server.client.RemoteBackend`
drives from Python, what the backend's identity providers publish (:mod:`mockfed.server.documents`),
and at ``/_mockfed/`` itself the live page of :mod:`mockfed.server.page`.

One :class:`~mockfed.backend.FederationBackend` (thread-safe) answers every thread.
Each request is logged on the ``mockfed.server`` logger (INFO): the action, the
caller's ARN, the outcome (200 or the error code) and the milliseconds taken, never
a secret or a token.

What one client may cost is bounded (:class:`ServerLimits`: body size, the time a request
may take to arrive, idle keep-alive time, a connection's life, concurrent connections), and
every refusal, down to a request line the server cannot read, is answered in the protocol of
the path asked for: an STS ``<ErrorResponse>``, or ``{"error": ...}`` under ``/_mockfed/``.
HTTP framing is read here, on the standard library's request-line and header parser, with
every length and chunk size checked before anything is read or allocated. Every answer's
``Date`` header is the backend clock's now.
"""

from __future__ import annotations

import contextlib
import email.errors
import email.message
import functools
import json
import logging
import math
import re
import signal
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from mockfed import protocol
from mockfed.auth.endpoints import FEDERATION_PATH
from mockfed.backend import FederationBackend
from mockfed.dispatch import Dispatcher, Exchange, console_exchange, internal_failure, new_request_id
from mockfed.errors import ScenarioFormatError, ScenarioMismatchError, StsError
from mockfed.http import HttpRequest
from mockfed.scenario import Replay
from mockfed.server import admin, documents, page
from mockfed.server.admin import ADMIN_PREFIX

__all__ = ["ADMIN_PREFIX", "FederationServer", "ServerLimits"]

logger = logging.getLogger("mockfed.server")

#: Query parameters that carry secrets: a presigned URL's token and signature, the console endpoint's credentials
#: (``Session``) and sign-in token.
_REDACTED_QUERY = re.compile(
    r"((?:X-Amz-Security-Token|X-Amz-Signature|(?<![\w-])Session|SigninToken)=)[^&\s\"]*", re.IGNORECASE
)


@dataclass(frozen=True)
class ServerLimits:
    """What one request or connection may cost :class:`FederationServer`; past a limit the request is refused
    (in its protocol's format) or the connection closed, and the server goes on answering everyone else.

    - ``max_body_bytes``: a request body (``Content-Length`` or the sum of its chunks); more is
      413 ``RequestEntityTooLarge``, answered before the body is read.
    - ``request_seconds``: from a request's first byte (a new connection's opening) to its last;
      later is 408 ``RequestTimeout``. Also the time an answer may take to be taken by the client.
    - ``idle_seconds``: a keep-alive connection waiting for its next request is closed after this.
    - ``connection_seconds``: a connection asks no more requests after this (``Connection: close``).
    - ``max_connections``: connections served at once; one more is answered 503
      ``ServiceUnavailable`` (``Retry-After: 1``), as many again are closed at once.

    Example::

        >>> ServerLimits(max_body_bytes=4096).request_seconds
        10.0
        >>> with FederationServer(limits=ServerLimits(idle_seconds=5)) as server:
        ...     server.limits.idle_seconds
        5
    """

    max_body_bytes: int = 1 << 20
    request_seconds: float = 10.0
    idle_seconds: float = 30.0
    connection_seconds: float = 300.0
    max_connections: int = 256

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
                raise ValueError(f"ServerLimits.{name} must be a positive number, not {value!r}")


class FederationServer:
    """The simulated STS on a real socket: a threaded HTTP server answering through the shared pipeline.

    ``port=0`` picks a free port; :attr:`url` says which. It listens on loopback unless
    ``host`` says otherwise. ``strict_auth`` refuses keys mockfed never issued, as for
    :func:`mockfed.mock_federation`; ``limits`` bounds what a client may cost (:class:`ServerLimits`).

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
        limits: ServerLimits | None = None,
    ) -> None:
        self.backend = backend if backend is not None else FederationBackend()
        self.replay = replay
        self.limits = limits or ServerLimits()
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
    request_queue_size = 128  # connections the system holds before accept (socketserver's default: 5)
    federation: FederationServer

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._serving = 0  # connections with a thread answering them
        self._refusing: set[socket.socket] = set()  # connections past max_connections, only to be answered 503
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would resolve the host's FQDN (a DNS lookup); nothing here needs it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        """A thread per connection, up to ``max_connections``; as many more only to be answered 503."""
        most = self.federation.limits.max_connections
        with self._connections_lock:
            if self._serving < most:
                self._serving += 1
            elif len(self._refusing) < most:
                self._refusing.add(request)
            else:  # past twice the limit: no thread at all
                self.shutdown_request(request)
                return
        try:
            super().process_request(request, client_address)
        except RuntimeError:  # the system has no thread left to give: close this one
            self._done(request)
            self.shutdown_request(request)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._done(request)

    def refusing(self, request: Any) -> bool:
        """Whether ``request`` (a connection) came past ``max_connections``."""
        with self._connections_lock:
            return request in self._refusing

    def _done(self, request: Any) -> None:
        with self._connections_lock:
            if request in self._refusing:
                self._refusing.discard(request)
            else:
                self._serving -= 1

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


#: How many empty lines before a request line are taken for a client's stray line ends (RFC 9112 asks for one).
_EMPTY_LINES_IGNORED = 8


#: What the standard library's header parser records for a line that is no header: it stops reading headers there.
_HEADER_LINE_DEFECTS = (email.errors.MissingHeaderBodySeparatorDefect, email.errors.FirstHeaderLineIsContinuationDefect)


def _headers_cut_short(headers: email.message.Message) -> bool:
    """Whether the mail parser under ``http.server`` stopped reading the head before its end: at a line that is no
    header, or at a bare CR it took for the end of the head (the lines after it are then its text payload)."""
    payload = headers.get_payload()
    return any(isinstance(defect, _HEADER_LINE_DEFECTS) for defect in headers.defects) or (
        isinstance(payload, str) and payload != ""
    )


class _Refused(Exception):
    """A request the server will not answer through the pipeline: its status, code and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


#: The code a refusal of the server itself answers with, by HTTP status (the pipeline's own errors are STS's).
_REFUSAL_CODES = {
    400: "BadRequest",
    408: "RequestTimeout",
    413: "RequestEntityTooLarge",
    414: "RequestURITooLong",
    431: "RequestHeaderFieldsTooLarge",
    501: "NotImplemented",
    503: "ServiceUnavailable",
    505: "HTTPVersionNotSupported",
}
_MAX_HEAD_BYTES = 64 * 1024  # request line and headers together
_MAX_CHUNK_LINE = 1024  # a chunk-size line with its extensions; a trailer line
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
_DIGITS = re.compile(r"[0-9]{1,20}")
_LINGER_BYTES = 1 << 20  # read and dropped after a refusal, so the client sees the answer, not a reset


class _DeadlineReader:
    """A connection's bytes, read against one deadline (not a timeout per read, which a byte a minute defeats).

    ``budget`` is how many more bytes a ``readline`` may consume before :class:`_Refused` (431):
    it bounds a request's head.
    """

    def __init__(self, connection: socket.socket) -> None:
        self._connection = connection
        self._buffer = bytearray()
        self.deadline = math.inf
        self.budget = math.inf
        self.received = False  # any byte of the current request yet

    def wait_for_request(self, deadline: float) -> bool:
        """Whether a request begins before ``deadline`` (False: the client closed, or stayed silent)."""
        if self._buffer:
            return True
        self.deadline = deadline
        try:
            return self._fill()
        except (TimeoutError, OSError):
            return False

    def _fill(self) -> bool:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the request took too long to arrive")
        self._connection.settimeout(remaining)
        chunk = self._connection.recv(65536)
        if chunk:
            self._buffer += chunk
            self.received = True
        return bool(chunk)

    def next_request(self) -> None:
        """The current request is answered: bytes still buffered (pipelined) belong to the next one."""
        self.received = bool(self._buffer)

    def readline(self, limit: int = -1) -> bytes:
        limit = 65536 if limit < 0 else limit
        while True:
            end = self._buffer.find(b"\n", 0, limit)
            if end >= 0:
                return self._take(end + 1, counted=True)
            if len(self._buffer) >= limit or not self._fill():
                return self._take(min(limit, len(self._buffer)), counted=True)

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size and self._fill():
            pass
        return self._take(min(size, len(self._buffer)), counted=False)

    def _take(self, size: int, *, counted: bool) -> bytes:
        if counted:
            self.budget -= size
            if self.budget < 0:
                raise _Refused(431, f"the request line and headers exceed {_MAX_HEAD_BYTES} bytes")
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def close(self) -> None:
        self._buffer.clear()


class _Handler(BaseHTTPRequestHandler):
    """Translates one HTTP exchange to the pipeline (STS) or the admin API (``/_mockfed/``)."""

    server: _HttpServer
    rfile: _DeadlineReader  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"  # keep-alive: SDKs reuse their connections

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self.rfile = _DeadlineReader(self.connection)
        self.limits = self.server.federation.limits
        self.opened = time.monotonic()
        self.refused = False
        self.path = ""
        if self.connection.family in (socket.AF_INET, socket.AF_INET6):
            # Headers and body leave in two writes: without this, Nagle and the client's delayed ACK
            # hold every keep-alive answer for ~40 ms (about 25 requests/s per connection).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.track(self.connection, open_=False)
        if self.refused:
            self._linger()
        with contextlib.suppress(OSError):
            super().finish()

    def handle(self) -> None:
        """The requests of one connection: each due within ``request_seconds`` of its first byte (the first one,
        of the connection's opening), the next within ``idle_seconds``, none begun after ``connection_seconds``."""
        limits = self.limits
        reader = self.rfile
        first = True
        due = self.opened + limits.request_seconds
        while reader.wait_for_request(due):
            if not first:
                reader.deadline = time.monotonic() + limits.request_seconds
            first = False
            self.close_connection = True
            self.handle_one_request()
            if self.close_connection or time.monotonic() - self.opened > limits.connection_seconds:
                return
            reader.next_request()
            due = time.monotonic() + limits.idle_seconds

    def handle_one_request(self) -> None:
        """One request, whatever its method; every refusal answered in the protocol of its path."""
        self.path = self.command = self.requestline = self.request_version = ""
        try:
            self.raw_requestline = self.rfile.readline(65537)
            for _ in range(_EMPTY_LINES_IGNORED):  # RFC 9112 section 2.2: ignore empty lines before a request line
                if self.raw_requestline not in (b"\r\n", b"\n"):
                    break
                self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                raise _Refused(414, "the request line is longer than 65536 bytes")
            if not self.raw_requestline:
                return
            self.rfile.budget = _MAX_HEAD_BYTES
            if not self.parse_request():  # http.server refused it, through send_error
                return
            if _headers_cut_short(self.headers):  # Content-Length after the cut would be lost, the body a request
                raise _Refused(400, "a header line cannot be read (a name, a colon, a value): the request is refused")
            self.rfile.budget = math.inf
            if self.server.refusing(self.request):
                raise _Refused(503, f"mockfed serve is answering {self.limits.max_connections} connections; retry")
            self._answer(self._read_body())
        except _Refused as refusal:
            self._refuse(refusal.status, refusal.message)
        except TimeoutError:
            if self.rfile.received:
                self._refuse(408, f"the request did not arrive within {self.limits.request_seconds:g} seconds")
            self.close_connection = True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a request line or header it cannot read), in the protocol's format."""
        self._refuse(code, explain or message or "the request cannot be read")

    def handle_expect_100(self) -> bool:
        """Refuse a body that is too large before the client sends it, else let it come."""
        try:
            self._declared_length()
        except _Refused as refusal:
            self._refuse(refusal.status, refusal.message)
            return False
        return super().handle_expect_100()

    def version_string(self) -> str:
        return "mockfed"

    def date_time_string(self, timestamp: float | None = None) -> str:
        """Every answer's ``Date`` header: the backend clock's now, the one reading of it a client in another
        process gets (its own signing and credential refresh go by its own time)."""
        if timestamp is None:
            timestamp = self.server.federation.backend.clock.timestamp()
        return super().date_time_string(timestamp)

    def log_message(self, format: str, *args: Any) -> None:
        if not logger.isEnabledFor(logging.DEBUG):  # called for every answer: format and redact only when shown
            return
        # The request line of a presigned URL carries the session token: never log it.
        logger.debug("%s %s", self.address_string(), _REDACTED_QUERY.sub(r"\1<redacted>", format % args))

    # ---- answering -------------------------------------------------------------------------------------------

    def _foreign_origin(self) -> str | None:
        """Why an admin request that changes something comes from another site's page, or None: a browser names the
        page's site in ``Origin`` (and ``Sec-Fetch-Site``), which must be this server as the request addressed it
        (``Host``). Clients that are not browsers send neither, and are answered."""
        if self.command in ("GET", "HEAD", "OPTIONS"):
            return None
        origin = self.headers.get("Origin")
        host = (self.headers.get("Host") or "").strip().lower()
        if self.headers.get("Sec-Fetch-Site", "").strip().lower() == "cross-site" or (
            origin is not None and origin.strip().lower() not in (f"http://{host}", f"https://{host}")
        ):
            return (
                f"the admin API refuses a request from another site's page (Origin {_printable(origin or '-')}, "
                f"Host {_printable(host or '-')}): call it from this server's own page, a script or curl"
            )
        return None

    def _answer(self, body: bytes) -> None:
        started = time.perf_counter()
        path = self.path.split("?", 1)[0]
        federation = self.server.federation
        if path.startswith(documents.PREFIXES):  # what the backend's identity providers publish
            status, headers, payload = documents.answer(
                self.command, path, federation.backend, self.headers.get("Host"), federation.url
            )
            logger.info("idp %s %s %s %.1f ms", _printable(self.command), _printable(path), status, _ms(started))
            self._send(status, headers, payload)
            return
        shown = page.answer(self.command, path, self.headers.get("Accept"), federation.backend)
        if shown is not None:  # the live page (GET /_mockfed/) and what it reads beside the admin API
            status, headers, payload = shown
            logger.info("page %s %s %s %.1f ms", _printable(self.command), _printable(path), status, _ms(started))
            self._send(status, headers, payload)
            return
        if path.startswith(ADMIN_PREFIX):
            route = path[len(ADMIN_PREFIX) :].strip("/")
            foreign = self._foreign_origin()
            if foreign is not None:  # a page of another site, driving the admin API through a visitor's browser
                status, answer = 403, {"error": foreign}
            else:
                status, answer = admin.answer(self.command, route, body, federation.backend)
            payload = json.dumps(answer, default=str).encode("utf-8")
            logger.info("admin %s %s %s %.1f ms", _printable(self.command), _printable(path), status, _ms(started))
            self._send(status, {"Content-Type": "application/json"}, payload)
            return
        request = HttpRequest.build(self.command, self._url(), dict(self.headers.items()), body)
        try:
            if path == FEDERATION_PATH:
                exchange = console_exchange(request, federation.backend)
            else:
                exchange = federation._exchange(request)
        except (ScenarioMismatchError, ScenarioFormatError) as problem:  # a client cannot see a Python exception
            code = "ScenarioMismatch" if isinstance(problem, ScenarioMismatchError) else "ScenarioFormat"
            refusal = StsError(code, str(problem), 400)
            exchange = Exchange(protocol.render_error(refusal, "scenario-mismatch"), error_code=refusal.code)
        except Exception as exc:  # a mockfed bug in the scenario layer: an STS answer all the same
            exchange = internal_failure(exc)
        if logger.isEnabledFor(logging.INFO):  # logged before answering, so a client that got its answer sees it
            logger.info("%s %s %.1f ms", _summary(exchange), _outcome(exchange), _ms(started))
        response = exchange.response
        self._send(response.status, response.headers, response.body)

    def _refuse(self, status: int, message: str) -> None:
        """Answer a request the server will not serve, as its path's protocol does, and close the connection."""
        self.refused = self.close_connection = True
        if self.request_version in ("", "HTTP/0.9"):  # a request line nobody could read: answer as HTTP/1.1
            self.request_version = "HTTP/1.1"
        code = _REFUSAL_CODES.get(status, "BadRequest")
        path = (self.path or "").split("?", 1)[0]
        headers: dict[str, str]
        if path.startswith(ADMIN_PREFIX):
            headers, body = {"Content-Type": "application/json"}, json.dumps({"error": message}).encode("utf-8")
        else:
            refusal = StsError(code, message, status, sender_fault=status < 500)
            response = protocol.render_error(refusal, new_request_id())
            headers, body = response.headers, response.body
        if status == 503:
            headers = {**headers, "Retry-After": "1"}
        logger.info("refused %s %s %s: %s", _printable(path or "-"), status, code, _printable(message, 200))
        with contextlib.suppress(OSError):
            self._send(status, headers, body)

    def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        if time.monotonic() - self.opened > self.limits.connection_seconds:
            self.close_connection = True
        self.connection.settimeout(self.limits.request_seconds)  # a client that never reads its answer
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _linger(self) -> None:
        """After a refusal: stop sending, then drop what the client still sends (at most a megabyte, two seconds),
        so that closing does not reset the connection before the client has read the answer."""
        until = time.monotonic() + 2.0
        dropped = 0
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)
            while dropped < _LINGER_BYTES and (left := until - time.monotonic()) > 0:
                self.connection.settimeout(left)
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                dropped += len(chunk)

    def _url(self) -> str:
        """The URL the client addressed; the Host header is what SigV4 signed."""
        if self.path.startswith(("http://", "https://")):
            return self.path
        host = self.headers.get("Host") or f"{self.server.server_name}:{self.server.server_port}"
        return f"http://{host}{self.path}"

    # ---- the body ----------------------------------------------------------------------------------------------

    def _declared_length(self) -> int | None:
        """The body's length from ``Content-Length`` (None: chunked), checked against the limit; refuses framing
        that can be read two ways (both headers, differing lengths) and codings mockfed does not speak."""
        codings = [
            coding.strip().lower()
            for value in self.headers.get_all("Transfer-Encoding") or ()
            for coding in value.split(",")
            if coding.strip()
        ]
        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or ()}
        if codings:
            if codings != ["chunked"]:
                raise _Refused(501, f"Transfer-Encoding {', '.join(codings)} is not supported; send chunked or none")
            if lengths:
                raise _Refused(400, "a request cannot have both Content-Length and Transfer-Encoding")
            return None
        if not lengths:
            return 0
        if len(lengths) > 1:
            raise _Refused(400, f"conflicting Content-Length values {', '.join(sorted(lengths))}")
        (length,) = lengths
        if not _DIGITS.fullmatch(length):
            raise _Refused(400, f"Content-Length {_printable(length, 40)!r} is not a number of bytes")
        size = int(length)
        if size > self.limits.max_body_bytes:
            limit = self.limits.max_body_bytes
            raise _Refused(413, f"a body of {size} bytes is over the {limit} bytes mockfed serve accepts")
        return size

    def _read_body(self) -> bytes:
        size = self._declared_length()
        if size is None:
            return self._read_chunked()
        body = self.rfile.read(size)
        if len(body) < size:
            raise _Refused(400, f"the body ended after {len(body)} of its {size} bytes")
        return body

    def _read_chunked(self) -> bytes:
        limit = self.limits.max_body_bytes
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(_MAX_CHUNK_LINE)
            size_text = line.split(b";", 1)[0].strip()
            if not line.endswith(b"\n") or not _CHUNK_SIZE.fullmatch(size_text):
                raise _Refused(400, f"chunk size {_printable(size_text.decode('latin-1'), 40)!r} is not hexadecimal")
            size = int(size_text, 16)
            total += size
            if total > limit:
                raise _Refused(413, f"the chunked body is over the {limit} bytes mockfed serve accepts")
            if size == 0:
                break
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(3).strip():
                raise _Refused(400, "a chunk is shorter than its size says, or not followed by CRLF")
            chunks.append(chunk)
        for _ in range(100):  # trailers, up to the blank line
            trailer = self.rfile.readline(_MAX_CHUNK_LINE)
            if not trailer.strip():
                return b"".join(chunks)
        raise _Refused(431, "more than 100 trailer lines")


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _printable(text: str, length: int = 64) -> str:
    """Client-supplied text made safe for one log line."""
    return "".join(char if char.isprintable() and not char.isspace() else "?" for char in text[:length]) or "-"


def _summary(exchange: Exchange) -> str:
    """The action and the caller, as the pipeline resolved them."""
    who = exchange.caller_arn or exchange.access_key_id  # a refused request: the key it was signed with
    return f"{_printable(exchange.action or '-')} {_printable(who or '-', 128)}"


def _outcome(exchange: Exchange) -> str:
    code = f" {_printable(exchange.error_code)}" if exchange.error_code else ""
    return f"{exchange.response.status}{code}"
