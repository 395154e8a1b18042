"""mockfed's performance, measured side by side in one run and printed as ratios.

Run: ``python benchmarks/bench.py`` (add ``--quick`` for a shorter run). Figures:

- throughput, one client: GetFederationToken (the AWS CLI docs' seed request: myfile.json and
  AmazonS3ReadOnlyAccess, 900 s) and AssumeRole (a role the caller's account trusts, 900 s), each in three
  request shapes: identical requests, the name alone varied, every field varied (name, inline policy, a
  tag, the duration: a new text every call, as a real suite's calls are); and GetCallerIdentity: the floor,
  mockfed (SigV4 verified, every validation, packing and expiry on), and moto's ``mock_aws`` when installed;
- one typical test: activate, new client, one call, deactivate;
- activation alone: enter + exit of ``mock_federation``;
- ``import mockfed`` on top of ``import boto3`` (fresh interpreters);
- scale: GetCallerIdentity with the newest and the oldest of 100,000 sessions vs 10, and memory per session;
- server: ``mockfed serve`` in its own process against a canned HTTP server (the floor) in its own process,
  8 client threads on loopback.

The floor is botocore doing everything it does for the same call, the answer already made: a
``before-send`` handler returning the headers and bytes mockfed answered for that request (captured once,
before timing), measured while no mock is active. Every round proves who answered: the floor's
handler counts its answers and must have answered every floor call while mockfed's backend
recorded none; mockfed's backend must have recorded every mockfed call while the floor's handler
answered none; moto's answers carry moto's fixed key id. A figure whose proof fails stops the run.

Timing is never asserted in the unit tests; this script is where it is measured.
"""

from __future__ import annotations

import argparse
import gc
import http.server
import io
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

import boto3
from botocore.awsrequest import AWSResponse

import mockfed
from mockfed import FederationBackend, mock_federation
from mockfed.transports import active_state

SEED_POLICY = (resources.files("mockfed") / "data" / "demo" / "myfile.json").read_text(encoding="utf-8")
SEED_REQUEST: dict[str, Any] = {
    "Name": "Bob",
    "Policy": SEED_POLICY,
    "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}],
    "DurationSeconds": 900,
}
#: A ~200-character policy, for the scale and server figures.
POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],'
    '"Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/*"]},{"Effect":"Allow","Action":"ec2:Describe*",'
    '"Resource":"*"}]}'
)
#: AssumeRole as a CI job asks it: a role the default caller's account trusts (session tags too), a session name,
#: 900 s.
ROLE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }
    ],
}
ASSUME_ROLE_REQUEST: dict[str, Any] = {
    "RoleArn": "arn:aws:iam::123456789012:role/Deployer",
    "RoleSessionName": "ci-build-42",
    "DurationSeconds": 900,
}
MOTO_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # moto answers every GetFederationToken with this key id
#: Distinct requests prepared for the varied shapes (before timing): more than any round sends.
VARIED = 20000

Params = Callable[[int], dict[str, Any]]


def identical(request: dict[str, Any]) -> Params:
    """The same request every time (what no real suite sends many times over)."""
    return lambda index: request


def name_varied(request: dict[str, Any], field: str) -> Params:
    """The same request but for its name (``Name``, ``RoleSessionName``): a new user or session each call."""
    return lambda index: {**request, field: f"{request[field]}-{index}"}


def varied_policy(index: int) -> str:
    """The seed policy with other actions and a resource of its own: a text no call sent before."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["ec2:Describe*", f"s3:Get{'Object' if index % 2 else 'Bucket*'}"],
                 "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::reports-{index}"},
                {"Effect": "Allow", "Action": ["cloudwatch:ListMetrics", "cloudwatch:Describe*"],
                 "Resource": f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:team-{index % 97}-*"},
            ],
        },
        indent=2,
    )


def every_field_varied(request: dict[str, Any], name: str) -> Params:
    """Every field of the request its own each call: name, inline policy, a tag and the duration."""
    return lambda index: {
        **request,
        name: f"{request[name]}-{index}",
        "Policy": varied_policy(index),
        "Tags": [{"Key": "Project", "Value": f"Pegasus-{index}"}],
        "DurationSeconds": 900 + index % 2700,
    }


def prepared(shape: Params) -> Callable[[], dict[str, Any]]:
    """The shape's requests, made before timing, handed out in turn."""
    requests = [shape(index) for index in range(VARIED)]
    position = [0]

    def next_request() -> dict[str, Any]:
        index = position[0]
        position[0] = (index + 1) % VARIED
        return requests[index]

    return next_request


