"""How close to the floor any STS simulator in Python can come: a bound for the throughput targets.

Run: ``python benchmarks/bound.py`` (``--quick`` for a shorter run). For the two request shapes the targets
are hardest on (AssumeRole with the session name alone varied, GetFederationToken with every field varied),
it measures side by side, in one run, interleaved round by round:

- **floor**: botocore with the answer already made (as ``bench.py``'s floor, no mock active);
- **bare**: a responder that does only what every simulator must: read the form body, verify the SigV4
  signature against the one key it knows, make new credentials and write the answer's XML. No validation, no
  policy, no trust policy, no record, no packing: it is not a simulator, only the least one can do;
- **pipeline, fixed action**: mockfed's own pipeline (read, authenticate, render) with its action step
  answering a result made before timing (``Dispatcher.answer`` with an answer step of the bench's own): what
  reading, authenticating and rendering cost without any action;
- **mockfed**: mockfed itself.

Every round proves who answered: each responder counts its answers and must have answered every call of its
round; mockfed's backend must have recorded every one of its calls and none of the others'. Timing is never
asserted anywhere; this script prints ratios.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench
from botocore.awsrequest import AWSResponse

import mockfed.transports.botocore_door as botocore_door
from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend, mock_federation, sts
from mockfed.dispatch import Dispatcher
from mockfed.transports import active_state

Answerer = Callable[[Any, Any], AWSResponse]


class Bare:
    """The least an STS responder does: read the form, check the signature, issue, write the XML. Counts its answers."""

    def __init__(self) -> None:
        self.count = 0
        self._random = random.Random(os.urandom(16))
        self._mac = hashlib.blake2b(key=os.urandom(32), digest_size=16)

    def __call__(self, door: Any, request: Any) -> AWSResponse:
        self.count += 1
        body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
        fields = {}
        for piece in body.decode().split("&"):
            name, _, value = piece.partition("=")
            fields[unquote_plus(name)] = unquote_plus(value)
        headers = {key.lower(): value.decode() if isinstance(value, bytes) else value
                   for key, value in request.headers.items()}  # fmt: skip
        authorization = headers["authorization"]
        scope = authorization.split("Credential=", 1)[1].split(",", 1)[0]
        key_id, day, region, service, _ = scope.split("/")
        signed = authorization.split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
        lines = "".join(f"{name}:{headers.get(name) or urlsplit(request.url).hostname}\n" for name in signed)
        canonical = f"POST\n/\n\n{lines}\n{';'.join(signed)}\n{hashlib.sha256(body).hexdigest()}"
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        to_sign = f"AWS4-HMAC-SHA256\n{headers['x-amz-date']}\n{day}/{region}/{service}/aws4_request\n{digest}"
        assert key_id == DEFAULT_ACCESS_KEY_ID, "the bare responder knows one key"
        key = ("AWS4" + DEFAULT_SECRET_ACCESS_KEY).encode()
        for part in (day, region, service, "aws4_request"):
            key = hmac.digest(key, part.encode(), "sha256")
        signature = hmac.digest(key, to_sign.encode(), "sha256").hex()
        assert hmac.compare_digest(signature, authorization.rsplit("Signature=", 1)[1]), "signature"
        new_key = "ASIA" + base64.b32encode(self._random.randbytes(10)).decode()
        secret = base64.b64encode(self._random.randbytes(30)).decode()
        mac = self._mac.copy()
        mac.update(new_key.encode())
        token = base64.b64encode(mac.digest() + new_key.encode() + self._random.randbytes(60)).decode()
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + int(fields["DurationSeconds"])))
        action = fields["Action"]
        if action == "AssumeRole":
            name = fields["RoleSessionName"]
            who = (f"<AssumedRoleUser><AssumedRoleId>AROAEXAMPLEEXAMPLE:{name}</AssumedRoleId>"
                   f"<Arn>arn:aws:sts::123456789012:assumed-role/Deployer/{name}</Arn></AssumedRoleUser>")  # fmt: skip
        else:
            name = fields["Name"]
            who = (f"<FederatedUser><FederatedUserId>123456789012:{name}</FederatedUserId>"
                   f"<Arn>arn:aws:sts::123456789012:federated-user/{name}</Arn></FederatedUser>")  # fmt: skip
        xml = (
            f'<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><{action}Result>{who}'
            f"<Credentials><AccessKeyId>{new_key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
            f"<SessionToken>{token}</SessionToken><Expiration>{expires}</Expiration></Credentials>"
            f"<PackedPolicySize>1</PackedPolicySize></{action}Result><ResponseMetadata><RequestId>"
            f"c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></{action}Response>"
        ).encode()
        headers_out = {"Content-Type": "text/xml", "Content-Length": str(len(xml))}
        return AWSResponse(request.url, 200, headers_out, botocore_door._RawBody(xml))


class FixedAction:
    """mockfed's pipeline (read, authenticate, render) answering with a result made before timing."""

    def __init__(self, backend: FederationBackend, result: dict[str, Any]) -> None:
        self.count = 0
        self._dispatcher = Dispatcher(backend)
        self._result = result

    def _act(self, call: Any, caller: Any, region: str) -> dict[str, Any]:
        self.count += 1
        return self._result

    def __call__(self, door: Any, request: Any) -> AWSResponse:
        http_request = botocore_door._http_request(request)
        exchange = self._dispatcher.answer(http_request, self._act)
        assert exchange.response.status == 200, exchange.response.body[:300]
        return botocore_door._to_aws_response(request.url, exchange.response)


