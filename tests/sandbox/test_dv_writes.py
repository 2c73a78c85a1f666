"""Creating, updating and deleting Dataverse rows, and the checks a write goes through."""

from __future__ import annotations

import uuid

import pytest

from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
REPRESENTATION = {"Prefer": "return=representation"}


def name(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def test_create_answers_204_with_the_entity_id(dataverse: Api) -> None:
    """learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api
    (Basic create: 204 No Content and OData-EntityId)."""
    response = dataverse.request("POST", "/accounts", json={"name": name("Basic")})

    assert response.status_code == 204
    assert response.headers["OData-EntityId"].startswith(f"{dataverse.base}/accounts(")
    assert response.content == b""


def test_create_with_data_returned_is_201_without_entity_id(dataverse: Api) -> None:
    """create-entity-web-api#create-with-data-returned: 201, Preference-Applied, `$select`
    limits the columns, and the OData-EntityId header is not returned."""
    response = dataverse.request(
        "POST", "/accounts?$select=name,revenue", json={"name": "Rep", "revenue": 5000000},
        headers=REPRESENTATION,
    )  # fmt: skip

    body = response.json()
    assert response.status_code == 201
    assert response.headers["Preference-Applied"] == "return=representation"
    assert "OData-EntityId" not in response.headers
    assert body["@odata.context"].endswith("$metadata#accounts(name,revenue)/$entity")
    assert set(body) == {
        "@odata.context", "@odata.etag", "accountid", "name", "revenue",
        "_transactioncurrencyid_value",  # included because revenue is a currency property
    }  # fmt: skip


def test_create_with_a_client_supplied_primary_key(dataverse: Api) -> None:
    """update-delete-entities-using-web-api#upsert-a-table-row ("if you need to create a
    record with a specific id value"): the id sent in the body is the row's id; a second
    create with it is 412 DuplicateRecord."""
    account_id = str(uuid.uuid4())
    first = dataverse.request("POST", "/accounts", json={"accountid": account_id, "name": "Own id"})
    second = dataverse.request("POST", "/accounts", json={"accountid": account_id, "name": "Again"})

    assert first.headers["OData-EntityId"].endswith(f"/accounts({account_id})")
    assert second.status_code == 412
    assert second.json()["error"]["code"] == "0x80040237"


def test_the_platform_fills_owner_currency_state_and_stamps(dataverse: Api) -> None:
    """reference/entities/account: a new row is Active, owned by the caller, in the base
    currency with its exchange rate, and created/modified by the caller (WhoAmI)."""
    me = dataverse.get("/WhoAmI").json()["UserId"]
    created = dataverse.request(
        "POST", "/accounts", json={"name": "Stamped", "revenue": 100}, headers=REPRESENTATION
    ).json()
    base = dataverse.get("/transactioncurrencies", params={"$filter": "isocurrencycode eq 'GBP'"})

    assert created["statecode"] == 0 and created["statuscode"] == 1
    assert created["_ownerid_value"] == created["_createdby_value"] == me
    assert (
        created["_transactioncurrencyid_value"] == base.json()["value"][0]["transactioncurrencyid"]
    )
    assert created["exchangerate"] == 1.0 and created["revenue_base"] == 100.0
    assert created["createdon"] == created["modifiedon"]
    assert created["creditonhold"] is False  # yes/no columns default to No


def test_statecode_cannot_be_chosen_on_create(dataverse: Api) -> None:
    """update-delete-entities-using-web-api: state is set by an update; a create's
    statecode is ignored and the row starts Active."""
    created = dataverse.request(
        "POST", "/accounts", json={"name": "Born active", "statecode": 1}, headers=REPRESENTATION
    ).json()
    assert created["statecode"] == 0


def test_a_value_longer_than_the_column_is_refused(dataverse: Api) -> None:
    """execute-batch-operations-using-web-api#handling-errors shows the documented answer:
    0x80044331 "The length of the 'subject' attribute ... exceeded the maximum allowed
    length"; accounts.name holds 160 characters (reference/entities/account)."""
    response = dataverse.request("POST", "/accounts", json={"name": "x" * 161})

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "0x80044331",
        "message": "A validation error occurred.  The length of the 'name' attribute of the "
        "'account' entity exceeded the maximum allowed length of '160'.",
    }
    assert dataverse.request("POST", "/accounts", json={"name": "x" * 160}).status_code == 204


@pytest.mark.parametrize(
    ("field", "value", "edm"),
    [("numberofemployees", "many", "Edm.Int32"), ("creditonhold", "yes", "Edm.Boolean"),
     ("revenue", "lots", "Edm.Decimal"), ("name", 42, "Edm.String")],
)  # fmt: skip
def test_a_value_of_the_wrong_type_is_refused(
    dataverse: Api, field: str, value: object, edm: str
) -> None:
    """compose-http-requests-handle-errors (400 for an invalid argument): the OData reader
    cannot convert the literal to the column's Edm type."""
    response = dataverse.request("POST", "/accounts", json={"name": "Typed", field: value})

    error = response.json()["error"]
    assert response.status_code == 400 and error["code"] == "0x80048d19"
    assert f"to the expected type '{edm}'" in error["message"]


