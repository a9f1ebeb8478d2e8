"""``dg scaffold defs intacct_assets.IntacctComponent <company>``: a ``defs.yaml`` to fill in, its secrets already
written as references to ``<COMPANY>_INTACCT_*`` environment variables."""

from __future__ import annotations

import re

import dagster as dg
from dagster.components.component_scaffolding import scaffold_component

TEMPLATE = """\
# One Sage Intacct company (README "A company in YAML"). Secrets are references to environment variables
# ("{{{{ env.NAME }}}}", set them in .env); a literal secret is refused. Fields left out take the value of their
# INTACCT_* variable, except the company's own identity, credentials, endpoints and data locations.
type: {type_name}

attributes:
  company: {company}                        # asset keys ["intacct", "{company}", ...], names {company}_*
  intacct:
    client_id: "{{{{ env.{prefix}_INTACCT_CLIENT_ID }}}}"
    client_secret: "{{{{ env.{prefix}_INTACCT_CLIENT_SECRET }}}}"
    username: "{{{{ env.{prefix}_INTACCT_USERNAME }}}}"       # user@company[|entity]
    sender_id: "{{{{ env.{prefix}_INTACCT_SENDER_ID }}}}"
    sender_password: "{{{{ env.{prefix}_INTACCT_SENDER_PASSWORD }}}}"
    company_id: "{{{{ env.{prefix}_INTACCT_COMPANY_ID }}}}"
    user_id: "{{{{ env.{prefix}_INTACCT_USER_ID }}}}"
    user_password: "{{{{ env.{prefix}_INTACCT_USER_PASSWORD }}}}"
  dds:
    bucket: "{{{{ env.{prefix}_INTACCT_DDS_BUCKET }}}}"
    prefix: {company}/
    # objects: [GLENTRY, GLACCOUNT]         # default: every DDS object of the catalog
  api:
    cron: "0 */6 * * *"                     # every API asset's cadence (left out: each object's own)
    # objects: [customer, invoice]          # default: every API object of the catalog
  warehouse:
    path: data/{company}.duckdb
  # catalog: catalog.yaml                   # your own objects, beside this file
  # syncs: syncs.yaml                       # reverse syncs (a file beside this one, or the list inline)
  # translation:                            # like dagster-sling's; per asset: {{{{ data.kind }}}}, {{{{ data.name }}}}
  #   owners: [team:finance]
  #   tags: {{company: {company}}}
"""


class IntacctScaffolder(dg.Scaffolder):
    def scaffold(self, request: dg.ScaffoldRequest) -> None:
        company = re.sub(r"[^a-z0-9_]", "_", request.target_path.name.lower()).strip("_") or "company"
        if not company[0].isalpha():
            company = f"c_{company}"
        if request.scaffold_format != "yaml" or request.append:
            scaffold_component(request, {"company": company})
            return
        request.target_path.mkdir(parents=True, exist_ok=True)
        (request.target_path / "defs.yaml").write_text(
            TEMPLATE.format(type_name=request.type_name, company=company, prefix=company.upper())
        )
