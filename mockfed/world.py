"""World files: one declaration of an account (users, roles, policies, identity providers, MFA devices, regions).

A world is a mapping with an optional ``account_id`` and lists named after the backend's ``create_*``
methods; each entry is the keyword arguments of one call, so the Python API and the file read alike::

    account_id: "123456789012"
    policies:      [{name: ReadLogs, document: {...}}]                  # backend.create_policy(**entry)
    users:         [{name: broker, policy: {...}, access_key_id: AKIA..., secret_access_key: ...}]
    mfa_devices:   [{name: broker-phone, user: broker}]
    oidc_providers: [{url: "https://token.actions.githubusercontent.com", client_ids: [sts.amazonaws.com]}]
    saml_providers: [{name: Okta, issuer: "http://www.okta.com/exk1abcd"}]
    roles:         [{name: deployer, trust_policy: {...}, max_session_duration: 7200}]
    disabled_regions: [ap-east-1]                                       # or {region: ap-east-1}

JSON always; YAML (``.yaml``/``.yml``, the ``world`` extra: PyYAML) and TOML (``.toml``) too, by the file's
extension. :func:`read_world` reads and checks the shape (every problem a :class:`~mockfed.errors.WorldFileError`
naming the file, the entry and the field); :func:`load_world` makes the account in a backend, in the order
:data:`KINDS` lists (policies before the users and roles that attach them, users before their MFA devices,
providers before the roles that trust them), and re-raises what a ``create_*`` method refuses as a
``WorldFileError`` naming the same. ``mockfed serve --world``, ``mock_federation(world=...)``, the pytest
marker and ``mockfed world check`` all read worlds through here.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from mockfed.backend import FederationBackend
from mockfed.errors import MissingExtraError, StsError, WorldFileError
from mockfed.iam import parse_policy
from mockfed.iam.grammar import policy_text
from mockfed.state.account import DEFAULT_ACCOUNT_ID, check_account_id

__all__ = ["KINDS", "WORLD_MAX_BYTES", "World", "load_world", "read_world"]

#: The lists of a world, in the order their entries are made, and the backend method each entry is the keyword
#: arguments of.
KINDS: dict[str, str] = {
    "policies": "create_policy",
    "users": "create_user",
    "mfa_devices": "create_mfa_device",
    "oidc_providers": "create_oidc_provider",
    "saml_providers": "create_saml_provider",
    "roles": "create_role",
    "disabled_regions": "disable_region",
}
#: The largest world file read (as for scenario files: a world of thousands of roles is a few megabytes).
WORLD_MAX_BYTES = 16 * 1024 * 1024
_FORMATS = {".json": "JSON", ".yaml": "YAML", ".yml": "YAML", ".toml": "TOML"}
_TOP_LEVEL = ("account_id", *KINDS)
#: One of each kind, as the summary and the messages say it.
_NOUNS = {
    "policies": ("policy", "policies", "a"),
    "users": ("user", "users", "a"),
    "mfa_devices": ("MFA device", "MFA devices", "an"),
    "oidc_providers": ("OIDC provider", "OIDC providers", "an"),
    "saml_providers": ("SAML provider", "SAML providers", "a"),
    "roles": ("role", "roles", "a"),
    "disabled_regions": ("disabled region", "disabled regions", "a"),
}
#: The field an entry is known by in messages.
_LABEL = {"oidc_providers": "url", "disabled_regions": "region"}
#: IAM's member names in a refusal (``Value '…' at 'maxSessionDuration'``), as a world's fields are named.
_MEMBERS = {
    "userName": "name",
    "roleName": "name",
    "virtualMFADeviceName": "name",
    "policyName": "name",
    "name": "name",
    "assumeRolePolicyDocument": "trust_policy",
    "policyDocument": "policy",
    "maxSessionDuration": "max_session_duration",
    "path": "path",
    "tags": "tags",
    "permissionsBoundary": "permissions_boundary",
    "policyArn": "managed",
    "accessKeyId": "access_key_id",
    "secretAccessKey": "secret_access_key",
    "url": "url",
    "clientIDList": "client_ids",
    "thumbprintList": "thumbprints",
    "secret": "secret",
    "region": "region",
    "samlMetadataDocument": "metadata",
    "issuer": "issuer",
}
#: Where a kind names a member otherwise (an MFA device's ``userName`` is its ``user``; a policy's document).
_KIND_MEMBERS = {"mfa_devices": {"userName": "user"}, "policies": {"policyDocument": "document"}}
_AT_MEMBER = re.compile(r" at '(\w+)' failed")
_VALIDATION_PREFIX = re.compile(r"^\d+ validation errors? detected: ")


def _parameters(kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields an entry of ``kind`` takes (the ``create_*`` method's parameters) and those it needs."""
    method = getattr(FederationBackend(), KINDS[kind])
    parameters = inspect.signature(method).parameters.values()
    taken = tuple(parameter.name for parameter in parameters)
    needed = tuple(parameter.name for parameter in parameters if parameter.default is inspect.Parameter.empty)
    return taken, needed


