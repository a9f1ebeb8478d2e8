"""``doctor``: a read-only preflight of an Intacct company, a DDS bucket and the warehouse file, before the first
sync. Plain Python (no Dagster): the CLI (``intacct-assets doctor``) and the ``intacct_doctor`` job both run it.

It writes nothing to Intacct, ever: tokens and sessions, the model / ``lookup``, and queries of one row.
"""

from intacct_assets.doctor.checks import CHECKS, Check, run_doctor
from intacct_assets.doctor.context import DoctorContext
from intacct_assets.doctor.results import STATUSES, CheckResult, DoctorReport, Status

__all__ = ["CHECKS", "STATUSES", "Check", "CheckResult", "DoctorContext", "DoctorReport", "Status", "run_doctor"]
