"""The examples of docs/web-identity.md and docs/saml.md are test modules: each runs here as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def example_of(page: str) -> str:
    """The page's example: its python block that is a whole test module."""
    return next(block for block in PYTHON_BLOCK.findall((DOCS / page).read_text()) if "\ndef test_" in block)


@pytest.mark.parametrize(("page", "tests"), [("web-identity.md", 4), ("saml.md", 4)])
def test_the_pages_example_passes_as_written(pytester: pytest.Pytester, page: str, tests: int) -> None:
    pytester.makepyfile(**{f"test_{Path(page).stem.replace('-', '_')}_example": example_of(page)})

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=tests)