@dataclass(frozen=True)
class World:
    """A checked world: where it came from (``source``, the file's name or ``"world"`` for a dict), its
    ``account_id`` (None: whichever the backend has), and its ``entries`` by kind (:data:`KINDS`), each the
    keyword arguments of one ``create_*`` call.

    Example::

        >>> world = read_world({"users": [{"name": "alice"}], "disabled_regions": ["ap-east-1"]})
        >>> world.summary()
        'account 123456789012: 1 user, 1 disabled region'
        >>> backend = world.new_backend()
        >>> [user["name"] for user in backend.describe_account()["users"]]
        ['mockfed-default', 'alice']
    """

    source: str
    account_id: str | None
    entries: Mapping[str, tuple[Mapping[str, Any], ...]]

    def summary(self) -> str:
        """One line: the account and how many of each kind the world declares."""
        counts = []
        for kind in ("users", "roles", "policies", "oidc_providers", "saml_providers", "mfa_devices",
                     "disabled_regions"):
            count = len(self.entries.get(kind, ()))
            if count:
                one, many, _ = _NOUNS[kind]
                counts.append(f"{count} {one if count == 1 else many}")
        return f"account {self.account_id or DEFAULT_ACCOUNT_ID}: {', '.join(counts) or 'nothing declared'}"

    def new_backend(self, *, account_id: str | None = None, seed: int | None = None) -> FederationBackend:
        """A fresh backend of ``account_id`` (default: the world's, else ``123456789012``) with the world made in it
        (a :class:`~mockfed.errors.WorldFileError` if the world declares another account). Its
        :meth:`~mockfed.FederationBackend.reset` (``POST /_mockfed/reset``) forgets everything since and makes the
        world again: what a new backend of this world is."""
        backend = _WorldBackend(self, account_id or self.account_id or DEFAULT_ACCOUNT_ID, seed)
        self.apply(backend)
        return backend

    def apply(self, backend: FederationBackend) -> dict[str, list[Any]]:
        """Make the world's entries in ``backend`` (in the order of :data:`KINDS`) and return what each ``create_*``
        call returned, by kind: the users' :class:`~mockfed.state.records.Principal` (with their keys), the
        identity providers that mint tokens and assertions (``made["oidc_providers"][0].token(sub=...)``), the
        roles, the policies' ARNs, the MFA devices. A refusal is a :class:`~mockfed.errors.WorldFileError` naming
        the entry and the field. The backend's account must be the world's, if it names one."""
        if self.account_id is not None and self.account_id != backend.account_id:
            raise WorldFileError(
                f"{self.source}: account_id: the world declares account {self.account_id}, the backend is account "
                f"{backend.account_id}: make the backend with FederationBackend({self.account_id!r}) (or drop "
                "account_id from the world)"
            )
        made: dict[str, list[Any]] = {}
        for kind, method in KINDS.items():
            create = getattr(backend, method)
            for index, entry in enumerate(self.entries.get(kind, ())):
                try:
                    made.setdefault(kind, []).append(create(**entry))
                except (StsError, ValueError, TypeError, MissingExtraError) as err:
                    raise WorldFileError(_refusal(self.source, kind, index, entry, err)) from err
        return made


