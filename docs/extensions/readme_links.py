"""mkdocs hook: the home page is README.md (``docs/index.md`` includes it), whose links start at the repository's
root (``docs/serve.md``, ``docs/images/live-page.png``); on the site they start at ``docs/``. The hook includes
README in the home page itself, with those links made relative to ``docs/``, so that both GitHub and
``mkdocs build --strict`` find their targets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_INCLUDE = '--8<-- "README.md"'
_DOCS_LINK = re.compile(r"(\]\()docs/")


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri != "index.md" or _INCLUDE not in markdown:
        return markdown
    readme = (Path(config.config_file_path).parent / "README.md").read_text(encoding="utf-8")
    return markdown.replace(_INCLUDE, _DOCS_LINK.sub(r"\1", readme))
