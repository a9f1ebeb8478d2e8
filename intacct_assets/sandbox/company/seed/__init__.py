"""Deterministic fake company: same seed and counts => same records, byte for byte.

Each object draws from its own RNG stream (seed + object name), so changing one count never changes
another object's data. History ends at ``data_as_of``. Text is realistic on purpose: commas, quotes,
embedded newlines, non-ASCII letters, and IDs with leading zeros ("010").
"""

from __future__ import annotations

from intacct_assets.sandbox.company.seed.transactions import Seeder
from intacct_assets.sandbox.company.store import Store

BASE_COUNTS = {
    "DEPARTMENT": 12,
    "LOCATION": 8,
    "CLASS": 6,
    "GLACCOUNT": 60,
    "USERINFO": 10,
    "CONTACT": 150,
    "CUSTOMER": 100,
    "VENDOR": 60,
    "EMPLOYEE": 25,
    "PROJECT": 20,
    "ITEM": 40,
    "GLENTRY": 480,
    "ARINVOICE": 150,
    "APBILL": 100,
    "ARPYMT": 80,
    "APPYMT": 50,
    "ARADJUSTMENT": 15,
}


def resolve_counts(scale: float, counts: dict[str, int]) -> dict[str, int]:
    """Default counts times ``scale`` (at least 1 each), then explicit overrides by object name."""
    resolved = {obj: max(1, round(n * scale)) for obj, n in BASE_COUNTS.items()}
    for obj, n in counts.items():
        name = obj.upper()
        if name not in resolved:
            raise ValueError(f"cannot set a count for {obj}; choose from {', '.join(sorted(resolved))}")
        resolved[name] = int(n)
    resolved["GLENTRY"] = max(2, resolved["GLENTRY"])
    return resolved


def seed_store(store: Store, seed: int, scale: float, counts: dict[str, int], as_of: str, user: str) -> None:
    Seeder(store, seed, resolve_counts(scale, counts), as_of, user).run()
