"""SECURITY.md backs each promise with a named test: every test it names exists, so none can silently go."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMED = re.compile(r"`(test_\w+\.py)::(test_\w+)`")


def test_every_test_security_md_names_exists() -> None:
    named = NAMED.findall((ROOT / "SECURITY.md").read_text(encoding="utf-8"))
    assert len(named) >= 40
    missing = []
    for file, test in named:
        source = ROOT / "tests" / file
        tree = ast.parse(source.read_text(encoding="utf-8")) if source.exists() else ast.Module([], [])
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
        if test not in defined:
            missing.append(f"{file}::{test}")
    assert missing == []
