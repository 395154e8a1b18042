"""A griffe extension for the API reference (mkdocs.yml): mockfed's docstrings read as they are written.

- ``FederationBackend`` declares many of its methods as ``name = _Delegated(function, part, doc)`` (see
  ``mockfed/backend.py``): a class attribute that reads as ``function`` bound to a part of the backend.
  Read statically, griffe sees attributes with no docstring; each becomes a method with the function's
  signature (its first parameter, the part, left out) and the docstring the backend gives, or the
  function's own.
- The docstrings are written for Sphinx's reading: a cross-reference role (``:class:`~a.b.C```) is shown
  as the code it names (`` `C` ``), and a paragraph ending in ``::`` (the literal block after it) ends
  in ``:``, as Sphinx shows them. Nothing else is changed.
"""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any

import griffe

_BACKEND = "backend.FederationBackend"
_ROLE = re.compile(r":(?:class|meth|func|mod|attr|data|exc|obj):`(~?)([^`]+)`")
_LITERAL_MARKER = re.compile(r"(\S?)(\s*)::$", re.MULTILINE)


def _role(match: re.Match[str]) -> str:
    short, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


def _literal_marker(match: re.Match[str]) -> str:
    before, space = match.groups()
    return f"{before}:" if before and not space else before


def sphinx_to_markdown(text: str) -> str:
    return _LITERAL_MARKER.sub(_literal_marker, _ROLE.sub(_role, text))


class MockfedApi(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.name != "mockfed":
            return
        self._delegated_methods(pkg[_BACKEND], loader)
        self._rewrite_docstrings(pkg)

    def _delegated_methods(self, backend: griffe.Class, loader: griffe.GriffeLoader) -> None:
        for name, member in list(backend.members.items()):
            value = getattr(member, "value", None)
            if not (member.is_attribute and isinstance(value, griffe.ExprCall) and str(value.function) == "_Delegated"):
                continue
            target_expr, _part, *doc = value.arguments
            first, _, rest = str(target_expr).partition(".")
            path = backend.module.resolve(first) + (f".{rest}" if rest else "")
            target = loader.modules_collection.get_member(path)
            if target.is_alias:
                target = target.final_target
            method = griffe.Function(
                name,
                lineno=member.lineno,
                endlineno=member.endlineno,
                parameters=griffe.Parameters(*list(target.parameters)[1:]),
                returns=target.returns,
            )
            if doc:
                text = inspect.cleandoc(ast.literal_eval(str(doc[0])))
            elif target.docstring is not None:
                text = target.docstring.value
            else:
                raise griffe.ExtensionError(f"{backend.path}.{name}: {path} has no docstring to show")
            method.docstring = griffe.Docstring(text, lineno=member.lineno, parent=method)
            backend.set_member(name, method)

    def _rewrite_docstrings(self, obj: griffe.Object) -> None:
        if obj.docstring is not None:
            obj.docstring.value = sphinx_to_markdown(obj.docstring.value)
        for member in obj.members.values():
            if isinstance(member, griffe.Object):  # an alias's docstring is its target's, rewritten where it is
                self._rewrite_docstrings(member)
