"""moto's IAM, read as a directory: the users, keys, roles and policies a test made through moto.

When a moto mock is active in the process (``moto.mock_aws()``), a key, role or policy the
backend does not know itself is looked up here, so IAM fixtures made through moto's IAM are
mockfed's principals too. moto is never imported by this module: it reads what is already
loaded (``sys.modules``), without creating moto accounts or backends, and copies what it needs
at once (moto mutates its objects in place and locks nothing).

Example::

    >>> MotoDirectory().role("arn:aws:iam::123456789012:role/nobody") is None   # no moto mock active
    True
"""

from __future__ import annotations

import json
import sys
from typing import Any

from mockfed.state.records import OidcProvider, Principal, Role, SamlProvider

__all__ = ["MotoDirectory"]


def _text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


class MotoDirectory:
    """Read-only lookups in moto's IAM state while a moto mock is active; None for anything else."""

    def active(self) -> bool:
        """Whether a moto mock is active in this process (moto answers botocore's requests)."""
        models = sys.modules.get("moto.core.models")
        if models is None:
            return False
        stubber = getattr(models, "botocore_stubber", None)
        if stubber is not None and getattr(stubber, "enabled", False):
            return True
        return getattr(getattr(models, "MockAWS", None), "_nested_count", 0) > 0

    def _iam_backends(self) -> Any:
        """moto's IAM backends (by account, then partition) while a moto mock is active and moto's IAM is loaded."""
        if not self.active():
            return None
        models = sys.modules.get("moto.iam.models")
        return models.iam_backends if models is not None else None

    def _backends(self) -> list[Any]:
        """Every materialised IAM backend (account x partition), without creating any."""
        iam = self._iam_backends()
        if iam is None:
            return []
        found: list[Any] = []
        for account in list(dict.values(iam)):
            found.extend(list(dict.values(account)))
        return found

    def _backend_of(self, arn: str) -> Any:
        """The IAM backend of the account and partition ``arn`` names, without creating it (None: none)."""
        parts = arn.split(":", 5)
        iam = self._iam_backends() if len(parts) == 6 else None
        account = dict.get(iam, parts[4]) if iam is not None else None
        return dict.get(account, parts[1]) if account is not None else None

    def principal(self, access_key_id: str) -> Principal | None:
        """The moto IAM user owning this (long-term) access key, with its policies and its groups', as it is now."""
        try:
            for backend in self._backends():
                key = backend.access_keys.get(access_key_id)
                if key is None or key.user_name is None:
                    continue
                user = backend.users.get(key.user_name)
                if user is None:  # moto keeps the keys of a deleted user
                    return None
                return _user_principal(backend, user, access_key_id, key.secret_access_key, key.status == "Active")
        except (AttributeError, KeyError, RuntimeError):  # moto resetting or mutating while we read
            return None
        return None

    def user(self, arn: str) -> Principal | None:
        """The moto IAM user with this ARN, without a key (the user a session acts for), as it is now."""
        backend = self._backend_of(arn)
        if backend is None:
            return None
        try:
            for user in list(backend.users.values()):
                if user.arn == arn:
                    return _user_principal(backend, user, "", "", True)
        except (AttributeError, KeyError, RuntimeError):
            return None
        return None

    def has_user(self, account_id: str, name: str) -> bool:
        """Whether moto's IAM holds a user ``name`` in ``account_id`` (False while no moto mock is active).

        Example::

            >>> MotoDirectory().has_user("123456789012", "alice")   # no moto mock active
            False
        """
        iam = self._iam_backends()
        account = dict.get(iam, account_id) if iam is not None else None
        try:
            return account is not None and any(name in backend.users for backend in list(account.values()))
        except (AttributeError, TypeError, RuntimeError):
            return False

    def holds_account(self, account_id: str | None) -> bool:
        """Whether moto's IAM holds the account ``account_id`` (a moto mock active, its IAM made for it): keys
        encoding that account are moto's to answer for.

        Example::

            >>> MotoDirectory().holds_account("123456789012")   # no moto mock active
            False
        """
        iam = self._iam_backends()
        return account_id is not None and iam is not None and dict.get(iam, account_id) is not None

    def role(self, arn: str) -> Role | None:
        """The moto IAM role with this ARN."""
        backend = self._backend_of(arn)
        if backend is None:
            return None
        try:
            for role in list(backend.roles.values()):
                if role.arn == arn:
                    return Role(
                        name=role.name,
                        arn=role.arn,
                        role_id=role.id,
                        account_id=backend.account_id,
                        trust_policy=_text(role.assume_role_policy_document),
                        policies=tuple(_text(doc) for doc in list(role.policies.values())),
                        managed=tuple(list(role.managed_policies)),
                        max_session_duration=int(role.max_session_duration or 3600),
                        path=role.path or "/",
                        tags=tuple((tag["Key"], tag["Value"]) for tag in role.tags or ()),
                        permissions_boundary=getattr(role, "permissions_boundary_arn", None),
                    )
        except (AttributeError, KeyError, RuntimeError, TypeError, ValueError):
            return None
        return None

    def managed_policy(self, arn: str) -> str | None:
        """The default version of a managed policy moto holds (customer-managed, or AWS-managed moto ships)."""
        parts = arn.split(":", 5)
        if len(parts) != 6 or not self.active():
            return None
        try:
            if parts[4] == "aws":
                return _aws_managed().get(arn)
            backend = self._backend_of(arn)
            policy = backend.managed_policies.get(arn) if backend is not None else None
            if policy is None:
                return None
            return next(_text(v.document) for v in list(policy.versions) if v.version_id == policy.default_version_id)
        except (AttributeError, KeyError, RuntimeError, StopIteration):
            return None

    def oidc_provider(self, arn: str) -> OidcProvider | None:
        """The moto IAM OpenID Connect provider with this ARN."""
        backend = self._backend_of(arn)
        provider = backend.open_id_providers.get(arn) if backend is not None else None
        if provider is None:
            return None
        return OidcProvider(
            arn=provider.arn,
            url="https://" + provider.url,
            client_ids=tuple(provider.client_id_list or ()),
            thumbprints=tuple(provider.thumbprint_list or ()),
        )

    def saml_provider(self, arn: str) -> SamlProvider | None:
        """The moto IAM SAML provider with this ARN."""
        backend = self._backend_of(arn)
        if backend is None:
            return None
        for provider in list(backend.saml_providers.values()):
            if provider.arn == arn:
                return SamlProvider(arn=provider.arn, name=provider.name, metadata=provider.saml_metadata_document)
        return None


