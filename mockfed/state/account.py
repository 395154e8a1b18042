"""The account's principals and settings: users, root, roles, identity providers, customer-managed policies,
regions, faults, the call log.

:class:`Account` holds them, guarded by the state's one lock. Nothing here knows about
HTTP or about any STS action.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from mockfed.errors import StsError, validation_error
from mockfed.iam import managed_policy_document, parse_policy
from mockfed.iam.grammar import policy_text
from mockfed.model import action_names as model_actions
from mockfed.model.limits import java_pattern_matcher
from mockfed.model.regions import valid_region
from mockfed.state.keys import KeyFactory, access_key_id_for, account_of_access_key_id
from mockfed.state.moto_iam import MotoDirectory
from mockfed.state.records import Call, MfaDevice, OidcProvider, Principal, Role, SamlProvider

#: A policy as tests write it: JSON text, or the same as a dict.
PolicyDocument = str | Mapping[str, Any]
_NAME = re.compile(r"[\w+=,.@-]+", re.ASCII)
_PATH = re.compile(r"/(?:[\x21-\x7e]+/)?", re.ASCII)
_Provider = TypeVar("_Provider", OidcProvider, SamlProvider)
_SAML_NAME = re.compile(r"[\w._-]+", re.ASCII)
_THUMBPRINT = re.compile(r"[0-9a-fA-F]{40}")
#: ``https://HOST[:PORT][/PATH]``: "path components are allowed but query parameters are not" (IAM API reference);
#: printable ASCII, without ``/ ? #`` in the host and ``? #`` in the path.
_OIDC_URL = re.compile(r"https://[!\"$-.0-9:->@-~]+(?:/[!\"$->@-~]*)?", re.ASCII)


def _checked(document: PolicyDocument, field: str = "policyDocument", *, trust: bool = False) -> str:
    """The policy's text, after the grammar has accepted it; a ``ValidationError`` naming ``field`` if it is
    neither JSON text nor a dict."""
    if not isinstance(document, str | Mapping):
        raise validation_error([f"Value '{document!r}' at '{field}' failed to satisfy constraint: Member must be a "
                                "policy document: JSON text or a dict"])
    text = policy_text(document)
    parse_policy(text, trust=trust)
    return text


_MFA_CODE_LIFETIME = 90.0


def _check_principals(trust: str) -> None:
    """IAM refuses a trust policy naming an AWS principal by a wildcard pattern (only ``"*"`` alone is all)."""
    for statement in parse_policy(trust, trust=True).statements:
        for kind, values in (*(statement.principals or ()), *(statement.not_principals or ())):
            for value in values:
                if kind == "AWS" and value != "*" and ("*" in value or "?" in value):
                    raise StsError("MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{value}"', 400)


def _checked_arns(arns: Sequence[str], field: str = "policyArn") -> tuple[str, ...]:
    """Managed policy ARNs as given: a list (or tuple) of strings; a ``ValidationError`` naming ``field`` otherwise."""
    if not isinstance(arns, list | tuple) or not all(isinstance(arn, str) for arn in arns):
        raise validation_error([f"Value '{arns!r}' at '{field}' failed to satisfy constraint: Member must be a list "
                                "of managed policy ARNs (strings)"])
    return tuple(arns)


def _check_name(name: str, field: str, maximum: int = 64) -> None:
    """IAM's rule for user, role, device and policy names: 1 to ``maximum`` of letters, digits and ``+=,.@_-``."""
    if not isinstance(name, str) or not 1 <= len(name) <= maximum or not _NAME.fullmatch(name):
        raise validation_error(
            [f"Value '{name}' at '{field}' failed to satisfy constraint: Member must satisfy regular expression "
             f"pattern: [\\w+=,.@-]+ and have length between 1 and {maximum}"]
        )