class _WorldBackend(FederationBackend):
    """A backend made from a world (:meth:`World.new_backend`): a reset makes the world again."""

    def __init__(self, world: World, account_id: str, seed: int | None) -> None:
        super().__init__(account_id, seed=seed)
        self._world = world

    def reset(self) -> None:
        with self.state.lock:  # one step for every other user of the lock: never an account without its world
            super().reset()
            self._world.apply(self)


def _where(source: str, kind: str, index: int, entry: Any) -> str:
    """``world.yaml: roles[1] (deployer)``: the file, the list and the entry, by its name where it has one."""
    label = entry.get(_LABEL.get(kind, "name")) if isinstance(entry, Mapping) else None
    shown = f" ({label})" if isinstance(label, str) and label else ""
    return f"{source}: {kind}[{index}]{shown}"


def _refusal(source: str, kind: str, index: int, entry: Mapping[str, Any], err: Exception) -> str:
    """What a ``create_*`` method refused, as a world's problem: the place, the field when it can be told, why."""
    where = _where(source, kind, index, entry)
    why = f"{_VALIDATION_PREFIX.sub('', err.message)} ({err.code})" if isinstance(err, StsError) else str(err)
    field = _blamed_field(kind, entry, err)
    return f"{where}: {field}: {why}" if field else f"{where}: {why}"


def _blamed_field(kind: str, entry: Mapping[str, Any], err: Exception) -> str | None:
    """The field of ``entry`` that ``err`` is about, when its message tells (or a second look does)."""
    if not isinstance(err, StsError):
        return None
    found = _AT_MEMBER.search(err.message)
    if found:
        member = found.group(1)
        return _KIND_MEMBERS.get(kind, {}).get(member) or _MEMBERS.get(member)
    if err.code == "NoSuchEntity":
        if "user with name" in err.message:
            return "user"
        for field in ("managed", "permissions_boundary"):
            value = entry.get(field)
            names = value if isinstance(value, list | tuple) else [value]
            if any(isinstance(arn, str) and arn in err.message for arn in names):
                return field
    if err.code == "MalformedPolicyDocument":
        if "trust_policy" in entry and ("principal" in err.message.lower() or not _parses(entry["trust_policy"])):
            return "trust_policy"
        return "document" if kind == "policies" else "policy"
    if err.code == "EntityAlreadyExists":
        return "access_key_id" if "Access key" in err.message else _LABEL.get(kind, "name")
    if err.code == "InvalidInput" and "metadata" in err.message:
        return "metadata"
    return None


def _parses(document: Any) -> bool:
    """Whether ``document`` is a trust policy the grammar accepts."""
    try:
        parse_policy(policy_text(document), trust=True)
    except (StsError, ValueError, TypeError):
        return False
    return True


# ---- reading -------------------------------------------------------------------------------------------------


def read_world(source: str | os.PathLike[str] | Mapping[str, Any]) -> World:
    """A world from a file (JSON, YAML or TOML by its extension) or a dict, its shape checked: the top-level keys,
    each list, each entry's fields (those of the backend's ``create_*`` method). Every problem is a
    :class:`~mockfed.errors.WorldFileError` naming the file, the entry and the field. What the ``create_*``
    methods check themselves (names, policies, durations, keys) is checked when the world is made
    (:func:`load_world`, :meth:`World.apply`).

    Example::

        >>> read_world({"roles": [{"name": "deployer"}]})
        Traceback (most recent call last):
        ...
        mockfed.errors.WorldFileError: world: roles[0] (deployer): missing trust_policy; a role takes name, \
trust_policy, policy, managed, max_session_duration, path, tags, permissions_boundary
    """
    if isinstance(source, Mapping):
        return _checked_world("world", source)
    name = os.fspath(source)
    return _checked_world(name, _parse(name, _read_text(name)))


