"""A stateful property: every answer equals the answer of a fresh backend built from the same current state.

Hypothesis drives random sequences of changes (users, keys, roles and policies made, changed and
deleted through the backend and through moto's IAM; sessions issued by AssumeRole,
GetFederationToken and GetSessionToken, some sent again byte for byte; the clock moved) and
questions (``is_allowed``, GetCallerIdentity signed now, a GetCallerIdentity request signed earlier
and sent again). Every outcome is recorded. Then, for each question, a fresh world (a new backend
and a new moto account, the same seeds, the same frozen start) is built by making the same changes
(each must come out as it did) and is asked that one question, never asked anything before: its
answer must be the recorded one. An answer that depended on what was asked before, or on anything
but the state, would differ.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

import boto3
import freezegun
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend, StsError
from mockfed.dispatch import handle
from mockfed.http import HttpRequest, HttpResponse

moto = pytest.importorskip("moto")
from moto.moto_api._internal import mock_random  # noqa: E402

#: Where the account's id goes in the documents below: each world has an account of its own (so nothing one
#: remembered by an ARN could answer for another), and its answers are compared with its id put back as this.
ACCOUNT = "ACCOUNT_ID"
START = "2026-06-01 12:00:00"
#: The world the rules change, and the fresh worlds that check it: other seeds and accounts, so no request of one
#: is ever byte for byte a request of another (nothing remembered of one world's requests can answer another's).
SEEDS, FRESH_SEEDS = (7, 11), (8, 12)
_ACCOUNTS = iter(range(200000000000, 300000000000))
_FROZEN = ["hypothesis", "_pytest", "pytest"]  # what freezegun leaves on real time


def _policy(*statements: tuple[str, str | list[str]]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": action, "Resource": "*"} for effect, action in statements],
    }


POLICIES: dict[str, dict[str, Any]] = {
    "s3": _policy(("Allow", "s3:*")),
    "federate": _policy(("Allow", ["s3:GetObject", "sts:GetFederationToken", "sts:AssumeRole"])),
    "deny-get": _policy(("Allow", "*"), ("Deny", "s3:GetObject")),
    "ec2": _policy(("Allow", "ec2:Describe*")),
}
TRUSTS: dict[str, dict[str, Any]] = {
    "account": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}]},
    "alice": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}, "Action": "sts:AssumeRole"}]},
}
MANAGED = {
    "s3-read": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "read-only": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "reports": f"arn:aws:iam::{ACCOUNT}:policy/Reports",
}
USERS = ("alice", "bob")  # the backend's
MOTO_USERS = ("carol", "dave")  # moto's: other names, in the same account
ROLES = ("Deployer", "Reader")
MOTO_ROLES = ("MotoReader",)
QUESTIONS = (
    ("s3:GetObject", "arn:aws:s3:::reports/q3.csv"),
    ("s3:PutObject", "arn:aws:s3:::reports/q3.csv"),
    ("ec2:DescribeInstances", "*"),
    ("sts:GetFederationToken", f"arn:aws:sts::{ACCOUNT}:federated-user/Bob"),
)

Step = tuple[Any, ...]
#: Which credential a step uses: the newest made, or one of the few before it (steps meet what was just made).
RECENT = st.integers(0, 4)


def _error(error: StsError | Exception) -> tuple[str, str]:
    return ("error", error.code if isinstance(error, StsError) else type(error).__name__)


def _response_outcome(response: HttpResponse) -> tuple[Any, ...]:
    text = response.body.decode()
    if response.status != 200:
        return ("error", response.status, text.split("<Code>")[1].split("</Code>")[0])
    arn = text.split("<Arn>")[1].split("</Arn>")[0] if "<Arn>" in text else None  # GetSessionToken's has none
    return ("ok", arn)


_IAM: list[Any] = []


def _iam_client() -> Any:
    """One IAM client for every world (moto answers it while a world's moto mock is active): making a client
    loads botocore's models, a tenth of a second each time."""
    if not _IAM:
        _IAM.append(boto3.client("iam", region_name="us-east-1", aws_access_key_id="testing",
                                 aws_secret_access_key="testing"))
    return _IAM[0]


class World:
    """One account: a seeded backend beside a seeded moto account, at a frozen start; changes and questions."""

    def __init__(self, seeds: tuple[int, int]) -> None:
        self.account = str(next(_ACCOUNTS))
        self.saved_account = os.environ.get("MOTO_ACCOUNT_ID")
        os.environ["MOTO_ACCOUNT_ID"] = self.account  # moto's IAM in the same account
        self.freezer = freezegun.freeze_time(START, ignore=_FROZEN)
        self.freezer.start()
        self.moto = moto.mock_aws()
        self.moto.start()
        mock_random.seed(seeds[1])
        self.backend = FederationBackend(self.account, seed=seeds[0])
        self.iam = _iam_client()
        #: Credentials by label, in the order they were made: (key id, secret, token).
        self.credentials: list[tuple[str, str, str | None]] = [(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, None)]
        #: Signed requests kept to be sent again, byte for byte.
        self.kept: list[HttpRequest] = []
        self.moto_owners: dict[str, str] = {}

    def close(self) -> None:
        self.moto.stop()
        self.freezer.stop()
        if self.saved_account is None:
            os.environ.pop("MOTO_ACCOUNT_ID", None)
        else:
            os.environ["MOTO_ACCOUNT_ID"] = self.saved_account

    def here(self, value: Any) -> Any:
        """A document or ARN of the table above, in this world's account."""
        return json.loads(json.dumps(value).replace(ACCOUNT, self.account))

    def outcome(self, response: HttpResponse) -> tuple[Any, ...]:
        """An answer as every world would give it: this world's account id written as ``ACCOUNT``."""
        return tuple(
            part.replace(self.account, ACCOUNT) if isinstance(part, str) else part
            for part in _response_outcome(response)
        )

    # ---- the wire -----------------------------------------------------------------------------------------

    def recent(self, recent: int) -> int:
        """The place of the ``recent``-th most recent credential made (0: the newest), or of the oldest there is."""
        return max(0, len(self.credentials) - 1 - recent)

    def credential(self, recent: int) -> tuple[str, str, str | None]:
        return self.credentials[self.recent(recent)]

    def signed(self, credential: int, body: str, *, place: int | None = None) -> HttpRequest:
        key, secret, token = self.credentials[place] if place is not None else self.credential(credential)
        aws = AWSRequest(
            "POST",
            "https://sts.amazonaws.com/",
            data=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        SigV4Auth(Credentials(key, secret, token), "sts", "us-east-1").add_auth(aws)
        return HttpRequest.build("POST", aws.url, dict(aws.headers.items()), aws.body)

    def issue(self, request: HttpRequest) -> tuple[Any, ...]:
        response = handle(request, self.backend)
        outcome = self.outcome(response)
        if outcome[0] == "ok":
            text = response.body.decode()
            field = lambda name: text.split(f"<{name}>")[1].split(f"</{name}>")[0]  # noqa: E731
            self.credentials.append((field("AccessKeyId"), field("SecretAccessKey"), field("SessionToken")))
        return outcome

    # ---- changes ------------------------------------------------------------------------------------------

    def apply(self, change: Step) -> tuple[Any, ...]:
        """Make ``change``; its outcome (which must be the same in every world that makes the same changes)."""
        kind, *args = change
        try:
            return self._apply(kind, args)
        except StsError as error:
            return _error(error)
        except Exception as error:  # moto's refusals
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            if code is None:
                raise
            return ("error", code)

    def _apply(self, kind: str, args: list[Any]) -> tuple[Any, ...]:
        backend, iam = self.backend, self.iam
        if kind == "create_user":
            name, policy, managed = args
            user = backend.create_user(name, POLICIES[policy], managed=[self.here(MANAGED[managed])] if managed else [])
            self.credentials.append((user.access_key_id, user.secret_access_key, None))
        elif kind == "create_access_key":
            user = backend.create_access_key(args[0])
            self.credentials.append((user.access_key_id, user.secret_access_key, None))
        elif kind in ("delete_access_key", "update_access_key"):
            getattr(backend, kind)(self.credential(args[0])[0], *args[1:])
        elif kind in ("put_user_policy", "put_role_policy"):
            getattr(backend, kind)(args[0], args[1], POLICIES[args[2]])
        elif kind in ("attach_user_policy", "detach_user_policy", "attach_role_policy", "detach_role_policy"):
            getattr(backend, kind)(args[0], self.here(MANAGED[args[1]]))
        elif kind in ("delete_user", "delete_role", "delete_user_policy", "delete_role_policy"):
            getattr(backend, kind)(*args)
        elif kind == "create_policy":
            backend.create_policy("Reports", POLICIES[args[0]])
        elif kind == "delete_policy":
            backend.delete_policy(self.here(MANAGED["reports"]))
        elif kind == "create_role":
            name, trust, policy = args
            backend.create_role(name, self.here(TRUSTS[trust]), policy=POLICIES[policy] if policy else None)
        elif kind == "advance":
            backend.clock.advance(seconds=args[0])
        elif kind == "assume_role":
            caller, role, name = args
            arn = f"arn:aws:iam::{self.account}:role/{role}"
            request = self.signed(caller, f"Action=AssumeRole&Version=2011-06-15&RoleArn={arn}&RoleSessionName={name}")
            self.kept.append(request)
            return self.issue(request)
        elif kind == "get_federation_token":
            caller, policy = args
            body = "Action=GetFederationToken&Version=2011-06-15&Name=Bob&DurationSeconds=900"
            if policy:
                body += "&Policy=" + json.dumps(POLICIES[policy]).replace(" ", "")
            request = self.signed(caller, body)
            self.kept.append(request)
            return self.issue(request)
        elif kind == "get_session_token":
            request = self.signed(args[0], "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900")
            self.kept.append(request)
            return self.issue(request)
        elif kind == "send_again":  # an issuing request kept earlier, sent again byte for byte
            if not self.kept:
                return ("nothing kept",)
            return self.issue(self.kept[args[0] % len(self.kept)])
        elif kind == "moto_create_user":
            name, policy = args
            iam.create_user(UserName=name)
            iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(POLICIES[policy]))
            key = iam.create_access_key(UserName=name)["AccessKey"]
            self.credentials.append((key["AccessKeyId"], key["SecretAccessKey"], None))
            self.moto_owners[key["AccessKeyId"]] = name
        elif kind == "moto_delete_user":
            name = args[0]
            for policy in iam.list_user_policies(UserName=name)["PolicyNames"]:
                iam.delete_user_policy(UserName=name, PolicyName=policy)
            iam.delete_user(UserName=name)
        elif kind == "moto_put_user_policy":
            iam.put_user_policy(UserName=args[0], PolicyName="inline", PolicyDocument=json.dumps(POLICIES[args[1]]))
        elif kind == "moto_delete_user_policy":
            iam.delete_user_policy(UserName=args[0], PolicyName="inline")
        elif kind == "moto_delete_access_key":
            key = self.credential(args[0])[0]
            if key not in self.moto_owners:
                return ("not moto's",)
            iam.delete_access_key(UserName=self.moto_owners[key], AccessKeyId=key)
        elif kind == "moto_create_role":
            iam.create_role(RoleName=args[0], AssumeRolePolicyDocument=json.dumps(self.here(TRUSTS["account"])))
            iam.put_role_policy(RoleName=args[0], PolicyName="inline", PolicyDocument=json.dumps(POLICIES[args[1]]))
        elif kind == "moto_delete_role_policy":
            iam.delete_role_policy(RoleName=args[0], PolicyName="inline")
        elif kind == "moto_put_role_policy":
            iam.put_role_policy(RoleName=args[0], PolicyName="inline", PolicyDocument=json.dumps(POLICIES[args[1]]))
        else:
            raise AssertionError(kind)
        return ("ok",)

    # ---- questions ----------------------------------------------------------------------------------------

    def ask(self, question: Step) -> tuple[Any, ...]:
        kind, *args = question
        if kind == "is_allowed":
            credential, (action, resource) = args
            key = self.credential(credential)[0]
            return ("is_allowed", self.backend.is_allowed(key, action, self.here(resource)))
        if kind == "identity":  # GetCallerIdentity signed with a credential at a moment: now, or before a change
            place, moment = args
            with freezegun.freeze_time(moment, ignore=_FROZEN):
                request = self.signed(0, "Action=GetCallerIdentity&Version=2011-06-15", place=place)
            return self.outcome(handle(request, self.backend))
        raise AssertionError(kind)


class Truth(RuleBasedStateMachine):
    """Changes and questions on one world, every outcome recorded; at the end each question is asked again of a
    fresh world made by the same changes."""

    def __init__(self) -> None:
        super().__init__()
        self.world = World(SEEDS)
        self.history: list[tuple[str, Step, tuple[Any, ...]]] = []
        self.signed: list[tuple[int, datetime]] = []  # GetCallerIdentity requests made: credential, moment

    @initialize()
    def an_account_in_use(self) -> None:
        """What a suite starts from: a broker user, a role it may take, a moto user and a moto role."""
        self.change("create_user", "alice", "federate", "s3-read")
        self.change("create_role", "Deployer", "account", "s3")
        self.change("moto_create_user", "carol", "federate")
        self.change("moto_create_role", "MotoReader", "s3")

    def change(self, *change: Any) -> None:
        """Make a change, then ask what the few newest credentials may do now."""
        self.history.append(("change", change, self.world.apply(change)))
        now = datetime.now(UTC)
        for credential in range(4):
            for asked in QUESTIONS:
                self.question("is_allowed", credential, asked)
            self.signed.append((self.world.recent(credential), now))
            self.question("identity", *self.signed[-1])
        for signed in self.signed[-12::5]:  # requests signed before the change, sent again
            self.question("identity", *signed)

    def question(self, *question: Any) -> None:
        self.history.append(("question", question, self.world.ask(question)))

    # ---- changes through the backend ---------------------------------------------------------------------

    @rule(name=st.sampled_from(USERS), policy=st.sampled_from(sorted(POLICIES)),
          managed=st.sampled_from(["", *sorted(MANAGED)]))
    def create_user(self, name: str, policy: str, managed: str) -> None:
        self.change("create_user", name, policy, managed)

    @rule(name=st.sampled_from(USERS))
    def delete_user(self, name: str) -> None:
        self.change("delete_user", name)

    @rule(name=st.sampled_from(USERS))
    def create_access_key(self, name: str) -> None:
        self.change("create_access_key", name)

    @rule(credential=RECENT)
    def delete_access_key(self, credential: int) -> None:
        self.change("delete_access_key", credential)

    @rule(credential=RECENT, status=st.sampled_from(["Active", "Inactive"]))
    def update_access_key(self, credential: int, status: str) -> None:
        self.change("update_access_key", credential, status)

    @rule(name=st.sampled_from(USERS), policy_name=st.sampled_from(["policy", "extra"]),
          policy=st.sampled_from(sorted(POLICIES)))
    def put_user_policy(self, name: str, policy_name: str, policy: str) -> None:
        self.change("put_user_policy", name, policy_name, policy)

    @rule(name=st.sampled_from(USERS), policy_name=st.sampled_from(["policy", "extra"]))
    def delete_user_policy(self, name: str, policy_name: str) -> None:
        self.change("delete_user_policy", name, policy_name)

    @rule(name=st.sampled_from(USERS), managed=st.sampled_from(sorted(MANAGED)), attach=st.booleans())
    def user_managed_policy(self, name: str, managed: str, attach: bool) -> None:
        self.change("attach_user_policy" if attach else "detach_user_policy", name, managed)

    @rule(policy=st.sampled_from(sorted(POLICIES)))
    def create_policy(self, policy: str) -> None:
        self.change("create_policy", policy)

    @rule()
    def delete_policy(self) -> None:
        self.change("delete_policy")

    @rule(name=st.sampled_from(ROLES), trust=st.sampled_from(sorted(TRUSTS)),
          policy=st.sampled_from(["", *sorted(POLICIES)]))
    def create_role(self, name: str, trust: str, policy: str) -> None:
        self.change("create_role", name, trust, policy)

    @rule(name=st.sampled_from(ROLES))
    def delete_role(self, name: str) -> None:
        self.change("delete_role", name)

    @rule(name=st.sampled_from(ROLES), policy=st.sampled_from(sorted(POLICIES)), put=st.booleans())
    def role_inline_policy(self, name: str, policy: str, put: bool) -> None:
        self.change(*(("put_role_policy", name, "policy", policy) if put else ("delete_role_policy", name, "policy")))

    @rule(name=st.sampled_from(ROLES), managed=st.sampled_from(sorted(MANAGED)), attach=st.booleans())
    def role_managed_policy(self, name: str, managed: str, attach: bool) -> None:
        self.change("attach_role_policy" if attach else "detach_role_policy", name, managed)

    # ---- sessions, the clock -----------------------------------------------------------------------------

    @rule(caller=RECENT, role=st.sampled_from(ROLES + MOTO_ROLES), name=st.sampled_from(["ci", "dev"]))
    def assume_role(self, caller: int, role: str, name: str) -> None:
        self.change("assume_role", caller, role, name)

    @rule(caller=RECENT, policy=st.sampled_from(["", *sorted(POLICIES)]))
    def get_federation_token(self, caller: int, policy: str) -> None:
        self.change("get_federation_token", caller, policy)

    @rule(caller=RECENT)
    def get_session_token(self, caller: int) -> None:
        self.change("get_session_token", caller)

    @rule(kept=st.integers(0, 10))
    def send_again(self, kept: int) -> None:
        self.change("send_again", kept)

    @rule(seconds=st.sampled_from([1, 600, 901, 3601]))
    def advance(self, seconds: int) -> None:
        self.change("advance", seconds)

    # ---- changes through moto's IAM ----------------------------------------------------------------------

    @rule(name=st.sampled_from(MOTO_USERS), policy=st.sampled_from(sorted(POLICIES)))
    def moto_create_user(self, name: str, policy: str) -> None:
        self.change("moto_create_user", name, policy)

    @rule(name=st.sampled_from(MOTO_USERS))
    def moto_delete_user(self, name: str) -> None:
        self.change("moto_delete_user", name)

    @rule(name=st.sampled_from(MOTO_USERS), policy=st.sampled_from(sorted(POLICIES)), put=st.booleans())
    def moto_user_policy(self, name: str, policy: str, put: bool) -> None:
        self.change(*(("moto_put_user_policy", name, policy) if put else ("moto_delete_user_policy", name)))

    @rule(credential=RECENT)
    def moto_delete_access_key(self, credential: int) -> None:
        self.change("moto_delete_access_key", credential)

    @rule(name=st.sampled_from(MOTO_ROLES), policy=st.sampled_from(sorted(POLICIES)))
    def moto_create_role(self, name: str, policy: str) -> None:
        self.change("moto_create_role", name, policy)

    @rule(name=st.sampled_from(MOTO_ROLES), policy=st.sampled_from(sorted(POLICIES)), put=st.booleans())
    def moto_role_policy(self, name: str, policy: str, put: bool) -> None:
        self.change(*(("moto_put_role_policy", name, policy) if put else ("moto_delete_role_policy", name)))

    def teardown(self) -> None:
        """Each change's questions, asked of a fresh world made by the changes up to it (and asked nothing else)."""
        self.world.close()
        for end, (kind, _, _) in enumerate(self.history):
            if kind == "change":
                questions = []
                for asked, step, answer in self.history[end + 1 :]:
                    if asked == "change":
                        break
                    questions.append((step, answer))
                _check_against_a_fresh_world(self.history[: end + 1], questions)


def _check_against_a_fresh_world(
    before: list[tuple[str, Step, tuple[Any, ...]]], questions: list[tuple[Step, tuple[Any, ...]]]
) -> None:
    fresh = World(FRESH_SEEDS)
    try:
        changes = [step for kind, step, _ in before if kind == "change"]
        for kind, change, outcome in before:
            if kind == "change":
                assert fresh.apply(change) == outcome, f"{change} came out otherwise in a fresh world"
        answers = [fresh.ask(question) for question, _ in questions]
        assert answers == [answer for _, answer in questions], f"after {changes}"
    finally:
        fresh.close()


def test_every_answer_equals_a_fresh_backends() -> None:
    run_state_machine_as_test(
        Truth,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            derandomize=True,  # the same fixed budget of examples on every run: CI never meets a new one by chance
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
