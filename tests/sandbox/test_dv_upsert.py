"""Upsert with PATCH, its If-Match / If-None-Match limits, and alternate keys."""

from __future__ import annotations

import uuid

import pytest

from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
REPRESENTATION = {"Prefer": "return=representation"}


def code() -> str:
    return uuid.uuid4().hex[:8].upper()


def test_patch_creates_then_updates(dataverse: Api) -> None:
    """update-delete-entities-using-web-api#upsert-a-table-row: a PATCH to a key that does
    not exist creates the row with that id (204 either way)."""
    path = f"/accounts({uuid.uuid4()})"
    created = dataverse.request("PATCH", path, json={"name": "Upserted"})
    updated = dataverse.request("PATCH", path, json={"name": "Updated"})

    assert created.status_code == updated.status_code == 204
    assert created.headers["OData-EntityId"].endswith(path)
    assert dataverse.get(path).json()["name"] == "Updated"


def test_if_match_star_prevents_create_and_if_none_match_star_prevents_update(
    dataverse: Api,
) -> None:
    """perform-conditional-operations-using-web-api#prevent-create-in-upsert (404) and
    #prevent-update-in-upsert (412 "A record with matching key values already exists.")."""
    path = f"/accounts({uuid.uuid4()})"
    update_only = dataverse.request("PATCH", path, json={"name": "U"}, headers={"If-Match": "*"})
    create_only = dataverse.request(
        "PATCH", path, json={"name": "C"}, headers={"If-None-Match": "*"}
    )
    again = dataverse.request("PATCH", path, json={"name": "C2"}, headers={"If-None-Match": "*"})

    assert update_only.status_code == 404
    assert update_only.json()["error"]["message"].endswith("Does Not Exist")
    assert create_only.status_code == 204
    assert again.status_code == 412
    assert again.json()["error"]["message"] == "A record with matching key values already exists."


def test_optimistic_concurrency_on_update(dataverse: Api) -> None:
    """perform-conditional-operations-using-web-api#apply-optimistic-concurrency-on-update."""
    created = dataverse.request(
        "POST", "/accounts", json={"name": "OC"}, headers=REPRESENTATION
    ).json()
    path, etag = f"/accounts({created['accountid']})", created["@odata.etag"]

    first = dataverse.request("PATCH", path, json={"name": "A"}, headers={"If-Match": etag})
    second = dataverse.request("PATCH", path, json={"name": "B"}, headers={"If-Match": etag})

    assert first.status_code == 204
    assert second.status_code == 412 and second.json()["error"]["code"] == "0x80060882"


def test_upsert_with_representation(dataverse: Api) -> None:
    """compose-http-requests-handle-errors#prefer-headers: return=representation answers
    a create with 201 and an update with 200."""
    path = f"/accounts({uuid.uuid4()})?$select=name"
    created = dataverse.request("PATCH", path, json={"name": "R1"}, headers=REPRESENTATION)
    updated = dataverse.request("PATCH", path, json={"name": "R2"}, headers=REPRESENTATION)

    assert (created.status_code, updated.status_code) == (201, 200)
    assert updated.json()["name"] == "R2"


def test_read_update_and_upsert_by_a_single_alternate_key(dataverse: Api) -> None:
    """use-alternate-key-reference-record (`/accounts(accountnumber='ABC123')`) and
    update-delete-entities-using-web-api#upsert-a-table-row: an upsert by alternate key
    creates the row with the key's values."""
    number = code()
    path = f"/accounts(accountnumber='{number}')"
    missing = dataverse.get(path)
    created = dataverse.request("PATCH", path, json={"name": "By key"}, headers=REPRESENTATION)
    updated = dataverse.request("PATCH", path, json={"telephone1": "555"}, headers=REPRESENTATION)

    assert missing.status_code == 404 and missing.json()["error"]["code"] == "0x80060891"
    assert created.status_code == 201 and created.json()["accountnumber"] == number
    assert updated.status_code == 200
    assert updated.json()["accountid"] == created.json()["accountid"]
    assert dataverse.get(path).json()["telephone1"] == "555"


def test_multi_part_alternate_key_for_ship_to_addresses(dataverse: Api) -> None:
    """use-alternate-key-reference-record: a multi-part key
    `bcs_shiptoaddresses(bcs_customerno='C00010',bcs_code='…')`, string literals with a
    doubled apostrophe, key parts in any order."""
    ship_to = code()
    path = f"/bcs_shiptoaddresses(bcs_customerno='C00010',bcs_code='{ship_to}')"
    created = dataverse.request(
        "PATCH", path, headers=REPRESENTATION,
        json={"bcs_name": "O'Neil dock", "bcs_AccountId@odata.bind": "/accounts(accountnumber='C00010')"},
    )  # fmt: skip
    reordered = dataverse.get(f"/bcs_shiptoaddresses(bcs_code='{ship_to}',bcs_customerno='C00010')")
    by_name = dataverse.get(
        "/bcs_shiptoaddresses", params={"$filter": "bcs_name eq 'O''Neil dock'"}
    )

    assert created.status_code == 201
    assert created.json()["bcs_customerno"] == "C00010" and created.json()["bcs_code"] == ship_to
    assert reordered.json()["bcs_shiptoaddressid"] == created.json()["bcs_shiptoaddressid"]
    assert len(by_name.json()["value"]) >= 1


def test_alternate_key_with_a_lookup_part(dataverse: Api) -> None:
    """use-alternate-key-reference-record: "When an alternate key is defined for a lookup
    column, you must use the name of the corresponding Lookup Property"."""
    product = dataverse.get("/products", params={"$filter": "productnumber eq 'SPE_E5'"}).json()[
        "value"
    ][0]
    location = code()[:6]
    path = f"/bcs_inventories(_bcs_productid_value={product['productid']},bcs_locationcode='{location}')"

    created = dataverse.request("PATCH", path, json={"bcs_quantity": 7}, headers=REPRESENTATION)

    assert created.status_code == 201
    assert created.json()["_bcs_productid_value"] == product["productid"]
    assert dataverse.get(path).json()["bcs_quantity"] == 7


def test_alternate_keys_are_unique(dataverse: Api) -> None:
    """define-alternate-keys-entity: an alternate key's values identify one row; a second
    row with them is refused (DuplicateRecordEntityKey, 0x80060892)."""
    number = code()
    first = dataverse.request("POST", "/accounts", json={"name": "K1", "accountnumber": number})
    second = dataverse.request("POST", "/accounts", json={"name": "K2", "accountnumber": number})
    nulls = [dataverse.request("POST", "/accounts", json={"name": "No number"}) for _ in range(2)]

    assert first.status_code == 204
    assert second.status_code == 412 and second.json()["error"]["code"] == "0x80060892"
    assert "bcs_accountnumber_key" in second.json()["error"]["message"]
    assert all(r.status_code == 204 for r in nulls)  # rows without the key do not clash


def test_bind_by_multi_part_alternate_key(dataverse: Api) -> None:
    """use-alternate-key-reference-record: alternate-key URLs set lookups too."""
    quote = dataverse.request(
        "POST", "/quotes", headers=REPRESENTATION,
        json={"name": "Ship", "bcs_ShipToAddressId@odata.bind":
              "/bcs_shiptoaddresses(bcs_customerno='C00010',bcs_code='MAIN')"},
    )  # fmt: skip
    main = dataverse.get("/bcs_shiptoaddresses(bcs_customerno='C00010',bcs_code='MAIN')").json()

    assert quote.json()["_bcs_shiptoaddressid_value"] == main["bcs_shiptoaddressid"]
