"""Deterministic fake company: same seed and counts => same records, byte for byte.

Each object draws from its own RNG stream (seed + object name), so changing one count never changes
another object's data. History ends at ``data_as_of``. Text is realistic on purpose: commas, quotes,
embedded newlines, non-ASCII letters, and IDs with leading zeros ("010").
"""

from __future__ import annotations

import random
import time
from calendar import timegm
from datetime import UTC, date, datetime, timedelta

from intacct_assets.sandbox.clock import parse_iso
from intacct_assets.sandbox.company.rules import PAYMENT_DATE, RECORD_PREFIX
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
ENTITIES = (
    ("E-US", "United States Operations", "USD"),
    ("E-UK", "Sterling Holdings, Ltd.", "GBP"),
    ("E-DE", "Müller & Söhne GmbH", "EUR"),
)
FIRST = (
    "Ana",
    "Bob",
    "Chloé",
    "Dmitri",
    "Eve",
    "François",
    "Grace",
    "Hiro",
    "Ines",
    "José",
    "Kai",
    "Léa",
    "Mia",
    "Noah",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tomás",
    "Uma",
    "Vik",
    "Wen",
    "Yara",
    "Zoë",
)
LAST = (
    "Smith",
    "O'Brien",
    "García",
    "Nguyen",
    "Müller",
    "Kowalski",
    "Rossi",
    "Dubois",
    "Tanaka",
    "Okafor",
    "Johnson",
    "de la Cruz",
    "Andersson",
    "Patel",
    "Kim",
    "Brown",
    "Silva",
    "Novak",
    "Cohen",
    "Ivanova",
)
WORDS = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Wonka",
    "Gringotts",
    "Oceanic",
    "Monarch",
    "Nakatomi",
    "Aperture",
    "Massive",
    "Dunder",
    "Pied Piper",
    "Blue Sun",
    "Virtucon",
    "Zorg",
    "Octan",
)
SUFFIXES = ("Inc.", "LLC", "Ltd.", "& Co.", "GmbH", "S.A.", "Holdings, Inc.", "Partners", "Group")
CITIES = (
    ("San José", "CA", "US"),
    ("New York", "NY", "US"),
    ("London", "", "GB"),
    ("Berlin", "", "DE"),
    ("Austin", "TX", "US"),
    ("Québec", "QC", "CA"),
    ("Chicago", "IL", "US"),
    ("Leeds", "", "GB"),
)
STREETS = ("Main St", "Market Street", "Elm Ave", "Broadway", "King's Road", "Rue de la Paix", "Hauptstraße")
CHART = (
    ("1000", "Cash - Operating", "balancesheet", "debit"),
    ("1010", "Cash - Payroll", "balancesheet", "debit"),
    ("1100", "Accounts Receivable", "balancesheet", "debit"),
    ("1200", "Inventory", "balancesheet", "debit"),
    ("1500", "Fixed Assets, Furniture & Equipment", "balancesheet", "debit"),
    ("2000", "Accounts Payable", "balancesheet", "credit"),
    ("2080", "Accrued Payroll", "balancesheet", "credit"),
    ("2100", 'Sales Tax "Payable"', "balancesheet", "credit"),
    ("3000", "Retained Earnings", "balancesheet", "credit"),
    ("4000", "Revenue - Products", "incomestatement", "credit"),
    ("4100", "Revenue - Services", "incomestatement", "credit"),
    ("5000", "Cost of Goods Sold", "incomestatement", "debit"),
    ("6000", "Salaries", "incomestatement", "debit"),
    ("6500", "Salary Expense", "incomestatement", "debit"),
    ("6600", "Rent, Utilities", "incomestatement", "debit"),
    ("6700", "Travel & Entertainment", "incomestatement", "debit"),
)
NOTES = (
    "Preferred vendor, net 30",
    'Asked to be called "the Boss"',
    "Ships on Mondays, Wednesdays",
    "Line one\nLine two of the note",
    "Priority account; review quarterly",
    "",
    "VIP — handle with care",
)
METHODS = ("Printed Check", "Cash", "EFT", "Credit Card")
HISTORY_DAYS = 730


