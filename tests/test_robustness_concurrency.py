"""Concurrency: one backend, many threads, nothing lost, nothing duplicated, every thread's calls in its order.

Requests are SigV4-signed with botocore's own signer and answered by ``pipeline.handle``, as every door
does; a smaller run goes through boto3 clients inside one ``mock_federation(backend=...)``. A last test
runs a small suite under ``pytest -n 2`` (pytest-xdist) and shows each worker process its own backends.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend, mock_federation
from mockfed.dispatch import handle
from mockfed.http import HttpRequest

THREADS = 16
CALLS_PER_THREAD = 500
URL = "https://sts.eu-west-1.amazonaws.com/"
DEFAULT_CREDENTIALS = Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)


def signed(params: dict[str, str], creds: Credentials) -> HttpRequest:
    """A POST to STS signed as botocore signs it."""
    body = urlencode({"Version": "2011-06-15", **params})
    request = AWSRequest(
        method="POST", url=URL, data=body, headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    )
    SigV4Auth(creds, "sts", "eu-west-1").add_auth(request)
    return HttpRequest.build("POST", URL, dict(request.headers.items()), body)


def worker(
    tag: str, backend: FederationBackend, start: threading.Barrier, expected: list[tuple[str, str]]
) -> dict[str, str]:
    """500 mixed calls: GetFederationToken (good and bad), GetCallerIdentity as the last session, clock moves.

    ``expected`` receives (action, name) for each STS call in the order made; returns name -> access key id.
    """
    issued: dict[str, str] = {}
    last: tuple[str, Credentials] | None = None
    start.wait()
    for i in range(CALLS_PER_THREAD):
        step = i % 5
        name = f"{tag}n{i:03d}"
        if step in (0, 1):
            response = handle(signed({"Action": "GetFederationToken", "Name": name}, DEFAULT_CREDENTIALS), backend)
            assert response.status == 200, response.body
            body = response.body.decode()
            akid = body.split("<AccessKeyId>")[1].split("<")[0]
            secret = body.split("<SecretAccessKey>")[1].split("<")[0]
            token = body.split("<SessionToken>")[1].split("<")[0]
            issued[name] = akid
            last = (name, Credentials(akid, secret, token))
            expected.append(("GetFederationToken", name))
        elif step == 2:
            assert last is not None
            response = handle(signed({"Action": "GetCallerIdentity"}, last[1]), backend)
            assert response.status == 200, response.body
            assert f"<Arn>arn:aws:sts::123456789012:federated-user/{last[0]}</Arn>" in response.body.decode()
            expected.append(("GetCallerIdentity", last[0]))
        elif step == 3:
            backend.clock.advance(seconds=1)
        else:
            response = handle(
                signed({"Action": "GetFederationToken", "Name": name + "!"}, DEFAULT_CREDENTIALS), backend
            )
            assert response.status == 400, response.body
            assert b"<Code>ValidationError</Code>" in response.body
            expected.append(("GetFederationToken", name + "!"))
    return issued


def run_threads(target: Any, count: int) -> list[Any]:
    """Run ``target(index)`` in ``count`` threads; their results, or the first exception any of them raised."""
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = target(index)
        except BaseException as error:  # surfaced below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


def _tag_of(call: Any) -> str:
    if call.action == "GetFederationToken":
        return str(call.params["Name"])[:3]
    return str(call.caller_arn).rsplit("/", 1)[1][:3]


def _name_of(call: Any) -> str:
    if call.action == "GetFederationToken":
        return str(call.params["Name"])
    return str(call.caller_arn).rsplit("/", 1)[1]


@pytest.mark.usefixtures("eager_thread_switching")
def test_sixteen_threads_share_one_backend_without_losing_anything() -> None:
    backend = FederationBackend(seed=5)
    start = threading.Barrier(THREADS)
    expected: list[list[tuple[str, str]]] = [[] for _ in range(THREADS)]
    clock_before = backend.clock.offset

    issued_per_thread = run_threads(lambda t: worker(f"t{t:02d}", backend, start, expected[t]), THREADS)

    # every session issued once: none lost, none duplicated, every access key unique and the one answered
    issued = {name: akid for part in issued_per_thread for name, akid in part.items()}
    sessions = backend.sessions
    assert len(issued) == THREADS * CALLS_PER_THREAD * 2 // 5
    assert len(sessions) == len(issued)
    assert {s.name: s.access_key_id for s in sessions} == issued
    assert len({s.access_key_id for s in sessions}) == len(sessions)
    assert len({s.session_token for s in sessions}) == len(sessions)
    assert all(backend.principal(akid) is not None for akid in issued.values())

    # the call log: complete, and each thread's calls in the order that thread made them
    calls = backend.calls
    assert len(calls) == THREADS * CALLS_PER_THREAD * 4 // 5
    for t in range(THREADS):
        mine = [(c.action, _name_of(c)) for c in calls if _tag_of(c) == f"t{t:02d}"]
        assert mine == expected[t]
    assert Counter(c.status for c in calls) == {200: THREADS * 300, 400: THREADS * 100}

    # no lost clock update either
    assert backend.clock.offset - clock_before == pytest.approx(THREADS * CALLS_PER_THREAD // 5)


@pytest.mark.usefixtures("eager_thread_switching")
def test_boto3_clients_in_threads_inside_one_mock() -> None:
    """The doors under threads: one boto3 client per thread, one mock, one backend."""
    backend = FederationBackend()
    threads, calls = 8, 40
    start = threading.Barrier(threads)

    def client_worker(t: int) -> list[tuple[str, str]]:
        session = boto3.session.Session()
        sts = session.client("sts", region_name="us-west-2")
        start.wait()
        made = []
        for i in range(calls):
            name = f"b{t}x{i}"
            creds = sts.get_federation_token(Name=name, DurationSeconds=900)["Credentials"]
            made.append(("GetFederationToken", name))
            if i % 10 == 9:  # now and then, as the session just issued
                federated = session.client(
                    "sts",
                    region_name="us-west-2",
                    aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds["SecretAccessKey"],
                    aws_session_token=creds["SessionToken"],
                )
                assert federated.get_caller_identity()["Arn"].endswith(f"federated-user/{name}")
                made.append(("GetCallerIdentity", name))
        return made

    with mock_federation(backend=backend):
        made = run_threads(client_worker, threads)
    assert sorted(s.name for s in backend.sessions) == sorted(f"b{t}x{i}" for t in range(threads) for i in range(calls))
    assert len({s.access_key_id for s in backend.sessions}) == threads * calls
    assert len(backend.calls) == threads * (calls + calls // 10)
    for t in range(threads):
        assert [(c.action, _name_of(c)) for c in backend.calls if _name_of(c).startswith(f"b{t}x")] == made[t]


XDIST_SUITE = """
import json, os
from pathlib import Path

