"""Signed requests mutated (bits flipped, bytes inserted and deleted, the same text re-encoded), a bounded run of
``fuzz/signed_mutations.py``: no answer is a 500, and an accepted request carries exactly what was signed."""

from __future__ import annotations

from fuzz.signed_mutations import in_process, over_a_socket, run, signed_requests
from mockfed import FederationBackend
from mockfed.server import FederationServer


def test_mutated_signed_requests_in_process() -> None:
    outcomes = run(in_process(FederationBackend()), signed_requests("sts.us-east-1.amazonaws.com"), 20_000, seed=7)
    assert outcomes["accepted, as signed"] > 0  # re-encodings of the same text are still the request signed
    assert outcomes["refused 403"] > 0


def test_mutated_signed_requests_to_mockfed_serve() -> None:
    with FederationServer(port=0, strict_auth=True) as server:
        host = server.url.split("://", 1)[1]
        outcomes = run(over_a_socket(server), signed_requests(host), 1_000, seed=8)
    assert outcomes["accepted, as signed"] > 0
    assert outcomes["refused 403"] > 0
