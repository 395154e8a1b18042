"""Mutation fuzz of signed requests: nothing gets through that was not signed, and nothing answers 500.

Valid GetFederationToken requests (a header-signed POST and a presigned GET URL, with a policy, a tag
and characters that escape: ``+``, spaces, ``/``, ``é``) are mutated: bits flipped, bytes inserted or
deleted, and the same text re-encoded (``%XX`` for a character, ``+`` for ``%20`` and back, escapes in
the other case, ``%2B`` for ``+``). Each mutant is answered by the pipeline in process, or by
``mockfed serve`` over a socket. Two rules must hold for every answer:

- it is never a 500 (nor a dropped connection, on the server);
- an accepted request (200) carries exactly the parameters that were signed: the call the backend
  logged equals the call the unmutated request makes.

Both run with ``strict_auth=True``: otherwise a mutant that no longer reads as signed at all (its
signature cut off) is an unsigned request, which acts as the default user by design.

Run: ``python fuzz/signed_mutations.py --count 1000000`` (``--server N``: that many more through
``mockfed serve``). The suite runs a bounded number of the same cases (tests/test_signed_mutations.py).
"""

from __future__ import annotations

import argparse
import http.client
import random
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend
from mockfed.dispatch import handle
from mockfed.http import HttpRequest, HttpResponse

POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
    '"Resource":"arn:aws:s3:::a+b/report é/*"}]}'
)
PARAMS = {
    "Action": "GetFederationToken",
    "Version": "2011-06-15",
    "Name": "Bob+1",
    "DurationSeconds": "900",
    "Policy": POLICY,
    "Tags.member.1.Key": "team",
    "Tags.member.1.Value": "x+y z/é",
}


@dataclass(frozen=True)
class Signed:
    """A signed request, as bytes a client sends: method, URL (path and query), headers, body."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def signed_requests(host: str) -> list[Signed]:
    """The valid requests mutated: a header-signed POST, and a presigned GET URL (signed now)."""
    credentials = Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
    body = urlencode(PARAMS).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    post = AWSRequest("POST", f"http://{host}/", data=body, headers=form)
    SigV4Auth(credentials, "sts", "us-east-1").add_auth(post)
    get = AWSRequest("GET", f"http://{host}/?{urlencode(PARAMS)}")
    SigV4QueryAuth(credentials, "sts", "us-east-1", expires=900).add_auth(get)
    return [
        Signed("POST", post.url, {k: str(v) for k, v in post.headers.items()}, body),
        Signed("GET", get.url, {}, b""),
    ]


# ---- mutations ---------------------------------------------------------------------------------------------------

_RE_ENCODINGS: list[tuple[bytes, bytes]] = [
    (b"%2B", b"+"),
    (b"+", b"%2B"),
    (b"%20", b"+"),
    (b"+", b"%20"),
    (b"%2F", b"/"),
    (b"/", b"%2F"),
    (b"%3A", b"%3a"),
    (b"%C3%A9", b"%c3%a9"),
    (b"%C3%A9", "é".encode()),
    (b"%22", b'"'),
    (b"=", b"%3D"),
    (b"&", b"%26"),
    (b"Name", b"name"),
    (b"%7B", b"{"),
]


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One mutation of ``data``, and its kind."""
    if not data:
        return "insert", bytes([rng.randrange(256)])
    kind = rng.choice(("flip", "insert", "delete", "re-encode", "re-encode", "re-encode"))
    index = rng.randrange(len(data))
    if kind == "flip":
        return kind, data[:index] + bytes([data[index] ^ (1 << rng.randrange(8))]) + data[index + 1 :]
    if kind == "insert":
        return kind, data[:index] + bytes([rng.choice(b"%+&= /\x00\xc3\xa9aZ9")]) + data[index:]
    if kind == "delete":
        return kind, data[:index] + data[index + 1 :]
    old, new = rng.choice(_RE_ENCODINGS)
    places = [at for at in range(len(data)) if data.startswith(old, at)]
    if not places:
        return "re-encode (no place)", data
    at = rng.choice(places)
    return kind, data[:at] + new + data[at + len(old) :]


