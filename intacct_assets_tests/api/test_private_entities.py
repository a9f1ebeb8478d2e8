"""Private entities: the top level sees their records only when a query asks (REST ``filterParameters.
includePrivate``, XML ``<options><showprivate>``, both false by default); a top-level sync asks unless
``INTACCT_API_INCLUDE_PRIVATE=false``."""

from __future__ import annotations

import pytest

from intacct_assets_tests.api.conftest import intacct_customers


def private_customers(sandbox) -> set[str]:
    return {k for k, r in intacct_customers(sandbox).items() if r.get("MEGAENTITYID") == "E-DE"}


def test_the_sandbox_hides_private_entity_records_from_top_level_queries_unless_asked(fresh_sandbox, make_client):
    fresh_sandbox.configure(private_entities="E-DE")
    client = make_client(fresh_sandbox)

    def keys(**parameters) -> set[str]:
        body = {"object": "accounts-receivable/customer", "fields": ["key"], "size": 4000}
        answer = client.rest.request("POST", "/services/core/query", body={**body, **parameters})
        return {row["key"] for row in answer.json()["ia::result"]}

    hidden = private_customers(fresh_sandbox)
    assert hidden and not hidden & keys()
    assert hidden <= keys(filterParameters={"includePrivate": True})
    assert hidden <= {r["key"] for r in make_client(fresh_sandbox, INTACCT_ENTITY_ID="E-DE").rest.request(
        "POST", "/services/core/query", body={"object": "accounts-receivable/customer", "fields": ["key"],
                                              "size": 4000}).json()["ia::result"]}  # its own context sees them


@pytest.mark.parametrize("name, obj", [("customer", "CUSTOMER"), ("gl_detail", "GLDETAIL")])
def test_a_top_level_sync_includes_private_entity_records(fresh_sandbox, syncer, name, obj):
    fresh_sandbox.configure(private_entities="E-DE")
    private = {str(r["RECORDNO"]) for r in fresh_sandbox.records(obj) if r.get("MEGAENTITYID") == "E-DE"}
    assert private
    sync = syncer(fresh_sandbox)
    sync.sync(name)
    assert private <= set(sync.rows(name))
    assert len(sync.rows(name)) == len(fresh_sandbox.records(obj))


def test_a_setting_leaves_private_entity_records_out(fresh_sandbox, syncer):
    fresh_sandbox.configure(private_entities="E-DE")
    sync = syncer(fresh_sandbox, INTACCT_API_INCLUDE_PRIVATE="false")
    sync.sync("customer")
    assert set(sync.rows("customer")) == set(intacct_customers(fresh_sandbox)) - private_customers(fresh_sandbox)
