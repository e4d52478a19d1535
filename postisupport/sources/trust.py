"""The trust every store's TLS is verified with, whatever its protocol: HTTPS and LDAPS alike."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from postisupport.errors import InvalidSetting

if TYPE_CHECKING:
    from postisupport.config.settings import Settings


def tls_context(settings: Settings) -> ssl.SSLContext:
    """The OS trust store plus the CA bundle and SSL_CERT_FILE; a missing or unusable file is named."""
    from postisupport.scim.tls import ssl_context, trust

    context = ssl_context()
    for name in ("ca_bundle", "ssl_cert_file"):
        path = getattr(settings, name)
        if path is None:
            continue
        try:
            trust(context, path)
        except FileNotFoundError:
            raise InvalidSetting(name, settings.origin(name), f"{path}: no such file") from None
        except (OSError, ssl.SSLError) as error:
            reason = getattr(error, "reason", None) or error.strerror or type(error).__name__
            raise InvalidSetting(name, settings.origin(name),
                                 f"{path}: not usable as CA certificates ({reason})") from None
    return context
