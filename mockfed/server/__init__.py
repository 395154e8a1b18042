"""``mockfed serve``: the simulator over HTTP (:mod:`.http`), its admin API (:mod:`.admin`) and client (:mod:`.client`).

Example::

    >>> with FederationServer() as server:
    ...     server.url.startswith("http://127.0.0.1:")
    True
"""

from mockfed.server.admin import ADMIN_PREFIX
from mockfed.server.http import FederationServer, ServerLimits, logger

__all__ = ["ADMIN_PREFIX", "FederationServer", "ServerLimits", "logger"]
