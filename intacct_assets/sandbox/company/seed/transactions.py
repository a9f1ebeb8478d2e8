"""The seeded company's transactions: balanced journal entries, invoices, bills and adjustments with their
lines, and payments applied to them (the paid documents' totals follow)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from intacct_assets.sandbox.company.rules import PAYMENT_DATE, RECORD_PREFIX
from intacct_assets.sandbox.company.seed.master import MasterData
from intacct_assets.sandbox.company.seed.vocabulary import ENTITIES, METHODS


class Seeder(MasterData):
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