def bound(operation: str, shape: bench.Params, setup: bench.Setup | None, seconds: float, rounds: int) -> None:
    canned = bench.Canned(bench.captured_answer(operation, shape(0), setup))
    backend = FederationBackend()
    with mock_federation(backend=backend):
        client = getattr(bench.sts_client(), operation)  # made inside a mock, as a test makes it
    if setup is not None:
        setup(backend)
    result_backend = FederationBackend()
    if setup is not None:
        setup(result_backend)
    action = {"assume_role": "AssumeRole", "get_federation_token": "GetFederationToken"}[operation]
    fixed_result = sts.invoke(result_backend.state, action, shape(0), None, "us-east-1")
    bare, fixed = Bare(), FixedAction(backend, fixed_result)
    floor_call, floor_next = getattr(bench.floor_client(canned), operation), bench.prepared(shape)
    answered = {"floor": 0, "bare": 0, "pipeline, fixed action": 0, "mockfed": 0}
    original = botocore_door._answer_botocore

    def floor_round() -> float:
        assert active_state() is None
        before, recorded = canned.count, len(backend.calls)
        rate, made = bench.calls_per_second(lambda: floor_call(**floor_next()), seconds)
        assert canned.count - before == made, "the floor's handler did not answer every call"
        assert len(backend.calls) == recorded, "mockfed answered during a floor round"
        answered["floor"] += made
        return rate

    def answered_by(name: str, answerer: Answerer | None, counter: Any) -> Callable[[], float]:
        next_request = bench.prepared(shape)

        def measure() -> float:
            before_calls, before_count = len(backend.calls), counter.count if counter else 0
            canned_before = canned.count
            if answerer is not None:
                botocore_door._answer_botocore = answerer  # type: ignore[assignment]
            try:
                with mock_federation(backend=backend):
                    rate, made = bench.calls_per_second(lambda: client(**next_request()), seconds)
            finally:
                botocore_door._answer_botocore = original
            assert canned.count == canned_before, "the floor answered"
            if counter is not None:
                assert counter.count - before_count == made, f"{name} did not answer every call"
                assert len(backend.calls) == before_calls, f"mockfed's actions answered during {name}"
            else:
                assert len(backend.calls) - before_calls == made, "mockfed did not record every call"
            answered[name] += made
            return rate

        return measure

    results = bench.interleaved(
        {
            "floor": floor_round,
            "bare": answered_by("bare", bare, bare),
            "pipeline, fixed action": answered_by("pipeline, fixed action", fixed, fixed),
            "mockfed": answered_by("mockfed", None, None),
        },
        rounds,
    )
    floor = results["floor"]
    for name, rate in results.items():
        print(f"  {name:24} {rate:6.0f} calls/s   {rate / floor:.2f} of the floor")
    print(f"  answered (proved): {answered}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter run, noisier figures")
    args = parser.parse_args()
    seconds, rounds = (0.4, 3) if args.quick else (1.0, 5)
    print("bound: AssumeRole, RoleSessionName alone varied")
    bound("assume_role", bench.name_varied(bench.ASSUME_ROLE_REQUEST, "RoleSessionName"), bench.with_role, seconds,
          rounds)  # fmt: skip
    print("\nbound: GetFederationToken, every field varied (Name, Policy, a tag, DurationSeconds)")
    bound("get_federation_token", bench.every_field_varied(bench.SEED_REQUEST, "Name"), None, seconds, rounds)


if __name__ == "__main__":
    main()
