"""Query options on Dataverse: $select, $filter, $orderby, $top, $expand, $count, paging."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
REPRESENTATION = {"Prefer": "return=representation"}


@pytest.fixture
def tagged(dataverse: Api) -> Iterator[tuple[str, list[dict[str, object]]]]:
    """Seven accounts sharing a fresh tag in their name, with numbers 1..7."""
    tag = uuid.uuid4().hex[:8]
    rows = [
        dataverse.request(
            "POST", "/accounts", headers=REPRESENTATION,
            json={"name": f"{tag} {name}", "numberofemployees": n, "telephone1": None if n % 3 else "x"},
        ).json()
        for n, name in enumerate(["Alpha", "beta", "Gamma", "delta", "Epsilon", "zeta", "Eta"], 1)
    ]  # fmt: skip
    yield tag, rows


def names(response: object) -> list[str]:
    return [row["name"].split(" ", 1)[1] for row in response.json()["value"]]  # type: ignore[attr-defined]


def test_select_returns_the_key_too(dataverse: Api) -> None:
    """query/select-columns: "The primary key property is always returned"."""
    body = dataverse.get("/accounts", params={"$select": "name", "$top": "1"}).json()

    assert body["@odata.context"].endswith("$metadata#accounts(name)")
    assert set(body["value"][0]) == {"@odata.etag", "name", "accountid"}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("numberofemployees eq 2", ["beta"]),
        ("numberofemployees ne 2 and numberofemployees lt 4", ["Alpha", "Gamma"]),
        ("numberofemployees gt 5", ["zeta", "Eta"]),
        ("numberofemployees ge 6 or numberofemployees le 1", ["Alpha", "zeta", "Eta"]),
        ("not (numberofemployees lt 7)", ["Eta"]),
        ("contains(name,'ET')", ["beta", "zeta", "Eta"]),
        ("endswith(name,'TA')", ["beta", "delta", "zeta", "Eta"]),
        ("telephone1 ne null", ["Gamma", "zeta"]),
    ],
)  # fmt: skip
def test_filter_operators_and_functions(
    dataverse: Api, tagged: tuple[str, list[dict[str, object]]], condition: str, expected: list[str]
) -> None:
    """query/filter-rows: comparison, logical and grouping operators, contains/startswith/
    endswith, null; string filters are case-insensitive."""
    tag, _ = tagged
    response = dataverse.get(
        "/accounts",
        params={
            "$filter": f"startswith(name,'{tag}') and ({condition})",
            "$orderby": "numberofemployees",
        },
    )
    assert response.status_code == 200, response.text
    assert names(response) == expected


def test_filter_on_a_lookup_value(dataverse: Api) -> None:
    """query/filter-rows: a lookup property compared with a GUID (`_x_value eq <guid>`)."""
    adatum = dataverse.get("/accounts", params={"$filter": "accountnumber eq 'C00010'"}).json()[
        "value"
    ][0]
    contacts = dataverse.get(
        "/contacts", params={"$filter": f"_parentcustomerid_value eq {adatum['accountid']}"}
    ).json()["value"]

    assert contacts and all(c["_parentcustomerid_value"] == adatum["accountid"] for c in contacts)


def test_orderby_and_top(dataverse: Api, tagged: tuple[str, list[dict[str, object]]]) -> None:
    """query/order-rows and query/overview ($top): descending order, text case-insensitive."""
    tag, _ = tagged
    by_name = dataverse.get(
        "/accounts",
        params={"$filter": f"startswith(name,'{tag}')", "$orderby": "name desc", "$top": "3"},
    )
    assert names(by_name) == ["zeta", "Gamma", "Eta"]


def test_skip_is_not_supported(dataverse: Api) -> None:
    """query/page-results: "Dataverse doesn't support the $skip query option"."""
    response = dataverse.get("/accounts", params={"$skip": "2"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "0x80060888"


def test_paging_with_maxpagesize_and_next_links(
    dataverse: Api, tagged: tuple[str, list[dict[str, object]]]
) -> None:
    """query/page-results: `Prefer: odata.maxpagesize`, `Preference-Applied`, follow
    `@odata.nextLink` as given; with both the preference and `$top`, `$top` is ignored."""
    tag, rows = tagged
    params = {"$filter": f"startswith(name,'{tag}')", "$select": "name", "$top": "1"}
    first = dataverse.get("/accounts", params=params, headers={"Prefer": "odata.maxpagesize=3"})
    seen = names(first)
    link = first.json().get("@odata.nextLink")
    while link:
        page = dataverse.get(link, headers={"Prefer": "odata.maxpagesize=3"})
        seen += names(page)
        link = page.json().get("@odata.nextLink")

    assert first.headers["Preference-Applied"] == "odata.maxpagesize=3"
    assert len(first.json()["value"]) == 3
    assert sorted(seen) == sorted(str(r["name"]).split(" ", 1)[1] for r in rows)


def test_count_option_and_count_segment(
    dataverse: Api, tagged: tuple[str, list[dict[str, object]]]
) -> None:
    """query/count-rows: `$count=true` → `@odata.count` whatever the page size; the
    totalrecordcount annotations; `/$count` answers the number as text/plain."""
    tag, _ = tagged
    query = {"$filter": f"startswith(name,'{tag}')", "$count": "true", "$select": "name"}
    counted = dataverse.get(
        "/accounts", params=query,
        headers={"Prefer": 'odata.maxpagesize=2,odata.include-annotations="Microsoft.Dynamics.CRM.*"'},
    ).json()  # fmt: skip
    uncounted = dataverse.get(
        "/accounts", params={"$top": "1"},
        headers={"Prefer": 'odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount"'},
    ).json()  # fmt: skip
    segment = dataverse.get("/accounts/$count", params={"$filter": f"startswith(name,'{tag}')"})

    assert counted["@odata.count"] == 7 and len(counted["value"]) == 2
    assert counted["@Microsoft.Dynamics.CRM.totalrecordcount"] == 7
    assert counted["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] is False
    assert uncounted["@Microsoft.Dynamics.CRM.totalrecordcount"] == -1
    assert segment.headers["Content-Type"].startswith("text/plain") and segment.text == "7"


def test_count_is_capped_at_5000(sandbox: RunningSandbox, dataverse: Api) -> None:
    """query/count-rows: the count is "up to 5,000"; limitexceeded says there are more."""
    from tests.sandbox.test_odata_read import PROBES_DV, probe_rows

    rows = [
        {"new_probeid": r["id"], "new_name": r["name"], "new_amount": r["amount"]}
        for r in probe_rows(5002)
    ]
    sandbox.dataverse.register_entity_set(PROBES_DV, rows)
    body = dataverse.get(
        "/new_probes", params={"$count": "true", "$select": "new_name"},
        headers={"Prefer": 'odata.maxpagesize=1,odata.include-annotations="*"'},
    ).json()  # fmt: skip

    assert body["@odata.count"] == 5000
    assert body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] is True
    assert dataverse.get("/new_probes/$count").text == "5000"


def test_expand_single_valued_navigation(dataverse: Api) -> None:
    """query/join-tables#expand-single-valued-navigation-properties: the related row with
    the selected columns and its key; null when the lookup is empty or points elsewhere."""
    contacts = dataverse.get(
        "/contacts",
        params={"$select": "lastname", "$filter": "lastname eq 'Müller'",
                "$expand": "parentcustomerid_account($select=name),parentcustomerid_contact($select=lastname)"},
    ).json()  # fmt: skip

    row = contacts["value"][0]
    assert contacts["@odata.context"].endswith(
        "#contacts(lastname,parentcustomerid_account(name),parentcustomerid_contact(lastname))"
    )
    assert set(row["parentcustomerid_account"]) == {"accountid", "name"}
    assert row["parentcustomerid_contact"] is None


def test_expand_collection_valued_navigation(dataverse: Api) -> None:
    """query/join-tables#single-expand-on-collection-valued-navigation-properties: the
    related rows (with ETags), `$filter`/`$orderby`/`$top` inside, and a
    `<name>@odata.nextLink` to the same rows as a filtered collection."""
    quote = dataverse.get(
        "/quotes",
        params={"$filter": "name eq 'Adatum licences 2025' and statecode eq 1", "$select": "name",
                "$expand": "quote_details($select=quantity;$orderby=quantity desc;$top=1)"},
    ).json()["value"][0]  # fmt: skip

    lines = quote["quote_details"]
    link = quote["quote_details@odata.nextLink"]
    related = dataverse.get(link).json()["value"]

    assert len(lines) == 1 and lines[0]["quantity"] == 30 and "@odata.etag" in lines[0]
    assert link.startswith(f"{dataverse.base}/quotes({quote['quoteid']})/quote_details?")
    assert [r["quantity"] for r in related] == [30]  # "returns the same rows"


def test_nested_expand_and_its_limits(dataverse: Api) -> None:
    """query/join-tables#nested-expand-on-collection-valued-navigation-properties: `$top`
    and `$orderby` are refused with a nested `$expand` and on single-valued properties."""
    nested = dataverse.get(
        "/accounts",
        params={"$filter": "accountnumber eq 'C00010'", "$select": "name",
                "$expand": "contact_customer_accounts($select=lastname;$expand=owninguser($select=fullname))"},
    )  # fmt: skip
    good = dataverse.get(
        "/accounts",
        params={"$filter": "accountnumber eq 'C00010'", "$select": "name",
                "$expand": "contact_customer_accounts($select=lastname;$expand=ownerid($select=fullname))"},
    )  # fmt: skip
    refused = dataverse.get(
        "/accounts",
        params={"$expand": "contact_customer_accounts($top=1;$expand=ownerid($select=fullname))"},
    )
    single = dataverse.get("/contacts", params={"$expand": "parentcustomerid_account($top=1)"})

    assert nested.status_code == 400  # owninguser is not a navigation property here
    first_contact = good.json()["value"][0]["contact_customer_accounts"][0]
    assert first_contact["ownerid"]["fullname"]
    for response in (refused, single):
        assert response.status_code == 400
        assert response.json()["error"]["message"].startswith("Only $select and $filter clause")


def test_filtered_collection_related_row_and_property(dataverse: Api) -> None:
    """query/overview (filtered collections), retrieve-entity-using-web-api (retrieve a
    single property value, a related row by single-valued navigation property)."""
    adatum = dataverse.get("/accounts", params={"$filter": "accountnumber eq 'C00010'"}).json()[
        "value"
    ][0]
    path = f"/accounts({adatum['accountid']})"
    contacts = dataverse.get(
        f"{path}/contact_customer_accounts", params={"$select": "lastname"}
    ).json()
    count = dataverse.get(f"{path}/contact_customer_accounts/$count")
    contact = contacts["value"][0]
    parent = dataverse.get(f"/contacts({contact['contactid']})/parentcustomerid_account").json()
    value = dataverse.get(f"{path}/name").json()

    assert all(set(c) == {"@odata.etag", "lastname", "contactid"} for c in contacts["value"])
    assert int(count.text) == len(contacts["value"])
    assert parent["accountid"] == adatum["accountid"]
    assert value["value"] == "Adatum Corporation"


def test_conditional_retrieval(dataverse: Api) -> None:
    """perform-conditional-operations-using-web-api#conditional-retrievals: 304 when the
    ETag matches, never with `$expand` or annotations."""
    row = dataverse.get("/accounts", params={"$top": "1"}).json()["value"][0]
    path = f"/accounts({row['accountid']})"
    match = {"If-None-Match": row["@odata.etag"]}

    assert dataverse.get(path, headers=match).status_code == 304
    assert (
        dataverse.get(path, params={"$expand": "primarycontactid"}, headers=match).status_code
        == 200
    )
    annotated = {**match, "Prefer": 'odata.include-annotations="*"'}
    assert dataverse.get(path, headers=annotated).status_code == 200


def test_unknown_sets_segments_and_keys(dataverse: Api) -> None:
    """compose-http-requests-handle-errors: 404 for a resource that does not exist, 400 for
    a key that names no alternate key (use-alternate-key-reference-record)."""
    assert dataverse.get("/widgets").json()["error"]["code"] == "0x8006088a"
    bad_key = dataverse.get("/accounts(name='Adatum Corporation')")
    assert bad_key.status_code == 400
    assert (
        "Ensure that the names and number of key properties match"
        in bad_key.json()["error"]["message"]
    )
    assert dataverse.get(f"/accounts({uuid.uuid4()})").json()["error"]["code"] == "0x80040217"


@pytest.mark.parametrize(
    "condition",
    ["primarycontactid/fullname eq 'x'",
     "Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a'])",
     "contact_customer_accounts/any(c:c/lastname eq 'x')"],
)  # fmt: skip
def test_filters_the_sandbox_does_not_evaluate_are_refused(dataverse: Api, condition: str) -> None:
    """query/filter-rows lists navigation paths, Dataverse query functions and lambda
    operators; the sandbox does not evaluate them and says so (400) instead of answering
    rows that ignore the condition."""
    response = dataverse.get("/accounts", params={"$filter": condition})
    assert response.status_code == 400 and response.json()["error"]["code"] == "0x80060888"
