"""The package's layering (docs/architecture.md): imports point down, and a request walks down the layers.

Each module belongs to a floor; a module may import only from lower floors or from its own
package (without cycles). This holds for every import, at module level or inside a function,
so no lazy import climbs back up.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import mockfed
from mockfed import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, FederationBackend
from mockfed.dispatch import Dispatcher, console_exchange
from mockfed.http import HttpRequest

PACKAGE = Path(mockfed.__file__).resolve().parent

#: Lowest first. A layer is a module or a package of modules (matched by the longest prefix).
FLOORS: dict[str, int] = {
    "mockfed.version": 0,
    "mockfed.errors": 0,
    "mockfed.clock": 0,
    "mockfed.http": 0,
    "mockfed.model": 1,
    "mockfed.iam": 1,
    "mockfed.state": 2,
    "mockfed.auth": 3,
    "mockfed.idp": 3,
    "mockfed.protocol": 3,
    "mockfed.sts": 4,
    "mockfed.signin": 4,
    "mockfed.backend": 5,
    "mockfed.dispatch": 6,
    "mockfed.scenario": 7,
    "mockfed.transports": 8,
    "mockfed.server": 8,
    "mockfed.remote": 9,
    "mockfed.mock": 9,
    "mockfed.pytest_plugin": 10,
    "mockfed.cli": 10,
    "mockfed.__main__": 11,
    "mockfed": 11,
}
#: Layers that must not know HTTP transports, the wire or pytest (DESIGN.md).
PURE = ("mockfed.state", "mockfed.iam", "mockfed.idp", "mockfed.sts")
WIRE_OR_ABOVE = ("mockfed.protocol", "mockfed.transports", "mockfed.server", "mockfed.dispatch", "mockfed.scenario")
TRANSPORT_LIBRARIES = ("requests", "responses", "urllib3", "http.server", "socket", "pytest", "botocore.endpoint")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    candidates = [name for name in FLOORS if module == name or module.startswith(name + ".")]
    return max(candidates, key=len)


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield module_name(path), path


def imports_of(module: str, path: Path) -> list[tuple[str, int]]:
    """Every module ``module`` imports (absolute names), with the line, at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{module}:{node.lineno}: mockfed writes absolute imports"
            base = node.module or ""
            submodules = [f"{base}.{alias.name}" for alias in node.names if known_module(f"{base}.{alias.name}")]
            if submodules and len(submodules) == len(node.names):  # `from mockfed import sts`: the submodule
                found.extend((name, node.lineno) for name in submodules)
            else:
                found.append((base, node.lineno))
    return found


def known_module(name: str) -> bool:
    if not name.startswith("mockfed"):
        return False
    relative = name.split(".")[1:]
    return (PACKAGE.joinpath(*relative).with_suffix(".py")).exists() or PACKAGE.joinpath(*relative).is_dir()


def test_every_module_has_a_floor() -> None:
    assert [module for module, _ in modules() if layer_of(module) == "mockfed" and module != "mockfed"] == []


def test_imports_point_down_or_stay_in_their_layer() -> None:
    climbs = []
    for module, path in modules():
        layer = layer_of(module)
        for imported, line in imports_of(module, path):
            if not imported.startswith("mockfed") or not known_module(imported):
                continue
            target = layer_of(imported)
            if target != layer and FLOORS[target] >= FLOORS[layer]:
                climbs.append(f"{module}:{line} imports {imported} (floor {FLOORS[target]} >= {FLOORS[layer]})")
    assert climbs == []


#: Imports that wait for first use, each pointing down: the command's subcommands, the server on first
#: attribute access, and scenario support only when a test replays one (import mockfed stays light).
DEFERRED = {
    ("mockfed", "mockfed.server"),
    ("mockfed", "mockfed.server.client"),
    ("mockfed.mock", "mockfed.scenario"),
    ("mockfed.cli", "mockfed.scenario"),
    ("mockfed.cli", "mockfed.server"),
}


