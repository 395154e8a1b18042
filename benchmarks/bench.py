"""mockfed's performance, measured side by side in one run and printed as ratios.

Run: ``python benchmarks/bench.py`` (add ``--quick`` for a shorter run). Figures:

- throughput: GetFederationToken calls/s, one client, a ~200-character policy:
  botocore alone answering a canned response (the floor), mockfed (SigV4 verified,
  every validation on), and moto's ``mock_aws`` when installed;
- one typical test: activate, new client, one call, deactivate;
- activation alone: enter + exit of ``mock_federation``;
- ``import mockfed`` on top of ``import boto3`` (fresh interpreters);
- scale: GetCallerIdentity with the newest and the oldest of 100,000 sessions vs 10,
  and memory per session;
- server: ``mockfed serve`` answering 8 client threads on loopback (when available).

Timing is never asserted in the unit tests; this script is where it is measured.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

import boto3
from botocore.awsrequest import AWSResponse

import mockfed
from mockfed import FederationBackend, mock_federation

POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],'
    '"Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/*"]},{"Effect":"Allow","Action":"ec2:Describe*",'
    '"Resource":"*"}]}'
)
CANNED = b"""<GetFederationTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetFederationTokenResult>
    <Credentials>
      <SessionToken>IQoJb3JpZ2luX2VjEGoaCXVzLXdlc3QtMiJIMEYCIQC</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY</SecretAccessKey>
      <Expiration>2030-12-20T02:06:07Z</Expiration>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <FederatedUser>
      <Arn>arn:aws:sts::123456789012:federated-user/Bob</Arn>
      <FederatedUserId>123456789012:Bob</FederatedUserId>
    </FederatedUser>
    <PackedPolicySize>10</PackedPolicySize>
  </GetFederationTokenResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</GetFederationTokenResponse>
