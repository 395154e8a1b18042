"""``mockfed serve``: the simulator over HTTP, for the AWS CLI and every other SDK.

A third door to the one pipeline: :class:`FederationServer` translates each HTTP
request to :class:`~mockfed.http.HttpRequest`, lets :func:`mockfed.pipeline.handle`
answer it, and writes the answer back. It knows no STS action. Beside STS it serves
a small JSON admin API under ``/_mockfed/`` (state, clock, reset, users, regions,
injected errors) that :class:`mockfed.remote.RemoteBackend` drives from Python.

One :class:`~mockfed.backend.FederationBackend` (thread-safe) answers every thread.
Each request is logged on the ``mockfed.server`` logger (INFO): the action, the
caller's ARN, the outcome (200 or the error code) and the milliseconds taken, never
a secret or a token.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import signal
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from mockfed import pipeline, wire
from mockfed.backend import Call, FederatedSession, FederationBackend
from mockfed.clock import Clock
from mockfed.errors import StsError
from mockfed.http import HttpRequest, HttpResponse
from mockfed.scenario import ScenarioMismatchError

__all__ = ["ADMIN_PREFIX", "FederationServer"]

#: Paths under this prefix are the admin API; every other path is STS.
ADMIN_PREFIX = "/_mockfed/"

logger = logging.getLogger("mockfed.server")

_REDACTED_QUERY = re.compile(r"((?:X-Amz-Security-Token|X-Amz-Signature)=)[^&\s\"]*", re.IGNORECASE)


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
        replay: pipeline.Replay | None = None,
    ) -> None:
        self.backend = backend if backend is not None else FederationBackend()
        self.replay = replay
        self.host = host
        self.strict_auth = strict_auth
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
        if path.startswith(ADMIN_PREFIX):
            status, answer = _admin(self.command, path[len(ADMIN_PREFIX) :].strip("/"), body, self.server.federation)
            payload = json.dumps(answer, default=str).encode("utf-8")
            logger.info("admin %s %s %s %.1f ms", self.command, _printable(path), status, _ms(started))
            self._send(status, {"Content-Type": "application/json"}, payload)
            return
        federation = self.server.federation
        request = HttpRequest.build(self.command, self._url(), dict(self.headers.items()), body)
        try:
            response = pipeline.handle(
                request, federation.backend, strict_auth=federation.strict_auth, scenario=federation.replay
            )
        except ScenarioMismatchError as mismatch:  # a client of the server cannot see a Python exception
            response = wire.render_error(StsError("ScenarioMismatch", str(mismatch), 400), "scenario-mismatch")
        if logger.isEnabledFor(logging.INFO):  # logged before answering, so a client that got its answer sees it
            logger.info("%s %s %.1f ms", _summary(response), _outcome(response), _ms(started))
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


def _summary(response: HttpResponse) -> str:
    """The action and the caller, as the pipeline resolved them."""
    return f"{_printable(response.action or '-')} {response.caller_arn or '-'}"


def _outcome(response: HttpResponse) -> str:
    code = f" {_printable(response.error_code)}" if response.error_code else ""
    return f"{response.status}{code}"


# ---- the admin API --------------------------------------------------------------------------------------------


class _AdminError(Exception):
    """An admin request the server refuses: its HTTP status and the message of ``{"error": ...}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_Route = Callable[[FederationServer, dict[str, Any]], dict[str, Any]]


def _admin(method: str, route: str, body: bytes, federation: FederationServer) -> tuple[int, dict[str, Any]]:
    """Answer one admin request: JSON in, JSON out, errors as ``{"error": ...}``; never a traceback."""
    try:
        handler = _ROUTES.get((method, route))
        if handler is None:
            known = ", ".join(f"{m} {ADMIN_PREFIX}{r}" for m, r in _ROUTES)
            raise _AdminError(404, f"no admin endpoint {method} {ADMIN_PREFIX}{route}; the admin API has {known}")
        return 200, handler(federation, _json_object(body))
    except _AdminError as err:
        return err.status, {"error": err.message}
    except StsError as err:  # the backend refused (an invalid policy for a new user, say)
        return 400, {"error": str(err)}
    except Exception as exc:  # a mockfed bug: say so in JSON, keep the traceback in the server's log
        logger.exception("mockfed admin API failed on %s %s", method, route)
        return 500, {"error": f"mockfed internal error ({type(exc).__name__}: {exc}); please report it"}


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise _AdminError(400, f"the request body is not JSON: {err}") from None
    if not isinstance(value, dict):
        raise _AdminError(400, f"the request body must be a JSON object, not {type(value).__name__}")
    return value