def test_only_the_listed_imports_wait_inside_functions() -> None:
    deferred = set()
    for module, path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mockfed"):
                    deferred.add((module, node.module))
                elif isinstance(node, ast.Import):
                    deferred.update((module, alias.name) for alias in node.names if alias.name.startswith("mockfed"))
    assert deferred == DEFERRED


def test_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for module, path in modules():
        graph[module] = {
            name for name, _ in imports_of(module, path) if name.startswith("mockfed") and known_module(name)
        } - {module}
    # A package's __init__ importing its own submodules is how packages re-export: not a cycle edge back.
    visiting: list[str] = []
    done: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        if node in done:
            return
        if node in visiting:
            cycles.append([*visiting[visiting.index(node) :], node])
            return
        visiting.append(node)
        for nxt in sorted(graph.get(node, ())):
            if not (node.startswith(nxt + ".")):  # a submodule reaching its package's names is not a cycle
                visit(nxt)
        visiting.pop()
        done.add(node)

    for module in sorted(graph):
        visit(module)
    assert cycles == []


def test_state_iam_and_sts_know_no_wire_no_transport_and_no_pytest() -> None:
    offending = []
    for module, path in modules():
        if not module.startswith(PURE):
            continue
        for imported, line in imports_of(module, path):
            if imported.startswith(WIRE_OR_ABOVE) or imported.startswith(TRANSPORT_LIBRARIES):
                offending.append(f"{module}:{line} imports {imported}")
    assert offending == []


# ---- a request's walk ------------------------------------------------------------------------------------------


def signed_request(body: bytes) -> HttpRequest:
    url = "https://sts.amazonaws.com/"
    aws = AWSRequest("POST", url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    SigV4Auth(Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY), "sts", "us-east-1").add_auth(aws)
    return HttpRequest.build("POST", url, dict(aws.headers.items()), body)


def walk(request: HttpRequest, console: bool = False) -> list[tuple[str, str]]:
    """Every call from one mockfed layer into another while ``request`` is answered: (caller, callee) layers."""
    backend = FederationBackend()
    dispatcher = Dispatcher(backend)
    edges: list[tuple[str, str]] = []

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        callee = frame.f_globals.get("__name__", "")
        caller = frame.f_back.f_globals.get("__name__", "") if frame.f_back else ""
        if callee.startswith("mockfed") and caller.startswith("mockfed") and "doctest" not in callee:
            edges.append((layer_of(caller), layer_of(callee)))

    sys.setprofile(profile)
    try:
        response = console_exchange(request, backend).response if console else dispatcher.handle(request)
    finally:
        sys.setprofile(None)
    assert response.status == (400 if console else 200)
    return [(a, b) for a, b in edges if a != b]


def test_a_request_walks_straight_down_the_layers() -> None:
    body = (
        b"Action=GetFederationToken&Version=2011-06-15&Name=Bob&DurationSeconds=900&Policy="
        b"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
        b"%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"
    )
    edges = walk(signed_request(body))

    climbs = [(a, b) for a, b in edges if FLOORS[b] > FLOORS[a]]
    assert climbs == []
    from_dispatch = [b for a, b in edges if a == "mockfed.dispatch"]
    order = [layer for index, layer in enumerate(from_dispatch) if layer not in from_dispatch[:index]]
    assert order == ["mockfed.protocol", "mockfed.auth", "mockfed.sts"]
    assert from_dispatch[-1] == "mockfed.protocol"  # the answer rendered last


def test_a_console_request_walks_down_from_dispatch_through_signin() -> None:
    url = "https://signin.aws.amazon.com/federation?Action=getSigninToken&Session={}"
    request = HttpRequest.build("GET", url, {}, b"")
    edges = walk(request, console=True)
    assert [(a, b) for a, b in edges if FLOORS[b] > FLOORS[a]] == []
    assert ("mockfed.dispatch", "mockfed.signin") in edges


def test_boto3_reaches_the_pipeline_through_the_door(mockfed: FederationBackend) -> None:
    sts = boto3.client("sts", region_name="us-east-1")
    assert sts.get_caller_identity()["Arn"] == mockfed.default_user.arn