import boto3
import pytest
from mockfed import FederationBackend, mock_federation

SHARED = FederationBackend()          # module-level: one per worker process, never shared across them


@pytest.mark.parametrize("n", range(8))
def test_federate(mockfed, n):
    sts = boto3.client("sts", region_name="us-east-1")
    sts.get_federation_token(Name=f"Worker{n}")
    with mock_federation(backend=SHARED):
        boto3.client("sts", region_name="us-east-1").get_federation_token(Name=f"Shared{n}")
    record = {
        "n": n,
        "pid": os.getpid(),
        "worker": os.environ.get("PYTEST_XDIST_WORKER"),
        "fixture_sessions": [s.name for s in mockfed.sessions],
        "fixture_calls": len(mockfed.calls),
        "shared_sessions": [s.name for s in SHARED.sessions],
    }
    with open(Path(os.environ["MOCKFED_XDIST_OUT"]) / f"{n}.json", "w") as out:
        json.dump(record, out)
"""


def test_pytest_xdist_workers_have_their_own_backends(tmp_path: Path) -> None:
    pytest.importorskip("xdist")
    (tmp_path / "test_parallel.py").write_text(textwrap.dedent(XDIST_SUITE))
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        MOCKFED_XDIST_OUT=str(out),
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider", "test_parallel.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "8 passed" in done.stdout
    records = [json.loads(path.read_text()) for path in sorted(out.glob("*.json"))]
    assert len(records) == 8
    workers = {r["worker"] for r in records}
    assert workers == {"gw0", "gw1"}  # both processes ran tests
    assert len({r["pid"] for r in records}) == 2
    for record in records:  # the fixture's backend is fresh for each test, in each process
        assert record["fixture_sessions"] == [f"Worker{record['n']}"]
        assert record["fixture_calls"] == 1
    for worker in workers:  # a module-level backend holds what its own process did, and nothing of the other's
        ran_here = sorted(r["n"] for r in records if r["worker"] == worker)
        last = max((r for r in records if r["worker"] == worker), key=lambda r: len(r["shared_sessions"]))
        assert sorted(last["shared_sessions"]) == sorted(f"Shared{n}" for n in ran_here)
