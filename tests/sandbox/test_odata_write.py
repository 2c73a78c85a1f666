"""Writes through the BC and Dataverse simulators: status codes, ETags, concurrency."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def create_customer(bc: Api, **fields: object) -> dict[str, object]:
    response = bc.request("POST", "/customers", json={"displayName": unique("Customer"), **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_business_central_create_returns_201_with_the_full_entity(bc: Api) -> None:
    response = bc.request("POST", "/customers", json={"displayName": "Fabrikam O'Hare"})

    assert response.status_code == 201
    body = response.json()
    assert body["@odata.etag"].startswith('W/"') and response.headers["ETag"] == body["@odata.etag"]
    assert response.headers["Location"].endswith(f"/customers({body['id']})")
    assert body["number"].startswith("C") and body["number"] > "C00050"  # drawn from the series
    assert body["type"] == "Company" and body["balanceDue"] == 0  # defaults filled in
    assert body["lastModifiedDateTime"].endswith("Z")


def test_business_central_patch_requires_if_match(bc: Api) -> None:
    customer = create_customer(bc)
    response = bc.request("PATCH", f"/customers({customer['id']})", json={"city": "Leeds"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest_InvalidToken"


def test_business_central_update_changes_the_etag_and_refuses_stale_ones(bc: Api) -> None:
    customer = create_customer(bc)
    path = f"/customers({customer['id']})"

    updated = bc.request(
        "PATCH", path, json={"city": "Leeds"}, headers={"If-Match": customer["@odata.etag"]}
    )
    stale = bc.request(
        "PATCH", path, json={"city": "York"}, headers={"If-Match": customer["@odata.etag"]}
    )
    forced = bc.request("PATCH", path, json={"city": "Hull"}, headers={"If-Match": "*"})

    assert updated.status_code == 200
    assert updated.json()["city"] == "Leeds"
    assert updated.json()["@odata.etag"] != customer["@odata.etag"]
    assert updated.json()["lastModifiedDateTime"] >= customer["lastModifiedDateTime"]
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "Request_EntityChanged"
    assert forced.status_code == 200 and forced.json()["city"] == "Hull"


def test_business_central_delete_requires_a_current_if_match(bc: Api) -> None:
    customer = create_customer(bc)
    path = f"/customers({customer['id']})"
    bc.request("PATCH", path, json={"city": "Bath"}, headers={"If-Match": "*"})

    assert bc.request("DELETE", path).status_code == 400
    assert (
        bc.request("DELETE", path, headers={"If-Match": customer["@odata.etag"]}).status_code == 409
    )
    assert bc.request("DELETE", path, headers={"If-Match": "*"}).status_code == 204
    assert bc.get(path).status_code == 404


def test_business_central_refuses_unknown_properties_and_key_changes(bc: Api) -> None:
    unknown = bc.request("POST", "/customers", json={"displayName": "x", "shoeSize": 42})
    customer = create_customer(bc)
    rekey = bc.request(
        "PATCH",
        f"/customers({customer['id']})",
        json={"id": str(uuid.uuid4())},
        headers={"If-Match": "*"},
    )
    not_json = bc.request(
        "POST", "/customers", data="nope", headers={"Content-Type": "application/json"}
    )

    assert unknown.status_code == rekey.status_code == not_json.status_code == 400
    assert "shoeSize" in unknown.json()["error"]["message"]


def test_modified_since_poll_finds_only_what_changed(bc: Api) -> None:
    since = (
        (datetime.now(UTC) - timedelta(seconds=1))
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )
    customer = create_customer(bc)

    changed = bc.get("/customers", params={"$filter": f"lastModifiedDateTime gt {since}"}).json()[
        "value"
    ]

    assert customer["id"] in {c["id"] for c in changed}
    assert not {"C00010", "C00020"} & {c["number"] for c in changed}


def test_dataverse_create_returns_204_with_the_entity_id(dataverse: Api) -> None:
    response = dataverse.request("POST", "/accounts", json={"name": unique("Account")})

    assert response.status_code == 204
    entity_url = response.headers["OData-EntityId"]
    assert entity_url.startswith(dataverse.base + "/accounts(")
    created = dataverse.get(entity_url).json()
    assert created["statecode"] == 0 and created["telephone1"] is None
    assert created["createdon"] == created["modifiedon"]


def test_dataverse_create_with_representation_returns_201(dataverse: Api) -> None:
    response = dataverse.request(
        "POST", "/accounts", json={"name": "Rep"}, headers={"Prefer": "return=representation"}
    )
    assert response.status_code == 201
    assert response.headers["Preference-Applied"] == "return=representation"
    assert response.json()["name"] == "Rep" and response.json()["@odata.etag"].startswith('W/"')


def test_dataverse_stale_if_match_is_412(dataverse: Api) -> None:
    created = dataverse.request(
        "POST", "/accounts", json={"name": "Etag"}, headers={"Prefer": "return=representation"}
    ).json()
    path = f"/accounts({created['accountid']})"

    first = dataverse.request(
        "PATCH", path, json={"name": "A"}, headers={"If-Match": created["@odata.etag"]}
    )
    second = dataverse.request(
        "PATCH", path, json={"name": "B"}, headers={"If-Match": created["@odata.etag"]}
    )

    assert first.status_code == 204
    assert second.status_code == 412
    assert second.json()["error"]["code"] == "0x80060882"


def test_dataverse_patch_is_an_upsert_unless_told_otherwise(dataverse: Api) -> None:
    new_id = str(uuid.uuid4())
    path = f"/accounts({new_id})"

    update_only = dataverse.request("PATCH", path, json={"name": "U"}, headers={"If-Match": "*"})
    created = dataverse.request("PATCH", path, json={"name": "Upserted"})
    create_only = dataverse.request(
        "PATCH", path, json={"name": "Again"}, headers={"If-None-Match": "*"}
    )
    updated = dataverse.request("PATCH", path, json={"name": "Updated"})

    assert update_only.status_code == 404
    assert created.status_code == 204 and created.headers["OData-EntityId"].endswith(path)
    assert create_only.status_code == 412
    assert updated.status_code == 204
    assert dataverse.get(path).json()["name"] == "Updated"


def test_dataverse_lookup_binding(dataverse: Api) -> None:
    account = dataverse.get("/accounts", params={"$top": "1"}).json()["value"][0]
    bind = {"parentcustomerid_account@odata.bind": f"/accounts({account['accountid']})"}

    response = dataverse.request(
        "POST",
        "/contacts",
        json={"lastname": "Bound", **bind},
        headers={"Prefer": "return=representation"},
    )
    dangling = dataverse.request(
        "POST",
        "/contacts",
        json={"parentcustomerid_account@odata.bind": f"/accounts({uuid.uuid4()})"},
    )
    undeclared = dataverse.request("POST", "/contacts", json={"owner_team@odata.bind": "/teams(1)"})

    assert response.json()["_parentcustomerid_value"] == account["accountid"]
    assert dangling.status_code == 404
    assert undeclared.status_code == 400 and undeclared.json()["error"]["code"] == "0x80048d19"


def test_dataverse_delete(dataverse: Api) -> None:
    location = dataverse.request("POST", "/accounts", json={"name": "Gone"}).headers[
        "OData-EntityId"
    ]
    assert dataverse.request("DELETE", location).status_code == 204
    assert dataverse.request("DELETE", location).status_code == 404


def test_in_process_state_api(sandbox: RunningSandbox, bc: Api, dataverse: Api) -> None:
    record, etag = sandbox.business_central.state.upsert(
        "vendors", {"displayName": "Sandbox Vendor"}
    )
    assert bc.get(f"/vendors({record['id']})").json()["@odata.etag"] == etag
    sandbox.business_central.state.delete("vendors", record["id"])
    assert bc.get(f"/vendors({record['id']})").status_code == 404

    account, _ = sandbox.dataverse.state.upsert("accounts", {"name": "Direct"})
    sandbox.dataverse.state.upsert(
        "accounts", {"accountid": account["accountid"], "name": "Renamed"}
    )
    assert dataverse.get(f"/accounts({account['accountid']})").json()["name"] == "Renamed"