def _fields(body: Mapping[str, Any], required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    unknown = sorted(set(body) - set(required) - set(optional))
    if unknown:
        raise _AdminError(400, f"unknown field(s) {', '.join(unknown)}; expected {', '.join(required + optional)}")
    missing = [name for name in required if name not in body]
    if missing:
        raise _AdminError(400, f"missing field(s) {', '.join(missing)}")


def _string(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise _AdminError(400, f"{name} must be a string, not {json.dumps(value)}")
    return value


def _number(body: Mapping[str, Any], name: str, limit: float) -> float:
    value = body.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not abs(value) <= limit:  # NaN fails too
        raise _AdminError(400, f"{name} must be a number from {-limit:g} to {limit:g}, not {json.dumps(value)}")
    return float(value)


def _integer(body: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _AdminError(400, f"{name} must be an integer from {low} to {high}, not {json.dumps(value)}")
    return value


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _session_view(session: FederatedSession) -> dict[str, Any]:
    """A federation session as the admin API shows it: everything but its secret key and token."""
    return {
        "name": session.name,
        "access_key_id": session.access_key_id,
        "arn": session.arn,
        "federated_user_id": session.federated_user_id,
        "caller_arn": session.caller_arn,
        "region": session.region,
        "issued_at": _iso(session.issued_at),
        "expiration": _iso(session.expiration),
        "duration_seconds": session.duration_seconds,
        "packed_policy_size": session.packed_policy_size,
        "session_token_size": session.session_token_size,
        "policy": session.policy,
        "policy_arns": list(session.policy_arns),
        "tags": dict(session.tags),
    }


def _call_view(call: Call) -> dict[str, Any]:
    """A received call as the admin API shows it (its response, which holds credentials, left out)."""
    return {
        "action": call.action,
        "region": call.region,
        "caller_arn": call.caller_arn,
        "status": call.status,
        "error_code": call.error_code,
        "error_message": call.error_message,
        "at": _iso(call.at),
        "params": dict(call.params),
    }


def _clock_view(clock: Clock) -> dict[str, Any]:
    return {"now": _iso(clock.now()), "offset": clock.offset}


def _state(federation: FederationServer, body: dict[str, Any]) -> dict[str, Any]:
    backend = federation.backend
    return {
        "account_id": backend.account_id,
        "sessions": [_session_view(session) for session in backend.sessions],
        "calls": [_call_view(call) for call in backend.calls],
        "clock": _clock_view(backend.clock),
    }


#: How far one clock move may go, per unit: a century (further breaks datetime arithmetic, not tests).
_MAX_ADVANCE = {"seconds": 100 * 366 * 86400, "minutes": 100 * 366 * 1440, "hours": 100 * 366 * 24, "days": 100 * 366}


def _advance_clock(federation: FederationServer, body: dict[str, Any]) -> dict[str, Any]:
    _fields(body, (), tuple(_MAX_ADVANCE))
    if not body:
        raise _AdminError(400, 'say how far to move the clock, e.g. {"seconds": 901}')
    clock = federation.backend.clock
    clock.advance(**{unit: _number(body, unit, limit) for unit, limit in _MAX_ADVANCE.items()})
    return _clock_view(clock)


def _set_clock(federation: FederationServer, body: dict[str, Any]) -> dict[str, Any]:
    _fields(body, ("time",))
    text = _string(body, "time") or ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _AdminError(400, f"time {text!r} is not an ISO-8601 date-time (e.g. 2030-01-01T00:00:00Z)") from None
    clock = federation.backend.clock
    clock.set(moment)
    return _clock_view(clock)


def _reset(federation: FederationServer, body: dict[str, Any]) -> dict[str, Any]:
    _fields(body, ())
    federation.backend.reset()
    return {"ok": True}


def _create_user(federation: FederationServer, body: dict[str, Any]) -> dict[str, Any]:
    _fields(body, ("name",), ("policy", "tags"))
    name = _string(body, "name")
    if not name:
        raise _AdminError(400, "name must be a non-empty string")
    if isinstance(body.get("policy"), dict):  # a policy document written inline as JSON
        body["policy"] = json.dumps(body["policy"])
    policy = _string(body, "policy")
    tags = body.get("tags") or {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise _AdminError(400, f"tags must be an object of strings, not {json.dumps(tags)}")
    user = federation.backend.create_user(name, policy, tags=tags)
    return {"access_key_id": user.access_key_id, "secret_access_key": user.secret_access_key, "arn": user.arn}


def _region_route(enable: bool) -> _Route:
    def change_region(federation: FederationServer, body: dict[str, Any]) -> dict[str, Any]:
        _fields(body, ("region",))
        region = _string(body, "region")
        if not region:
            raise _AdminError(400, "region must be a non-empty string")
        if enable:
            federation.backend.enable_region(region)
        else:
            federation.backend.disable_region(region)
        return {"ok": True}

    return change_region


def _inject_error(federation: FederationServer, body: dict[str, Any]) -> dict[str, Any]:
    _fields(body, ("action", "code"), ("message", "count", "status"))
    action, code = _string(body, "action"), _string(body, "code")
    if not action or not code:
        raise _AdminError(400, "action and code must be non-empty strings")
    federation.backend.inject_error(
        action,
        code,
        _string(body, "message"),
        count=_integer(body, "count", 1, 1_000_000) or 1,
        status=_integer(body, "status", 400, 599),
    )
    return {"ok": True}


_ROUTES: dict[tuple[str, str], _Route] = {
    ("GET", "state"): _state,
    ("POST", "clock/advance"): _advance_clock,
    ("POST", "clock/set"): _set_clock,
    ("POST", "reset"): _reset,
    ("POST", "users"): _create_user,
    ("POST", "regions/disable"): _region_route(enable=False),
    ("POST", "regions/enable"): _region_route(enable=True),
    ("POST", "errors/inject"): _inject_error,
}