def mutants(signed: list[Signed], count: int, seed: int) -> Iterator[tuple[str, Signed, Signed]]:
    """``count`` mutants (kind, original, mutant): of the body, the URL's query or the Authorization header."""
    rng = random.Random(seed)
    for _ in range(count):
        original = rng.choice(signed)
        parts = ["url"] + (["body", "authorization"] if original.method == "POST" else [])
        part = rng.choice(parts)
        if part == "body":
            kind, body = mutate(original.body, rng)
            yield f"body {kind}", original, Signed(original.method, original.url, original.headers, body)
        elif part == "authorization":
            kind, value = mutate(original.headers["Authorization"].encode("latin-1"), rng)
            headers = {**original.headers, "Authorization": value.decode("latin-1")}
            yield f"authorization {kind}", original, Signed(original.method, original.url, headers, original.body)
        else:
            path, _, query = original.url.partition("?")
            kind, mutated = mutate(query.encode("latin-1"), rng)
            url = f"{path}?{mutated.decode('latin-1')}" if mutated else path
            yield f"query {kind}", original, Signed(original.method, url, original.headers, original.body)


# ---- answering ---------------------------------------------------------------------------------------------------

Answer = Callable[[Signed], tuple[int, dict[str, Any] | None]]


def in_process(backend: FederationBackend) -> Answer:
    """The pipeline's answer to a request, and the parameters it logged when it accepted one."""

    def answer(request: Signed) -> tuple[int, dict[str, Any] | None]:
        before = len(backend.state.account.calls)
        sent = HttpRequest.build(request.method, request.url, request.headers, request.body)
        response: HttpResponse = handle(sent, backend, strict_auth=True)
        calls = backend.state.account.calls
        logged = dict(calls[-1].params) if response.status == 200 and len(calls) > before else None
        return response.status, logged

    return answer


def over_a_socket(server: Any) -> Answer:
    """``mockfed serve``'s answer, to the request's bytes on a fresh connection (a raw socket: any byte goes); the
    parameters it logged when it accepted one."""
    backend = server.backend

    def answer(request: Signed) -> tuple[int, dict[str, Any] | None]:
        before = len(backend.calls)
        target = "/" + (request.url.split("/", 3)[3] if request.url.count("/") >= 3 else "")
        head = f"{request.method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: close\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in request.headers.items() if name.lower() != "host")
        head += f"Content-Length: {len(request.body)}\r\n\r\n"
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
            connection.sendall(head.encode("latin-1", "replace") + request.body)
            response = http.client.HTTPResponse(connection)
            response.begin()
            status = response.status
            response.read()
        calls = backend.calls
        logged = dict(calls[-1].params) if status == 200 and len(calls) > before else None
        return status, logged

    return answer


def run(answer: Answer, signed: list[Signed], count: int, seed: int) -> Counter[str]:
    """Send ``count`` mutants; raise AssertionError on a 500 or on an accepted request that was not signed."""
    expected: dict[str, dict[str, Any]] = {}
    for request in signed:
        status, logged = answer(request)
        assert status == 200, (request, status)
        assert logged is not None, request
        expected[request.url + request.body.decode("latin-1")] = logged
    outcomes: Counter[str] = Counter()
    for kind, original, mutant in mutants(signed, count, seed):
        status, logged = answer(mutant)
        assert status != 500, (kind, mutant)
        if status == 200:
            want = expected[original.url + original.body.decode("latin-1")]
            assert logged == want, (kind, mutant, logged, want)
            outcomes["accepted, as signed"] += 1
        else:
            outcomes[f"refused {status}"] += 1
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=100_000, help="mutants through the pipeline in process")
    parser.add_argument("--server", type=int, default=0, help="mutants through mockfed serve, over sockets")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    backend = FederationBackend()
    outcomes = run(in_process(backend), signed_requests("sts.us-east-1.amazonaws.com"), args.count, args.seed)
    print(f"in process: {args.count} mutants, {dict(outcomes)}, {time.perf_counter() - start:.0f} s")
    if args.server:
        from mockfed.server import FederationServer

        start = time.perf_counter()
        with FederationServer(port=0, strict_auth=True) as server:
            host = server.url.split("://", 1)[1]
            outcomes = run(over_a_socket(server), signed_requests(host), args.server, args.seed + 1)
        print(f"mockfed serve: {args.server} mutants, {dict(outcomes)}, {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
