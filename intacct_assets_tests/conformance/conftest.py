"""Two production client libraries against the sandbox: ``sageintacctsdk`` (XML gateway) and
``sageintacctrestsdk`` (REST), both written against real tenants (fylein/sageintacct-sdk-py,
fylein/intacct-rest-sdk-py). They hard-code ``https://api.intacct.com``; a requests transport adapter
mounted for that host alone sends their calls to a sandbox on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from requests.adapters import HTTPAdapter

from intacct_assets.sandbox import Sandbox, SandboxSettings
from intacct_assets_tests.conformance.libraries import INTACCT_HOST, PAGE_SIZE


class SandboxRedirect(HTTPAdapter):
    """Rewrites ``https://api.intacct.com/...`` to the sandbox's base URL and sends it there."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def send(self, request, **kwargs):
        request.url = self.base_url + request.url[len(INTACCT_HOST) :]
        kwargs["proxies"] = {}  # proxies were chosen for Intacct's host; the sandbox is on loopback
        return super().send(request, **kwargs)


@pytest.fixture(scope="module")
def intacct(_loopback_without_proxy) -> Iterator[Sandbox]:
    """A sandbox of its own (the libraries write to it) with more active customers than one page of either
    library, and every requests Session mounting the redirect for Intacct's host while the module runs."""
    settings = SandboxSettings(seed=23, start_s3=False, counts={"CUSTOMER": PAGE_SIZE + 400})
    with Sandbox(settings) as sandbox, pytest.MonkeyPatch.context() as patch:
        base_url = sandbox.rest_url.split("/ia/api/")[0]
        original_init = requests.Session.__init__

        def init_with_redirect(session: requests.Session, *args, **kwargs) -> None:
            original_init(session, *args, **kwargs)
            session.mount(INTACCT_HOST + "/", SandboxRedirect(base_url))

        patch.setattr(requests.Session, "__init__", init_with_redirect)
        yield sandbox
