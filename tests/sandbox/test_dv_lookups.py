"""Lookups written with `@odata.bind` and read as `_x_value`, with their annotations, and
formatted values for choices, yes/no, money, dates and lookups."""

from __future__ import annotations

import uuid

import pytest

from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
REPRESENTATION = {"Prefer": "return=representation"}
ALL = {"Prefer": 'odata.include-annotations="*"'}
FORMATTED = "@OData.Community.Display.V1.FormattedValue"
NAVIGATION = "@Microsoft.Dynamics.CRM.associatednavigationproperty"
LOGICAL = "@Microsoft.Dynamics.CRM.lookuplogicalname"


def account(dataverse: Api, number: str = "C00010") -> dict[str, object]:
    rows = dataverse.get("/accounts", params={"$filter": f"accountnumber eq '{number}'"}).json()[
        "value"
    ]
    assert len(rows) == 1
    return rows[0]  # type: ignore[no-any-return]


@pytest.mark.parametrize("form", ["/accounts({id})", "accounts({id})", "{root}/accounts({id})",
                                  "/accounts(accountnumber='C00010')"])  # fmt: skip
def test_bind_accepts_every_documented_url_form(dataverse: Api, form: str) -> None:
    """create-entity-web-api#associate-table-rows-on-create (`/contacts(<id>)`),
    execute-batch-operations-using-web-api (`accounts(<id>)` without a slash) and
    use-alternate-key-reference-record (`/accounts(accountnumber='ABC123')`)."""
    target = account(dataverse)
    url = form.format(id=target["accountid"], root=dataverse.base)
    created = dataverse.request(
        "POST", "/contacts", json={"lastname": "Bound", "parentcustomerid_account@odata.bind": url},
        headers=REPRESENTATION,
    ).json()  # fmt: skip

    assert created["_parentcustomerid_value"] == target["accountid"]


def test_bind_errors(dataverse: Api) -> None:
    """InvalidUrlForODataBindProperty (0x80090800) for a set the navigation property cannot
    point at, 404 for a row that does not exist, 400 for an undeclared navigation property."""
    contact = dataverse.get("/contacts", params={"$top": "1"}).json()["value"][0]
    wrong_set = dataverse.request(
        "POST", "/contacts",
        json={"lastname": "W", "parentcustomerid_account@odata.bind": f"/contacts({contact['contactid']})"},
    )  # fmt: skip
    missing = dataverse.request(
        "POST", "/contacts",
        json={"lastname": "M", "parentcustomerid_account@odata.bind": f"/accounts({uuid.uuid4()})"},
    )  # fmt: skip
    undeclared = dataverse.request("POST", "/contacts", json={"owner_team@odata.bind": "/teams(1)"})

    assert wrong_set.status_code == 400 and wrong_set.json()["error"]["code"] == "0x80090800"
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "0x80040217"
    assert undeclared.status_code == 400 and undeclared.json()["error"]["code"] == "0x80048d19"


def test_custom_lookups_bind_by_their_schema_name(dataverse: Api) -> None:
    """web-api-navigation-properties: a custom lookup's navigation property is its
    SchemaName, case-sensitive (`bcs_PaymentTermId`); the lower-case name is undeclared."""
    term = "/bcs_paymentterms(bcs_code='14 DAYS')"
    good = dataverse.request(
        "POST", "/accounts", json={"name": "T", "bcs_PaymentTermId@odata.bind": term},
        headers=REPRESENTATION,
    )  # fmt: skip
    lower = dataverse.request(
        "POST", "/accounts", json={"name": "T", "bcs_paymenttermid@odata.bind": term}
    )

    assert good.status_code == 201 and good.json()["_bcs_paymenttermid_value"] is not None
    assert lower.status_code == 400


def test_null_bind_clears_a_lookup(dataverse: Api) -> None:
    """associate-disassociate-entities-using-web-api: set the single-valued navigation
    property to null in an update to remove the reference."""
    contact = dataverse.request(
        "POST", "/contacts", headers=REPRESENTATION,
        json={"lastname": "Clear", "parentcustomerid_account@odata.bind": f"/accounts({account(dataverse)['accountid']})"},
    ).json()  # fmt: skip
    path = f"/contacts({contact['contactid']})"

    dataverse.request(
        "PATCH", path, json={"parentcustomerid_account@odata.bind": None}, headers={"If-Match": "*"}
    )

    assert dataverse.get(path).json()["_parentcustomerid_value"] is None


