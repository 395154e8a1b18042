"""The admin API and ``RemoteBackend`` cover ``FederationBackend``'s family, and cannot drift from it.

The family is found by introspection: every public method of the backend (properties are what it
reads, not what it does) and every public method of the objects those methods return, less an
explicit list of what is read-only or Python-only, each with its reason. For each member:

- a route of :data:`mockfed.server.admin.ROUTES` calls it, its body's fields named as the method's
  parameters, required where the parameter has no default, nullable where the default is None;
- ``RemoteBackend`` (or the remote object) has a method of the same name whose parameters have the
  same names, kinds and defaults (``inspect.signature``);
- the remote result has the same shape as the in-process one: the same public attributes, less the
  ones that hold what stays in the server's process (a private key, the clock object).

Then the same calls are made on an in-process backend and, through ``RemoteBackend``, on a server's
backend made with the same seed, and the answers compared: equal where the backend is deterministic,
the same shape where keys or signatures are fresh. That run must use every route.
"""

from __future__ import annotations

import base64
import dataclasses
import inspect
import json
import typing
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest

from mockfed import FederationBackend
from mockfed.clock import Clock
from mockfed.iam.policy import Verdict
from mockfed.idp.oidc import OidcIdentityProvider
from mockfed.idp.saml import SamlIdentityProvider
from mockfed.remote import RemoteBackend, RemoteOidcProvider, RemoteSamlProvider, RemoteUser
from mockfed.server import FederationServer, admin
from mockfed.server.client import RemoteClock
from mockfed.state.records import MfaDevice, Principal, Role

#: Public methods of FederationBackend with no route, and why: none of them shapes the account or mints.
EXCLUDED = {
    "invoke": "the STS pipeline's entry point: over HTTP it is STS itself (any path but /_mockfed/)",
    "log_call": "the pipeline's own record of a call: the server records the requests it answers",
    "get_caller_identity": "takes a Principal object; over HTTP a client calls STS's GetCallerIdentity",
    "get_federation_token": "takes a Principal object; over HTTP a client calls STS's GetFederationToken",
    "decode_authorization_message": "reads; over HTTP a client calls STS's DecodeAuthorizationMessage",
    "principal": "reads: a Principal with its secret key, for tests in the backend's process",
    "open_session_token": "reads: the claims sealed in a session token, for tests in the backend's process",
    "managed_policy": "reads: a managed policy's document",
    "describe_account": "reads: the account without secrets, which GET /_mockfed/state answers as its account",
    "identity_provider": "reads: the provider object with its signing key; over HTTP the minting routes name it",
}

#: Attributes of a result that stay in the server's process, and why.
PYTHON_ONLY = {
    OidcIdentityProvider: {"clock": "the server's Clock object", "key": "the issuer's private key: it stays there"},
    SamlIdentityProvider: {"clock": "the server's Clock object", "key_pem": "the IdP's private key: it stays there"},
}

#: Attributes only the remote objects have: how they reach the server.
CLIENT_ONLY = {"_transport"}

#: What each in-process result is on the client's side.
REMOTE_RESULT = {
    Principal: RemoteUser,
    Role: Role,
    MfaDevice: MfaDevice,
    OidcIdentityProvider: RemoteOidcProvider,
    SamlIdentityProvider: RemoteSamlProvider,
    Verdict: Verdict,
}


def family() -> list[str]:
    """The public methods of FederationBackend, by introspection, less the exclusions."""
    names = []
    for name in dir(FederationBackend):
        if name.startswith("_") or name in EXCLUDED:
            continue
        if isinstance(inspect.getattr_static(FederationBackend, name), property):
            continue  # what the backend reads (sessions, calls, roles, clock, ...): GET /_mockfed/state, or below
        names.append(name)
    return names


def backend_function(name: str) -> Callable[..., Any]:
    """The function behind ``FederationBackend.<name>`` (the delegated function for a ``_Delegated`` one)."""
    attribute = inspect.getattr_static(FederationBackend, name)
    return typing.cast(Callable[..., Any], getattr(attribute, "_function", attribute))


def returned(function: Callable[..., Any]) -> Any:
    return typing.get_type_hints(function).get("return")


def parameters(function: Callable[..., Any]) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def route_calling(name: str, on: str | None = None) -> admin.Route[Any]:
    [route] = [r for r in admin.ROUTES if r.calls == name and (r.on is not None) == (on is not None)]
    return route


