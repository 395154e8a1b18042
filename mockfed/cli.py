"""The ``mockfed`` command: ``demo``, ``pack``, ``serve``, ``scenario`` and ``world``.

Every command-line error is one line on stderr and a non-zero exit, as the AWS CLI does it:
2 for a command line mockfed cannot use (an unreadable file, a bad value), 1 for a request
GetFederationToken would refuse (``pack``) or a server that cannot start; ``demo``, which
imitates the AWS CLI, exits as it does (252 for a parameter error, 254 for the service's).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from importlib import resources
from typing import Any, NoReturn

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from mockfed.backend import FederationBackend
from mockfed.errors import StsError, WorldFileError
from mockfed.iam.packing import pack
from mockfed.mock import mock_federation
from mockfed.state.account import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, check_account_id
from mockfed.version import __version__
from mockfed.world import read_world

__all__ = ["CommandError", "main"]

DEMO_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
#: A customer-managed policy ARN without a path: ``pack`` takes the policy it names to exist in its account.
_CUSTOMER_POLICY_ARN = re.compile(r"arn:aws:iam::(?P<account>\d{12}):policy/(?P<name>[\w+=,.@-]{1,128})")
_PLACEHOLDER_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


class CommandError(Exception):
    """A command line the command refuses: printed as one line on stderr, with ``status`` as the exit status.

    Example::

        >>> CommandError("cannot read --policy nope.json: No such file or directory").status
        2
    """

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (``usage:`` stays in ``--help``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _demo_policy() -> str:
    return (resources.files("mockfed") / "data" / "demo" / "myfile.json").read_text(encoding="utf-8")


def _cli_json(value: Any) -> str:
    """JSON the way the AWS CLI prints it: four-space indent, ISO 8601 timestamps."""

    def default(obj: Any) -> str:
        if isinstance(obj, datetime):
            return obj.isoformat()
        raise TypeError(f"cannot print {type(obj).__name__}")

    return json.dumps(value, indent=4, default=default, ensure_ascii=False)


def run_demo(args: argparse.Namespace) -> int:
    """The AWS CLI docs example, answered by the simulator and printed as the CLI prints it."""
    policy = _read_text(args.policy, "--policy", status=252) if args.policy else _demo_policy()
    policy_arns = args.policy_arns if args.policy_arns is not None else [DEMO_POLICY_ARN]
    shown_policy = f"file://{args.policy}" if args.policy else "file://myfile.json"
    print("$ aws sts get-federation-token \\")
    print(f"    --name {args.name} \\")
    print(f"    --policy {shown_policy} \\")
    for arn in policy_arns:
        print(f"    --policy-arns arn={arn} \\")
    print(f"    --duration-seconds {args.duration_seconds}")
    print()
    request: dict[str, Any] = {"Name": args.name, "Policy": policy, "DurationSeconds": args.duration_seconds}
    if policy_arns:
        request["PolicyArns"] = [{"arn": arn} for arn in policy_arns]
    with mock_federation(account_id=args.account_id):
        try:
            response = boto3.client("sts", region_name=args.region).get_federation_token(**request)
        except ClientError as err:
            error = err.response["Error"]
            print(
                f"An error occurred ({error['Code']}) when calling the GetFederationToken operation: "
                f"{error['Message']}",
                file=sys.stderr,
            )
            return 254
        except BotoCoreError as err:  # botocore's own checks (a region, ParamValidationError): the CLI's status 252
            raise CommandError(" ".join(str(err).split()), 252) from None
    response.pop("ResponseMetadata", None)
    print(_cli_json(response))
    return 0


def run_pack(args: argparse.Namespace) -> int:
    """Print the PackedPolicySize a GetFederationToken request would answer, or why the service would refuse it.

    The request goes through GetFederationToken's own checks (the model's limits, the policy's
    grammar, managed policy ARNs, tags, the packed size). A customer-managed ARN without a path
    is taken to name a policy of its account: ``pack`` cannot see your account.
    """
    policy = _read_text(args.policy, "--policy") if args.policy else None
    tags: list[tuple[str, str]] = []
    for item in args.tag or ():
        key, sep, value = item.partition("=")
        if not sep:
            raise CommandError(f"--tag {item!r} is not KEY=VALUE")
        tags.append((key, value))
    arns: list[str] = args.policy_arn or []
    if policy is None and not arns and not tags:
        raise CommandError("nothing to pack: give --policy FILE, --policy-arn ARN or --tag KEY=VALUE")
    params: dict[str, Any] = {"Name": "mockfed-pack"}
    if policy is not None:
        params["Policy"] = policy
    if arns:
        params["PolicyArns"] = [{"arn": arn} for arn in arns]
    if tags:
        params["Tags"] = [{"Key": key, "Value": value} for key, value in tags]
    backend = _pack_backend(arns)
    try:
        answer = backend.get_federation_token(backend.default_user, params)
    except StsError as err:
        if err.code == "PackedPolicyTooLarge":
            print(f"PackedPolicySize: {pack(policy, tuple(arns), tuple(tags)).percent}%")
        raise CommandError(f"GetFederationToken would refuse this: {err.code}: {err.message}", 1) from None
    print(f"PackedPolicySize: {answer['PackedPolicySize']}%")
    return 0


def _pack_backend(arns: Sequence[str]) -> FederationBackend:
    """A backend of the account the customer-managed ARNs name, holding the policies they name."""
    named = [match for match in map(_CUSTOMER_POLICY_ARN.fullmatch, arns) if match]
    accounts = {match["account"] for match in named}
    backend = FederationBackend(accounts.pop()) if len(accounts) == 1 else FederationBackend()
    for match in named:
        if match["account"] == backend.account_id:
            backend.create_policy(match["name"], _PLACEHOLDER_POLICY)  # what it allows does not change the size
    return backend


def run_serve(args: argparse.Namespace) -> int:
    """Serve the simulator over HTTP until Ctrl-C or SIGTERM (exit 0); one log line per request on stdout."""
    import logging
    import shlex

    from mockfed.scenario import ScenarioFormatError, open_scenario
    from mockfed.server import ADMIN_PREFIX, FederationServer
    from mockfed.server import logger as request_log

    backend = FederationBackend(args.account_id) if args.account_id else FederationBackend()
    world = None
    if args.world:
        try:
            world = read_world(args.world)
            if args.account_id is not None and world.account_id not in (None, args.account_id):
                raise CommandError(
                    f"--account-id {args.account_id} but {args.world} declares account {world.account_id}: give one"
                )
            backend = world.new_backend(account_id=args.account_id)  # POST /_mockfed/reset makes the world again
        except WorldFileError as err:
            raise CommandError(" ".join(str(err).split())) from None
    replay = None
    if args.scenario:
        try:
            replay = open_scenario(args.scenario, backend, record_mode="none", allow_unused=True)
        except ScenarioFormatError as err:
            raise CommandError(str(err)) from None
    server = FederationServer(backend, host=args.host, port=args.port, strict_auth=args.strict_auth, replay=replay)
    try:
        server.start()
    except OSError as err:  # the port is 0 to 65535 already (_port): only the system refuses here
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {err.strerror or err}", 1) from None
    strict = ", strict auth" if args.strict_auth else ""
    strict += f", replaying {args.scenario}" if args.scenario else ""
    strict += f", world {args.world} ({world.summary().partition(': ')[2]})" if world is not None else ""
    print(f"mockfed serve: STS for account {backend.account_id} at {server.url}{strict} (Ctrl-C to stop)")
    print(f"admin API: {server.url}{ADMIN_PREFIX}state; live page: {server.url}{ADMIN_PREFIX}")
    print(f"export AWS_ACCESS_KEY_ID={shlex.quote(DEFAULT_ACCESS_KEY_ID)}")
    print(f"export AWS_SECRET_ACCESS_KEY={shlex.quote(DEFAULT_SECRET_ACCESS_KEY)}")
    print(f"export AWS_ENDPOINT_URL_STS={shlex.quote(server.url)}", flush=True)
    handler = logging.StreamHandler(sys.stdout)  # flushed after every line
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    request_log.addHandler(handler)
    request_log.setLevel(logging.INFO)
    try:
        server.serve_forever()
    finally:
        request_log.removeHandler(handler)
    print("mockfed serve: stopped", flush=True)
    return 0


def run_scenario(args: argparse.Namespace) -> int:
    """``mockfed scenario show FILE`` (a readable timeline) and ``mockfed scenario check FILE`` (the format)."""
    from mockfed.scenario import ScenarioFormatError, load_scenario_file, timeline

    try:
        if args.scenario_command == "show":
            for line in timeline(args.file):
                print(line)
        else:
            loaded = load_scenario_file(args.file)
            print(f"{args.file}: OK, {len(loaded.interactions)} interaction(s)")
    except ScenarioFormatError as err:
        raise CommandError(" ".join(str(err).split()), 1) from None
    return 0


def run_world(args: argparse.Namespace) -> int:
    """``mockfed world check FILE``: make the world in a fresh backend, nothing started; one line either way."""
    try:
        world = read_world(args.file)
        world.new_backend()
    except WorldFileError as err:
        raise CommandError(" ".join(str(err).split()), 1) from None
    print(f"{args.file}: OK, {world.summary()}")
    return 0


def _read_text(path: str, option: str, *, status: int = 2) -> str:
    """The text of the file an option names (``file://`` as the AWS CLI writes it), or a :class:`CommandError`."""
    if path.startswith("file://"):
        path = path[len("file://") :]
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as err:
        raise CommandError(f"cannot read {option} {path}: {err.strerror or err}", status) from None
    except UnicodeDecodeError as err:
        reason = f"not UTF-8 text (byte at offset {err.start})"
        raise CommandError(f"cannot read {option} {path}: {reason}", status) from None


def _account_id(text: str) -> str:
    try:
        return check_account_id(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return int(text)


#: What ``mockfed --help`` says the tool is.
DESCRIPTION = (
    "An offline simulator of AWS STS federation for tests (GetFederationToken, AssumeRole, web identity and "
    "SAML, GetSessionToken, the console sign-in endpoint): serve it over HTTP, run the AWS CLI docs' example "
    "against it, size session policies, inspect recorded scenarios, check world files."
)


def build_parser() -> argparse.ArgumentParser:
    """The ``mockfed`` command line: its subcommands and options.

    Example::

        >>> build_parser().parse_args(["pack", "--tag", "Project=Pegasus"]).tag
        ['Project=Pegasus']
    """
    parser = _Parser(prog="mockfed", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"mockfed {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the AWS CLI docs example against the simulator")
    demo.add_argument("--name", default="Bob")
    demo.add_argument("--policy", help="policy file (default: the docs example's myfile.json)")
    demo.add_argument("--policy-arns", nargs="*", metavar="ARN", help="managed policy ARNs")
    demo.add_argument("--duration-seconds", type=int, default=900)
    demo.add_argument("--region", default="us-east-1")
    demo.add_argument("--account-id", type=_account_id, default="111122223333")
    demo.set_defaults(func=run_demo)

    pack = commands.add_parser("pack", help="print the PackedPolicySize of a policy, ARNs and tags")
    pack.add_argument("--policy", help="policy file")
    pack.add_argument("--policy-arn", action="append", metavar="ARN")
    pack.add_argument("--tag", action="append", metavar="KEY=VALUE")
    pack.set_defaults(func=run_pack)

    serve = commands.add_parser("serve", help="serve the simulator over HTTP for the AWS CLI and other SDKs")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, loopback only)")
    serve.add_argument("--port", type=_port, default=5566, help="port to listen on (default: 5566; 0: any free port)")
    serve.add_argument("--account-id", type=_account_id, help="the simulated AWS account (default: 123456789012)")
    serve.add_argument("--strict-auth", action="store_true", help="refuse keys mockfed never issued")
    serve.add_argument(
        "--scenario",
        metavar="FILE",
        help="answer from a recorded scenario (replay only: record in-process with mock_federation)",
    )
    serve.add_argument(
        "--world",
        metavar="FILE",
        help="declare the account first: users (fixed keys too), roles, policies, providers, MFA devices, regions "
        "(JSON, YAML or TOML; see docs/serve.md)",
    )
    serve.set_defaults(func=run_serve)
    scenario = commands.add_parser("scenario", help="inspect recorded scenario files")
    scenario_commands = scenario.add_subparsers(dest="scenario_command", required=True)
    for name, text in (("show", "print a readable timeline"), ("check", "validate the format")):
        command = scenario_commands.add_parser(name, help=text)
        command.add_argument("file", metavar="FILE")
        command.set_defaults(func=run_scenario)
    world = commands.add_parser("world", help="check world files (one declaration of an account)")
    world_commands = world.add_subparsers(dest="world_command", required=True)
    check = world_commands.add_parser("check", help="make the world in a fresh backend and say what it declares")
    check.add_argument("file", metavar="FILE")
    check.set_defaults(func=run_world)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mockfed`` command.

    Example::

        $ mockfed demo
        $ mockfed pack --policy policy.json --tag Project=Pegasus
    """
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except CommandError as err:
        subcommand = getattr(args, "scenario_command", None) or getattr(args, "world_command", None)
        command = " ".join(filter(None, (args.command, subcommand)))
        print(f"mockfed {command}: {err}", file=sys.stderr)
        return err.status
    except BrokenPipeError:  # the reader went away (`mockfed demo | head`): stop quietly, as shell tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
        return 1
    return result