Setup = Callable[[FederationBackend], None]


class _Raw(io.BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.read()


class Canned:
    """The floor's answer: a ``before-send`` handler returning a prepared answer (headers and bytes), counting each."""

    def __init__(self, answer: tuple[dict[str, str], bytes]) -> None:
        self.headers, self.body = answer
        self.count = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        self.count += 1
        return AWSResponse(request.url, 200, dict(self.headers), _Raw(self.body))


def sts_client() -> Any:
    return boto3.client("sts", region_name="us-east-1")


def floor_client(canned: Canned) -> Any:
    client = sts_client()
    client.meta.events.register_first("before-send.sts", canned)
    return client


def with_role(backend: FederationBackend) -> None:
    backend.create_role("Deployer", ROLE_TRUST)


def captured_answer(
    operation: str, params: dict[str, Any], setup: Setup | None = None
) -> tuple[dict[str, str], bytes]:
    """What mockfed answers to this call, headers and bytes (taken once, before any timing)."""
    captured: dict[str, Any] = {}

    def keep(http_response: Any, **_: Any) -> None:
        captured["headers"] = dict(http_response.headers)
        captured["body"] = http_response.content

    backend = FederationBackend()
    if setup is not None:
        setup(backend)
    with mock_federation(backend=backend):
        client = sts_client()
        client.meta.events.register("after-call.sts", keep)
        getattr(client, operation)(**params)
    return captured["headers"], captured["body"]


def calls_per_second(call: Callable[[], Any], seconds: float) -> tuple[float, int]:
    """Calls per second of ``call`` over about ``seconds``, and how many calls were made (warm-up included)."""
    for _ in range(20):
        call()
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(20):
            call()
        count += 20
    return count / (time.perf_counter() - start), count + 20


def median_time(run: Callable[[], Any], repeat: int) -> float:
    run()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def interleaved(figures: dict[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Run each figure in turn, several rounds, and keep the median of each (fair to machine noise)."""
    results: dict[str, list[float]] = {name: [] for name in figures}
    for _ in range(rounds):
        for name, measure in figures.items():
            gc.collect()
            results[name].append(measure())
    return {name: statistics.median(values) for name, values in results.items()}


def moto_available() -> bool:
    try:
        import moto  # noqa: F401
    except ImportError:
        return False
    return True


class Proof:
    """Who answered: the floor's handler and mockfed's backend, checked around every timed round."""

    def __init__(self, canned: Canned, backend: FederationBackend) -> None:
        self.canned = canned
        self.backend = backend
        self.answered = {"floor": 0, "mockfed": 0, "moto": 0}

    def floor(self, measure: Callable[[], tuple[float, int]]) -> float:
        assert active_state() is None, "the floor must be measured with no mock active"
        canned_before, backend_before = self.canned.count, len(self.backend.calls)
        rate, made = measure()
        assert self.canned.count - canned_before == made, "the canned handler did not answer every floor call"
        assert len(self.backend.calls) == backend_before, "mockfed answered during a floor round"
        self.answered["floor"] += made
        return rate

    def mockfed(self, measure: Callable[[], tuple[float, int]]) -> float:
        canned_before, backend_before = self.canned.count, len(self.backend.calls)
        with mock_federation(backend=self.backend):
            rate, made = measure()
        assert len(self.backend.calls) - backend_before == made, "mockfed's backend did not record every call"
        assert self.canned.count == canned_before, "the canned handler answered during a mockfed round"
        self.answered["mockfed"] += made
        return rate


def throughput(
    operation: str, shape: Params, seconds: float, rounds: int, setup: Setup | None = None
) -> dict[str, float]:
    """Calls/s of one client sending the shape's requests: the floor (no mock active), mockfed, and moto,
    interleaved round by round.

    ``setup`` shapes mockfed's backend (a role to assume) before the capture and the timing. Each system gets
    its own run of the prepared requests, from the first.
    """
    canned = Canned(captured_answer(operation, shape(0), setup))
    backend = FederationBackend()
    proof = Proof(canned, backend)
    floor, floor_next = getattr(floor_client(canned), operation), prepared(shape)
    figures: dict[str, Callable[[], float]] = {
        "floor": lambda: proof.floor(lambda: calls_per_second(lambda: floor(**floor_next()), seconds)),
    }
    with mock_federation(backend=backend):
        mocked = getattr(sts_client(), operation)  # a client made inside the mock, as a test makes it
    backend.reset()
    if setup is not None:
        setup(backend)
    mocked_next = prepared(shape)
    figures["mockfed"] = lambda: proof.mockfed(lambda: calls_per_second(lambda: mocked(**mocked_next()), seconds))
    results = interleaved(figures, rounds)
    if moto_available():
        import moto

        with moto.mock_aws():
            moto_call, moto_next = getattr(sts_client(), operation), prepared(shape)

            def moto_round() -> float:
                answers: list[Any] = []
                canned_before, backend_before = canned.count, len(backend.calls)
                rate, made = calls_per_second(lambda: answers.append(moto_call(**moto_next())), seconds)
                assert active_state() is None
                assert len(answers) == made
                assert (canned.count, len(backend.calls)) == (canned_before, backend_before), "not moto"
                if operation == "get_federation_token":
                    assert all(a["Credentials"]["AccessKeyId"] == MOTO_KEY_ID for a in answers), "not moto"
                proof.answered["moto"] += made
                return rate

            results["moto"] = interleaved({"moto": moto_round}, rounds)["moto"]
    results["answered"] = proof.answered  # type: ignore[assignment]
    return results


def typical_test(repeat: int, rounds: int) -> dict[str, Any]:
    """One test's whole cost: (activate,) new client, one call, (deactivate); the floor with no mock active."""
    canned = Canned(captured_answer("get_federation_token", SEED_REQUEST))
    answered = {"floor": 0, "mockfed": 0}

    def floor_test() -> float:
        assert active_state() is None
        before = canned.count
        start = time.perf_counter()
        floor_client(canned).get_federation_token(**SEED_REQUEST)
        elapsed = time.perf_counter() - start
        assert canned.count == before + 1, "the canned handler did not answer the floor test"
        answered["floor"] += 1
        return elapsed

    def mockfed_test() -> float:
        before = canned.count
        start = time.perf_counter()
        with mock_federation() as backend:
            sts_client().get_federation_token(**SEED_REQUEST)
        elapsed = time.perf_counter() - start
        assert len(backend.calls) == 1, "mockfed did not answer the test's call"
        assert canned.count == before, "the canned handler answered a mockfed test"
        answered["mockfed"] += 1
        return elapsed

    def median_of(test: Callable[[], float], count: int) -> float:
        test()
        return statistics.median(test() for _ in range(count))

    figures: dict[str, Callable[[], float]] = {
        "floor": lambda: median_of(floor_test, repeat),
        "mockfed": lambda: median_of(mockfed_test, repeat),
    }
    if moto_available():
        import moto

        def moto_test() -> float:
            start = time.perf_counter()
            with moto.mock_aws():
                answer = sts_client().get_federation_token(**SEED_REQUEST)
            elapsed = time.perf_counter() - start
            assert answer["Credentials"]["AccessKeyId"] == MOTO_KEY_ID, "moto did not answer the test's call"
            return elapsed

        figures["moto"] = lambda: median_of(moto_test, max(5, repeat // 4))
    results: dict[str, Any] = interleaved(figures, rounds)
    results["answered"] = answered
    return results


def activation(repeat: int) -> float:
    def enter_exit() -> None:
        with mock_federation():
            pass

    return median_time(enter_exit, repeat)


def import_cost(repeat: int) -> tuple[float, float]:
    """Fresh interpreters, with bytecode caches as a user has them (written by a first, untimed run)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}

    def run(code: str) -> float:
        command = [sys.executable, "-c", f"import time; t=time.perf_counter(); {code}; print(time.perf_counter()-t)"]
        subprocess.run(command, capture_output=True, check=True, env=env)  # writes the .pyc files
        samples = []
        for _ in range(repeat):
            out = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
            samples.append(float(out.stdout))
        return statistics.median(samples)

    boto = run("import boto3")
    both = run("import boto3; import mockfed")
    return boto, both


def scale(sessions: int, repeat: int) -> dict[str, float]:
    backend = FederationBackend()
    caller = backend.default_user
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    first = backend.get_federation_token(caller, {"Name": "First", "Policy": POLICY})
    for index in range(sessions - 2):
        backend.get_federation_token(caller, {"Name": f"U{index}", "Policy": POLICY})
    last = backend.get_federation_token(caller, {"Name": "Last", "Policy": POLICY})
    gc.collect()
    per_session = (tracemalloc.get_traced_memory()[0] - before) / sessions
    tracemalloc.stop()

    small = FederationBackend()
    small_first = small.get_federation_token(small.default_user, {"Name": "First", "Policy": POLICY})
    for index in range(9):
        small.get_federation_token(small.default_user, {"Name": f"U{index}", "Policy": POLICY})

    def identity_call(target: FederationBackend, creds: dict[str, Any]) -> Callable[[], float]:
        client = boto3.client(
            "sts",
            region_name="us-east-1",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

        def measure() -> float:
            with mock_federation(backend=target):
                return median_time(client.get_caller_identity, repeat)

        return measure

    times = interleaved(
        {
            "10 sessions": identity_call(small, small_first["Credentials"]),
            "newest of many": identity_call(backend, last["Credentials"]),
            "oldest of many": identity_call(backend, first["Credentials"]),
        },
        5,
    )
    times["bytes per session"] = per_session
    return times


def _run_threads(target: Callable[[Any], None], clients: list[Any]) -> float:
    workers = [threading.Thread(target=target, args=(client,)) for client in clients]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start


def _process_cpu(pid: int) -> float:
    """CPU seconds a process has used (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _signed_bodies(host: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """Distinct, properly signed GetFederationToken requests (signed before the clock starts)."""
    from urllib.parse import urlencode

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    signer = SigV4Auth(
        Credentials(mockfed.DEFAULT_ACCESS_KEY_ID, mockfed.DEFAULT_SECRET_ACCESS_KEY), "sts", "us-east-1"
    )
    out = []
    for index in range(count):
        body = urlencode(
            {
                "Action": "GetFederationToken",
                "Version": "2011-06-15",
                "Name": f"N{index}",
                "Policy": POLICY,
                "DurationSeconds": "900",
            }
        )
        request = AWSRequest(
            method="POST",
            url=f"http://{host}/",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        signer.add_auth(request)
        out.append((body.encode(), {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}))
    return out


def serve_canned(body_file: str) -> None:
    """The server floor (``bench.py --canned-server FILE``): answers every POST with the file's bytes.

    The same server machinery ``mockfed serve`` stands on (``ThreadingHTTPServer``, keep-alive,
    ``TCP_NODELAY``), no mockfed at all; ``GET /count`` says how many it answered.
    """
    body = open(body_file, "rb").read()  # noqa: SIM115
    answered = [0]
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                answered[0] += 1
            self._send(body, "text/xml")

        def do_GET(self) -> None:
            self._send(json.dumps({"answered": answered[0]}).encode(), "application/json")

        def _send(self, payload: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


def _start(command: list[str], marker: str) -> tuple[subprocess.Popen[str], str]:
    """A server process and its URL, read from the line of its output that starts with ``marker``."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(marker):
            url = line[len(marker) :].strip().strip("'")
            threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
            return process, url
    raise RuntimeError(f"{command} printed no {marker!r} line")


def _drain(stream: Any) -> None:
    """Read a server's log to its end, so it never blocks on a full pipe."""
    for _ in stream:
        pass


def _get_json(url: str) -> Any:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def _plain_clients(host: str, signed: list[tuple[bytes, dict[str, str]]], threads: int) -> tuple[float, float]:
    """Send every signed request over ``threads`` keep-alive connections; (elapsed seconds, client CPU)."""
    import http.client

    per_thread = len(signed) // threads

    def plain(index: Any) -> None:
        connection = http.client.HTTPConnection(host)
        for body, headers in signed[index * per_thread : (index + 1) * per_thread]:
            connection.request("POST", "/", body=body, headers=headers)
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200
        connection.close()

    cpu = time.process_time()
    elapsed = _run_threads(plain, list(range(threads)))
    return elapsed, time.process_time() - cpu


def server_throughput(requests_total: int, threads: int) -> dict[str, float]:
    """``mockfed serve`` and the canned floor server, each in its own process; 8 client threads in this one.

    Plain HTTP keep-alive clients sending pre-signed requests (the figure is the server's, not
    the client's), floor and mockfed alternately; then boto3 clients against mockfed (what a
    Python user sees; on two cores the boto3 process itself is the limit). Each figure proves
    who answered: the floor server's count and mockfed's admin state, before and after.
    """
    import tempfile

    command = [sys.executable, "-m", "mockfed", "serve", "--port", "0"]
    mockfed_server, url = _start(command, "export AWS_ENDPOINT_URL_STS=")
    host = url.split("://", 1)[1]
    signed = _signed_bodies(host, (requests_total // threads) * threads)
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as handle:
        _, body = captured_answer("get_federation_token", {"Name": "N0", "Policy": POLICY, "DurationSeconds": 900})
        handle.write(body)
    floor_server, floor_url = _start([sys.executable, __file__, "--canned-server", handle.name], "http://")
    floor_url = "http://" + floor_url
    floor_host = floor_url.split("://", 1)[1]
    results: dict[str, list[float]] = {"floor": [], "mockfed": [], "server": [], "client": []}
    try:
        for _ in range(3):
            calls_before = len(_get_json(url + "/_mockfed/state")["calls"])
            answered_before = _get_json(floor_url + "/count")["answered"]
            elapsed, _ = _plain_clients(floor_host, signed, threads)
            assert _get_json(floor_url + "/count")["answered"] - answered_before == len(signed), "floor miscounted"
            assert len(_get_json(url + "/_mockfed/state")["calls"]) == calls_before, "mockfed answered the floor"
            results["floor"].append(len(signed) / elapsed)

            server_cpu = _process_cpu(mockfed_server.pid)
            elapsed, client_cpu = _plain_clients(host, signed, threads)
            calls = _get_json(url + "/_mockfed/state")["calls"]
            assert len(calls) - calls_before == len(signed), "mockfed did not answer every request"
            assert all(call["status"] == 200 for call in calls[calls_before:])
            assert _get_json(floor_url + "/count")["answered"] == answered_before + len(signed)
            results["mockfed"].append(len(signed) / elapsed)
            results["server"].append((_process_cpu(mockfed_server.pid) - server_cpu) / len(signed))
            results["client"].append(client_cpu / len(signed))

        per_thread = len(signed) // threads

        def work(client: Any) -> None:
            for index in range(per_thread):
                client.get_federation_token(Name=f"B{index}", Policy=POLICY, DurationSeconds=900)

        clients = [
            boto3.client(
                "sts",
                region_name="us-east-1",
                endpoint_url=url,
                aws_access_key_id=mockfed.DEFAULT_ACCESS_KEY_ID,
                aws_secret_access_key=mockfed.DEFAULT_SECRET_ACCESS_KEY,
            )
            for _ in range(threads)
        ]
        _run_threads(lambda client: client.get_caller_identity(), clients)
        calls_before = len(_get_json(url + "/_mockfed/state")["calls"])
        client_cpu = time.process_time()
        boto_elapsed = _run_threads(work, clients)
        boto_client_cpu = (time.process_time() - client_cpu) / len(signed)
        assert len(_get_json(url + "/_mockfed/state")["calls"]) - calls_before == per_thread * threads
    finally:
        for process in (mockfed_server, floor_server):
            process.terminate()
            process.wait(timeout=10)
        os.unlink(handle.name)
    return {
        "floor": statistics.median(results["floor"]),
        "mockfed": statistics.median(results["mockfed"]),
        "server CPU ms/req": statistics.median(results["server"]) * 1000,
        "client CPU ms/req": statistics.median(results["client"]) * 1000,
        "boto3 req/s": len(signed) / boto_elapsed,
        "boto3 client CPU ms/req": boto_client_cpu * 1000,
    }


def _print_throughput(title: str, figures: dict[str, Any]) -> None:
    print(title)
    for name in ("floor", "mockfed", "moto"):
        if name in figures:
            value = figures[name]
            print(f"  {name:<10} {value:8.0f} calls/s   {value / figures['floor']:.2f} of the floor")
    print(f"  answered (proved): {figures['answered']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter run, noisier figures")
    parser.add_argument("--canned-server", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument(
        "--only", choices=("throughput", "typical"), help="one figure (with the typical test) instead of all"
    )
    args = parser.parse_args()
    if args.canned_server:
        serve_canned(args.canned_server)
        return
    quick = args.quick
    seconds, rounds = (0.5, 3) if quick else (1.5, 5)

    print(
        f"mockfed {mockfed.__version__}, boto3 {boto3.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}"
    )
    print()
    shapes = (
        ("GetFederationToken", "get_federation_token", SEED_REQUEST, "Name", None),
        ("AssumeRole", "assume_role", ASSUME_ROLE_REQUEST, "RoleSessionName", with_role),
    )
    for title, operation, request, name, setup in shapes if args.only != "typical" else ():
        for shape_title, shape in (
            ("identical requests", identical(request)),
            (f"{name} alone varied", name_varied(request, name)),
            (f"every field varied ({name}, Policy, a tag, DurationSeconds)", every_field_varied(request, name)),
        ):
            _print_throughput(
                f"throughput: {title}, {shape_title}", throughput(operation, shape, seconds, rounds, setup)
            )
            print()
    if args.only is None:
        _print_throughput(
            "throughput: GetCallerIdentity", throughput("get_caller_identity", identical({}), seconds, rounds)
        )
        print()
    tt = typical_test(20 if quick else 60, rounds)
    print("one typical test (activate, new client, one GetFederationToken, deactivate)")
    for name in ("floor", "mockfed", "moto"):
        if name in tt:
            print(f"  {name:<10} {tt[name] * 1000:8.2f} ms        {tt[name] / tt['floor']:.2f} x the floor")
    print(f"  answered (proved): {tt['answered']}")
    print()
    if args.only is not None:
        return
    act = activation(500 if quick else 3000)
    print(f"activation alone (enter + exit): {act * 1e6:.0f} us median")
    print()
    boto, both = import_cost(3 if quick else 7)
    print(
        f"import boto3: {boto * 1000:.0f} ms; import boto3 + mockfed: {both * 1000:.0f} ms "
        f"(mockfed adds {(both - boto) * 1000:.0f} ms)"
    )
    print()
    sc = scale(10_000 if quick else 100_000, 100 if quick else 300)
    print(f"scale: {10_000 if quick else 100_000} sessions")
    base = sc["10 sessions"]
    for name in ("10 sessions", "newest of many", "oldest of many"):
        print(f"  GetCallerIdentity, {name:<15} {sc[name] * 1e6:8.0f} us   {sc[name] / base:.2f} x 10 sessions")
    print(f"  memory per session: {sc['bytes per session']:.0f} bytes")
    print()
    server = server_throughput(400 if quick else 2000, 8)
    print("server (8 client threads, loopback, GetFederationToken with a ~200-character policy)")
    print(f"  floor      {server['floor']:8.0f} req/s     (a canned HTTP server, its own process)")
    print(
        f"  mockfed    {server['mockfed']:8.0f} req/s     {server['mockfed'] / server['floor']:.2f} of the floor; "
        f"server {server['server CPU ms/req']:.2f} ms CPU/req, client {server['client CPU ms/req']:.2f}"
    )
    print(
        f"  8 boto3 clients against mockfed: {server['boto3 req/s']:.0f} req/s "
        f"(client {server['boto3 client CPU ms/req']:.2f} ms CPU/req)"
    )


if __name__ == "__main__":
    main()