def assert_fields_are_the_parameters(route: admin.Route[Any], function: Callable[..., Any]) -> None:
    """The route's body fields are the method's parameters: same names and order; required iff no default;
    nullable iff the default is None; the ``**keywords`` parameter a field of ``keywords`` kind."""
    declared = [p for p in inspect.signature(function).parameters.values() if p.name != "self"]
    fields = [f for f in route.fields if f.name != route.on]
    assert [f.name for f in fields] == [p.name for p in declared], route.path
    for f, p in zip(fields, declared, strict=True):
        assert f.required == (p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD), (route.path, p)
        assert f.nullable == (p.default is None), (route.path, p)
        assert f.keywords == (p.kind is p.VAR_KEYWORD), (route.path, p)


def public_attributes(kind: type[Any]) -> set[str]:
    names = {name for name in dir(kind) if not name.startswith("_")}
    if dataclasses.is_dataclass(kind):
        names |= {f.name for f in dataclasses.fields(kind)}
    return names


# ---- the surfaces, compared by introspection --------------------------------------------------------------------


def test_the_family_is_found_and_the_exclusions_name_real_methods() -> None:
    names = family()
    assert {"create_role", "create_oidc_provider", "mfa_code", "explain", "signin_url", "reset"} <= set(names)
    assert len(names) >= 29
    for name, reason in EXCLUDED.items():
        assert callable(getattr(FederationBackend(), name)), name
        assert reason


@pytest.mark.parametrize("name", family())
def test_each_method_has_a_route_and_a_remote_method_of_its_signature(name: str) -> None:
    function = backend_function(name)
    route = route_calling(name)
    backend_method = getattr(FederationBackend(), name)
    remote_method = getattr(RemoteBackend("http://127.0.0.1:9"), name)

    assert parameters(remote_method) == parameters(backend_method)
    assert_fields_are_the_parameters(route, backend_method)
    result, remote_result = returned(function), returned(getattr(RemoteBackend, name))
    if result in REMOTE_RESULT:
        assert remote_result is REMOTE_RESULT[result]
    else:
        assert remote_result == result, (name, result, remote_result)  # str, bool, None
    assert admin.ROUTES[route] is not None


@pytest.mark.parametrize(("local", "remote"), list(REMOTE_RESULT.items()), ids=lambda kind: kind.__name__)
def test_each_remote_result_has_the_shape_of_the_backends(local: type[Any], remote: type[Any]) -> None:
    python_only = set(PYTHON_ONLY.get(local, {}))
    assert public_attributes(remote) - CLIENT_ONLY == public_attributes(local) - python_only
    assert python_only <= public_attributes(local)  # the exclusions are real attributes
    for name in public_attributes(local) - python_only:
        here, there = inspect.getattr_static(local, name, None), inspect.getattr_static(remote, name, None)
        if inspect.isfunction(here):  # a method: same parameters on the remote object
            assert inspect.isfunction(there), name
            assert parameters(there) == parameters(here), name


def minting_methods() -> Iterator[tuple[type[Any], str]]:
    """The methods of the family's results that ask the server for something it alone can make (its keys sign)."""
    for local in PYTHON_ONLY:  # the results holding what stays on the server (the others are plain records)
        for name in sorted(public_attributes(local) - set(PYTHON_ONLY[local])):
            if inspect.isfunction(inspect.getattr_static(local, name, None)):
                yield local, name


@pytest.mark.parametrize(("local", "name"), list(minting_methods()), ids=lambda v: getattr(v, "__name__", v))
def test_each_minting_method_of_a_provider_has_a_route_or_mints_through_one(local: type[Any], name: str) -> None:
    """``token`` and ``assertion`` have a route naming the provider; ``write_token_file`` writes a minted token."""
    if name == "write_token_file":
        assert "self.token(" in inspect.getsource(RemoteOidcProvider.write_token_file)
        return
    route = route_calling(name, on="provider")
    assert_fields_are_the_parameters(route, getattr(local, name))


def test_the_remote_clock_has_the_clocks_verbs() -> None:
    clock_names = {name for name in dir(Clock) if not name.startswith("_")}
    assert clock_names == {name for name in dir(RemoteClock) if not name.startswith("_")}
    for name in clock_names:
        here = inspect.getattr_static(Clock, name)
        if inspect.isfunction(here):
            assert parameters(getattr(RemoteClock, name)) == parameters(here), name


