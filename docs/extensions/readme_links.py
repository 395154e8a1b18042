"""An mkdocs hook: README.md is the site's home page (docs/index.md includes it), and its links into the guides
are written from the repository's root (``docs/serve.md#...``), as GitHub shows them; on the site the home page
sits beside the guides, so there those links lose their ``docs/`` (README is included here, before the links
are checked, instead of by the snippets extension)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

_INCLUDE = '--8<-- "README.md"'


def on_page_markdown(markdown: str, page: Any, config: Any, **_: Any) -> str:
    if page.file.src_uri != "index.md" or _INCLUDE not in markdown:
        return markdown
    readme = (Path(config["config_file_path"]).parent / "README.md").read_text(encoding="utf-8")
    return markdown.replace(_INCLUDE, readme.replace("](docs/", "]("))
