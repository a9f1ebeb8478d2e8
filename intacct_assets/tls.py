"""One certificate-verifying TLS context per CA bundle for the whole process.

httpx builds a new context for every client, loading the CA bundle each time (~40 ms of CPU): a sensor tick's
listing and every Intacct client paid it. A context is safe to share between clients and threads.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.lru_cache(maxsize=4)
def verified_tls(ca_bundle: str | None = None) -> ssl.SSLContext:
    """httpx's default verification (certifi, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``), or ``ca_bundle``'s CAs."""
    return ssl.create_default_context(cafile=ca_bundle) if ca_bundle else httpx.create_ssl_context()