def load_world(
    backend: FederationBackend, source: str | os.PathLike[str] | Mapping[str, Any] | World
) -> dict[str, list[Any]]:
    """Make the world ``source`` (a file, a dict, or a :class:`World` already read) in ``backend``; returns what
    was made, by kind (:meth:`World.apply`).

    Example::

        >>> backend = FederationBackend()
        >>> made = load_world(backend, {"policies": [{"name": "ReadLogs", "document": {
        ...     "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:Get*", "Resource": "*"}]}}]})
        >>> made["policies"]
        ['arn:aws:iam::123456789012:policy/ReadLogs']
    """
    world = source if isinstance(source, World) else read_world(source)
    return world.apply(backend)


def _read_text(name: str) -> str:
    """A world file's text, at most :data:`WORLD_MAX_BYTES` read."""
    try:
        # O_NONBLOCK: a FIFO opens at once instead of waiting for a writer, and is then refused as not a file
        descriptor = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise WorldFileError(f"{name}: not a regular file; a world is a .json, .yaml or .toml file")
            data = handle.read(WORLD_MAX_BYTES + 1)
    except FileNotFoundError:
        raise WorldFileError(f"{name}: no such world file") from None
    except OSError as err:
        raise WorldFileError(f"{name}: cannot be read ({err.strerror or err})") from None
    if len(data) > WORLD_MAX_BYTES:
        raise WorldFileError(f"{name}: more than {WORLD_MAX_BYTES} bytes; a world file is a few megabytes at most")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise WorldFileError(
            f"{name}: not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); world files are UTF-8"
        ) from None


