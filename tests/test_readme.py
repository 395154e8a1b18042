"""README's examples run as written: every ``python`` block, in order, in one namespace (as a reader pastes them).

The only things arranged around them are what the text says is there: a ``policy.json`` in the working
folder (the AWS CLI docs' ``myfile.json``), and a ``mockfed serve`` on port 5566 for the block that talks
to one with ``RemoteBackend``.
"""

from __future__ import annotations

import re
import shutil
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest

from mockfed.server import FederationServer

ROOT = Path(__file__).resolve().parent.parent
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def around(block: str) -> AbstractContextManager[object]:
    """What a block expects to be there, as README says it is."""
    if 'RemoteBackend("http://127.0.0.1:5566")' in block:
        return FederationServer(port=5566)
    return nullcontext()


def test_every_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = _BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 14
    shutil.copy(ROOT / "mockfed" / "data" / "demo" / "myfile.json", tmp_path / "policy.json")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "readme_example"}
    for number, block in enumerate(blocks, 1):
        with around(block):
            exec(compile(block, f"README.md (python block {number})", "exec"), namespace)
