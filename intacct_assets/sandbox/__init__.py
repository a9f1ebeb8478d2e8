"""Intacct sandbox: a local, seeded emulator of Sage Intacct (OAuth2, REST, XML gateway, DDS into S3).

Plain Python (no Dagster). Entry points: :class:`Sandbox` (Python API) and the ``intacct-sandbox`` CLI.
"""

from intacct_assets.sandbox.sandbox import Sandbox
from intacct_assets.sandbox.settings import DdsFormat, Knobs, SandboxSettings

__all__ = ["DdsFormat", "Knobs", "Sandbox", "SandboxSettings"]
