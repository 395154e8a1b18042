"""The documentation's examples run: every ``python`` block of the pages listed here, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["docs/roles.md"]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(page: str) -> list[str]:
    return _BLOCK.findall((ROOT / page).read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES)
def test_the_page_has_examples_and_they_run(page: str) -> None:
    blocks = python_blocks(page)
    assert blocks, f"{page} has no python example"
    namespace: dict[str, object] = {"__name__": f"docs_example_{Path(page).stem}"}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"{page} (python block {number})", "exec"), namespace)

