"""The real endpoint: where a request goes while a scenario records (the one time one leaves under a mock)."""

from __future__ import annotations

import threading
from typing import Any

import urllib3

from mockfed.http import HttpRequest, HttpResponse

__all__ = ["forward"]

_pool: Any = None
_pool_lock = threading.Lock()


def forward(request: HttpRequest) -> HttpResponse:
    """Send ``request`` where it was going (real AWS, or a local endpoint) and return the answer unchanged."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = urllib3.PoolManager()
    answer = _pool.request(
        request.method,
        request.url,
        body=request.body or None,
        headers=dict(request.headers),
        retries=False,
        redirect=False,
        preload_content=True,
    )
    headers = {name: value for name, value in answer.headers.items() if name.lower() != "transfer-encoding"}
    return HttpResponse(answer.status, headers, answer.data)
