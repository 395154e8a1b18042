"""Identity providers answer their own URLs: discovery documents, keys and SAML metadata, offline.

While a mock is active, an OpenID Connect issuer the backend holds answers
``ISSUER/.well-known/openid-configuration`` and the ``jwks_uri`` it names, through the requests and
urllib doors, so code that verifies tokens itself (PyJWT's ``PyJWKClient``) runs against mockfed's
tokens with no socket; any other URL keeps what the doors did before. ``mockfed serve`` serves the
same documents, and SAML metadata, under ``/_mockfed/``; every other path there is a 404 in JSON.
"""

from __future__ import annotations

import base64
import http.client
import importlib.util
import json
import urllib.error
import urllib.request
from typing import Any

import jwt
import pytest
import requests

from mockfed import FederationBackend, UnmockedRequestError, mock_federation
from mockfed.idp.discovery import openid_configuration
from mockfed.server import FederationServer
from tests.conftest import SocketGuard

GITHUB = "https://token.actions.githubusercontent.com"
EKS = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"  # an AWS host
DISCOVERY = "/.well-known/openid-configuration"
ISSUERS = [pytest.param(GITHUB, id="github"), pytest.param(EKS, id="eks")]


def verified(token: str, configuration: dict[str, Any]) -> dict[str, Any]:
    """What an API that checks GitHub's or EKS's tokens itself does: the keys from the discovery document's
    ``jwks_uri`` through PyJWKClient (urllib), then the signature, audience and issuer."""
    signing_key = jwt.PyJWKClient(configuration["jwks_uri"]).get_signing_key_from_jwt(token)
    claims: dict[str, Any] = jwt.decode(
        token,
        signing_key.key,
        algorithms=configuration["id_token_signing_alg_values_supported"],
        audience="sts.amazonaws.com",
        issuer=configuration["issuer"],
    )
    return claims


# ---- in process: the requests and urllib doors ------------------------------------------------------------------


@pytest.mark.parametrize("issuer", ISSUERS)
def test_pyjwkclient_verifies_a_token_through_the_discovery_document_without_a_socket(
    socket_guard: SocketGuard, issuer: str
) -> None:
    with mock_federation() as backend:
        provider = backend.create_oidc_provider(issuer, ["sts.amazonaws.com"])
        token = provider.token(sub="repo:acme/app:ref:refs/heads/main")

        configuration = requests.get(issuer + DISCOVERY, timeout=5).json()
        claims = verified(token, configuration)

    assert claims["sub"] == "repo:acme/app:ref:refs/heads/main"
    assert socket_guard.attempts == []


@pytest.mark.parametrize("issuer", ISSUERS)
def test_the_same_through_urllib_and_the_keys_through_requests(socket_guard: SocketGuard, issuer: str) -> None:
    with mock_federation() as backend:
        provider = backend.create_oidc_provider(issuer, ["sts.amazonaws.com"])
        token = provider.token(sub="system:serviceaccount:default:reader")

        with urllib.request.urlopen(issuer + DISCOVERY, timeout=5) as answer:
            assert answer.status == 200
            assert answer.headers["Content-Type"] == "application/json"
            configuration = json.load(answer)
        keys = jwt.PyJWKSet.from_dict(requests.get(configuration["jwks_uri"], timeout=5).json())
        signing_key = keys[jwt.get_unverified_header(token)["kid"]]
        claims = jwt.decode(token, signing_key.key, algorithms=["RS256"], audience="sts.amazonaws.com")

    assert claims["iss"] == issuer
    assert socket_guard.attempts == []


def test_the_documents_say_what_github_and_eks_publish(socket_guard: SocketGuard) -> None:
    with mock_federation() as backend:
        github = backend.create_oidc_provider(GITHUB, ["sts.amazonaws.com"])
        configuration = requests.get(GITHUB + DISCOVERY, timeout=5).json()
        jwks = requests.get(configuration["jwks_uri"], timeout=5).json()

    assert configuration == {
        "issuer": GITHUB,  # exactly the provider URL: the tokens' iss
        "jwks_uri": GITHUB + "/.well-known/jwks",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid"],
        "claims_supported": ["aud", "exp", "iat", "iss", "sub"],
    }
    (key,) = jwks["keys"]
    assert {name: key[name] for name in ("kty", "use", "alg", "kid")} == {
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": jwt.get_unverified_header(github.token())["kid"],
    }
    assert key["e"] == "AQAB"
    assert len(base64.urlsafe_b64decode(key["n"] + "==")) == 256  # a 2048-bit modulus
    assert jwks == github.jwks
    assert socket_guard.attempts == []


