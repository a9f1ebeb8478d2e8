"""Sync specs and source rows of documents with lines (journal entries, invoices, bills), shared by the tests."""

from decimal import Decimal

JOURNAL = """
syncs:
  - name: accruals
    source: {table: finance.accruals}
    object: journal_entry
    mode: insert
    match: {column: entry}
    mapping: {postingDate: posted, description: memo, glJournal.id: journal}
    lines: {glAccount.id: account, amount: amount}
"""


# The same journal entries, read back by their description (unique in these rows).
JOURNAL_BY_DESCRIPTION = JOURNAL.replace("match: {column: entry}", "match: {column: memo, field: description}")


def journal_rows(accounts, entries, unbalanced=()):
    rows = []
    for n in range(entries):
        amount = Decimal(100 + n)
        entry = {"entry": f"JE-{n}", "posted": "2026-11-01", "memo": f"accrual {n}", "journal": "GJ"}
        rows.append({**entry, "account": accounts[0], "amount": amount})
        rows.append({**entry, "account": accounts[1], "amount": -amount + (1 if n in unbalanced else 0)})
    return rows


# customers upserted by CRM id: the sync of the batch-key and replay tests
CUSTOMERS = """
syncs:
  - name: crm_customers
    source: {table: analytics.crm_customers}
    object: customer
    mode: upsert
    match: {column: crm_id, field: id}
    mapping: {id: crm_id, name: company_name, creditLimit: credit_limit}
"""

INVOICES = """
syncs:
  - name: billing_invoices
    source: {table: billing.invoice_lines}
    object: invoice
    mode: insert
    match: {column: invoice_no}
    mapping: {customerid: customer, datecreated: invoice_date, datedue: due_date, invoiceno: invoice_no,
              description: memo}
    lines: {glaccountno: account, amount: amount, memo: line_memo}
"""


def invoice_rows(sandbox, invoices: int, lines: int = 2) -> list[dict]:
    """``invoices`` invoices of ``lines`` lines each, numbered ``RSYNC-INV-<n>``, for a seeded customer."""
    customer_id = sandbox.records("CUSTOMER")[0]["CUSTOMERID"]
    account = sandbox.records("GLACCOUNT")[3]["ACCOUNTNO"]
    return [
        {
            "invoice_no": f"RSYNC-INV-{n}",
            "customer": customer_id,
            "invoice_date": "2026-11-01",
            "due_date": "2026-12-01",
            "memo": "services",
            "account": account,
            "amount": Decimal(10 * (n + 1)),
            "line_memo": f"line {k}",
        }
        for n in range(invoices)
        for k in range(lines)
    ]


def synced_invoices(sandbox) -> list[str]:
    """Invoice numbers of the invoices the sync created, one entry per invoice (duplicates show twice)."""
    return sorted(i["RECORDID"] for i in sandbox.records("ARINVOICE") if str(i.get("RECORDID")).startswith("RSYNC-"))


def posted_entries(sandbox) -> list[str]:
    """Descriptions of the journal entries the sync posted, one per entry (a duplicate shows twice)."""
    return sorted(b["BATCH_TITLE"] for b in sandbox.records("GLBATCH") if b["BATCH_TITLE"].startswith("accrual"))


BILLS = """
syncs:
  - name: payables
    source: {table: finance.bills}
    object: bill
    mode: insert
    match: {column: bill_no, field: billNumber}
    mapping: {billNumber: bill_no, vendor.id: vendor, createdDate: posted, dueDate: due, description: memo}
    lines: {glAccount.id: account, txnAmount: amount}
"""


def bill_rows(sandbox, bills: int) -> list[dict]:
    """``bills`` bills of two lines each, numbered ``RSYNC-BILL-<n>``, from a seeded vendor."""
    vendor = sandbox.records("VENDOR")[0]["VENDORID"]
    account = sandbox.records("GLACCOUNT")[3]["ACCOUNTNO"]
    return [
        {
            "bill_no": f"RSYNC-BILL-{n}",
            "vendor": vendor,
            "posted": "2026-11-01",
            "due": "2026-12-01",
            "memo": "supplies",
            "account": account,
            "amount": Decimal(25 + n),
        }
        for n in range(bills)
        for _ in range(2)
    ]


def synced_bills(sandbox) -> list[str]:
    """Bill numbers of the bills the sync created, one entry per bill (duplicates show twice)."""
    return sorted(b["RECORDID"] for b in sandbox.records("APBILL") if str(b["RECORDID"]).startswith("RSYNC-BILL"))
