"""The live page of ``mockfed serve`` over HTTP: what ``GET /_mockfed/`` answers, its headers, and the JSON it reads.

What it shows in a browser is tested in ``tests/test_live_page_browser.py``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator

import boto3
import pytest
import requests

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend
from mockfed.server import FederationServer
from mockfed.server.page import page_html
from tests.conftest import SIMPLE_POLICY

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}  # a browser's


@pytest.fixture
def server() -> Iterator[FederationServer]:
    with FederationServer(port=0) as running:
        yield running


def test_the_page_is_html_with_a_policy_forbidding_other_origins(server: FederationServer) -> None:
    answer = requests.get(f"{server.url}/_mockfed/", headers=HTML, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.content == page_html()
    assert answer.text.startswith("<!DOCTYPE html>")
    policy = dict(part.strip().split(" ", 1) for part in answer.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert policy["img-src"] == policy["base-uri"] == policy["form-action"] == policy["frame-ancestors"] == "'none'"
    for tag in ("script", "style"):  # only the page's own inline blocks, by their hashes: nothing else runs
        blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", answer.text, re.DOTALL)
        hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in blocks]
        assert policy[f"{tag}-src"].split() == hashes
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_page_is_self_contained_and_sets_data_only_as_text() -> None:
    text = page_html().decode("utf-8")
    assert not re.search(r"https?:|//[a-z]", text.replace("'self'", ""), re.IGNORECASE)  # no other origin, no CDN
    assert not re.search(r"<(?:link|img|iframe|object|embed)\b|@import|url\(|<script\s+src", text, re.IGNORECASE)
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function", text)


def test_without_the_slash_it_redirects_and_head_has_no_body(server: FederationServer) -> None:
    moved = requests.get(f"{server.url}/_mockfed", headers=HTML, allow_redirects=False, timeout=10)
    assert (moved.status_code, moved.headers["Location"]) == (308, "/_mockfed/")
    assert requests.get(f"{server.url}/_mockfed", headers=HTML, timeout=10).url == f"{server.url}/_mockfed/"
    head = requests.head(f"{server.url}/_mockfed/", headers=HTML, timeout=10)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["Content-Length"]) > 1000


def test_json_clients_and_other_methods_still_reach_the_admin_api(server: FederationServer) -> None:
    for answer in (
        requests.get(f"{server.url}/_mockfed/", headers={"Accept": "application/json"}, timeout=10),
        requests.get(f"{server.url}/_mockfed/", headers={"Accept": "text/html;q=0, application/json"}, timeout=10),
        requests.post(f"{server.url}/_mockfed/", headers=HTML, timeout=10),
    ):
        assert answer.status_code == 404
        assert "the admin API has GET /_mockfed/ + state;" in answer.json()["error"]
    assert requests.get(f"{server.url}/_mockfed/state", headers=HTML, timeout=10).json()["calls"] == []


def test_the_account_view_lists_principals_and_every_session_with_time_to_expiry() -> None:
    backend = FederationBackend()
    alice = backend.create_user("alice", SIMPLE_POLICY)
    backend.create_role(
        "Deployer",
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "123456789012"},
                                                 "Action": "sts:AssumeRole"}]},
        managed=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    )
    with FederationServer(backend=backend) as server:
        def sts(key: str = DEFAULT_ACCESS_KEY_ID, secret: str = DEFAULT_SECRET_ACCESS_KEY) -> object:
            return boto3.session.Session().client(
                "sts", region_name="us-east-1", endpoint_url=server.url,
                aws_access_key_id=key, aws_secret_access_key=secret,
            )

        sts().get_federation_token(Name="Bob", DurationSeconds=900)  # type: ignore[attr-defined]
        sts().assume_role(  # type: ignore[attr-defined]
            RoleArn="arn:aws:iam::123456789012:role/Deployer", RoleSessionName="deploy", DurationSeconds=1800
        )
        sts(alice.access_key_id, alice.secret_access_key).get_session_token()  # type: ignore[attr-defined]

        view = requests.get(f"{server.url}/_mockfed/page/account", headers=HTML, timeout=10).json()
        assert [(p["kind"], p["name"]) for p in view["principals"]] == [
            ("root", "root"), ("user", "mockfed-default"), ("user", "alice"), ("role", "Deployer")
        ]
        assert view["principals"][3]["policies"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
        sessions = {session["kind"]: session for session in view["sessions"]}
        assert [session["name"] for session in view["sessions"]] == ["alice", "deploy", "Bob"]  # newest first
        assert sessions["federated user"]["arn"] == "arn:aws:sts::123456789012:federated-user/Bob"
        assert 890 < sessions["federated user"]["expires_in_seconds"] <= 900
        assert 1790 < sessions["role"]["expires_in_seconds"] <= 1800
        assert 43190 < sessions["session token"]["expires_in_seconds"] <= 43200

        requests.post(f"{server.url}/_mockfed/clock/advance", json={"seconds": 901}, timeout=10)
        again = requests.get(f"{server.url}/_mockfed/page/account", timeout=10).json()
        later = {session["kind"]: session for session in again["sessions"]}
        assert -11 < later["federated user"]["expires_in_seconds"] < 0  # on the backend's clock: expired
        assert 880 < later["role"]["expires_in_seconds"] < 900
