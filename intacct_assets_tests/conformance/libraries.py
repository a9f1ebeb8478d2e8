"""What the two production libraries fix for themselves (their host and page size), and unique test names."""

from __future__ import annotations

import uuid

INTACCT_HOST = "https://api.intacct.com"
PAGE_SIZE = 2000  # both libraries page by 2000 records (their own constant)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"