def _parse(name: str, text: str) -> Any:
    """The file's data, by its extension's format."""
    extension = os.path.splitext(name)[1].lower()
    kind = _FORMATS.get(extension)
    if kind is None:
        raise WorldFileError(
            f"{name}: mockfed reads world files by their extension: .json, .yaml, .yml or .toml, not "
            f"{extension or 'none'}"
        )
    try:
        if kind == "JSON":
            return json.loads(text, object_pairs_hook=_unique_keys)
        if kind == "TOML":
            import tomllib  # loaded for a TOML world only: import mockfed stays light

            try:
                return _dates_as_text(tomllib.loads(text))
            except tomllib.TOMLDecodeError as err:
                raise WorldFileError(f"{name}: not TOML ({err})") from None
        return _load_yaml(name, text)
    except WorldFileError:
        raise
    except json.JSONDecodeError as err:
        raise WorldFileError(f"{name}: not JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    except _DuplicateKeyError as err:
        raise WorldFileError(f"{name}: {err}") from None
    except (ValueError, RecursionError) as err:  # an integer of thousands of digits; nesting Python cannot follow
        raise WorldFileError(f"{name}: not {kind} mockfed can read ({type(err).__name__}: {err})") from None


class _DuplicateKeyError(ValueError):
    """A key given twice in one object of a world file (the first would be lost without a word)."""


def _unique_keys(pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
    """An object of the file, refused when a key comes twice.

    Example::

        >>> _unique_keys([("users", []), ("roles", [])])
        {'users': [], 'roles': []}
        >>> _unique_keys([("users", [1]), ("users", [])])
        Traceback (most recent call last):
        ...
        mockfed.world._DuplicateKeyError: the key 'users' is given twice in one object: write it once
    """
    made: dict[Any, Any] = {}
    for key, value in pairs:
        if key in made:
            raise _DuplicateKeyError(f"the key {str(key)[:80]!r} is given twice in one object: write it once")
        made[key] = value
    return made


def _load_yaml(name: str, text: str) -> Any:
    """YAML's safe subset, where a date stays text (a policy's ``Version: 2012-10-17`` is the string IAM wants)."""
    try:
        import yaml
    except ImportError:
        missing = MissingExtraError("YAML world files", "world", "PyYAML")
        raise WorldFileError(f"{name}: {missing}; or write the world in JSON or TOML") from None

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            self.flatten_mapping(node)  # merge keys (<<) first, as PyYAML does
            pairs = [(self.construct_object(k, deep=deep), self.construct_object(v, deep=deep)) for k, v in node.value]
            return _unique_keys(pairs)

    Loader.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    try:
        loaded = yaml.load(text, Loader=Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise WorldFileError(f"{name}: not YAML ({at}{err.problem})") from None
    except yaml.YAMLError as err:
        raise WorldFileError(f"{name}: not YAML ({err})") from None
    if not _within(loaded, _MAX_NODES):
        raise WorldFileError(
            f"{name}: its aliases (*name) expand to more than {_MAX_NODES:,} values: write each value out, or "
            "alias fewer (a world needs no more than a few thousand)"
        )
    return loaded


#: The most values a world may hold once its YAML aliases are expanded (a "billion laughs" file expands to
#: billions from a few lines: reading it would take minutes and gigabytes).
_MAX_NODES = 200_000


def _within(value: Any, budget: int) -> bool:
    """Whether ``value``, every alias followed as often as it is used, holds at most ``budget`` values.

    Example::

        >>> laughs = ["lol"] * 10
        >>> for _ in range(8):
        ...     laughs = [laughs] * 10
        >>> _within({"a": [1, 2]}, 10), _within(laughs, 200_000)
        (True, False)
    """
    pending = [value]
    while pending:
        budget -= 1
        if budget < 0:
            return False
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
            pending.extend(item.keys())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def _dates_as_text(value: Any) -> Any:
    """TOML's dates (``Version = 2012-10-17`` unquoted) as the text they were written as."""
    if isinstance(value, dict):
        return {key: _dates_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _checked_world(source: str, data: Any) -> World:
    if not isinstance(data, Mapping):
        raise WorldFileError(
            f"{source}: a world is a mapping of {', '.join(_TOP_LEVEL)}, not {type(data).__name__}"
        )
    unknown = sorted(str(key) for key in data if key not in _TOP_LEVEL)
    if unknown:
        raise WorldFileError(f"{source}: unknown key(s) {', '.join(unknown)}; a world has {', '.join(_TOP_LEVEL)}")
    account_id = data.get("account_id")
    if account_id is not None:
        try:
            check_account_id(account_id)
        except (TypeError, ValueError) as err:
            raise WorldFileError(f"{source}: account_id: {err}") from None
    entries: dict[str, tuple[Mapping[str, Any], ...]] = {}
    for kind in KINDS:
        items = data.get(kind)
        if items is None:
            continue
        if not isinstance(items, list):
            raise WorldFileError(f"{source}: {kind}: a list of entries, not {type(items).__name__}")
        entries[kind] = tuple(_checked_entry(source, kind, index, item) for index, item in enumerate(items))
    return World(source, account_id, entries)


def _checked_entry(source: str, kind: str, index: int, entry: Any) -> Mapping[str, Any]:
    taken, needed = _parameters(kind)
    one, _, article = _NOUNS[kind]
    if kind == "disabled_regions" and isinstance(entry, str):
        entry = {"region": entry}
    where = _where(source, kind, index, entry)
    if not isinstance(entry, Mapping):
        shorthand = " or a region's name" if kind == "disabled_regions" else ""
        raise WorldFileError(
            f"{where}: {article} {one} is a mapping of {', '.join(taken)}{shorthand}, not {type(entry).__name__}"
        )
    unknown = sorted(str(key) for key in entry if key not in taken)
    if unknown:
        known = ", ".join(taken)
        raise WorldFileError(f"{where}: unknown field(s) {', '.join(unknown)}; {article} {one} takes {known}")
    missing = [name for name in needed if name not in entry]
    if missing:
        raise WorldFileError(f"{where}: missing {', '.join(missing)}; {article} {one} takes {', '.join(taken)}")
    return dict(entry)