def _user_principal(backend: Any, user: Any, access_key_id: str, secret: str, active: bool) -> Principal:
    """A moto IAM user as the principal it is now: its policies and its groups'."""
    groups = [group for group in list(backend.groups.values()) if user in group.users]
    holders = [user, *groups]
    return Principal(
        kind="user",
        name=user.name,
        arn=user.arn,
        user_id=user.id,
        account_id=backend.account_id,
        access_key_id=access_key_id,
        secret_access_key=secret,
        policies=tuple(_text(doc) for holder in holders for doc in list(holder.policies.values())),
        managed=tuple(arn for holder in holders for arn in list(holder.managed_policies)),
        tags=tuple((tag["Key"], tag["Value"]) for tag in user.tags or ()),
        key_active=active,
    )


#: The AWS-managed policies moto ships, by ARN: read once from moto's package data (which does not change while a
#: process runs), the first time a moto mock is asked for one.
_AWS_MANAGED: dict[str, str] = {}


def _aws_managed() -> dict[str, str]:
    """The AWS-managed policies moto ships, by ARN (read once moto has loaded them)."""
    if not _AWS_MANAGED:
        data = sys.modules.get("moto.iam.aws_managed_policies")
        if data is not None:
            for name, entry in json.loads(data.aws_managed_policies_data).items():
                _AWS_MANAGED[f"arn:aws:iam::aws:policy{entry.get('Path', '/')}{name}"] = _text(entry["Document"])
    return _AWS_MANAGED
