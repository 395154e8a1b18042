"""Stopping the last mock while other threads call STS or use ``requests``: each call is answered by the mock or goes
on unmocked, never a traceback from inside mockfed (the doors read the active mock once, and what a stopped mock
restores stays callable for a thread already inside its patch)."""

from __future__ import annotations

import collections
import http.server
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import pytest
import requests

from mockfed import mock_federation


def _race(
    call: Callable[[], Any], expected: tuple[type[BaseException], ...], seconds: float = 2.0
) -> collections.Counter[str]:
    """Run ``call`` in four threads while the main thread starts and stops mocks; count the outcomes by kind."""
    outcomes: collections.Counter[str] = collections.Counter()
    unexpected: list[BaseException] = []
    done = threading.Event()

    def worker() -> None:
        while not done.is_set():
            try:
                call()
                outcomes["answered"] += 1
            except expected:
                outcomes["unmocked"] += 1
            except Exception as exc:  # what the test is about: recorded, then reported
                unexpected.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            mock = mock_federation()
            mock.start()
            time.sleep(0.0005)
            mock.stop()
    finally:
        done.set()
        for thread in threads:
            thread.join()
    assert unexpected == [], [f"{type(exc).__name__}: {exc}" for exc in unexpected[:3]]
    return outcomes


def test_botocore_calls_racing_the_last_stop_are_answered_or_go_on_unmocked(
    eager_thread_switching: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    sts = boto3.session.Session().client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="secret",
        config=botocore.config.Config(retries={"max_attempts": 0}),
    )
    outcomes = _race(sts.get_caller_identity, (botocore.exceptions.EndpointConnectionError,))
    assert outcomes["answered"] > 0


def test_requests_racing_the_last_stop_reach_their_own_server(eager_thread_switching: None) -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    session = requests.Session()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        # KeyError: requests reads os.environ (proxies) while a mock swaps its variables in and out: os.environ is
        # not safe to read while another thread edits it, whoever edits it.
        outcomes = _race(lambda: session.get(url, timeout=5).raise_for_status(), (KeyError,))
    finally:
        server.shutdown()
    assert outcomes["answered"] > 0