def uris(providers: list[Any]) -> list[str]:
    return [str(openid_configuration(provider.url, provider.jwks)["jwks_uri"]) for provider in providers]


def test_every_provider_answers_its_own_documents(socket_guard: SocketGuard) -> None:
    with mock_federation() as backend:
        providers = [backend.create_oidc_provider(url) for url in (GITHUB, EKS, "https://gitlab.example.com/oidc")]
        for provider in providers:
            jwks_uri = requests.get(provider.url + "/.well-known/openid-configuration", timeout=5).json()["jwks_uri"]
            assert requests.get(jwks_uri, timeout=5).json() == provider.jwks
    assert [uri.removeprefix(p.url) for p, uri in zip(providers, uris(providers), strict=True)] == [
        "/.well-known/jwks", "/keys", "/.well-known/jwks"]  # EKS publishes its keys at ISSUER/keys
    assert len({provider.key_id for provider in providers}) == 3
    assert socket_guard.attempts == []


def test_the_host_is_read_as_dns_reads_it_and_the_query_is_not_read(socket_guard: SocketGuard) -> None:
    with mock_federation() as backend:
        github = backend.create_oidc_provider(GITHUB)
        spelled = "https://Token.Actions.GitHubUserContent.com.:443/.well-known/jwks?v=1"
        assert requests.get(spelled, timeout=5).json() == github.jwks
        with urllib.request.urlopen(spelled, timeout=5) as answer:
            assert json.load(answer) == github.jwks
    assert socket_guard.attempts == []


def test_only_get_and_head_are_answered(socket_guard: SocketGuard) -> None:
    with mock_federation() as backend:
        backend.create_oidc_provider(GITHUB)
        head = requests.head(GITHUB + DISCOVERY, timeout=5)
        posted = requests.post(GITHUB + DISCOVERY, data=b"x", timeout=5)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(GITHUB + DISCOVERY, data=b"x", method="PUT"), timeout=5)
    assert (head.status_code, head.content) == (200, b"")
    assert (posted.status_code, posted.headers["Allow"]) == (405, "GET, HEAD")
    assert refused.value.code == 405
    assert socket_guard.attempts == []


def test_a_provider_made_during_the_mock_answers_at_once_and_a_reset_one_no_longer(socket_guard: SocketGuard) -> None:
    """The doors read the backend at each request: nothing of its provider list is kept."""
    with mock_federation() as backend:
        with pytest.raises(socket_guard.error):
            requests.get(GITHUB + DISCOVERY, timeout=5)
        github = backend.create_oidc_provider(GITHUB)
        assert requests.get(GITHUB + DISCOVERY, timeout=5).json()["issuer"] == GITHUB
        with urllib.request.urlopen(GITHUB + "/.well-known/jwks", timeout=5) as answer:
            assert json.load(answer) == github.jwks

        backend.reset()  # a new account: no provider any more

        with pytest.raises(socket_guard.error):
            requests.get(GITHUB + DISCOVERY, timeout=5)
        with pytest.raises(socket_guard.error):
            urllib.request.urlopen(GITHUB + "/.well-known/jwks", timeout=5)
    assert socket_guard.attempts == [
        "getaddrinfo token.actions.githubusercontent.com:443",
        "getaddrinfo token.actions.githubusercontent.com:443",
        "create_connection ('token.actions.githubusercontent.com', 443)",
    ]


def test_nothing_is_answered_once_the_mock_ends(socket_guard: SocketGuard) -> None:
    backend = FederationBackend()
    backend.create_oidc_provider(GITHUB)
    with mock_federation(backend=backend):
        assert requests.get(GITHUB + DISCOVERY, timeout=5).status_code == 200
    with pytest.raises(socket_guard.error):
        requests.get(GITHUB + DISCOVERY, timeout=5)
    with pytest.raises(socket_guard.error):
        urllib.request.urlopen(GITHUB + DISCOVERY, timeout=5)
    assert len(socket_guard.attempts) == 2


def test_the_innermost_mock_answers_with_its_own_providers(socket_guard: SocketGuard) -> None:
    with mock_federation() as outer:
        github = outer.create_oidc_provider(GITHUB)
        with mock_federation(), pytest.raises(socket_guard.error):
            requests.get(GITHUB + DISCOVERY, timeout=5)  # the inner backend holds no GitHub
        assert requests.get(GITHUB + "/.well-known/jwks", timeout=5).json() == github.jwks


