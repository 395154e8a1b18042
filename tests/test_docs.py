"""Every ``python`` block of README.md and docs/*.md runs, as a reader pastes them: in order, one namespace per page.

Sybil reads the pages (``sybil.parsers.markdown``) and evaluates each block; a page is one test, so its blocks
share a namespace and run in order even when pytest-xdist spreads the suite over workers. A page added under
docs/ is picked up by the glob. A block that is not runnable alone says so in the markdown, right above it, with
Sybil's skip directive and a reason a reader sees in the source::

    <!-- skip: next "a signature, not an example" -->

The only things arranged around the blocks are what README says is there: a ``policy.json`` in the working
folder (the AWS CLI docs' ``myfile.json``), and a ``mockfed serve`` on port 5566 for the block that talks to one
with ``RemoteBackend``.
"""

from __future__ import annotations

import re
import shutil
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from unittest import SkipTest

import pytest
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

from mockfed.server import FederationServer

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", *sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "docs").glob("*.md"))]
SYBIL = Sybil(parsers=[PythonCodeBlockParser(), SkipParser()])

#: A fenced block's opening line whose language is some spelling of Python (Sybil runs only ```python).
_PYTHONISH_FENCE = re.compile(r"^[ \t]*(?:[-*+>][ \t]*)?(`{3,}|~{3,})[ \t]*(i?py\w*)(.*)$", re.I | re.M)
#: A skip directive as the pages may write it: `next`, and a quoted reason.
_SKIP = re.compile(r"<!--\s*skip:?\s*(?P<arguments>.*?)\s*-->", re.S)
_SKIP_NEXT = re.compile(r'next\s+(?P<reason>"[^"]+"|\'[^\']+\')')
_WRITE_SKIP_NEXT = 'write <!-- skip: next "why this block cannot run alone" -->'


def around(source: str) -> AbstractContextManager[object]:
    """What a block expects to be there, as README says it is."""
    if 'RemoteBackend("http://127.0.0.1:5566")' in source:
        return FederationServer(port=5566)
    return nullcontext()


#: The blocks that do not run alone, by page, named by the reason their skip directive gives.
FRAGMENTS: dict[str, list[str]] = {
    "docs/architecture.md": [
        "a line of the ACTIONS dict in sts/__init__.py, not a whole statement",
        "a test of tests/test_auth.py: client(), federated_client() and SIMPLE_POLICY are that module's",
    ],
    "docs/console-signin.md": [
        "the broker script: it needs the role and a mock around it, which the test below arranges",
    ],
    "docs/saml.md": ["a signature, not an example"],
    "docs/web-identity.md": ["a signature, not an example"],
}


def run_page(path: Path, name: str) -> list[str]:
    """Run every python block of the page at ``path`` in one namespace, in order; the reasons of those skipped."""
    document = SYBIL.parse(path)
    document.namespace["__name__"] = name
    skipped = []
    for example in document:  # Sybil's skip directives are examples too: they skip the next block
        source = example.parsed if isinstance(example.parsed, str) else ""
        try:
            with around(source):
                example.evaluate()
        except SkipTest as skip:
            skipped.append(str(skip))
    return skipped


def fragment_problems(text: str) -> list[str]:
    """What is wrong with how a page marks its blocks: a Python block Sybil would not run (```py, ```python3 ...),
    a skip directive that is not `next` with a quoted reason, or one that is not right above a ```python block."""
    problems = []
    for fence in _PYTHONISH_FENCE.finditer(text):
        if fence.group(2) != "python" or fence.group(3).strip():
            line = text.count("\n", 0, fence.start()) + 1
            problems.append(f"line {line}: {fence.group(0).strip()!r} is not run: write ```python")
    for skip in _SKIP.finditer(text):
        line = text.count("\n", 0, skip.start()) + 1
        if not _SKIP_NEXT.fullmatch(skip.group("arguments")):
            problems.append(f"line {line}: {_WRITE_SKIP_NEXT}")
        elif not re.match(r"[ \t]*\n[ \t]*```python\n", text[skip.end() :]):
            problems.append(f"line {line}: the skip directive must be right above the ```python block it skips")
    return problems


@pytest.fixture
def policy_json_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding policy.json, the AWS CLI docs' myfile.json, as README's examples expect."""
    shutil.copy(ROOT / "mockfed" / "data" / "demo" / "myfile.json", tmp_path / "policy.json")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.usefixtures("policy_json_here")
@pytest.mark.parametrize("page", PAGES)
def test_every_python_block_of_the_page_runs(page: str) -> None:
    assert fragment_problems((ROOT / page).read_text(encoding="utf-8")) == []

    skipped = run_page(ROOT / page, f"docs_example_{Path(page).stem.replace('-', '_')}")

    # Fragments stay rare: each is named in FRAGMENTS, so a new one is a decision, not an accident.
    assert skipped == FRAGMENTS.get(page, [])


def test_readme_and_every_docs_page_are_run() -> None:
    assert PAGES[0] == "README.md"
    assert set(PAGES[1:]) == {f"docs/{path.name}" for path in (ROOT / "docs").glob("*.md")}
    assert "docs/roles.md" in PAGES
    assert sum(1 for _ in SYBIL.parse(ROOT / "README.md")) >= 14


# ---- the runner itself, on pages made here ------------------------------------------------------------------


def test_a_block_that_fails_fails_the_page(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("Text.\n\n```python\nanswer = 42\n```\n\n```python\nassert answer == 41\n```\n", encoding="utf-8")

    with pytest.raises(AssertionError):
        run_page(page, "page")


def test_blocks_share_one_namespace_per_page_in_order(tmp_path: Path) -> None:
    first, second = tmp_path / "first.md", tmp_path / "second.md"
    first.write_text("```python\nanswer = 42\n```\n\n```python\nassert answer == 42\n```\n", encoding="utf-8")
    second.write_text("```python\nanswer\n```\n", encoding="utf-8")

    assert run_page(first, "first") == []
    with pytest.raises(NameError, match="answer"):
        run_page(second, "second")


def test_a_fragment_is_skipped_only_when_marked_with_its_reason(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        'Intro.\n\n<!-- skip: next "a signature, not an example" -->\n```python\nf(x, *, y=None)\n```\n\n'
        "```python\nassert True\n```\n",
        encoding="utf-8",
    )

    assert run_page(page, "page") == ["a signature, not an example"]
    assert fragment_problems(page.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("markdown", "problem"),
    [
        ("```py\nx = 1\n```\n", "line 1: '```py' is not run: write ```python"),
        ("Text.\n\n~~~python3\nx = 1\n~~~\n", "line 3: '~~~python3' is not run: write ```python"),
        ("```Python\nx = 1\n```\n", "line 1: '```Python' is not run: write ```python"),
        ("<!-- skip: next -->\n```python\nx(\n```\n", f"line 1: {_WRITE_SKIP_NEXT}"),
        ("<!-- skip: start -->\n```python\nx(\n```\n", f"line 1: {_WRITE_SKIP_NEXT}"),
        (
            '<!-- skip: next "later" -->\n\nText between.\n\n```python\nx(\n```\n',
            "line 1: the skip directive must be right above the ```python block it skips",
        ),
    ],
)
def test_a_python_block_that_would_not_run_unmarked_is_a_problem(markdown: str, problem: str) -> None:
    assert fragment_problems(markdown) == [problem]