#: IAM's rules for a user's or role's tags (TagUser, TagRole): at most 50, keys unique and not ``aws:``.
TAGS_MAX = 50
_TAG_KEY = java_pattern_matcher(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+")
_TAG_VALUE = java_pattern_matcher(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*")


def _checked_tags(tags: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    """A principal's tags as IAM takes them: a dict of at most 50 string keys (1 to 128 characters, not ``aws:``)
    to string values (0 to 256), in the characters IAM allows; a ``ValidationError`` naming ``tags`` otherwise."""
    if tags is None:
        return ()
    if not isinstance(tags, Mapping):
        raise validation_error([f"Value '{tags!r}' at 'tags' failed to satisfy constraint: Member must be a dict of "
                                "tag keys to tag values"])
    problems = []
    if len(tags) > TAGS_MAX:
        problems.append(f"Value '{len(tags)} tags' at 'tags' failed to satisfy constraint: Member must have length "
                        f"less than or equal to {TAGS_MAX}")
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or not _TAG_KEY(key):
            problems.append(f"Value '{key!r}' at 'tags' failed to satisfy constraint: Member must be a tag key: a "
                            "string of 1 to 128 letters, digits, spaces and _.:/=+-@")
        elif key.lower().startswith("aws:"):
            problems.append(f"Value '{key}' at 'tags' failed to satisfy constraint: Member must not begin with 'aws:' "
                            "(reserved for AWS)")
        if not isinstance(value, str) or len(value) > 256 or not _TAG_VALUE(value):
            problems.append(f"Value '{value!r}' at 'tags' failed to satisfy constraint: Member must be a tag value: "
                            "a string of 0 to 256 letters, digits, spaces and _.:/=+-@")
    if problems:
        raise validation_error(problems)
    return tuple(tags.items())


def _shown(value: object) -> str:
    """A value as an error message quotes it: printable text as it is, anything else as its repr; at most 64
    characters (a hostile client's megabyte is not echoed)."""
    shown = value if isinstance(value, str) and value.isprintable() else repr(value)
    return shown if len(shown) <= 64 else shown[:64] + "..."


def _check_fault(action: object, code: object, message: object, count: object, status: object) -> None:
    """An injected error's arguments, or a ``ValidationError`` naming the field, with the choices where they are few."""
    problems = []
    actions = model_actions()
    if action != "*" and action not in actions:
        problems.append(f"Value '{_shown(action)}' at 'action' failed to satisfy constraint: Member must be the name "
                        f"of an STS action or '*': {', '.join(sorted(actions))}")
    if not isinstance(code, str) or not code:
        problems.append(f"Value '{_shown(code)}' at 'code' failed to satisfy constraint: Member must be an error code, "
                        "such as 'Throttling'")
    if message is not None and not isinstance(message, str):
        problems.append(f"Value '{_shown(message)}' at 'message' failed to satisfy constraint: Member must be text")
    if type(count) is not int or count < 1:
        problems.append(f"Value '{count!r}' at 'count' failed to satisfy constraint: Member must be a whole number "
                        "of calls, at least 1")
    if status is not None and (type(status) is not int or not 400 <= status <= 599):
        problems.append(f"Value '{status!r}' at 'status' failed to satisfy constraint: Member must be an HTTP "
                        "error status, 400 to 599")
    if problems:
        raise validation_error(problems)


def _check_region(region: object) -> None:
    """A region's name as AWS spells it, or a ``ValidationError`` naming ``region`` and what it must be."""
    if not valid_region(region):
        raise validation_error([f"Value '{_shown(region)}' at 'region' failed to satisfy constraint: Member must be "
                                "the name of an AWS region in lower case, such as eu-west-1, us-gov-west-1 or "
                                "cn-north-1"])


def _check_oidc_provider(url: str, client_ids: Sequence[str], thumbprints: Sequence[str]) -> None:
    """IAM's rules for CreateOpenIDConnectProvider: an https URL, at most 100 client ids, at most 5 thumbprints."""
    problems = []
    if not isinstance(url, str) or not 9 <= len(url) <= 255 or not _OIDC_URL.fullmatch(url):
        problems.append(f"Value '{url}' at 'url' failed to satisfy constraint: Member must be an https URL of 9 to "
                        "255 characters: a host and an optional path, without a query or fragment")
    if not isinstance(client_ids, list | tuple) or len(client_ids) > 100 or not all(
        isinstance(client_id, str) and 1 <= len(client_id) <= 255 for client_id in client_ids
    ):
        problems.append(f"Value '{client_ids}' at 'clientIDList' failed to satisfy constraint: Member must be a list "
                        "of at most 100 strings of 1 to 255 characters")
    if not isinstance(thumbprints, list | tuple) or len(thumbprints) > 5 or not all(
        isinstance(thumbprint, str) and _THUMBPRINT.fullmatch(thumbprint) for thumbprint in thumbprints
    ):
        problems.append(f"Value '{thumbprints}' at 'thumbprintList' failed to satisfy constraint: Member must be a "
                        "list of at most 5 SHA-1 fingerprints (40 hexadecimal characters)")
    if problems:
        raise validation_error(problems)


__all__ = [
    "ALLOW_ALL_POLICY",
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_SECRET_ACCESS_KEY",
    "DEFAULT_USER_NAME",
    "INLINE_POLICY_NAME",
    "Account",
    "PolicyDocument",
    "check_account_id",
    "check_fixed_key",
]

DEFAULT_ACCOUNT_ID = "123456789012"
#: The well-known keys of every backend's default IAM user (the fake environment credentials). The key id is a
#: well-formed one (base32 after ``AKIA``) encoding :data:`DEFAULT_ACCOUNT_ID`, so code that reads the account out of
#: a key id, as GetAccessKeyInfo does, works on it; it ends in ``MOCKFED``. In a backend of another account the same
#: key id still decodes to the default account, while STS answers that backend's own.
DEFAULT_ACCESS_KEY_ID = "AKIABZPUZDIKAMOCKFED"
DEFAULT_SECRET_ACCESS_KEY = "mockfed/DEFAULT/secret+key/EXAMPLEKEY000"
DEFAULT_USER_NAME = "mockfed-default"


def check_account_id(account_id: object) -> str:
    """``account_id`` if it is an AWS account id (12 ASCII digits, as every ARN and ``Account`` field writes it);
    otherwise ``TypeError`` (not text) or ``ValueError`` naming the value and the fix.

    Example::

        >>> check_account_id("111122223333")
        '111122223333'
        >>> check_account_id("12")
        Traceback (most recent call last):
        ...
        ValueError: '12' is not an AWS account id: account_id is 12 digits, such as '123456789012'
    """
    if not isinstance(account_id, str):
        kind = type(account_id).__name__
        raise TypeError(f"account_id is text of 12 digits, such as '123456789012', not a {kind}")
    if not (len(account_id) == 12 and account_id.isascii() and account_id.isdigit()):
        shown = repr(account_id[:40])
        raise ValueError(f"{shown} is not an AWS account id: account_id is 12 digits, such as '123456789012'")
    return account_id


_FIXED_KEY_ID = re.compile(r"AKIA[A-Z2-7]{16}", re.ASCII)
_FIXED_SECRET = re.compile(r"[A-Za-z0-9/+=]{40}", re.ASCII)


def check_fixed_key(access_key_id: object, secret_access_key: object, account_id: str) -> None:
    """A user's fixed key as :meth:`Account.create_user` takes it, or a ``ValidationError`` naming the field: both
    given; the key id 20 characters, ``AKIA`` and 16 of base32 (``A``-``Z``, ``2``-``7``), encoding ``account_id``
    as AWS's key ids do (the message then gives one that does: :func:`~mockfed.state.keys.access_key_id_for`); the
    secret 40 characters of base64 (letters, digits, ``/``, ``+``, ``=``).

    Example::

        >>> try:
        ...     check_fixed_key("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "123456789012")
        ... except StsError as err:
        ...     print(err.message.rsplit(": ", 1)[1])
        AKIABZPUZDIKPEXAMPLE does (mockfed.state.keys.access_key_id_for)
    """
    problems = []
    if access_key_id is None or secret_access_key is None:
        missing = "accessKeyId" if access_key_id is None else "secretAccessKey"
        problems.append(f"Value 'None' at '{missing}' failed to satisfy constraint: Member must be given with "
                        f"{'secretAccessKey' if missing == 'accessKeyId' else 'accessKeyId'} (a fixed key is both, "
                        "or neither to have one made)")
    if access_key_id is not None:
        if not isinstance(access_key_id, str) or not _FIXED_KEY_ID.fullmatch(access_key_id):
            problems.append(f"Value '{_shown(access_key_id)}' at 'accessKeyId' failed to satisfy constraint: Member "
                            "must be 20 characters: AKIA and 16 of A-Z and 2-7 (base32), encoding the account, such "
                            f"as {access_key_id_for(account_id)}")
        elif (encoded := account_of_access_key_id(access_key_id)) != account_id:
            problems.append(f"Value '{access_key_id}' at 'accessKeyId' failed to satisfy constraint: Member must "
                            f"encode the account {account_id} (it encodes {encoded}), as AWS's key ids encode theirs: "
                            f"{access_key_id_for(account_id, like=access_key_id)} does "
                            "(mockfed.state.keys.access_key_id_for)")
    if secret_access_key is not None and (
        not isinstance(secret_access_key, str) or not _FIXED_SECRET.fullmatch(secret_access_key)
    ):
        shown = "*" * len(secret_access_key) if isinstance(secret_access_key, str) else _shown(secret_access_key)
        problems.append(f"Value '{shown[:64]}' at 'secretAccessKey' failed to satisfy constraint: Member must be 40 "
                        "characters of base64 (letters, digits, /, + and =), as AWS's secrets are")
    if problems:
        raise validation_error(problems)


ALLOW_ALL_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'

#: Messages and statuses of the errors tests inject most, when the test gives none.
_KNOWN_FAULTS = {"Throttling": ("Rate exceeded", 400), "ServiceUnavailable": ("Service unavailable", 503)}


@dataclass
class _Fault:
    action: str
    error: StsError
    remaining: int


#: How a user's or role's record is found by its name (IAM's ``NoSuchEntity`` if there is none).
_Find = Callable[[str], "_User | _Role"]


@dataclass
class _User:
    """An IAM user as the account holds it (under the state's lock): who it is and what it may do."""

    name: str
    user_id: str
    tags: tuple[tuple[str, str], ...] = ()
    policies: dict[str, str] = field(default_factory=dict)  # inline policies by name
    managed: list[str] = field(default_factory=list)  # attached managed policy ARNs


@dataclass
class _Key:
    """A long-term access key: whose it is (a user's name, lower-cased; ``None``: the root user's)."""

    owner: str | None
    secret: str
    active: bool = True


@dataclass
class _Role:
    """An IAM role as the account holds it; :meth:`Account.role` answers the :class:`Role` record."""

    name: str
    role_id: str
    trust_policy: str
    max_session_duration: int
    path: str
    tags: tuple[tuple[str, str], ...]
    permissions_boundary: str | None
    policies: dict[str, str] = field(default_factory=dict)
    managed: list[str] = field(default_factory=list)


#: The name ``create_user(name, policy)`` and ``create_role(..., policy=...)`` give their inline policy.
INLINE_POLICY_NAME = "policy"
#: IAM's limit of access keys a user may have at once.
ACCESS_KEYS_PER_USER = 2


class Account:
    """One simulated AWS account: its users and their keys, roles, policies, regions, faults and call log.

    What it holds is read afresh on every question: a principal is made from its user (or role) as it is at
    that moment, so a policy put, detached or deleted counts from the next request on.

    Example::

        >>> import threading
        >>> from mockfed.state.keys import KeyFactory, access_key_id_for, account_of_access_key_id
        >>> account = Account("111122223333", KeyFactory(seed=1), threading.RLock())
        >>> account.create_user("alice").arn
        'arn:aws:iam::111122223333:user/alice'
    """

    def __init__(
        self, account_id: str, keys: KeyFactory, lock: threading.RLock, directory: MotoDirectory | None = None
    ) -> None:
        self.account_id = account_id
        self.directory = directory or MotoDirectory()
        self._keys = keys
        self._lock = lock
        self._users: dict[str, _User] = {}  # by name, lower-cased (IAM's names are case-insensitive)
        self._access_keys: dict[str, _Key] = {}
        self._roles: dict[str, _Role] = {}
        self._mfa: dict[str, MfaDevice] = {}
        self._mfa_spent: dict[str, dict[str, float]] = {}  # serial number -> code -> when it was used
        self._oidc: dict[str, OidcProvider] = {}
        self._saml: dict[str, SamlProvider] = {}
        self._published_keys: dict[str, Mapping[str, Any]] = {}
        self._customer_policies: dict[str, str] = {}
        self._disabled_regions: set[str] = set()
        self._faults: list[_Fault] = []
        self.calls: list[Call] = []
        self._users[DEFAULT_USER_NAME] = _User(
            DEFAULT_USER_NAME, keys.unique_id("AIDA"), policies={INLINE_POLICY_NAME: ALLOW_ALL_POLICY}
        )
        self._access_keys[DEFAULT_ACCESS_KEY_ID] = _Key(DEFAULT_USER_NAME, DEFAULT_SECRET_ACCESS_KEY)
        self._root_key = keys.access_key_id("AKIA")
        self._access_keys[self._root_key] = _Key(None, keys.secret_access_key())

    # ---- principals ------------------------------------------------------------------------------------------

    @property
    def default_user(self) -> Principal:
        """The IAM user of the fake environment keys (``DEFAULT_ACCESS_KEY_ID``), allowed everything."""
        principal = self.principal(DEFAULT_ACCESS_KEY_ID)
        assert principal is not None, "the default user is never deleted"
        return principal

    @property
    def root_user(self) -> Principal:
        """The account's root user, with its long-term key."""
        principal = self.principal(self._root_key)
        assert principal is not None, "the root user is never deleted"
        return principal

    def principal(self, access_key_id: str) -> Principal | None:
        """The user or root of this account owning the long-term key ``access_key_id``, as it is now (an inactive
        key answers its user with ``key_active=False``); None for a key the account does not hold."""
        with self._lock:
            key = self._access_keys.get(access_key_id)
            if key is None:
                return None
            if key.owner is None:
                return self._root(access_key_id, key)
            return self._user_principal(self._users[key.owner], access_key_id, key.secret, key.active)

    def holder(self, arn: str, user_id: str) -> Principal | None:
        """The user (or root) ``arn`` names, as it is now, if it is still the one whose unique id is ``user_id``
        (a user deleted and made again under the same name is another user): the principal a session of theirs
        acts for, without a key. A user of moto's IAM while a moto mock is active; None if there is none."""
        if arn == f"arn:aws:iam::{self.account_id}:root":
            return dataclasses.replace(self.root_user, access_key_id="", secret_access_key="")
        prefix = f"arn:aws:iam::{self.account_id}:user/"
        if arn.startswith(prefix):
            with self._lock:
                user = self._users.get(arn[len(prefix) :].lower())
                if user is not None and user.user_id == user_id:
                    return self._user_principal(user, "", "", True)
        held = self.directory.user(arn)
        return held if held is not None and held.user_id == user_id else None

    def _root(self, access_key_id: str, key: _Key) -> Principal:
        account_id = self.account_id
        return Principal(
            kind="root",
            name="root",
            arn=f"arn:aws:iam::{account_id}:root",
            user_id=account_id,
            account_id=account_id,
            access_key_id=access_key_id,
            secret_access_key=key.secret,
            policies=(ALLOW_ALL_POLICY,),
            key_active=key.active,
        )

    def _user_principal(self, user: _User, access_key_id: str, secret: str, active: bool) -> Principal:
        return Principal(
            kind="user",
            name=user.name,
            arn=f"arn:aws:iam::{self.account_id}:user/{user.name}",
            user_id=user.user_id,
            account_id=self.account_id,
            access_key_id=access_key_id,
            secret_access_key=secret,
            policies=tuple(user.policies.values()),
            tags=user.tags,
            managed=tuple(user.managed),
            key_active=active,
        )

    def _user(self, name: str) -> _User:
        """The user named ``name`` (any case), or IAM's ``NoSuchEntity``."""
        user = self._users.get(name.lower()) if isinstance(name, str) else None
        if user is None:
            raise StsError("NoSuchEntity", f"The user with name {name} cannot be found.", 404)
        return user

    def create_user(
        self,
        name: str,
        policy: PolicyDocument | None = None,
        *,
        tags: Mapping[str, str] | None = None,
        managed: Sequence[str] = (),
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> Principal:
        """Add an IAM user with an access key; ``policy`` (JSON or a dict: its inline policy named ``policy``) and
        ``managed`` policy ARNs are its identity policies (none: it may do nothing). ``access_key_id`` and
        ``secret_access_key`` (both or neither) fix its key instead of making one: see :func:`check_fixed_key`."""
        _check_name(name, "userName")
        checked_tags = _checked_tags(tags)
        documents = {INLINE_POLICY_NAME: _checked(policy)} if policy is not None else {}
        arns = _checked_arns(managed)
        self._check_managed(arns)
        fixed = access_key_id is not None or secret_access_key is not None
        if fixed:
            check_fixed_key(access_key_id, secret_access_key, self.account_id)
        with self._lock:
            if name.lower() in self._users:
                raise StsError("EntityAlreadyExists", f"User with name {name} already exists.", 409)
            if fixed and access_key_id in self._access_keys:
                raise StsError("EntityAlreadyExists", f"Access key {access_key_id} already exists in the account "
                               "(each key id belongs to one user: fix another one)", 409)
            if fixed:
                assert access_key_id is not None
                assert secret_access_key is not None
                secret = secret_access_key
            else:
                access_key_id, secret = self._keys.access_key_id("AKIA"), self._keys.secret_access_key()
            user = _User(name, self._keys.unique_id("AIDA"), checked_tags, documents, list(dict.fromkeys(arns)))
            self._users[name.lower()] = user
            self._access_keys[access_key_id] = _Key(name.lower(), secret)
            return self._user_principal(user, access_key_id, secret, True)

    def delete_user(self, name: str) -> None:
        """Delete a user with its access keys, inline policies, attached policies and MFA devices (what the IAM
        console does; the API wants each removed first). Its sessions stop authenticating from now on."""
        with self._lock:
            user = self._user(name)
            if user.name == DEFAULT_USER_NAME:
                raise StsError(
                    "DeleteConflict",
                    f"Cannot delete {DEFAULT_USER_NAME}: it is the user of the fake environment keys and of keys "
                    "mockfed never issued (delete the users you made; strict_auth=True refuses unknown keys)",
                    409,
                )
            owner = user.name.lower()
            for access_key_id in [akid for akid, key in self._access_keys.items() if key.owner == owner]:
                del self._access_keys[access_key_id]
            for serial in [serial for serial, device in self._mfa.items() if (device.user_name or "").lower() == owner]:
                del self._mfa[serial]
            del self._users[owner]

    def create_access_key(self, user: str) -> Principal:
        """Another access key for ``user`` (IAM allows two at once): the user acting with it.

        Example::

            >>> import threading
            >>> from mockfed.state.keys import KeyFactory, access_key_id_for, account_of_access_key_id
            >>> account = Account("111122223333", KeyFactory(seed=1), threading.RLock())
            >>> alice = account.create_user("alice")
            >>> second = account.create_access_key("alice")
            >>> second.arn == alice.arn, second.access_key_id != alice.access_key_id
            (True, True)
            >>> account.create_access_key("alice")
            Traceback (most recent call last):
            ...
            mockfed.errors.StsError: LimitExceeded: Cannot exceed quota for AccessKeysPerUser: 2
        """
        with self._lock:
            holder = self._user(user)
            owner = holder.name.lower()
            if sum(key.owner == owner for key in self._access_keys.values()) >= ACCESS_KEYS_PER_USER:
                raise StsError(
                    "LimitExceeded", f"Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}", 409
                )
            access_key_id, secret = self._keys.access_key_id("AKIA"), self._keys.secret_access_key()
            self._access_keys[access_key_id] = _Key(owner, secret)
            return self._user_principal(holder, access_key_id, secret, True)

    def _key(self, access_key_id: str) -> _Key:
        """A user's long-term key (not the default user's or root's, which the account keeps), or IAM's error."""
        key = self._access_keys.get(access_key_id) if isinstance(access_key_id, str) else None
        if key is None:
            raise StsError("NoSuchEntity", f"The Access Key with id {access_key_id} cannot be found.", 404)
        if key.owner is None or access_key_id == DEFAULT_ACCESS_KEY_ID:
            who = "root user" if key.owner is None else "default user (the fake environment keys)"
            raise StsError(
                "InvalidInput",
                f"{access_key_id} is the {who}'s key, which mockfed keeps: make a user with create_user for a key "
                "to deactivate or delete",
                400,
            )
        return key

    def update_access_key(self, access_key_id: str, status: str) -> None:
        """Make a user's access key ``"Active"`` or ``"Inactive"`` (an inactive key is refused as an invalid
        token, and takes effect again once active)."""
        if status not in ("Active", "Inactive"):
            raise validation_error([f"Value '{status}' at 'status' failed to satisfy constraint: Member must satisfy "
                                    "enum value set: [Active, Inactive]"])
        with self._lock:
            self._key(access_key_id).active = status == "Active"

    def delete_access_key(self, access_key_id: str) -> None:
        """Delete a user's access key: requests signed with it are refused (``InvalidClientTokenId``) from now on;
        sessions issued with it go on, as they act for the user, not the key."""
        with self._lock:
            self._key(access_key_id)
            del self._access_keys[access_key_id]

    def put_user_policy(self, user: str, name: str, document: PolicyDocument) -> None:
        """Add (or replace) the inline policy ``name`` of ``user``."""
        self._put_policy(self._user, user, name, document)

    def delete_user_policy(self, user: str, name: str) -> None:
        """Delete the inline policy ``name`` of ``user``."""
        self._delete_policy(self._user, user, name, "user")

    def attach_user_policy(self, user: str, arn: str) -> None:
        """Attach the managed policy ``arn`` (the account's, or AWS's) to ``user``."""
        self._attach_policy(self._user, user, arn)

    def detach_user_policy(self, user: str, arn: str) -> None:
        """Detach the managed policy ``arn`` from ``user``."""
        self._detach_policy(self._user, user, arn)

    # ---- a user's or role's policies ---------------------------------------------------------------------

    def _put_policy(self, find: _Find, holder: str, name: str, document: PolicyDocument) -> None:
        _check_name(name, "policyName", maximum=128)
        text = _checked(document)
        with self._lock:
            find(holder).policies[name] = text

    def _delete_policy(self, find: _Find, holder: str, name: str, kind: str) -> None:
        with self._lock:
            if find(holder).policies.pop(name, None) is None:
                raise StsError("NoSuchEntity", f"The {kind} policy with name {name} cannot be found.", 404)

    def _attach_policy(self, find: _Find, holder: str, arn: str) -> None:
        self._check_managed(_checked_arns([arn]))
        with self._lock:
            managed = find(holder).managed
            if arn not in managed:
                managed.append(arn)

    def _detach_policy(self, find: _Find, holder: str, arn: str) -> None:
        with self._lock:
            managed = find(holder).managed
            if arn not in managed:
                raise StsError("NoSuchEntity", f"Policy {arn} was not found.", 404)
            managed.remove(arn)

    # ---- roles and MFA devices ---------------------------------------------------------------------------

    def create_role(
        self,
        name: str,
        trust_policy: PolicyDocument,
        *,
        policy: PolicyDocument | None = None,
        managed: Sequence[str] = (),
        max_session_duration: int = 3600,
        path: str = "/",
        tags: Mapping[str, str] | None = None,
        permissions_boundary: str | None = None,
    ) -> Role:
        """Add an IAM role; see :meth:`mockfed.FederationBackend.create_role`."""
        _check_name(name, "roleName")
        if not isinstance(path, str) or len(path) > 512 or not _PATH.fullmatch(path):
            raise validation_error([f"Value '{path}' at 'path' failed to satisfy constraint: Member must satisfy "
                                    "regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F) and have "
                                    "length less than or equal to 512"])
        if type(max_session_duration) is not int or not 3600 <= max_session_duration <= 43200:
            raise validation_error([f"Value '{max_session_duration}' at 'maxSessionDuration' failed to satisfy "
                                    "constraint: Member must be a whole number between 3600 and 43200"])
        if permissions_boundary is not None and not isinstance(permissions_boundary, str):
            raise validation_error([f"Value '{permissions_boundary!r}' at 'permissionsBoundary' failed to satisfy "
                                    "constraint: Member must be a managed policy ARN (a string)"])
        checked_tags = _checked_tags(tags)
        trust = _checked(trust_policy, "assumeRolePolicyDocument", trust=True)
        _check_principals(trust)
        documents = {INLINE_POLICY_NAME: _checked(policy)} if policy is not None else {}
        arns = _checked_arns(managed)
        self._check_managed((*arns, *([permissions_boundary] if permissions_boundary else [])))
        with self._lock:
            if name.lower() in self._roles:
                raise StsError("EntityAlreadyExists", f"Role with name {name} already exists.", 409)
            role = _Role(
                name,
                self._keys.unique_id("AROA"),
                trust,
                max_session_duration,
                path,
                checked_tags,
                permissions_boundary,
                documents,
                list(dict.fromkeys(arns)),
            )
            self._roles[name.lower()] = role
            return self._role_record(role)

    def _role_record(self, role: _Role) -> Role:
        return Role(
            name=role.name,
            arn=f"arn:aws:iam::{self.account_id}:role{role.path}{role.name}",
            role_id=role.role_id,
            account_id=self.account_id,
            trust_policy=role.trust_policy,
            policies=tuple(role.policies.values()),
            managed=tuple(role.managed),
            max_session_duration=role.max_session_duration,
            path=role.path,
            tags=role.tags,
            permissions_boundary=role.permissions_boundary,
        )

    def _role(self, name: str) -> _Role:
        """The role named ``name`` (any case), or IAM's ``NoSuchEntity``."""
        role = self._roles.get(name.lower()) if isinstance(name, str) else None
        if role is None:
            raise StsError("NoSuchEntity", f"The role with name {name} cannot be found.", 404)
        return role

    def role(self, arn: str) -> Role | None:
        """The role with this ARN as it is now: the account's own (names are case-insensitive, as IAM's), else
        moto's IAM role while a moto mock is active."""
        if arn.startswith(f"arn:aws:iam::{self.account_id}:role/"):
            with self._lock:
                role = self._roles.get(arn.rpartition("/")[2].lower())
                record = self._role_record(role) if role is not None else None
            if record is not None and record.arn == arn:
                return record
        return self.directory.role(arn)

    @property
    def roles(self) -> list[Role]:
        with self._lock:
            return [self._role_record(role) for role in self._roles.values()]

    def delete_role(self, name: str) -> None:
        """Delete a role with its inline and attached policies (what the IAM console does; the API wants each
        removed first). Its sessions stop authenticating from now on."""
        with self._lock:
            del self._roles[self._role(name).name.lower()]

    def put_role_policy(self, role: str, name: str, document: PolicyDocument) -> None:
        """Add (or replace) the inline policy ``name`` of ``role``."""
        self._put_policy(self._role, role, name, document)

    def delete_role_policy(self, role: str, name: str) -> None:
        """Delete the inline policy ``name`` of ``role``."""
        self._delete_policy(self._role, role, name, "role")

    def attach_role_policy(self, role: str, arn: str) -> None:
        """Attach the managed policy ``arn`` (the account's, or AWS's) to ``role``."""
        self._attach_policy(self._role, role, arn)

    def detach_role_policy(self, role: str, arn: str) -> None:
        """Detach the managed policy ``arn`` from ``role``."""
        self._detach_policy(self._role, role, arn)

    def create_mfa_device(self, name: str, *, user: str | None = None, secret: str | None = None) -> MfaDevice:
        """Add a virtual MFA device (``arn:aws:iam::ACCOUNT:mfa/NAME``); ``secret`` is base32 (made if not given)."""
        _check_name(name, "virtualMFADeviceName")
        if user is not None:
            _check_name(user, "userName")
            held = self._users.get(user.lower())
            if held is not None:
                user = held.name  # IAM's names are case-insensitive: the device belongs to the user as named
            elif not self.directory.has_user(self.account_id, user):
                raise StsError("NoSuchEntity", f"The user with name {user} cannot be found.", 404)
        device = MfaDevice(
            serial_number=f"arn:aws:iam::{self.account_id}:mfa/{name}",
            secret=secret if secret is not None else self._keys.totp_secret(),
            user_name=user,
        )
        try:
            device.code(datetime.now(UTC))  # refuses a secret that is not base32 of at least 112 bits
        except (TypeError, ValueError):
            raise validation_error([f"Value '{secret!r}' at 'secret' failed to satisfy constraint: Member must be a "
                                    "TOTP secret: base32 text of at least 112 bits (23 characters)"]) from None
        with self._lock:
            if device.serial_number in self._mfa:
                raise StsError("EntityAlreadyExists", "MFADevice entity at the same path and name already exists.", 409)
            self._mfa[device.serial_number] = device
        return device

    def mfa_device(self, serial_number: str) -> MfaDevice | None:
        return self._mfa.get(serial_number)

    def spend_mfa_code(self, serial_number: str, code: str, now: float) -> bool:
        """Use ``code`` of a device once: False if it was used already while it could still be valid (a code
        is good for one 30-second step either side of its own, so for 90 seconds)."""
        with self._lock:
            spent = self._mfa_spent.setdefault(serial_number, {})
            for old, at in list(spent.items()):
                if now - at > _MFA_CODE_LIFETIME:
                    del spent[old]
            if code in spent:
                return False
            spent[code] = now
            return True

    # ---- identity providers ------------------------------------------------------------------------------

    def create_oidc_provider(
        self, url: str, client_ids: Sequence[str] = (), thumbprints: Sequence[str] = ()
    ) -> OidcProvider:
        """Add an IAM OpenID Connect provider for the issuer ``url`` (``https://HOST/PATH``), accepting the
        audiences ``client_ids``; its ARN is ``arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH``.

        Example::

            >>> import threading
            >>> from mockfed.state.keys import KeyFactory, access_key_id_for, account_of_access_key_id
            >>> account = Account("123456789012", KeyFactory(seed=1), threading.RLock())
            >>> account.create_oidc_provider("https://token.actions.githubusercontent.com", ["sts.amazonaws.com"]).arn
            'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com'
        """
        _check_oidc_provider(url, client_ids, thumbprints)
        host_path = url.removeprefix("https://").rstrip("/")
        provider = OidcProvider(
            arn=f"arn:aws:iam::{self.account_id}:oidc-provider/{host_path}",
            url=f"https://{host_path}",
            client_ids=tuple(client_ids),
            thumbprints=tuple(thumbprint.lower() for thumbprint in thumbprints),
        )
        return self._register(self._oidc, provider, f"Provider with url {provider.url} already exists.")

    def oidc_provider(self, arn: str) -> OidcProvider | None:
        """The OpenID Connect provider with this ARN: the account's own, else moto's IAM one while a moto mock
        is active."""
        return self._oidc.get(arn) or self.directory.oidc_provider(arn)

    def create_saml_provider(self, name: str, metadata: str) -> SamlProvider:
        """Add an IAM SAML provider named ``name`` with the IdP's ``metadata`` document (its entity id and signing
        certificate); its ARN is ``arn:aws:iam::ACCOUNT:saml-provider/NAME``.

        Example::

            >>> import threading
            >>> from mockfed.state.keys import KeyFactory, access_key_id_for, account_of_access_key_id
            >>> account = Account("123456789012", KeyFactory(seed=1), threading.RLock())
            >>> account.create_saml_provider("Okta", "<md:EntityDescriptor .../>").arn
            'arn:aws:iam::123456789012:saml-provider/Okta'
        """
        if not isinstance(name, str) or not 1 <= len(name) <= 128 or not _SAML_NAME.fullmatch(name):
            raise validation_error([f"Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy "
                                    "regular expression pattern: [\\w._-]+ and have length between 1 and 128"])
        arn = f"arn:aws:iam::{self.account_id}:saml-provider/{name}"
        provider = SamlProvider(arn=arn, name=name, metadata=metadata)
        return self._register(self._saml, provider, f"SAMLProvider {name} already exists.")

    def saml_provider(self, arn: str) -> SamlProvider | None:
        """The SAML provider with this ARN: the account's own, else moto's IAM one while a moto mock is active."""
        return self._saml.get(arn) or self.directory.saml_provider(arn)

    def _register(self, providers: dict[str, _Provider], provider: _Provider, taken: str) -> _Provider:
        """Add ``provider`` under its ARN, unless one is there already (IAM's ``EntityAlreadyExists``, ``taken``)."""
        with self._lock:
            if provider.arn in providers:
                raise StsError("EntityAlreadyExists", taken, 409)
            providers[provider.arn] = provider
        return provider

    def publish_signing_keys(self, issuer: str, jwks: Mapping[str, Any]) -> None:
        """What the issuer ``https://HOST/PATH`` publishes at its ``jwks_uri``: the keys STS fetches to check
        its tokens (in AWS, from the internet; here, from the identity provider objects tests hold).

        Example::

            >>> import threading
            >>> from mockfed.state.keys import KeyFactory, access_key_id_for, account_of_access_key_id
            >>> account = Account("123456789012", KeyFactory(seed=1), threading.RLock())
            >>> account.publish_signing_keys("https://issuer.example.com/", {"keys": []})
            >>> account.signing_keys("https://issuer.example.com"), account.signing_keys("https://other.example.com")
            ({'keys': []}, None)
        """
        with self._lock:
            self._published_keys[issuer.rstrip("/")] = jwks

    def signing_keys(self, issuer: str) -> Mapping[str, Any] | None:
        """The JSON Web Key Set the issuer publishes, or None when STS could not retrieve one."""
        return self._published_keys.get(issuer.rstrip("/"))

    def publishing_issuers(self) -> list[str]:
        """Every issuer that publishes keys (:meth:`publish_signing_keys`), as published, read now.

        Example::

            >>> import threading
            >>> from mockfed.state.keys import KeyFactory
            >>> account = Account("123456789012", KeyFactory(seed=1), threading.RLock())
            >>> account.publish_signing_keys("https://issuer.example.com/", {"keys": []})
            >>> account.publishing_issuers()
            ['https://issuer.example.com']
        """
        with self._lock:
            return list(self._published_keys)

    # ---- policies ----------------------------------------------------------------------------------------

    def create_policy(self, name: str, document: PolicyDocument) -> str:
        """Add a customer-managed policy (JSON or a dict); returns its ARN."""
        _check_name(name, "policyName", maximum=128)
        text = _checked(document)
        arn = f"arn:aws:iam::{self.account_id}:policy/{name}"
        with self._lock:
            if arn in self._customer_policies:
                taken = f"A policy called {name} already exists. Duplicate names are not allowed."
                raise StsError("EntityAlreadyExists", taken, 409)
            self._customer_policies[arn] = text
        return arn

    def delete_policy(self, arn: str) -> None:
        """Delete a customer-managed policy that is attached to nothing (IAM refuses to delete one in use)."""
        with self._lock:
            if arn not in self._customer_policies:
                raise StsError("NoSuchEntity", f"Policy {arn} does not exist or is not attachable.", 404)
            roles = self._roles.values()
            if (
                any(arn in user.managed for user in self._users.values())
                or any(arn in role.managed for role in roles)
                or any(role.permissions_boundary == arn for role in roles)
            ):
                raise StsError("DeleteConflict", "Cannot delete a policy attached to entities.", 409)
            del self._customer_policies[arn]

    def _check_managed(self, arns: Iterable[str]) -> None:
        for arn in arns:
            if self.managed_policy(arn) is None:
                raise StsError("NoSuchEntity", f"Policy {arn} does not exist or is not attachable.", 404)

    def managed_policy(self, arn: str) -> str | None:
        """The document behind a managed policy ARN: customer-managed in this account, or AWS-managed."""
        document = self._customer_policies.get(arn) or managed_policy_document(arn)
        return document if document is not None else self.directory.managed_policy(arn)

    # ---- regions -----------------------------------------------------------------------------------------

    def disable_region(self, region: str) -> None:
        """Make STS refuse ``region`` (an AWS region's name, as AWS spells it: ``ap-east-1``)."""
        _check_region(region)
        with self._lock:
            self._disabled_regions.add(region)

    def enable_region(self, region: str) -> None:
        """Undo :meth:`disable_region`."""
        _check_region(region)
        with self._lock:
            self._disabled_regions.discard(region)

    def region_disabled(self, region: str) -> bool:
        return region in self._disabled_regions

    # ---- what the account holds --------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """What the account holds now, as plain JSON values and never a secret: its users (with their access key
        ids), roles, customer-managed policies, identity providers, MFA devices and disabled regions, each by
        name and ARN, in the order they were made (regions sorted).

        Example::

            >>> import threading
            >>> from mockfed.state.keys import KeyFactory
            >>> account = Account("111122223333", KeyFactory(seed=1), threading.RLock())
            >>> account.disable_region("ap-east-1")
            >>> [user["name"] for user in account.describe()["users"]], account.describe()["disabled_regions"]
            (['mockfed-default'], ['ap-east-1'])
        """
        with self._lock:
            keys: dict[str, list[str]] = {}
            for access_key_id, key in self._access_keys.items():
                if key.owner is not None:
                    keys.setdefault(key.owner, []).append(access_key_id)
            users = [
                {
                    "name": user.name,
                    "arn": f"arn:aws:iam::{self.account_id}:user/{user.name}",
                    "access_key_ids": keys.get(owner, []),
                    "policies": sorted(user.policies),
                    "managed": list(user.managed),
                    "tags": dict(user.tags),
                }
                for owner, user in self._users.items()
            ]
            roles = [
                {
                    "name": role.name,
                    "arn": f"arn:aws:iam::{self.account_id}:role{role.path}{role.name}",
                    "policies": sorted(role.policies),
                    "managed": list(role.managed),
                    "max_session_duration": role.max_session_duration,
                    "permissions_boundary": role.permissions_boundary,
                    "tags": dict(role.tags),
                }
                for role in self._roles.values()
            ]
            return {
                "users": users,
                "roles": roles,
                "policies": [{"name": arn.rpartition("/")[2], "arn": arn} for arn in self._customer_policies],
                "oidc_providers": [
                    {"arn": provider.arn, "url": provider.url, "client_ids": list(provider.client_ids)}
                    for provider in self._oidc.values()
                ],
                "saml_providers": [{"arn": provider.arn, "name": provider.name} for provider in self._saml.values()],
                "mfa_devices": [
                    {"serial_number": device.serial_number, "user": device.user_name} for device in self._mfa.values()
                ],
                "disabled_regions": sorted(self._disabled_regions),
            }

    # ---- faults ------------------------------------------------------------------------------------------

    def inject_error(
        self, action: str, code: str, message: str | None = None, *, count: int = 1, status: int | None = None
    ) -> None:
        """Make the next ``count`` calls of ``action`` (an STS action's name, or ``"*"``) fail with ``code``."""
        _check_fault(action, code, message, count, status)
        default_message, default_status = _KNOWN_FAULTS.get(code, (code, 400))
        error = StsError(code, message or default_message, status or default_status, sender_fault=(status or 400) < 500)
        with self._lock:
            self._faults.append(_Fault(action, error, count))

    def take_fault(self, action: str) -> StsError | None:
        """The injected error the next call of ``action`` answers, used up by this call; None if there is none."""
        if not self._faults:  # the common case, without the lock
            return None
        with self._lock:
            for fault in self._faults:
                if fault.action in (action, "*") and fault.remaining > 0:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault.error
        return None

    # ---- the call log ------------------------------------------------------------------------------------

    def log(self, call: Call) -> None:
        """Append one call to the log (answered here, replayed, or recorded from elsewhere)."""
        # One append, atomic in CPython with or without the GIL (lists lock themselves in free-threaded builds);
        # readers copy the list in one step too (``backend.calls``). The lock would add a cost to every call.
        self.calls.append(call)