NOT_PUBLISHED = [
    pytest.param("https://idp.example.org/.well-known/openid-configuration", id="not-a-provider"),
    pytest.param(GITHUB + "/other/.well-known/openid-configuration", id="another-path-of-the-host"),
    pytest.param(GITHUB + "/.well-known/openid-configuration/", id="trailing-slash"),
    pytest.param(GITHUB + "/keys", id="another-document"),
    pytest.param(GITHUB + "/", id="the-issuer-itself"),
    pytest.param("http://token.actions.githubusercontent.com/.well-known/openid-configuration", id="http"),
    pytest.param("https://token.actions.githubusercontent.com:8443/.well-known/jwks", id="another-port"),
    pytest.param("https://githubusercontent.com/.well-known/jwks", id="the-parent-domain"),
]


@pytest.mark.parametrize("url", NOT_PUBLISHED)
def test_a_url_no_provider_publishes_is_left_to_the_network(socket_guard: SocketGuard, url: str) -> None:
    """The doors do not start answering other hosts or paths: those go where they went before."""
    with mock_federation() as backend:
        backend.create_oidc_provider(GITHUB)
        with pytest.raises(socket_guard.error):
            requests.get(url, timeout=5)
        with pytest.raises(socket_guard.error):
            urllib.request.urlopen(url, timeout=5)
    assert len(socket_guard.attempts) == 2, socket_guard.attempts


def test_an_aws_host_that_is_no_provider_is_still_refused(socket_guard: SocketGuard) -> None:
    """An EKS issuer is on an AWS host: another cluster's documents are refused through urllib as before."""
    with mock_federation() as backend:
        backend.create_oidc_provider(EKS)
        other = EKS.rsplit("/", 1)[0] + "/ANOTHERCLUSTER"
        with pytest.raises(UnmockedRequestError):
            urllib.request.urlopen(other + DISCOVERY, timeout=5)
    assert socket_guard.attempts == []


# ---- mockfed serve ----------------------------------------------------------------------------------------------


@pytest.fixture
def served() -> Any:
    backend = FederationBackend()
    with FederationServer(backend) as server:
        yield server


@pytest.mark.parametrize("issuer", ISSUERS)
def test_serve_answers_the_discovery_document_and_pyjwkclient_works_against_it(
    served: FederationServer, issuer: str
) -> None:
    provider = served.backend.create_oidc_provider(issuer, ["sts.amazonaws.com"])
    host_path = issuer.removeprefix("https://")
    token = provider.token(sub="repo:acme/app:ref:refs/heads/main")

    answer = requests.get(f"{served.url}/_mockfed/oidc/{host_path}{DISCOVERY}", timeout=5)
    configuration = answer.json()

    assert answer.headers["Content-Type"] == "application/json"
    jwks_uri = f"{served.url}/_mockfed/oidc/{host_path}/.well-known/jwks"
    with mock_federation(backend=served.backend):  # the document the issuer's own URL answers in process
        in_process = requests.get(issuer + DISCOVERY, timeout=5).json()
    assert configuration == {**in_process, "jwks_uri": jwks_uri}
    assert configuration["issuer"] == issuer
    assert verified(token, configuration)["sub"] == "repo:acme/app:ref:refs/heads/main"
    assert requests.get(jwks_uri, timeout=5).json() == provider.jwks


def test_serve_names_itself_as_the_client_reached_it(served: FederationServer) -> None:
    served.backend.create_oidc_provider(GITHUB)
    path = "/_mockfed/oidc/token.actions.githubusercontent.com/.well-known/openid-configuration"
    reached = requests.get(f"http://localhost:{served.port}{path}", timeout=5).json()
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", "evil.example.com/x?")  # not a host: the server's own URL instead
    connection.endheaders()
    forged = json.loads(connection.getresponse().read())
    connection.close()

    assert reached["jwks_uri"] == f"http://localhost:{served.port}/_mockfed/oidc/{GITHUB[8:]}/.well-known/jwks"
    assert forged["jwks_uri"] == f"{served.url}/_mockfed/oidc/{GITHUB[8:]}/.well-known/jwks"


def test_serve_reads_the_backend_at_each_request(served: FederationServer) -> None:
    url = f"{served.url}/_mockfed/oidc/token.actions.githubusercontent.com/.well-known/jwks"
    assert requests.get(url, timeout=5).status_code == 404
    github = served.backend.create_oidc_provider(GITHUB)
    assert requests.get(url, timeout=5).json() == github.jwks
    served.backend.reset()
    assert requests.get(url, timeout=5).status_code == 404


def test_serve_answers_head_and_refuses_other_methods(served: FederationServer) -> None:
    served.backend.create_oidc_provider(GITHUB)
    url = f"{served.url}/_mockfed/oidc/token.actions.githubusercontent.com{DISCOVERY}"
    head = requests.head(url, timeout=5)
    posted = requests.post(url, data=b"{}", timeout=5)
    assert (head.status_code, head.content, head.headers["Content-Type"]) == (200, b"", "application/json")
    assert (posted.status_code, posted.headers["Allow"]) == (405, "GET, HEAD")
    assert "error" in posted.json()


