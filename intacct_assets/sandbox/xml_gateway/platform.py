"""XML platform functions: getAPISession, readUserFormatting and the DDS ones (getDdsObjects, getDdsDdl,
runDdsJob). None is billed."""

from __future__ import annotations

from collections.abc import Callable
from xml.etree.ElementTree import Element as InElement

from lxml import etree
from lxml.etree import SubElement

from intacct_assets.sandbox.company.service import Company
from intacct_assets.sandbox.ddl import ddl
from intacct_assets.sandbox.sessions import Sessions
from intacct_assets.sandbox.xml_gateway.envelope import XmlContext, bad, child, child_text
from intacct_assets.sandbox.xml_gateway.reads import object_of, records

DDS_OPTIONS = {"delimiter": "delimiter", "enclosure": "enclosure", "fileFormat": "line_ending"}
DDS_FLAGS = {"includeHeaders": "include_headers", "compress": "compress"}


class Platform:
    def __init__(
        self,
        company: Company,
        sessions: Sessions,
        endpoint: Callable[[], str],
        run_dds_job: Callable[..., list[dict]] | None,
    ) -> None:
        self.company, self.sessions, self.endpoint, self.run_dds_job = company, sessions, endpoint, run_dds_job
        self.functions = {
            "readUserFormatting": self.read_user_formatting,
            "getDdsDdl": self.get_dds_ddl,
            "getDdsObjects": self.get_dds_objects,
            "runDdsJob": self.run_dds,
        }

    def get_api_session(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        """Only alone in its request (the gateway runs it apart from the function table)."""
        entity = child_text(body, "locationid") or ctx.caller.entity
        if entity and not self.company.has_entity(entity):
            raise bad(f"Invalid location/entity '{entity}'")
        session = self.sessions.open(ctx.caller.user, ctx.company, entity or None)
        api = SubElement(SubElement(result, "data"), "api")
        SubElement(api, "sessionid").text = session.id
        SubElement(api, "endpoint").text = self.endpoint()
        SubElement(api, "locationid").text = entity or ""

    def read_user_formatting(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        """developer.intacct.com/api/company-console/users: the user by ``key`` (RECORDNO) or ``userId``
        (LOGINID); every user of the sandbox has the preferences of the knobs."""
        store = self.company.store
        key, login = child_text(body, "key"), child_text(body, "userId")
        if key:
            user = store.get("USERINFO", int(key)) if key.isdigit() else None
        else:
            user = store.find("USERINFO", login) if login else None
        if user is None:
            raise bad(f"Cannot find user '{key or login}'", "DL02000001")
        knobs = self.company.knobs
        formatting = SubElement(SubElement(result, "data"), "userformatting")
        for tag, text in (
            ("recordno", str(user["RECORDNO"])),
            ("locale", knobs.xml_locale),
            ("dateformat", knobs.xml_date_format),
            ("gmtoffset", knobs.xml_gmt_offset),
            ("clock", knobs.xml_clock),
        ):
            SubElement(formatting, tag).text = text

    def get_dds_ddl(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        defn = object_of(self.company, body)
        if not defn.dds:
            raise bad(f"{defn.name} is not a DDS object", "DL02000001")
        data = SubElement(result, "data", listtype="ddl", count="1")
        SubElement(data, "ddl", object=defn.name).text = ddl(self.company.registry, defn)

    def get_dds_objects(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        names = self.company.registry.dds_objects()
        data = SubElement(result, "data", listtype="ddsObjects", count=str(len(names)))
        holder = SubElement(data, "ddsObjects")
        for name in names:
            SubElement(holder, "object").text = name

    def run_dds(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        """Runs synchronously (real Intacct queues it); answers with the DDSJOB record(s) written."""
        if self.run_dds_job is None:
            raise bad("DDS deliveries are not configured in this sandbox")
        defn = object_of(self.company, body)
        job_type = child_text(body, "jobType", "all").lower()
        if job_type not in ("all", "change"):
            raise bad("jobType must be all or change", "DL02000001")
        config = child(body, "fileConfiguration")
        options: dict = {}
        if config is not None:
            for tag, key in DDS_OPTIONS.items():
                if child_text(config, tag):
                    options[key] = child_text(config, tag)
            for tag, key in DDS_FLAGS.items():
                if child_text(config, tag):
                    options[key] = child_text(config, tag).lower() == "true"
            if child_text(config, "splitSize"):
                options["split_size"] = int(child_text(config, "splitSize"))
        try:
            jobs = self.run_dds_job(objects=[defn.name], job_type=job_type, **options)
        except ValueError as error:
            raise bad(str(error), "DL02000001") from None
        data = SubElement(result, "data", listtype="ddsjob", count=str(len(jobs)))
        job_def = self.company.registry["DDSJOB"]
        resolver = self.company.resolver(job_def, "xml")
        records(data, "ddsjob", [resolver.accessor(f.name) for f in job_def.fields], jobs)