def test_every_route_answers_with_a_handler_and_has_one_path() -> None:
    assert len({(route.method, route.path) for route in admin.ROUTES}) == len(admin.ROUTES)
    assert set(admin.FAMILY) <= set(admin.ROUTES)
    called = {route.calls for route in admin.FAMILY if route.on is None}
    assert called == set(family())


# ---- the surfaces, compared by what they answer ----------------------------------------------------------------

TRUST_CI = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:user/ci"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "build-42"}},
        }
    ],
}
S3_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
LOGS = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:Get*","Resource":"*"}]}'
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def script(side: Any, record: dict[str, Any]) -> None:
    """The same calls on either side (FederationBackend or RemoteBackend), each answer kept in ``record``."""
    record["create_user"] = ci = side.create_user("ci", S3_ALL, tags={"team": "blue"}, managed=[READ_ONLY])
    record["create_access_key"] = side.create_access_key("ci")
    record["update_access_key"] = side.update_access_key(record["create_access_key"].access_key_id, "Inactive")
    record["delete_access_key"] = side.delete_access_key(record["create_access_key"].access_key_id)
    record["put_user_policy"] = side.put_user_policy("ci", "logs", LOGS)
    record["delete_user_policy"] = side.delete_user_policy("ci", "logs")
    record["detach_user_policy"] = side.detach_user_policy("ci", READ_ONLY)
    record["attach_user_policy"] = side.attach_user_policy("ci", READ_ONLY)
    record["create_policy"] = arn = side.create_policy("ReadLogs", LOGS)
    record["create_role"] = side.create_role(
        "Deployer", TRUST_CI, policy=S3_ALL, managed=[arn], max_session_duration=7200, tags={"env": "ci"}
    )
    record["put_role_policy"] = side.put_role_policy("Deployer", "more", S3_ALL)
    record["delete_role_policy"] = side.delete_role_policy("Deployer", "more")
    record["detach_role_policy"] = side.detach_role_policy("Deployer", arn)
    record["attach_role_policy"] = side.attach_role_policy("Deployer", READ_ONLY)
    record["delete_policy"] = side.delete_policy(arn)
    record["create_mfa_device"] = device = side.create_mfa_device("ci-phone", user="ci", secret=SECRET)
    record["mfa_code"] = side.mfa_code(device)
    record["is_allowed"] = side.is_allowed(ci.access_key_id, "s3:GetObject", "arn:aws:s3:::b/k")
    record["explain"] = side.explain(ci.access_key_id, "ec2:RunInstances", context={"aws:SourceIp": "10.0.0.1"})
    record["authorization_message"] = side.authorization_message(ci.access_key_id, "ec2:RunInstances")
    github = side.create_oidc_provider("https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
    record["create_oidc_provider"] = github
    record["token"] = github.token("repo:acme/app:ref:refs/heads/main", expires_in=600, repository="acme/app")
    okta = side.create_saml_provider("Okta", issuer="http://www.okta.com/exk1abcd")
    record["create_saml_provider"] = okta
    record["assertion"] = okta.assertion(
        "arn:aws:iam::123456789012:role/Deployer", subject="alice@example.com", attributes={"PrincipalTag:team": "blue"}
    )
    record["disable_region"] = side.disable_region("ap-east-1")
    record["enable_region"] = side.enable_region("ap-east-1")
    record["inject_error"] = side.inject_error("GetCallerIdentity", "Throttling", count=1)
    record["delete_role"] = side.delete_role("Deployer")
    record["delete_user"] = side.delete_user("ci")
    record["reset"] = side.reset()


def signin_url_of(side: Any, credentials: dict[str, Any]) -> str:
    return str(side.signin_url(credentials, destination="https://console.aws.amazon.com/s3/", issuer="Example.org"))


def comparable(name: str, value: Any) -> Any:
    """What must be equal on both sides: the whole answer, less what is fresh on every run (RSA keys, signatures)."""
    if isinstance(value, OidcIdentityProvider | RemoteOidcProvider):
        return (value.arn, value.url, value.client_ids, value.thumbprints, sorted(value.jwks["keys"][0]))
    if isinstance(value, SamlIdentityProvider | RemoteSamlProvider):
        return (value.arn, value.name, value.issuer, value.certificate is not None)
    if name == "token":
        claims = jwt.decode(value, options={"verify_signature": False})
        return jwt.get_unverified_header(value)["alg"], {k: v for k, v in claims.items() if k not in ("iat", "exp")}
    if name == "assertion":
        return b"alice@example.com" in base64.b64decode(value), b"PrincipalTag:team" in base64.b64decode(value)
    if name == "authorization_message":
        return type(value)
    if name == "mfa_code":
        return len(value), value.isdigit()
    if isinstance(value, Principal):  # a RemoteUser is a Principal: compared as one
        return dataclasses.astuple(Principal(**{f.name: getattr(value, f.name) for f in dataclasses.fields(Principal)}))
    return value


def test_the_same_calls_answer_the_same_in_process_and_over_http(monkeypatch: pytest.MonkeyPatch) -> None:
    moment = datetime(2030, 1, 1, tzinfo=UTC)
    local = FederationBackend(seed=11)
    local.clock.set(moment)
    here: dict[str, Any] = {}
    script(local, here)

    used: list[admin.Route[Any]] = []
    call = RemoteBackend._call

    def recording(self: RemoteBackend, route: admin.Route[Any], body: Any = None) -> dict[str, Any]:
        used.append(route)
        return call(self, route, body)

    monkeypatch.setattr(RemoteBackend, "_call", recording)
    there: dict[str, Any] = {}
    with FederationServer(backend=FederationBackend(seed=11)) as server:
        remote = RemoteBackend(server.url)
        remote.clock.set(moment)
        script(remote, there)
        remote.clock.advance(seconds=1)
        remote.clock.reset()
        state = remote.state()
        # signin_url needs live credentials: the same ones on both sides, issued by each side's backend
        out = server.backend.get_federation_token(server.backend.default_user, {"Name": "Bob"})
        there["signin_url"] = signin_url_of(remote, out["Credentials"]).partition("SigninToken=")[0]
    out = local.get_federation_token(local.default_user, {"Name": "Bob"})
    here["signin_url"] = signin_url_of(local, out["Credentials"]).partition("SigninToken=")[0]

    assert set(here) == set(there) == {*family(), "token", "assertion"}
    for name in here:
        assert comparable(name, there[name]) == comparable(name, here[name]), name
    assert isinstance(there["create_user"], RemoteUser)
    assert there["create_user"].secret_access_key
    assert there["explain"] == here["explain"]
    assert not there["explain"].allowed
    assert set(used) == set(admin.ROUTES), {f"{r.method} {r.path}" for r in set(admin.ROUTES) - set(used)}
    assert state["clock"]["offset"] == 0


def test_a_token_file_written_remotely_holds_a_token_the_server_minted(tmp_path: Path) -> None:
    with FederationServer() as server:
        eks = RemoteBackend(server.url).create_oidc_provider("https://oidc.eks.eu-west-1.amazonaws.com/id/EX")
        written = eks.write_token_file(tmp_path / "token", sub="system:serviceaccount:default:reader")
        claims = jwt.decode(written.read_text(), options={"verify_signature": False})
        jwks = server.backend.state.account.signing_keys(eks.url)

    assert written == tmp_path / "token"
    assert claims["sub"] == "system:serviceaccount:default:reader"
    assert claims["aud"] == "sts.amazonaws.com"
    assert jwks == eks.jwks
    assert jwt.get_unverified_header(written.read_text())["kid"] == eks.key_id
    assert json.dumps(eks.jwks).count('"d"') == 0  # the published keys are public: no private exponent


def test_docs_serve_md_lists_every_route_with_its_fields() -> None:
    """docs/serve.md, "The admin API": one row per route, naming each field (the required ones in bold)."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "serve.md").read_text(encoding="utf-8")
    section = page.partition("\n## The admin API\n")[2].partition("\n## ")[0]
    rows = {line.split("`")[1]: line for line in section.splitlines() if line.startswith("| `")}
    assert set(rows) == {f"{route.method} {route.url_path}" for route in admin.ROUTES}
    for route in admin.ROUTES:
        row = rows[f"{route.method} {route.url_path}"]
        for f in route.fields:
            assert (f"**`{f.name}`**" if f.required else f"`{f.name}`") in row, (route.path, f.name)