def test_serve_answers_saml_metadata_with_the_certificate_assertions_are_signed_with(
    served: FederationServer,
) -> None:
    XMLVerifier = pytest.importorskip("signxml").XMLVerifier  # the saml extra (the test extra has it)
    from lxml import etree

    okta = served.backend.create_saml_provider("Okta", issuer="http://www.okta.com/exk1fcia6d6EMsf331d8")
    answer = requests.get(f"{served.url}/_mockfed/saml/Okta/metadata.xml", timeout=5)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/samlmetadata+xml"
    assert answer.text == okta.metadata
    root = etree.fromstring(answer.content, etree.XMLParser(resolve_entities=False, no_network=True))
    md, ds = "urn:oasis:names:tc:SAML:2.0:metadata", "http://www.w3.org/2000/09/xmldsig#"
    assert root.tag == f"{{{md}}}EntityDescriptor"
    assert root.get("entityID") == okta.issuer
    (certificate,) = root.iterfind(f".//{{{md}}}KeyDescriptor[@use='signing']//{{{ds}}}X509Certificate")
    assert okta.certificate is not None
    assert "".join((certificate.text or "").split()) == "".join(
        line for line in okta.certificate.splitlines() if "-----" not in line
    )
    response = base64.b64decode(okta.assertion("arn:aws:iam::123456789012:role/Admin", sign="response"))
    verified_root = XMLVerifier().verify(response, x509_cert=certificate.text).signed_xml
    assert verified_root is not None


def test_serve_answers_the_metadata_of_a_provider_made_from_an_idps_own(served: FederationServer) -> None:
    pytest.importorskip("signxml")
    okta = FederationBackend().create_saml_provider("Okta")
    served.backend.create_saml_provider("Copy", okta.metadata)
    assert requests.get(f"{served.url}/_mockfed/saml/Copy/metadata.xml", timeout=5).text == okta.metadata


HOSTILE = [
    "/_mockfed/oidc/",
    "/_mockfed/oidc/../state",
    "/_mockfed/oidc/%2e%2e/state",
    "/_mockfed/oidc/%2E%2E%2Fstate",
    "/_mockfed/oidc/token.actions.githubusercontent.com/../token.actions.githubusercontent.com" + DISCOVERY,
    "/_mockfed/oidc/token.actions.githubusercontent.com/%2e/.well-known/jwks",
    "/_mockfed/oidc/token.actions.githubusercontent.com//.well-known/jwks",
    "/_mockfed/oidc/token.actions.githubusercontent.com/.well-known/jwks/",
    "/_mockfed/oidc/token.actions.githubusercontent.com/.well-known/",
    "/_mockfed/oidc/token.actions.githubusercontent.com",
    "/_mockfed/oidc/TOKEN.actions.githubusercontent.com/.well-known/jwks",
    "/_mockfed/oidc/gitlab.com" + DISCOVERY,
    "/_mockfed/oidc/token.actions.githubusercontent.com%00" + DISCOVERY,
    "/_mockfed/oidc/token.actions.githubusercontent.com\\..\\" + DISCOVERY,
    "/_mockfed/oidc/" + "a/" * 20_000 + DISCOVERY,
    "/_mockfed/saml/",
    "/_mockfed/saml/Okta",
    "/_mockfed/saml/Okta/",
    "/_mockfed/saml/Entra/metadata.xml",
    "/_mockfed/saml/../metadata.xml",
    "/_mockfed/saml/%2e%2e/metadata.xml",
    "/_mockfed/saml/Okta/../Okta/metadata.xml",
    "/_mockfed/saml/Okta/metadata.xml/..",
    "/_mockfed/saml/" + "O" * 200 + "/metadata.xml",
    "/_mockfed/saml/Ok ta/metadata.xml",
    "/_mockfed/saml/Okta%2fmetadata.xml",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_serve_answers_404_in_json_to_every_other_path(served: FederationServer, path: str) -> None:
    served.backend.create_oidc_provider(GITHUB)
    if importlib.util.find_spec("signxml") is not None:
        served.backend.create_saml_provider("Okta")
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
    connection.request("GET", path.replace(" ", "%20"))  # as sent: no client normalizes it on the way
    answer = connection.getresponse()
    body = json.loads(answer.read())
    connection.close()
    assert (answer.status, answer.getheader("Content-Type")) == (404, "application/json"), body
    assert set(body) == {"error"}
