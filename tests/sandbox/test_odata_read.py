"""Reads through the BC and Dataverse simulators: queries, paging, errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.dataverse.schema import Column, Kind, Table, number, text
from sandbox.odata.store import EntitySetSpec
from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox

PROBES_BC = EntitySetSpec(
    "pagingProbes", "Microsoft.NAV.pagingProbe", fields=("number", "name", "amount")
)
PROBES_DV = Table(
    "new_probe",
    "new_probes",
    "Probe",
    "new_probeid",
    "new_name",
    columns=(
        Column("new_probeid", Kind.UNIQUEIDENTIFIER),
        text("new_name", 100),
        number("new_amount", Kind.INTEGER),
    ),
)


def probe_rows(count: int, key: str = "id") -> list[dict[str, Any]]:
    return [
        {
            key: str(uuid.UUID(int=i + 1)),
            "number": f"P{i:05d}",
            "name": f"Probe {i % 7}",
            "amount": i % 11,
        }
        for i in range(count)
    ]


def follow(
    api: Api, path: str, page_size: int | None = None, **params: str
) -> Iterator[requests.Response]:
    headers = {"Prefer": f"odata.maxpagesize={page_size}"} if page_size else {}
    response = api.get(path, params=params, headers=headers)
    while True:
        assert response.status_code == 200, response.text
        yield response
        link = response.json().get("@odata.nextLink")
        if link is None:
            return
        response = api.get(link, headers=headers)  # as given, never rebuilt


@pytest.fixture
def bc_probes(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    rows = probe_rows(45)
    sandbox.business_central.register_entity_set(PROBES_BC, rows)
    return rows


def test_paging_with_maxpagesize_visits_every_row_exactly_once(
    bc: Api, bc_probes: list[dict[str, Any]]
) -> None:
    pages = list(follow(bc, "/pagingProbes", page_size=7))

    assert [len(page.json()["value"]) for page in pages] == [7] * 6 + [3]
    assert all(page.headers["Preference-Applied"] == "odata.maxpagesize=7" for page in pages)
    seen = [row["id"] for page in pages for row in page.json()["value"]]
    assert sorted(seen) == sorted(row["id"] for row in bc_probes)
    assert len(seen) == len(set(seen))
    assert "$skiptoken=" in pages[0].json()["@odata.nextLink"]


def test_paging_keeps_filter_and_order(bc: Api, bc_probes: list[dict[str, Any]]) -> None:
    pages = follow(
        bc, "/pagingProbes", 4, **{"$filter": "amount ge 5", "$orderby": "name desc,amount"}
    )
    got = [(r["name"], r["amount"], r["id"]) for page in pages for r in page.json()["value"]]

    expected = sorted(
        ((r["name"], r["amount"], r["id"]) for r in bc_probes if r["amount"] >= 5),
        key=lambda t: (_Reverse(t[0]), t[1], t[2]),
    )
    assert got == expected


class _Reverse(str):
    def __lt__(self, other: str) -> bool:
        return str.__gt__(self, other)


def test_rows_written_between_pages_neither_repeat_nor_vanish(
    sandbox: RunningSandbox, bc: Api, bc_probes: list[dict[str, Any]]
) -> None:
    pages = follow(bc, "/pagingProbes", page_size=10)
    first = next(pages)
    state = sandbox.business_central.state
    state.insert("pagingProbes", {"id": str(uuid.UUID(int=0)), "number": "EARLY"})  # sorts first
    state.delete("pagingProbes", bc_probes[-1]["id"])

    seen = [r["id"] for page in [first, *pages] for r in page.json()["value"]]

    assert len(seen) == len(set(seen))
    assert set(seen) == {r["id"] for r in bc_probes[:-1]}


def test_business_central_caps_pages_at_20000(sandbox: RunningSandbox, bc: Api) -> None:
    sandbox.business_central.register_entity_set(PROBES_BC, probe_rows(20_001))

    first = bc.get("/pagingProbes", params={"$select": "id"})
    last = bc.get(first.json()["@odata.nextLink"])

    assert len(first.json()["value"]) == 20_000
    assert "Preference-Applied" not in first.headers
    assert len(last.json()["value"]) == 1
    assert "@odata.nextLink" not in last.json()


def test_dataverse_caps_maxpagesize_at_5000(sandbox: RunningSandbox, dataverse: Api) -> None:
    rows = [
        {"new_probeid": r["id"], "new_name": r["name"], "new_amount": r["amount"]}
        for r in probe_rows(5001)
    ]
    sandbox.dataverse.register_entity_set(PROBES_DV, rows)

    response = dataverse.get("/new_probes", headers={"Prefer": "odata.maxpagesize=10000"})

    assert response.headers["Preference-Applied"] == "odata.maxpagesize=5000"
    assert len(response.json()["value"]) == 5000
    assert "@odata.nextLink" in response.json()


def test_a_tampered_skiptoken_is_refused(bc: Api, bc_probes: list[dict[str, Any]]) -> None:
    assert bc.get("/pagingProbes", params={"$skiptoken": "not-a-token"}).status_code == 400
    link = bc.get("/pagingProbes", headers={"Prefer": "odata.maxpagesize=5"}).json()[
        "@odata.nextLink"
    ]
    token = link.split("$skiptoken=")[1]
    other_order = bc.get("/pagingProbes", params={"$orderby": "name", "$skiptoken": token})
    assert other_order.status_code == 400


def test_top_select_and_orderby(bc: Api, bc_probes: list[dict[str, Any]]) -> None:
    response = bc.get(
        "/pagingProbes",
        params={"$top": "3", "$select": "number", "$orderby": "number desc"},
        headers={"Prefer": "odata.maxpagesize=2"},
    )
    body = response.json()
    assert [r["number"] for r in body["value"]] == ["P00044", "P00043", "P00042"]
    assert "Preference-Applied" not in response.headers  # $top wins over maxpagesize
    assert set(body["value"][0]) == {"@odata.etag", "number"}
    assert "@odata.nextLink" not in body
    assert body["@odata.context"].endswith("/pagingProbes(number)")


def test_filter_with_doubled_apostrophe_on_both_services(bc: Api, dataverse: Api) -> None:
    customers = bc.get("/customers", params={"$filter": "displayName eq 'O''Neil Plumbing Ltd.'"})
    contacts = dataverse.get("/contacts", params={"$filter": "lastname eq 'O''Neil'"})

    assert [c["number"] for c in customers.json()["value"]] == ["C00020"]
    assert [c["firstname"] for c in contacts.json()["value"]] == ["Siobhán"]


def test_business_central_text_is_case_sensitive_and_dataverse_is_not(
    bc: Api, dataverse: Api
) -> None:
    lower = "displayName eq 'o''neil plumbing ltd.'"
    assert bc.get("/customers", params={"$filter": lower}).json()["value"] == []
    folded = bc.get(
        "/customers", params={"$filter": "tolower(displayName) eq 'o''neil plumbing ltd.'"}
    )
    assert len(folded.json()["value"]) == 1
    contacts = dataverse.get("/contacts", params={"$filter": "lastname eq 'o''neil'"})
    assert len(contacts.json()["value"]) == 1


def test_business_central_refuses_or_across_fields(bc: Api) -> None:
    refused = bc.get("/customers", params={"$filter": "number eq 'C00010' or displayName eq 'x'"})
    allowed = bc.get("/customers", params={"$filter": "number eq 'C00010' or number eq 'C00020'"})

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "BadRequest"
    assert "or" in refused.json()["error"]["message"]
    assert allowed.status_code == 200
    assert len(allowed.json()["value"]) == 2


def test_dataverse_allows_or_across_fields(dataverse: Api) -> None:
    response = dataverse.get(
        "/contacts", params={"$filter": "lastname eq 'O''Neil' or firstname eq 'Jürgen'"}
    )
    assert len(response.json()["value"]) == 2


def test_business_central_nested_functions_need_schema_2_1(bc: Api) -> None:
    nested = {"$filter": "contains(tolower(displayName),'plumbing')"}
    assert bc.get("/customers", params=nested).status_code == 400
    response = bc.get("/customers", params={**nested, "$schemaversion": "2.1"})
    assert len(response.json()["value"]) == 1


@pytest.mark.parametrize("option", ["$filter", "$select", "$orderby"])
def test_unknown_properties_are_refused(bc: Api, dataverse: Api, option: str) -> None:
    value = "nosuchfield eq 1" if option == "$filter" else "nosuchfield"
    bc_answer = bc.get("/customers", params={option: value})
    dv_answer = dataverse.get("/accounts", params={option: value})

    assert bc_answer.status_code == dv_answer.status_code == 400
    assert bc_answer.json()["error"]["code"] == "BadRequest"
    assert dv_answer.json()["error"]["code"] == "0x80060888"
    assert "nosuchfield" in dv_answer.json()["error"]["message"]


def test_unsupported_query_options_are_refused_not_ignored(bc: Api) -> None:
    response = bc.get("/customers", params={"$count": "true"})
    assert response.status_code == 400
    assert "$count" in response.json()["error"]["message"]


def test_expanding_a_navigation_the_sandbox_lacks_is_refused(bc: Api) -> None:
    response = bc.get("/customers", params={"$expand": "paymentTerm"})
    assert response.status_code == 400
    assert "paymentTerm" in response.json()["error"]["message"]


def test_read_by_key_returns_the_etag(bc: Api, dataverse: Api) -> None:
    customer = bc.get("/customers").json()["value"][0]
    one = bc.get(f"/customers({customer['id'].upper()})")
    assert one.status_code == 200
    assert one.headers["ETag"] == one.json()["@odata.etag"] == customer["@odata.etag"]
    assert one.json()["@odata.etag"].startswith('W/"')
    assert one.json()["@odata.context"].endswith("/customers/$entity")

    account = dataverse.get("/accounts").json()["value"][0]
    path = f"/accounts({account['accountid']})"
    unchanged = dataverse.get(path, headers={"If-None-Match": account["@odata.etag"]})
    assert unchanged.status_code == 304


def test_missing_records_are_404_in_each_services_shape(bc: Api, dataverse: Api) -> None:
    missing = "00000000-0000-0000-0000-00000000beef"
    bc_answer = bc.get(f"/customers({missing})")
    dv_answer = dataverse.get(f"/accounts({missing})")

    assert bc_answer.status_code == dv_answer.status_code == 404
    assert bc_answer.json()["error"]["code"] == "BadRequest_NotFound"
    assert dv_answer.json()["error"] == {
        "code": "0x80040217",
        "message": f"account With Id = {missing} Does Not Exist",
    }


def test_unknown_entity_sets_and_bad_keys(bc: Api, dataverse: Api) -> None:
    assert bc.get("/widgets").json()["error"]["code"] == "BadRequest_ResourceNotFound"
    assert dataverse.get("/widgets").json()["error"]["code"] == "0x8006088a"
    assert bc.get("/customers(not-a-guid)").status_code == 400


def test_companies_are_listed_and_read_only(sandbox: RunningSandbox, bc: Api) -> None:
    root = sandbox.urls["business_central"]
    companies = bc.get(f"{root}/companies").json()["value"]
    assert [c["id"] for c in companies] == [sandbox.config.bc_company_id]
    assert bc.request("POST", f"{root}/companies", json={"name": "x"}).status_code == 405
    other = bc.get(f"{root}/companies(00000000-0000-0000-0000-000000000001)/customers")
    assert other.status_code == 404


def test_unknown_environment_is_404(sandbox: RunningSandbox, bc: Api) -> None:
    root = sandbox.urls["business_central"].replace("/production/", "/nosuchenv/")
    assert bc.get(f"{root}/companies").status_code == 404