def test_lookup_annotations_name_the_table_and_navigation(dataverse: Api) -> None:
    """query/select-columns#lookup-property-data: `lookuplogicalname` and
    `associatednavigationproperty` for a multi-table lookup (customerid on a quote)."""
    quotes = dataverse.get(
        "/quotes", params={"$select": "name,_customerid_value", "$filter": "statecode eq 1 and name eq 'Adatum licences 2025'"},
        headers={"Prefer": f'odata.include-annotations="{NAVIGATION[1:]},{LOGICAL[1:]}"'},
    )  # fmt: skip

    row = quotes.json()["value"][0]
    assert quotes.headers["Preference-Applied"].startswith("odata.include-annotations=")
    assert row[f"_customerid_value{LOGICAL}"] == "account"
    assert row[f"_customerid_value{NAVIGATION}"] == "customerid_account"
    assert f"_customerid_value{FORMATTED}" not in row  # not asked for


def test_formatted_values(dataverse: Api) -> None:
    """query/select-columns#formatted-values: labels of choices, status and yes/no, the
    primary name of a looked-up row, money with the currency symbol, dates in the user's
    time zone (UTC in the sandbox): `4/7/2023 2:59 PM`."""
    eur = dataverse.get(
        "/transactioncurrencies", params={"$filter": "isocurrencycode eq 'EUR'"}
    ).json()
    created = dataverse.request(
        "POST", "/accounts", headers=REPRESENTATION,
        json={"name": "Formatted", "customertypecode": 3, "creditonhold": True, "revenue": 20000,
              "transactioncurrencyid@odata.bind":
                  f"/transactioncurrencies({eur['value'][0]['transactioncurrencyid']})"},
    ).json()  # fmt: skip
    row = dataverse.get(f"/accounts({created['accountid']})", headers=ALL).json()

    assert row[f"customertypecode{FORMATTED}"] == "Customer"
    assert row[f"statecode{FORMATTED}"] == "Active" and row[f"statuscode{FORMATTED}"] == "Active"
    assert row[f"creditonhold{FORMATTED}"] == "Yes"
    assert row[f"revenue{FORMATTED}"] == "€20,000.00"
    assert row[f"_transactioncurrencyid_value{FORMATTED}"] == "Euro"
    created_on = row["createdon"]  # e.g. 2025-02-03T17:05:09Z
    hour = int(created_on[11:13])
    expected_time = f"{hour % 12 or 12}:{created_on[14:16]} {'AM' if hour < 12 else 'PM'}"
    assert row[f"createdon{FORMATTED}"].endswith(expected_time)


def test_date_only_money_and_lookup_names_on_documents(dataverse: Api) -> None:
    """select-columns#formatted-values on a quote: a date-only column formats without a
    time; a lookup shows the related row's primary name; `Microsoft.Dynamics.CRM.*`
    selects the lookup annotations only."""
    row = dataverse.get(
        "/quotes", params={"$filter": "statecode eq 1 and name eq 'Adatum licences 2025'", "$select": "bcs_quotedate,_ownerid_value"},
        headers={"Prefer": 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'},
    ).json()["value"][0]  # fmt: skip

    assert row[f"bcs_quotedate{FORMATTED}"] == "2/3/2025"
    assert row[f"_ownerid_value{FORMATTED}"] == "Annette Hill"


def test_lookup_annotations_follow_the_wildcard(dataverse: Api) -> None:
    """compose-http-requests-handle-errors#request-annotations: `*` as a wildcard in a name."""
    row = dataverse.get(
        "/contacts",
        params={"$top": "1", "$select": "_parentcustomerid_value", "$filter": "_parentcustomerid_value ne null"},
        headers={"Prefer": 'odata.include-annotations="Microsoft.Dynamics.CRM.*"'},
    ).json()["value"][0]  # fmt: skip

    assert f"_parentcustomerid_value{LOGICAL}" in row
    assert f"_parentcustomerid_value{FORMATTED}" not in row
