"""The ``mockfed`` command: ``demo``, ``pack`` and ``serve``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from importlib import resources
from typing import Any

import boto3
from botocore.exceptions import ClientError

from mockfed.backend import FederationBackend
from mockfed.iam.packing import pack
from mockfed.mock import mock_federation
from mockfed.state.account import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY

__all__ = ["main"]

DEMO_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


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
    policy = _read_text(args.policy) if args.policy else _demo_policy()
    policy_arns = args.policy_arns if args.policy_arns is not None else [DEMO_POLICY_ARN]
    shown_policy = f"file://{args.policy}" if args.policy else "file://myfile.json"
    print("$ aws sts get-federation-token \\")
    print(f"    --name {args.name} \\")
    print(f"    --policy {shown_policy} \\")
    for arn in policy_arns:
        print(f"    --policy-arns arn={arn} \\")
    print(f"    --duration-seconds {args.duration_seconds}")
    print()
    with mock_federation(account_id=args.account_id):
        sts = boto3.client("sts", region_name=args.region)
        request: dict[str, Any] = {"Name": args.name, "Policy": policy, "DurationSeconds": args.duration_seconds}
        if policy_arns:
            request["PolicyArns"] = [{"arn": arn} for arn in policy_arns]
        try:
            response = sts.get_federation_token(**request)
        except ClientError as err:
            error = err.response["Error"]
            print(
                f"An error occurred ({error['Code']}) when calling the GetFederationToken operation: "
                f"{error['Message']}",
                file=sys.stderr,
            )
            return 254
    response.pop("ResponseMetadata", None)
    print(_cli_json(response))
    return 0


def run_pack(args: argparse.Namespace) -> int:
    """Print the PackedPolicySize a GetFederationToken request would answer."""
    policy = _read_text(args.policy) if args.policy else None
    tags: list[tuple[str, str]] = []
    for item in args.tag or ():
        key, sep, value = item.partition("=")
        if not sep:
            print(f"mockfed pack: --tag {item!r} is not KEY=VALUE", file=sys.stderr)
            return 2
        tags.append((key, value))
    try:
        packed = pack(policy, tuple(args.policy_arn or ()), tuple(tags))
    except ValueError as err:
        print(f"mockfed pack: {err}", file=sys.stderr)
        return 2
    print(f"PackedPolicySize: {packed.percent}%")
    if packed.too_large:
        print("GetFederationToken would fail with PackedPolicyTooLarge", file=sys.stderr)
        return 1
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """Serve the simulator over HTTP until Ctrl-C or SIGTERM (exit 0); one log line per request on stdout."""
    import logging
    import shlex

    from mockfed.scenario import ScenarioFormatError, open_scenario
    from mockfed.server import ADMIN_PREFIX, FederationServer
    from mockfed.server import logger as request_log

    backend = FederationBackend(args.account_id) if args.account_id else FederationBackend()
    replay = None
    if args.scenario:
        try:
            replay = open_scenario(args.scenario, backend, record_mode="none", allow_unused=True)
        except ScenarioFormatError as err:
            print(f"mockfed serve: {err}", file=sys.stderr)
            return 2
    server = FederationServer(backend, host=args.host, port=args.port, strict_auth=args.strict_auth, replay=replay)
    try:
        server.start()
    except OSError as err:
        print(f"mockfed serve: cannot listen on {args.host}:{args.port}: {err.strerror or err}", file=sys.stderr)
        return 1
    strict = ", strict auth" if args.strict_auth else ""
    strict += f", replaying {args.scenario}" if args.scenario else ""
    print(f"mockfed serve: STS for account {backend.account_id} at {server.url}{strict} (Ctrl-C to stop)")
    print(f"admin API: {server.url}{ADMIN_PREFIX}state")
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
        print(f"mockfed scenario {args.scenario_command}: {err}", file=sys.stderr)
        return 1
    return 0


def _read_text(path: str) -> str:
    if path.startswith("file://"):
        path = path[len("file://") :]
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockfed", description="A faithful offline AWS STS GetFederationToken.")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the AWS CLI docs example against the simulator")
    demo.add_argument("--name", default="Bob")
    demo.add_argument("--policy", help="policy file (default: the docs example's myfile.json)")
    demo.add_argument("--policy-arns", nargs="*", metavar="ARN", help="managed policy ARNs")
    demo.add_argument("--duration-seconds", type=int, default=900)
    demo.add_argument("--region", default="us-east-1")
    demo.add_argument("--account-id", default="111122223333")
    demo.set_defaults(func=run_demo)

    pack = commands.add_parser("pack", help="print the PackedPolicySize of a policy, ARNs and tags")
    pack.add_argument("--policy", help="policy file")
    pack.add_argument("--policy-arn", action="append", metavar="ARN")
    pack.add_argument("--tag", action="append", metavar="KEY=VALUE")
    pack.set_defaults(func=run_pack)

    serve = commands.add_parser("serve", help="serve the simulator over HTTP for the AWS CLI and other SDKs")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, loopback only)")
    serve.add_argument("--port", type=int, default=5566, help="port to listen on (default: 5566; 0: any free port)")
    serve.add_argument("--account-id", help="the simulated AWS account (default: 123456789012)")
    serve.add_argument("--strict-auth", action="store_true", help="refuse keys mockfed never issued")
    serve.add_argument(
        "--scenario",
        metavar="FILE",
        help="answer from a recorded scenario (replay only: record in-process with mock_federation)",
    )
    serve.set_defaults(func=run_serve)
    scenario = commands.add_parser("scenario", help="inspect recorded scenario files")
    scenario_commands = scenario.add_subparsers(dest="scenario_command", required=True)
    for name, text in (("show", "print a readable timeline"), ("check", "validate the format")):
        command = scenario_commands.add_parser(name, help=text)
        command.add_argument("file", metavar="FILE")
        command.set_defaults(func=run_scenario)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mockfed`` command.

    Example::

        $ mockfed demo
        $ mockfed pack --policy policy.json --tag Project=Pegasus
    """
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result
