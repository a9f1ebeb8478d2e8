"""One verifying TLS context per CA bundle: building one loads the bundle (~40 ms of CPU per client or listing)."""

import ssl

import certifi

from intacct_assets.tls import verified_tls


def test_the_default_context_is_made_once_and_verifies():
    context = verified_tls()
    assert verified_tls() is context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_a_ca_bundle_gets_its_own_verifying_context():
    bundle = verified_tls(certifi.where())
    assert bundle is not verified_tls() and verified_tls(certifi.where()) is bundle
    assert bundle.verify_mode == ssl.CERT_REQUIRED and bundle.cert_store_stats()["x509_ca"] > 0
