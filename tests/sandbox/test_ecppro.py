"""The EcpPro simulator: credentials, paging, errors and the sandbox admin routes."""

from __future__ import annotations

import uuid

import pytest
import requests

from sandbox.ecppro.seed import LISTS
from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
INVALID_CREDENTIALS = {
    "error": {
        "code": "InvalidCredentials",
        "message": "The Customer ID or Secret Key is not valid.",
    }
}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Customer-Id": "ECP-CUST-0001"},
        {"X-Secret-Key": "sandbox-ecppro-secret-key"},
        {"X-Customer-Id": "ECP-CUST-0001", "X-Secret-Key": "wrong"},
        {"X-Customer-Id": "someone-else", "X-Secret-Key": "sandbox-ecppro-secret-key"},
    ],
)
def test_missing_or_wrong_credentials_are_401(
    sandbox: RunningSandbox, http: requests.Session, headers: dict[str, str]
) -> None:
    response = http.get(f"{sandbox.urls['ecppro']}/tenants", headers=headers)
    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS


@pytest.mark.parametrize("list_name", LISTS)
def test_pages_visit_every_record_once_sorted_by_id(
    sandbox: RunningSandbox, ecppro: Api, list_name: str
) -> None:
    expected = sandbox.ecppro.state.list(list_name)
    seen: list[str] = []
    page = 1
    while True:
        body = ecppro.get(f"/{list_name}", params={"page": page, "pageSize": 500}).json()
        assert (body["page"], body["pageSize"], body["totalCount"]) == (page, 500, len(expected))
        if not body["items"]:
            break
        seen += [item["id"] for item in body["items"]]
        page += 1
    assert seen == [record["id"] for record in expected]
    assert seen == sorted(seen)


def test_default_paging_and_a_page_past_the_end(ecppro: Api) -> None:
    first = ecppro.get("/users").json()
    beyond = ecppro.get("/users", params={"page": 10_000, "pageSize": 1000}).json()

    assert (first["page"], first["pageSize"], len(first["items"])) == (1, 100, 100)
    assert beyond["items"] == [] and beyond["totalCount"] == first["totalCount"]


@pytest.mark.parametrize(
    "params",
    [{"page": "0"}, {"pageSize": "0"}, {"pageSize": "1001"}, {"page": "x"}, {"pageSize": "-5"}],
)
def test_invalid_paging_is_400(ecppro: Api, params: dict[str, str]) -> None:
    response = ecppro.get("/users", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidPaging"


def test_unknown_list_is_404(ecppro: Api) -> None:
    response = ecppro.get("/printers")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NotFound"


def test_credentials_can_be_changed_over_http(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    base = sandbox.urls["ecppro"]
    admin = sandbox.roots["ecppro"] + "/_sandbox/credentials"
    old = {"X-Customer-Id": sandbox.ecppro.customer_id, "X-Secret-Key": sandbox.ecppro.secret_key}
    try:
        assert http.put(admin, json={"customerId": "C-2", "secretKey": "K-2"}).status_code == 204
        assert http.get(f"{base}/tenants", headers=old).status_code == 401
        new = {"X-Customer-Id": "C-2", "X-Secret-Key": "K-2"}
        assert http.get(f"{base}/tenants", headers=new).status_code == 200
        assert sandbox.client_settings()["ECPPRO_SECRET_KEY"] == "K-2"
        assert http.put(admin, json={"customerId": "C-3"}).status_code == 400
    finally:
        sandbox.ecppro.set_credentials(old["X-Customer-Id"], old["X-Secret-Key"])


def test_records_can_be_upserted_and_deleted_over_http(
    sandbox: RunningSandbox, http: requests.Session, ecppro: Api
) -> None:
    admin = sandbox.roots["ecppro"] + "/_sandbox"
    tenant_id = sandbox.ecppro.state.list("tenants")[0]["id"]
    user_id = str(uuid.uuid4())
    total = ecppro.get("/users", params={"pageSize": 1}).json()["totalCount"]

    created = http.post(
        f"{admin}/users", json=[{"id": user_id, "tenantId": tenant_id, "displayName": "Ann O'Neil"}]
    )
    renamed = http.post(
        f"{admin}/users", json=[{"id": user_id, "tenantId": tenant_id, "displayName": "Ann"}]
    )

    assert created.json() == renamed.json() == {"upserted": 1}
    assert sandbox.ecppro.state.get("users", user_id)["displayName"] == "Ann"
    assert ecppro.get("/users", params={"pageSize": 1}).json()["totalCount"] == total + 1
    assert http.delete(f"{admin}/users/{user_id}").status_code == 204
    assert http.delete(f"{admin}/users/{user_id}").status_code == 404
    assert http.post(f"{admin}/users", json=[{"id": "x"}]).status_code == 400  # no tenantId
    assert http.post(f"{admin}/printers", json=[]).status_code == 404


def test_in_process_state_merges_fields(sandbox: RunningSandbox, ecppro: Api) -> None:
    tenant = sandbox.ecppro.state.list("tenants")[0]
    original = tenant["secureScore"]
    try:
        sandbox.ecppro.state.upsert("tenants", {"id": tenant["id"], "secureScore": 99.9})
        items = ecppro.get("/tenants", params={"pageSize": 1000}).json()["items"]
        changed = next(item for item in items if item["id"] == tenant["id"])
        assert changed["secureScore"] == 99.9
        assert changed["displayName"] == tenant["displayName"]
    finally:
        sandbox.ecppro.state.upsert("tenants", {"id": tenant["id"], "secureScore": original})


def test_unknown_paths_and_methods_answer_json(
    sandbox: RunningSandbox, http: requests.Session
) -> None:
    unknown = http.get(f"{sandbox.roots['ecppro']}/api/v2/tenants")
    wrong_method = http.delete(f"{sandbox.urls['ecppro']}/tenants")

    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "NotFound"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "MethodNotAllowed"
