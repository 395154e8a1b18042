"""Where README's ``from mockfed.remote import RemoteBackend`` leads: :mod:`mockfed.server.client`."""

from mockfed.server.client import (
    RemoteBackend,
    RemoteClock,
    RemoteError,
    RemoteOidcProvider,
    RemoteSamlProvider,
    RemoteUser,
)

__all__ = ["RemoteBackend", "RemoteClock", "RemoteError", "RemoteOidcProvider", "RemoteSamlProvider", "RemoteUser"]