def test_numeric_strings_are_converted(dataverse: Api) -> None:
    """create-entity-web-api#create-a-new-table-row-from-another-entity sends
    `"numberofemployees": "200"`: a numeric string is accepted for a number column."""
    created = dataverse.request(
        "POST", "/accounts", json={"name": "Numeric", "numberofemployees": "200"},
        headers=REPRESENTATION,
    ).json()  # fmt: skip
    assert created["numberofemployees"] == 200


def test_unknown_columns_and_lookup_properties_are_refused(dataverse: Api) -> None:
    """select-columns / web-api-properties: only the type's properties exist; lookup
    properties (`_x_value`) are read-only and set through navigation properties."""
    unknown = dataverse.request("POST", "/accounts", json={"name": "U", "nosuchcolumn": 1})
    lookup = dataverse.request(
        "POST", "/contacts", json={"lastname": "L", "_parentcustomerid_value": str(uuid.uuid4())}
    )

    assert unknown.status_code == lookup.status_code == 400
    assert (
        "The property 'nosuchcolumn' does not exist on type 'Microsoft.Dynamics.CRM.account'"
        in (unknown.json()["error"]["message"])
    )
    assert "Use Navigation properties instead" in lookup.json()["error"]["message"]


def test_a_choice_value_outside_its_options_is_refused(dataverse: Api) -> None:
    """reference/entities/account customertypecode: options 1-12 only."""
    response = dataverse.request("POST", "/accounts", json={"name": "C", "customertypecode": 99})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "0x80044331"
    assert "Accepted Values: 1,2,3" in response.json()["error"]["message"]


def test_system_required_columns_must_have_a_value(dataverse: Api) -> None:
    """update-delete-entities-using-web-api ("When RequiredLevel is SystemRequired you cannot
    set these attributes to a null value"): a price list needs a name; an account's
    ApplicationRequired name is not enforced by the API."""
    missing = dataverse.request("POST", "/pricelevels", json={"description": "No name"})
    nameless_account = dataverse.request("POST", "/accounts", json={"telephone1": "1"})

    assert missing.status_code == 400 and missing.json()["error"]["code"] == "0x80040203"
    assert "'name'" in missing.json()["error"]["message"]
    assert nameless_account.status_code == 204


def test_update_only_changes_what_is_sent(dataverse: Api) -> None:
    """update-delete-entities-using-web-api#basic-update and #update-with-data-returned:
    PATCH → 204; with return=representation 200 and the row; the ETag changes."""
    created = dataverse.request(
        "POST", "/accounts", json={"name": "Before", "telephone1": "1"}, headers=REPRESENTATION
    ).json()
    path = f"/accounts({created['accountid']})"

    plain = dataverse.request("PATCH", path, json={"name": "After"}, headers={"If-Match": "*"})
    returned = dataverse.request(
        "PATCH", f"{path}?$select=name,telephone1", json={"telephone1": "2"},
        headers={"If-Match": "*", **REPRESENTATION},
    )  # fmt: skip

    assert plain.status_code == 204
    assert returned.status_code == 200
    assert returned.json()["name"] == "After" and returned.json()["telephone1"] == "2"
    assert returned.json()["@odata.etag"] != created["@odata.etag"]


def test_delete_and_cascade_to_document_lines(sandbox: RunningSandbox, dataverse: Api) -> None:
    """update-delete-entities-using-web-api#basic-delete (204, then 404) and the parental
    quote_details relationship: deleting a quote deletes its lines."""
    quote = dataverse.request(
        "POST", "/quotes", headers=REPRESENTATION,
        json={"name": "Gone", "quote_details": [{"productdescription": "W", "isproductoverridden": True,
                                                 "ispriceoverridden": True, "priceperunit": 1, "quantity": 1}]},
    ).json()  # fmt: skip
    lines = dataverse.get(f"/quotes({quote['quoteid']})/quote_details").json()["value"]

    assert dataverse.request("DELETE", f"/quotes({quote['quoteid']})").status_code == 204
    assert dataverse.request("DELETE", f"/quotes({quote['quoteid']})").status_code == 404
    assert dataverse.get(f"/quotedetails({lines[0]['quotedetailid']})").status_code == 404


def test_delete_with_a_stale_etag_is_412(dataverse: Api) -> None:
    """perform-conditional-operations-using-web-api#apply-optimistic-concurrency-on-delete."""
    created = dataverse.request(
        "POST", "/accounts", json={"name": "E"}, headers=REPRESENTATION
    ).json()
    path = f"/accounts({created['accountid']})"
    dataverse.request("PATCH", path, json={"name": "E2"}, headers={"If-Match": "*"})

    stale = dataverse.request("DELETE", path, headers={"If-Match": created["@odata.etag"]})

    assert stale.status_code == 412
    assert stale.json()["error"]["message"] == (
        "The version of the existing record doesn't match the RowVersion property provided."
    )


