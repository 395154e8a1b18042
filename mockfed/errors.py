"""STS errors, with the real service's codes, HTTP statuses and messages; the console endpoint's refusals.

Every failure a user can meet through STS in mockfed is a :class:`StsError`. The
wire layer renders it as an ``<ErrorResponse>`` that botocore parses into the
same ``ClientError`` (or modelled exception) the real service produces. The console
federation endpoint answers HTML pages instead: its refusals are :class:`SigninError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

__all__ = [
    "RECORD_MODES",
    "MissingExtraError",
    "ScenarioAgeWarning",
    "ScenarioFormatError",
    "ScenarioMismatchError",
    "ScenarioSecretError",
    "SigninError",
    "StsError",
    "UnmockedRequestError",
    "UnusedInteractionsError",
    "WebIdentityEnvironmentWarning",
    "WorldFileError",
    "access_denied",
    "as_sts_error",
    "expired_token",
    "internal_failure",
    "invalid_action",
    "invalid_client_token_id",
    "malformed_policy",
    "missing_extra",
    "not_implemented",
    "packed_policy_too_large",
    "region_disabled",
    "validation_error",
]


class StsError(Exception):
    """An error answered by the simulated STS.

    ``code``, ``message`` and ``status`` are exactly what the real service
    sends; ``sender_fault`` selects ``<Type>Sender</Type>`` or ``Receiver``.

    Example::

        >>> err = StsError("AccessDenied", "Not allowed", 403)
        >>> (err.code, err.status, str(err))
        ('AccessDenied', 403, 'AccessDenied: Not allowed')
    """

    def __init__(
        self, code: str, message: str, status: int = 400, *, sender_fault: bool = True, reason: str | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault
        self.reason = reason
        """mockfed's own words on why (a denial's policy, statement and condition key); never in the message,
        which stays the service's: in ``Call.reason`` and the ``x-mockfed-reason`` header."""

    def __repr__(self) -> str:
        return f"StsError(code={self.code!r}, message={self.message!r}, status={self.status})"


def validation_error(violations: Sequence[str]) -> StsError:
    """``ValidationError`` listing every violated constraint, as the service joins them."""
    count = len(violations)
    noun = "validation error" if count == 1 else "validation errors"
    return StsError("ValidationError", f"{count} {noun} detected: " + "; ".join(violations), 400)


def malformed_policy(message: str) -> StsError:
    return StsError("MalformedPolicyDocument", message, 400)


def packed_policy_too_large(percent: int, *, tags: bool = False) -> StsError:
    if tags:
        return StsError(
            "PackedPolicyTooLarge", f"Packed size of session tags consumes {percent}% of allotted space.", 400
        )
    return StsError(
        "PackedPolicyTooLarge", f"Packed policy consumes {percent}% of allotted space, please use smaller policy.", 400
    )


def region_disabled(account_id: str) -> StsError:
    return StsError(
        "RegionDisabledException",
        f"STS is not activated in this region for account:{account_id}. Your account administrator can "
        "activate STS in this region using the IAM Console.",
        403,
    )


def access_denied(message: str, reason: str | None = None) -> StsError:
    """403 ``AccessDenied`` with the service's ``message``, and mockfed's ``reason`` beside it.

    Example::

        >>> access_denied("Not authorized", reason="no statement names you").reason
        'no statement names you'
    """
    return StsError("AccessDenied", message, 403, reason=reason)


def expired_token() -> StsError:
    return StsError("ExpiredToken", "The security token included in the request is expired", 403)


def invalid_client_token_id() -> StsError:
    return StsError("InvalidClientTokenId", "The security token included in the request is invalid", 403)


def invalid_action(action: str, version: str) -> StsError:
    return StsError("InvalidAction", f"Could not find operation {action} for version {version}", 400)


def as_sts_error(exc: Exception) -> StsError:
    """``exc`` as the client is answered: itself if it is an ``StsError``, else :func:`internal_failure`.

    Example::

        >>> as_sts_error(ValueError("x")).code, as_sts_error(StsError("Throttling", "Rate exceeded", 400)).code
        ('InternalFailure', 'Throttling')
    """
    return exc if isinstance(exc, StsError) else internal_failure(exc)


def internal_failure(exc: BaseException) -> StsError:
    """A failure inside mockfed (a bug), as STS's 500 ``InternalFailure`` naming it: what the client is answered
    and the call log keeps.

    Example::

        >>> internal_failure(KeyError("arn")).message
        "mockfed internal error (KeyError: 'arn'); please report it with this request"
    """
    return StsError(
        "InternalFailure",
        f"mockfed internal error ({type(exc).__name__}: {exc}); please report it with this request",
        500,
        sender_fault=False,
    )


