"""The seeded company's master data (entities, dimensions, accounts, periods, users, contacts, customers,
vendors, employees, projects, items) and the helpers every seeded record uses."""

from __future__ import annotations

import random
import time
from calendar import timegm
from datetime import UTC, date, datetime, timedelta

from intacct_assets.sandbox.clock import parse_iso
from intacct_assets.sandbox.company.seed.vocabulary import (
    CHART,
    CITIES,
    ENTITIES,
    FIRST,
    LAST,
    NOTES,
    STREETS,
    SUFFIXES,
    WORDS,
)
from intacct_assets.sandbox.company.store import Store

HISTORY_DAYS = 730


class MasterData:
    def __init__(self, store: Store, seed: int, counts: dict[str, int], as_of: str, user: str) -> None:
        self.store = store
        self.seed = seed
        self.counts = counts
        self.end = timegm(parse_iso(as_of).timetuple())
        self.start = self.end - HISTORY_DAYS * 86400
        self.keys: dict[str, int] = {}
        self.user = user

    def rng(self, obj: str) -> random.Random:
        return random.Random(f"{self.seed}-{obj}")

    def key(self, space: str) -> int:
        self.keys[space] = self.keys.get(space, 0) + 1
        return self.keys[space]

    def header(self, rng: random.Random, space: str, entity: str | None) -> dict:
        created = rng.randint(self.start, self.end - 3600)
        modified = created + int((self.end - created) * rng.random() ** 3)
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        return {
            "RECORDNO": self.key(space),
            "WHENCREATED": time.strftime(fmt, time.gmtime(created)),
            "WHENMODIFIED": time.strftime(fmt, time.gmtime(modified)),
            "CREATEDBY": self.user,
            "MODIFIEDBY": self.user,
            "MEGAENTITYID": entity,
        }

    def document_header(self, rng: random.Random, entity: str | None) -> dict:
        """AR/AP documents: WHENCREATED is the document date, AUWHENCREATED when it was entered."""
        header = self.header(rng, "PRRECORD", entity)
        header["AUWHENCREATED"] = header["WHENCREATED"]
        header["WHENCREATED"] = header["AUWHENCREATED"][:10]
        return header

    def day(self, rng: random.Random) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(rng.randint(self.start, self.end - 86400)))

    def master_entity(self, rng: random.Random) -> str | None:
        return ENTITIES[rng.randrange(3)][0] if rng.random() < 0.15 else None

    def load(self, obj: str, records: list[dict]) -> list[dict]:
        self.store.bulk_load(obj, records)
        return records

    def entities(self) -> None:
        rng = self.rng("LOCATIONENTITY")
        self.load(
            "LOCATIONENTITY",
            [
                {
                    **self.header(rng, "LOCATIONENTITY", None),
                    "LOCATIONID": ident,
                    "NAME": name,
                    "STATUS": "active",
                    "CURRENCY": currency,
                }
                for ident, name, currency in ENTITIES
            ],
        )

    def dimensions(self) -> None:
        names = {
            "DEPARTMENT": (
                "Sales",
                "Engineering",
                "Finance, Legal & Admin",
                "Marketing",
                "Support",
                "Operations",
                "R&D",
                "HR",
            ),
            "LOCATION": ("Headquarters", "East Coast", "London Office", "Berlin", "Warehouse #2", "Remote"),
            "CLASS": ("Retail", "Wholesale", "Online", "Government", "Non-profit"),
        }
        for obj, labels in names.items():
            rng = self.rng(obj)
            id_field, name_field = f"{obj}ID", "TITLE" if obj == "DEPARTMENT" else "NAME"
            records = []
            for i in range(self.counts[obj]):
                ident = f"{(i + 1) * 10:03d}" if obj != "CLASS" else f"CL{i + 1:02d}"
                record = {
                    **self.header(rng, obj, None),
                    id_field: ident,
                    name_field: f"{labels[i % len(labels)]}{'' if i < len(labels) else f' {i}'}",
                    "STATUS": "active" if rng.random() < 0.9 else "inactive",
                    "PARENTID": records[0][id_field] if i and rng.random() < 0.3 else None,
                }
                if obj == "LOCATION":
                    record.update(STARTDATE=self.day(rng), ENDDATE=None)
                records.append(record)
            self.load(obj, records)

    def accounts(self) -> None:
        rng = self.rng("GLACCOUNT")
        records = []
        for i in range(self.counts["GLACCOUNT"]):
            number, title, kind, normal = CHART[i % len(CHART)]
            if i >= len(CHART):
                number, title = f"{number}.{i // len(CHART):02d}", f"{title} - Sub {i // len(CHART)}"
            records.append(
                {
                    **self.header(rng, "GLACCOUNT", None),
                    "ACCOUNTNO": number,
                    "TITLE": title,
                    "ACCOUNTTYPE": kind,
                    "NORMALBALANCE": normal,
                    "CLOSINGTYPE": "closing account" if kind == "incomestatement" else "non-closing account",
                    "STATUS": "active",
                    "REQUIREDEPT": False,
                    "REQUIRELOC": False,
                }
            )
        self.load("GLACCOUNT", records)
        self.account_numbers = [r["ACCOUNTNO"] for r in records]

    def periods(self) -> None:
        rng = self.rng("REPORTINGPERIOD")
        first = datetime.fromtimestamp(self.start, UTC).date().replace(day=1)
        records = []
        for i in range(HISTORY_DAYS // 30 + 1):
            month_start = date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
            month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            records.append(
                {
                    **self.header(rng, "REPORTINGPERIOD", None),
                    "NAME": f"Month Ended {month_start:%B %Y}",
                    "HEADER1": f"{month_start:%B}",
                    "START_DATE": month_start.isoformat(),
                    "END_DATE": month_end.isoformat(),
                    "STATUS": "active",
                }
            )
        self.load("REPORTINGPERIOD", records)

    def users(self) -> None:
        rng = self.rng("USERINFO")
        records = [
            {
                **self.header(rng, "USERINFO", None),
                "LOGINID": self.user if i == 0 else f"user{i:02d}",
                "DESCRIPTION": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "USERTYPE": "business",
                "STATUS": "active",
                "LASTLOGIN": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(rng.randint(self.start, self.end))),
                "CONTACTINFO.EMAIL1": f"user{i}@example.com",
            }
            for i in range(self.counts["USERINFO"])
        ]
        self.load("USERINFO", records)

    def address(self, rng: random.Random, prefix: str) -> dict:
        city, state, country = rng.choice(CITIES)
        street = f"{rng.randint(1, 9999)} {rng.choice(STREETS)}"
        if rng.random() < 0.1:
            street += "\nSuite 200, Building B"
        return {
            f"{prefix}ADDRESS1": street,
            f"{prefix}CITY": city,
            f"{prefix}STATE": state or None,
            f"{prefix}ZIP": f"{rng.randint(0, 99999):05d}",
            f"{prefix}COUNTRY": country,
        }

    def contacts(self) -> list[str]:
        rng = self.rng("CONTACT")
        records = []
        for i in range(self.counts["CONTACT"]):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = f"{last}, {first} ({i + 1})"
            records.append(
                {
                    **self.header(rng, "CONTACT", self.master_entity(rng)),
                    "CONTACTNAME": name,
                    "PRINTAS": f"{first} {last}",
                    "COMPANYNAME": rng.choice(WORDS),
                    "FIRSTNAME": first,
                    "LASTNAME": last,
                    "EMAIL1": f"{first}.{i}@example.com".lower(),
                    "PHONE1": f"+1 555 {rng.randint(0, 9999):04d}",
                    "STATUS": "active",
                    **self.address(rng, "MAILADDRESS."),
                }
            )
        return [r["CONTACTNAME"] for r in self.load("CONTACT", records)]

    def parties(self, obj: str, id_field: str, letter: str, contacts: list[str]) -> None:
        rng = self.rng(obj)
        choice, randint, rand = rng.choice, rng.randint, rng.random
        records = []
        for i in range(self.counts[obj]):
            name = f"{choice(WORDS)} {choice(WORDS)} {choice(SUFFIXES)}"
            if rand() < 0.03:
                name = f'The "{choice(WORDS)}" Company'
            record = self.header(rng, obj, self.master_entity(rng))
            record.update(
                {
                    id_field: f"{letter}{i + 1:05d}" if i % 50 else f"0{letter}{i + 1:04d}",
                    "NAME": name,
                    "STATUS": "active" if rand() < 0.92 else "inactive",
                    "CREDITLIMIT": f"{randint(0, 500) * 100}.00" if rand() < 0.7 else None,
                    "TOTALDUE": "0.00",
                    "ONHOLD": rand() < 0.05,
                    "TAXID": f"{randint(10, 99)}-{randint(0, 9999999):07d}",
                    "PARENTID": None,
                    "COMMENTS": choice(NOTES) or None,
                    "DISPLAYCONTACT.PRINTAS": name,
                    "DISPLAYCONTACT.EMAIL1": f"ap{i}@{choice(WORDS).lower().replace(' ', '')}.example",
                    "DISPLAYCONTACT.PHONE1": f"+1 555 {randint(0, 9999):04d}",
                    **self.address(rng, "DISPLAYCONTACT.MAILADDRESS."),
                }
            )
            records.append(record)
        self.load(obj, records)
        setattr(
            self,
            f"{obj.lower()}_ids",
            [r[id_field] for r in records if r["STATUS"] == "active"] or [r[id_field] for r in records],
        )

    def employees(self, contacts: list[str]) -> None:
        rng = self.rng("EMPLOYEE")
        records = [
            {
                **self.header(rng, "EMPLOYEE", self.master_entity(rng)),
                "EMPLOYEEID": f"EMP{i + 1:04d}",
                "PERSONALINFO.CONTACTNAME": contacts[i % len(contacts)],
                "TITLE": rng.choice(("Accountant", "Engineer", "Sales Rep", "Director, Finance")),
                "STARTDATE": self.day(rng),
                "ENDDATE": None,
                "STATUS": "active",
                "DEPARTMENTID": self.pick_id(rng, "DEPARTMENT"),
                "LOCATIONID": self.pick_id(rng, "LOCATION"),
            }
            for i in range(self.counts["EMPLOYEE"])
        ]
        self.load("EMPLOYEE", records)

    def pick_id(self, rng: random.Random, obj: str) -> str | None:
        table = self.store.tables[obj]
        return rng.choice(list(table.by_id)) if table.by_id else None

    def projects(self) -> None:
        rng = self.rng("PROJECT")
        records = []
        for i in range(self.counts["PROJECT"]):
            begin = self.day(rng)
            records.append(
                {
                    **self.header(rng, "PROJECT", self.master_entity(rng)),
                    "PROJECTID": f"P-{i + 1:04d}",
                    "NAME": f"{rng.choice(WORDS)} rollout, phase {i % 3 + 1}",
                    "PROJECTCATEGORY": "Contract",
                    "STATUS": "active",
                    "BEGINDATE": begin,
                    "ENDDATE": (date.fromisoformat(begin) + timedelta(days=180)).isoformat(),
                    "BUDGETAMOUNT": f"{rng.randint(10, 900) * 1000}.00",
                    "DESCRIPTION": rng.choice(NOTES) or None,
                    "CUSTOMERID": rng.choice(self.customer_ids),
                    "DEPARTMENTID": self.pick_id(rng, "DEPARTMENT"),
                    "LOCATIONID": None,
                }
            )
        self.load("PROJECT", records)

    def items(self) -> None:
        rng = self.rng("ITEM")
        records = [
            {
                **self.header(rng, "ITEM", None),
                "ITEMID": f"ITM-{i + 1:05d}",
                "NAME": f"{rng.choice(WORDS)} widget {i}" + (' 12" model' if i % 7 == 0 else ""),
                "STATUS": "active",
                "ITEMTYPE": "Non-Inventory",
                "BASEPRICE": f"{rng.randint(100, 99999) / 100:.2f}",
                "STANDARD_COST": f"{rng.randint(50, 50000) / 100:.2f}",
            }
            for i in range(self.counts["ITEM"])
        ]
        self.load("ITEM", records)
