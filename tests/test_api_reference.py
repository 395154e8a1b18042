"""The API reference (docs/reference/, built by mkdocs from the docstrings) shows every name ``mockfed.__all__``
exports and the pytest plugin's fixtures: a name added to the API without a place in the reference fails here.
(``mkdocs build --strict``, run by .ci/run, checks that what the pages name exists and renders.)"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import mockfed
from mockfed import pytest_plugin

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference"
_DIRECTIVE = re.compile(r"^::: (\S+)\n((?:    .*\n|\n)*)", re.MULTILINE)
_MEMBER = re.compile(r"^        - (\w+)$", re.MULTILINE)


def documented() -> set[str]:
    """The names the reference pages render: a directive's object, its ``members`` list, or a module's ``__all__``."""
    names: set[str] = set()
    for page in sorted(REFERENCE.glob("*.md")):
        for path, options in _DIRECTIVE.findall(page.read_text(encoding="utf-8")):
            members = _MEMBER.findall(options)
            try:
                module = importlib.import_module(path)
            except ModuleNotFoundError:
                names.add(path.rpartition(".")[2])
                continue
            names.update(members or module.__all__)
    return names


def test_every_public_name_has_a_place_in_the_reference() -> None:
    assert sorted(set(mockfed.__all__) - documented()) == []


def test_the_plugin_fixtures_are_in_the_reference() -> None:
    assert sorted(set(pytest_plugin.__all__) - documented()) == []