class Seeder:
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

    # ------------------------------------------------------------------ master data
    def run(self) -> None:
        self.entities()
        self.dimensions()
        self.accounts()
        self.periods()
        self.users()
        contacts = self.contacts()
        self.parties("CUSTOMER", "CUSTOMERID", "C", contacts)
        self.parties("VENDOR", "VENDORID", "V", contacts)
        self.employees(contacts)
        self.projects()
        self.items()
        self.journal_entries()
        invoices = self.documents("ARINVOICE", "ARINVOICEITEM", "CUSTOMER", ("4000", "4100"))
        bills = self.documents("APBILL", "APBILLITEM", "VENDOR", ("5000", "6600", "6700"))
        self.documents("ARADJUSTMENT", "ARADJUSTMENTITEM", "CUSTOMER", ("4000",), signed=True)
        self.payments("ARPYMT", "ARPYMTDETAIL", "ARINVOICE", invoices, "CUSTOMER")
        self.payments("APPYMT", "APPYMTDETAIL", "APBILL", bills, "VENDOR")

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

    # ------------------------------------------------------------------ transactions
    def journal_entries(self) -> None:
        rng = self.rng("GLBATCH")
        randint, rand, choice = rng.randint, rng.random, rng.choice
        accounts, account_keys = self.account_numbers, self.store.tables["GLACCOUNT"].by_id
        departments = list(self.store.tables["DEPARTMENT"].by_id)
        locations = list(self.store.tables["LOCATION"].by_id)
        customers, vendors = self.customer_ids, self.vendor_ids
        batches, entries = [], []
        target = self.counts["GLENTRY"]
        while len(entries) < target:
            entity = ENTITIES[randint(0, 2)][0]
            header = self.header(rng, "GLBATCH", entity)
            posting = header["WHENCREATED"][:10]
            state = "Posted" if rand() < 0.95 else "Draft"
            header.update(
                BATCHNO=str(header["RECORDNO"]),
                JOURNAL=choice(("GJ", "GJ", "ADJ", "PAYROLL")),
                BATCH_DATE=posting,
                BATCH_TITLE=choice(
                    ("Payroll accrual", "Monthly rent", "Revenue, October", 'Reclass "misc" expenses', "Depreciation")
                ),
                STATE=state,
                REVERSEDATE=None,
                MODULEKEY="2.GL",
            )
            batches.append(header)
            count = min(randint(2, 6), max(2, target - len(entries)))
            debits = [randint(100, 500_000) for _ in range(count // 2)]
            credits = self.split(rng, sum(debits), count - len(debits))
            for number, (tr_type, cents) in enumerate([(1, c) for c in debits] + [(-1, c) for c in credits], 1):
                amount = f"{cents // 100}.{cents % 100:02d}"
                account = choice(accounts)
                entries.append(
                    {
                        "RECORDNO": self.key("GLENTRY"),
                        "WHENCREATED": header["WHENCREATED"],
                        "WHENMODIFIED": header["WHENMODIFIED"],
                        "CREATEDBY": self.user,
                        "MODIFIEDBY": self.user,
                        "MEGAENTITYID": entity,
                        "BATCHNO": header["BATCHNO"],
                        "LINE_NO": number,
                        "TR_TYPE": tr_type,
                        "AMOUNT": amount,
                        "TRX_AMOUNT": amount,
                        "EXCHANGE_RATE": "1.00",
                        "CURRENCY": "USD",
                        "ACCOUNTNO": account,
                        "ACCOUNTKEY": str(account_keys[account]),
                        "ENTRY_DATE": posting,
                        "BATCH_DATE": posting,
                        "DEPARTMENTID": choice(departments) if rand() < 0.6 else None,
                        "LOCATIONID": choice(locations) if rand() < 0.5 else None,
                        "CUSTOMERID": choice(customers) if rand() < 0.1 else None,
                        "VENDORID": choice(vendors) if rand() < 0.1 else None,
                        "PROJECTID": None,
                        "CLASSID": None,
                        "EMPLOYEEID": None,
                        "DESCRIPTION": "Line memo, see batch" if number == 1 else None,
                        "STATE": state,
                    }
                )
        self.load("GLBATCH", batches)
        self.load("GLENTRY", entries)

    @staticmethod
    def split(rng: random.Random, total: int, parts: int) -> list[int]:
        """Split ``total`` cents into ``parts`` positive amounts (credits that balance the debits)."""
        if parts <= 1 or total < parts:
            return [total] if parts <= 1 else [total - parts + 1] + [1] * (parts - 1)
        cuts = sorted(rng.sample(range(1, total), parts - 1))
        return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]

    def documents(
        self, obj: str, line_obj: str, party: str, accounts: tuple[str, ...], signed: bool = False
    ) -> list[dict]:
        rng = self.rng(obj)
        randint, choice = rng.randint, rng.choice
        parties = getattr(self, f"{party.lower()}_ids")
        record_type = self.store.registry[obj].record_type
        headers, lines = [], []
        account_keys = self.store.tables["GLACCOUNT"].by_id
        for _ in range(self.counts[obj]):
            header = self.document_header(rng, ENTITIES[randint(0, 2)][0])
            posted = header["WHENCREATED"]
            amounts = [randint(1000, 2_000_000) * (choice((1, -1)) if signed else 1) for _ in range(randint(1, 4))]
            total = sum(amounts)
            text_total = f"{'-' if total < 0 else ''}{abs(total) // 100}.{abs(total) % 100:02d}"
            header.update(
                RECORDTYPE=record_type,
                RECORDID=f"{RECORD_PREFIX[record_type]}{header['RECORDNO']:06d}",
                STATE="Posted",
                WHENPOSTED=posted,
                WHENDUE=(date.fromisoformat(posted) + timedelta(days=30)).isoformat(),
                WHENPAID=None,
                TOTALENTERED=text_total,
                TOTALPAID="0.00",
                TOTALDUE=text_total,
                TRX_TOTALENTERED=text_total,
                TRX_TOTALPAID="0.00",
                TRX_TOTALDUE=text_total,
                VENDORID=None,
                CUSTOMERID=None,
                CURRENCY="USD",
                DESCRIPTION=choice(("Consulting, October", 'Order #12 "rush"', "Annual licence", None)),
            )
            header[f"{party}ID"] = choice(parties)
            headers.append(header)
            for number, cents in enumerate(amounts, 1):
                amount = f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
                account = choice(accounts)
                lines.append(
                    {
                        "RECORDNO": self.key("PRENTRY"),
                        "WHENCREATED": posted,
                        "AUWHENCREATED": header["AUWHENCREATED"],
                        "WHENMODIFIED": header["WHENMODIFIED"],
                        "CREATEDBY": self.user,
                        "MODIFIEDBY": self.user,
                        "MEGAENTITYID": header["MEGAENTITYID"],
                        "RECORDKEY": str(header["RECORDNO"]),
                        "LINE_NO": number,
                        "ACCOUNTNO": account,
                        "ACCOUNTKEY": str(account_keys[account]),
                        "AMOUNT": amount,
                        "TRX_AMOUNT": amount,
                        "TOTALPAID": "0.00",
                        "ENTRY_DATE": posted,
                        "DEPARTMENTID": None,
                        "LOCATIONID": None,
                        "PROJECTID": None,
                        "CLASSID": None,
                        "ENTRYDESCRIPTION": None,
                    }
                )
        self.load(obj, headers)
        self.load(line_obj, lines)
        return headers

    def payments(self, obj: str, detail_obj: str, target_obj: str, targets: list[dict], party: str) -> None:
        """Pay a random subset of documents in full or in part; totals of the paid documents follow."""
        rng = self.rng(obj)
        headers, details = [], []
        party_field = f"{party}ID"
        open_docs = [t for t in targets if t["TOTALDUE"][0] != "-" and t["TOTALDUE"] != "0.00"]
        for doc in rng.sample(open_docs, min(self.counts[obj], len(open_docs))):
            due = int(doc["TRX_TOTALDUE"].replace(".", ""))
            cents = due if rng.random() < 0.7 else rng.randint(1, due)
            amount = f"{cents // 100}.{cents % 100:02d}"
            header = self.document_header(rng, doc["MEGAENTITYID"])
            header["WHENMODIFIED"] = max(header["WHENMODIFIED"], doc["AUWHENCREATED"])
            receipt = header["WHENCREATED"] = max(header["WHENCREATED"], doc["WHENPOSTED"])
            header.update(
                RECORDTYPE=self.store.registry[obj].record_type,
                RECORDID=f"REF-{header['RECORDNO']}",
                STATE="Posted",
                WHENPOSTED=receipt,
                WHENDUE=None,
                WHENPAID=None,
                TOTALENTERED=amount,
                TOTALPAID=amount,
                TOTALDUE="0.00",
                TRX_TOTALENTERED=amount,
                TRX_TOTALPAID=amount,
                TRX_TOTALDUE="0.00",
                VENDORID=None,
                CUSTOMERID=None,
                CURRENCY="USD",
                DESCRIPTION=None,
                PAYMENTMETHOD=rng.choice(METHODS),
            )
            header[PAYMENT_DATE[obj]] = receipt
            header[party_field] = doc[party_field]
            headers.append(header)
            details.append(
                {
                    "RECORDNO": self.key("PRENTRY"),
                    "WHENCREATED": header["AUWHENCREATED"],
                    "WHENMODIFIED": header["WHENMODIFIED"],
                    "CREATEDBY": self.user,
                    "MODIFIEDBY": self.user,
                    "MEGAENTITYID": header["MEGAENTITYID"],
                    "PAYMENTKEY": str(header["RECORDNO"]),
                    "LINE_NO": 1,
                    "RECORDKEY": str(doc["RECORDNO"]),
                    "TRX_PAYMENTAMOUNT": amount,
                }
            )
            remaining = due - cents
            rest = f"{remaining // 100}.{remaining % 100:02d}"
            doc.update(
                TOTALPAID=amount,
                TRX_TOTALPAID=amount,
                TOTALDUE=rest,
                TRX_TOTALDUE=rest,
                STATE="Paid" if remaining == 0 else "Partially Paid",
                WHENPAID=receipt if remaining == 0 else None,
            )
        headers.sort(key=lambda h: h["RECORDNO"])
        self.load(obj, headers)
        self.load(detail_obj, sorted(details, key=lambda d: d["RECORDNO"]))


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
