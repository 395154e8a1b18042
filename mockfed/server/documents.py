"""``mockfed serve``'s identity provider documents: what the backend's issuers and SAML IdPs publish.

Code in another process that checks tokens itself (PyJWT's ``PyJWKClient``, authlib, an API
gateway's JWT authorizer in a container) reads them here, as in process it reads them at the
issuer's own URL (:mod:`mockfed.idp.discovery`):

- ``GET /_mockfed/oidc/HOST/PATH/.well-known/openid-configuration``: the discovery document of
  the issuer ``https://HOST/PATH``; its ``issuer`` is that URL (the tokens' ``iss``), its
  ``jwks_uri`` the next path on this server;
- ``GET /_mockfed/oidc/HOST/PATH/.well-known/jwks``: the issuer's keys;
- ``GET /_mockfed/saml/NAME/metadata.xml``: the SAML provider ``NAME``'s metadata (an
  ``EntityDescriptor`` with the certificate its assertions are signed with).

Every document is read from the backend at each request. Any other path under these two
prefixes (an unknown provider, ``..``, an escape, a path too long) is 404 with ``{"error": ...}``,
another method 405; nothing here raises.

Example::

    >>> from mockfed.backend import FederationBackend
    >>> backend = FederationBackend()
    >>> _ = backend.create_oidc_provider("https://token.actions.githubusercontent.com")
    >>> status, headers, body = answer(
    ...     "GET", "/_mockfed/oidc/token.actions.githubusercontent.com/.well-known/openid-configuration",
    ...     backend, "127.0.0.1:5566", "http://127.0.0.1:5566")
    >>> status, json.loads(body)["jwks_uri"]
    (200, 'http://127.0.0.1:5566/_mockfed/oidc/token.actions.githubusercontent.com/.well-known/jwks')
    >>> answer("GET", "/_mockfed/oidc/../state", backend, None, "http://127.0.0.1:5566")[0]
    404
"""

from __future__ import annotations

import json
import re

from mockfed.backend import FederationBackend
from mockfed.idp.discovery import DISCOVERY_PATH, JWKS_PATH, held_issuer, openid_configuration, saml_metadata
from mockfed.server.admin import ADMIN_PREFIX

__all__ = ["OIDC_PREFIX", "PREFIXES", "SAML_PREFIX", "answer"]

#: Where the issuers' documents are served: ``OIDC_PREFIX + HOST/PATH + /.well-known/...``.
OIDC_PREFIX = ADMIN_PREFIX + "oidc/"
#: Where the SAML providers' metadata is served: ``SAML_PREFIX + NAME + /metadata.xml``.
SAML_PREFIX = ADMIN_PREFIX + "saml/"
PREFIXES = (OIDC_PREFIX, SAML_PREFIX)
METADATA_FILE = "/metadata.xml"

#: The longest path looked up (an issuer URL is at most 255 characters).
_MAX_PATH = 1024
#: What no served path holds: a ``.`` or ``..`` segment, an empty one, an escape of ``.``, ``/`` or ``\\``.
_HOSTILE = re.compile(r"(?:^|/)\.{1,2}(?:/|$)|//|\\|%2e|%2f|%5c|%00", re.IGNORECASE)
#: A SAML provider's name, as IAM allows it.
_SAML_NAME = re.compile(r"[\w.-]{1,128}", re.ASCII)
#: A Host header that may name this server in a ``jwks_uri``: a name or an address, and a port.
_HOST = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")

Answer = tuple[int, dict[str, str], bytes]


def answer(method: str, path: str, backend: FederationBackend, host: str | None, server_url: str) -> Answer:
    """The answer to ``method`` on ``path`` (under :data:`PREFIXES`, without its query): status, headers, body.

    ``host`` is the request's ``Host`` header: the ``jwks_uri`` names this server as the client
    reached it (``server_url`` when the header is absent or not a host).
    """
    if len(path) > _MAX_PATH or _HOSTILE.search(path):
        return _error(404, "no identity provider document at this path")
    if path.startswith(OIDC_PREFIX):
        found = _oidc_document(path[len(OIDC_PREFIX) :], backend, host, server_url)
        body, content_type = (json.dumps(found).encode("utf-8"), "application/json") if found else (None, "")
    else:
        metadata = _metadata(path[len(SAML_PREFIX) :], backend)
        body, content_type = (metadata.encode("utf-8"), "application/samlmetadata+xml") if metadata else (None, "")
    if body is None:
        return _error(404, "no identity provider of this backend publishes a document at this path")
    if method not in ("GET", "HEAD"):
        status, headers, error = _error(405, f"{method} is not allowed here; GET or HEAD")
        return status, {**headers, "Allow": "GET, HEAD"}, error
    return 200, {"Content-Type": content_type}, body


def _oidc_document(
    route: str, backend: FederationBackend, host: str | None, server_url: str
) -> dict[str, object] | None:
    for suffix in (DISCOVERY_PATH, JWKS_PATH):
        if route.endswith(suffix):
            host_path = route[: -len(suffix)]
            break
    else:
        return None
    held = held_issuer(backend.state.account, host_path)
    if held is None:
        return None
    issuer, keys = held
    if suffix == JWKS_PATH:
        return dict(keys)
    base = f"http://{host}" if host is not None and len(host) <= 255 and _HOST.fullmatch(host) else server_url
    return openid_configuration(issuer, keys, jwks_uri=f"{base}{OIDC_PREFIX}{host_path}{JWKS_PATH}")


def _metadata(route: str, backend: FederationBackend) -> str | None:
    name = route.removesuffix(METADATA_FILE)
    if name == route or not _SAML_NAME.fullmatch(name):
        return None
    return saml_metadata(backend.state.account, name)


def _error(status: int, message: str) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps({"error": message}).encode("utf-8")