"""


class _Raw(io.BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.read()


def _canned(request: Any, **_: Any) -> AWSResponse:
    return AWSResponse(request.url, 200, {"Content-Type": "text/xml"}, _Raw(CANNED))


def floor_client() -> Any:
    client = boto3.client("sts", region_name="us-east-1")
    client.meta.events.register_first("before-send.sts", _canned)
    return client


def calls_per_second(call: Callable[[], Any], seconds: float) -> float:
    for _ in range(20):
        call()
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(20):
            call()
        count += 20
    return count / (time.perf_counter() - start)


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


# ---- the figures ------------------------------------------------------------------------------------------------


def throughput(seconds: float, rounds: int) -> dict[str, float]:
    floor = floor_client()
    figures: dict[str, Callable[[], float]] = {
        "floor": lambda: calls_per_second(
            lambda: floor.get_federation_token(Name="Bob", Policy=POLICY, DurationSeconds=900), seconds
        ),
    }
    mock = mock_federation()
    mock.start()
    client = boto3.client("sts", region_name="us-east-1")
    figures["mockfed"] = lambda: calls_per_second(
        lambda: client.get_federation_token(Name="Bob", Policy=POLICY, DurationSeconds=900), seconds
    )
    results = {}
    try:
        results.update(interleaved(figures, rounds))
    finally:
        mock.stop()
    if moto_available():
        import moto

        with moto.mock_aws():
            moto_client = boto3.client("sts", region_name="us-east-1")
            results["moto"] = interleaved(
                {
                    "moto": lambda: calls_per_second(
                        lambda: moto_client.get_federation_token(Name="Bob", Policy=POLICY, DurationSeconds=900),
                        seconds,
                    )
                },
                rounds,
            )["moto"]
    return results


def typical_test(repeat: int, rounds: int) -> dict[str, float]:
    def floor_test() -> None:
        floor_client().get_federation_token(Name="Bob", Policy=POLICY, DurationSeconds=900)

    def mockfed_test() -> None:
        with mock_federation():
            boto3.client("sts", region_name="us-east-1").get_federation_token(
                Name="Bob", Policy=POLICY, DurationSeconds=900
            )

    figures: dict[str, Callable[[], float]] = {
        "floor": lambda: median_time(floor_test, repeat),
        "mockfed": lambda: median_time(mockfed_test, repeat),
    }
    if moto_available():
        import moto

        def moto_test() -> None:
            with moto.mock_aws():
                boto3.client("sts", region_name="us-east-1").get_federation_token(
                    Name="Bob", Policy=POLICY, DurationSeconds=900
                )

        figures["moto"] = lambda: median_time(moto_test, max(5, repeat // 4))
    return interleaved(figures, rounds)


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


def _presigned_bodies(host: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
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


def server_throughput(requests_total: int, threads: int) -> dict[str, float] | None:
    """``mockfed serve`` in its own process, as users run it; 8 client threads in this one.

    Two clients: plain HTTP keep-alive connections sending pre-signed requests (so the figure
    is the server's, not the client's), and boto3 clients (what a Python user sees; on two
    cores the boto3 process itself is the limit). Each client's own CPU per request is reported.
    """
    import http.client

    server = subprocess.Popen(
        [sys.executable, "-m", "mockfed", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = ""
        for line in server.stdout:
            if line.startswith("export AWS_ENDPOINT_URL_STS="):
                url = line.split("=", 1)[1].strip().strip("'")
                break
        if not url:
            return None
        log = server.stdout
        threading.Thread(target=lambda: [None for _ in log], daemon=True).start()  # drain the request log
        host = url.split("://", 1)[1]
        per_thread = requests_total // threads
        signed = _presigned_bodies(host, per_thread * threads)

        def plain(index: Any) -> None:
            connection = http.client.HTTPConnection(host)
            for body, headers in signed[index * per_thread : (index + 1) * per_thread]:
                connection.request("POST", "/", body=body, headers=headers)
                answer = connection.getresponse()
                answer.read()
                assert answer.status == 200
            connection.close()

        server_cpu, client_cpu = _process_cpu(server.pid), time.process_time()
        elapsed = _run_threads(plain, list(range(threads)))
        plain_server_cpu = (_process_cpu(server.pid) - server_cpu) / len(signed)
        plain_client_cpu = (time.process_time() - client_cpu) / len(signed)

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
        client_cpu = time.process_time()
        boto_elapsed = _run_threads(work, clients)
        boto_client_cpu = (time.process_time() - client_cpu) / len(signed)
    finally:
        server.terminate()
        server.wait(timeout=10)
    done = per_thread * threads
    return {
        "req/s, HTTP clients": done / elapsed,
        "  server CPU ms/req": plain_server_cpu * 1000,
        "  client CPU ms/req": plain_client_cpu * 1000,
        "req/s, boto3 clients": done / boto_elapsed,
        "  boto3 client CPU ms/req": boto_client_cpu * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter run, noisier figures")
    args = parser.parse_args()
    quick = args.quick
    seconds, rounds = (0.5, 3) if quick else (1.5, 5)

    print(
        f"mockfed {mockfed.__version__}, boto3 {boto3.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs"
    )
    print()
    tp = throughput(seconds, rounds)
    print("throughput (GetFederationToken, one client, ~200-char policy)")
    for name, value in tp.items():
        print(f"  {name:<10} {value:8.0f} calls/s   {value / tp['floor']:.2f} of the floor")
    print()
    tt = typical_test(20 if quick else 60, rounds)
    print("one typical test (activate, new client, one call, deactivate)")
    for name, value in tt.items():
        print(f"  {name:<10} {value * 1000:8.2f} ms        {value / tt['floor']:.2f} x the floor")
    print()
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
    if server is None:
        print("server: mockfed.server not available")
    else:
        print("server (8 client threads, loopback)")
        for name, value in server.items():
            print(f"  {name:<28} {value:8.{2 if 'ms' in name else 0}f}")


if __name__ == "__main__":
    main()