def not_implemented(action: str) -> StsError:
    """A real STS action that mockfed does not simulate (yet): loud, never a silent fake."""
    return StsError(
        "NotImplemented",
        f"mockfed does not simulate the STS action {action} (yet): see README's table of actions, or file a request.",
        501,
        sender_fault=False,
    )


class SigninError(Exception):
    """A request the console federation endpoint (``signin.aws.amazon.com/federation``) refuses.

    The endpoint answers HTML, not codes: ``message`` is what its page says (the captured text
    where one is published), ``status`` its HTTP status, ``page`` which page it is (``"status"``:
    the plain status page of ``getSigninToken``; ``"signin"``: the AWS Sign-In page a browser sees
    after ``login``). ``code`` is mockfed's name for the refusal (for logs and tests; AWS sends
    none) and ``reason`` says, in mockfed's words, what was wrong and what to change.

    Example::

        >>> err = SigninError("InvalidCredentialsParameter", "Invalid credentials parameter",
        ...                   reason="the session token was altered")
        >>> (err.status, err.page, str(err))
        (400, 'status', 'InvalidCredentialsParameter: the session token was altered')
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        page: Literal["status", "signin"] = "status",
        reason: str = "",
    ) -> None:
        super().__init__(f"{code}: {reason or message}")
        self.code = code
        self.message = message
        self.status = status
        self.page = page
        self.reason = reason or message

    def __repr__(self) -> str:
        return f"SigninError(code={self.code!r}, status={self.status}, reason={self.reason!r})"


class MissingExtraError(ImportError):
    """A feature whose libraries are an optional extra of mockfed, used where the extra is not installed.

    Example::

        >>> str(MissingExtraError("SAML federation", "saml", "signxml"))
        "SAML federation needs mockfed's 'saml' extra (signxml): pip install 'mockfed[saml]'"
    """

    def __init__(self, feature: str, extra: str, library: str) -> None:
        super().__init__(f"{feature} needs mockfed's {extra!r} extra ({library}): pip install 'mockfed[{extra}]'")
        self.extra = extra


def missing_extra(action: str, error: MissingExtraError) -> StsError:
    """The answer to ``action`` when the libraries it needs are not installed: loud, and naming the extra.

    Example::

        >>> missing_extra("AssumeRoleWithSAML", MissingExtraError("SAML federation", "saml", "signxml")).status
        501
    """
    return StsError("NotImplemented", f"mockfed cannot simulate {action} here: {error}", 501, sender_fault=False)


class UnmockedRequestError(RuntimeError):
    """A request to another AWS service that no mock answered, stopped before it reached the network.

    Example::

        >>> str(UnmockedRequestError("s3", "https://s3.amazonaws.com/bucket")).split(":")[0]
        'mockfed stopped a request to s3 (https'
    """

    def __init__(self, service: str, url: str) -> None:
        super().__init__(
            f"mockfed stopped a request to {service} ({url}): no mock answered it, and while mock_federation is "
            f"active nothing reaches AWS. Mock {service} too (moto: `with moto.mock_aws():`), or opt in with "
            "mock_federation(allow_passthrough=True)."
        )
        self.service = service
        self.url = url


# ---- scenario errors (here, not in scenario.py, so that importing mockfed stays light) ----------------------------

#: Record modes of a scenario, with VCR's names.
RECORD_MODES = ("none", "once", "new_episodes", "all")


class ScenarioFormatError(ValueError):
    """A scenario file that is not what mockfed reads; the message names the place and the fix."""


class WorldFileError(ValueError):
    """A world file (or dict) that does not declare an account mockfed can make: the message names the file, the
    entry and the field, then what is wrong (``world.yaml: roles[1] (deployer): max_session_duration: ...``).

    Example::

        >>> str(WorldFileError("world.yaml: roles[1] (deployer): max_session_duration: must be 3600 to 43200"))
        'world.yaml: roles[1] (deployer): max_session_duration: must be 3600 to 43200'
    """


class ScenarioSecretError(RuntimeError):
    """A scenario about to be written still holds something shaped like a live credential; nothing was written."""


class WebIdentityEnvironmentWarning(UserWarning):
    """``AWS_WEB_IDENTITY_TOKEN_FILE`` and ``AWS_ROLE_ARN`` were set by hand inside a mock: botocore signs with the
    mock's environment keys, which come first in its credential chain, so the role is never assumed."""


class ScenarioAgeWarning(UserWarning):
    """The scenario replayed was recorded long ago: the real service may answer differently now."""


class ScenarioMismatchError(AssertionError):
    """A request that no interaction of the scenario matches."""


class UnusedInteractionsError(AssertionError):
    """Interactions of the scenario that the test never requested."""
