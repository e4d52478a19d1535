"""TLS for the client: the operating system's trust store, plus any private CA the settings name."""

from __future__ import annotations

import ssl
from pathlib import Path


def ssl_context() -> ssl.SSLContext:
    """Certificates are always verified, against the OS store (truststore), so a corporate CA
    installed on the machine just works."""
    import truststore

    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def trust(context: ssl.SSLContext, ca_file: Path) -> None:
    """Also trust the CA certificates in a PEM file. Raises OSError or ssl.SSLError for a file that is
    missing or holds no certificate."""
    context.load_verify_locations(cafile=ca_file)