def test_deep_insert_creates_related_rows(dataverse: Api) -> None:
    """create-entity-web-api#create-related-table-rows-in-one-operation: a single-valued
    navigation property given an object, a collection-valued one given an array."""
    created = dataverse.request(
        "POST", "/accounts?$expand=contact_customer_accounts($select=lastname),primarycontactid($select=lastname)",
        headers=REPRESENTATION,
        json={"name": "Deep", "primarycontactid": {"firstname": "Pri", "lastname": "Mary"},
              "contact_customer_accounts": [{"lastname": "Child"}]},
    ).json()  # fmt: skip

    assert created["primarycontactid"]["lastname"] == "Mary"
    assert [c["lastname"] for c in created["contact_customer_accounts"]] == ["Child"]


def test_write_in_lines_cannot_name_a_product_too(dataverse: Api) -> None:
    """reference/entities/quotedetail (isproductoverridden, productdescription) and the
    error CannotSpecifyBothProductAndProductDesc (0x80043afb)."""
    quote = dataverse.request("POST", "/quotes", json={"name": "W"}, headers=REPRESENTATION).json()
    product = dataverse.get("/products", params={"$top": "1"}).json()["value"][0]
    line = {
        "quoteid@odata.bind": f"/quotes({quote['quoteid']})",
        "productid@odata.bind": f"/products({product['productid']})",
        "productdescription": "Both", "quantity": 1,
    }  # fmt: skip

    response = dataverse.request("POST", "/quotedetails", json=line)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "0x80043afb"


def test_lines_take_their_price_list_price_and_headers_total_them(dataverse: Api) -> None:
    """Quote line pricing (reference/entities/quotedetail ispriceoverridden, priceperunit,
    baseamount, extendedamount; quote totallineitemamount, totaltax, totalamount): a line
    priced from the price list; the header recomputed when lines change."""
    price_list = dataverse.get("/pricelevels", params={"$filter": "name eq 'Default'"}).json()[
        "value"
    ][0]
    item = dataverse.get(
        "/productpricelevels", params={"$top": "1", "$filter": "amount gt 10"}
    ).json()["value"][0]
    quote = dataverse.request(
        "POST", "/quotes", headers=REPRESENTATION,
        json={"name": "Priced", "pricelevelid@odata.bind": f"/pricelevels({price_list['pricelevelid']})",
              "freightamount": 5},
    ).json()  # fmt: skip
    line = dataverse.request(
        "POST", "/quotedetails", headers=REPRESENTATION,
        json={"quoteid@odata.bind": f"/quotes({quote['quoteid']})", "quantity": 2, "tax": 3,
              "productid@odata.bind": f"/products({item['_productid_value']})",
              "uomid@odata.bind": f"/uoms({item['_uomid_value']})"},
    ).json()  # fmt: skip
    header = dataverse.get(f"/quotes({quote['quoteid']})").json()

    assert line["priceperunit"] == item["amount"]
    assert line["baseamount"] == item["amount"] * 2
    assert line["extendedamount"] == item["amount"] * 2 + 3
    assert header["totallineitemamount"] == item["amount"] * 2
    assert header["totaltax"] == 3
    assert header["totalamount"] == item["amount"] * 2 + 3 + 5


def test_single_property_put_and_delete(dataverse: Api) -> None:
    """update-delete-entities-using-web-api#update-a-single-property-value and
    #delete-a-single-property-value: PUT `{"value": ...}` and DELETE on the property → 204."""
    created = dataverse.request(
        "POST", "/accounts", json={"name": "Prop", "description": "Old"}, headers=REPRESENTATION
    ).json()
    path = f"/accounts({created['accountid']})"

    put = dataverse.request("PUT", f"{path}/name", json={"value": "Renamed"})
    deleted = dataverse.request("DELETE", f"{path}/description")
    too_long = dataverse.request("PUT", f"{path}/name", json={"value": "x" * 161})

    assert put.status_code == deleted.status_code == 204
    row = dataverse.get(path).json()
    assert row["name"] == "Renamed" and row["description"] is None
    assert too_long.json()["error"]["code"] == "0x80044331"


def test_errors_carry_details_when_annotations_are_asked_for(dataverse: Api) -> None:
    """compose-http-requests-handle-errors#include-more-details-with-errors: with
    `Prefer: odata.include-annotations="*"` an error has the help link and inner message."""
    plain = dataverse.get(f"/accounts({uuid.uuid4()})").json()["error"]
    detailed = dataverse.get(
        f"/accounts({uuid.uuid4()})", headers={"Prefer": 'odata.include-annotations="*"'}
    ).json()["error"]

    assert set(plain) == {"code", "message"}
    assert detailed["@Microsoft.PowerApps.CDS.HelpLink"] == (
        "http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a80040217"
        "&client=platform"
    )
    assert detailed["@Microsoft.PowerApps.CDS.InnerError.Message"] == detailed["message"]
