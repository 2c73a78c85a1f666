"""JSON $batch on the standard API: client ids, snapshot transactions, limits, faults."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.run import RunningSandbox
from tests.sandbox.bc_documents import error, item_line, new_id, ok, request, unique
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


@pytest.fixture
def company(sandbox: RunningSandbox) -> str:
    return f"companies({sandbox.config.bc_company_id})"


def batch(bc_api: Api, requests: list[dict[str, Any]], *, snapshot: bool = True) -> list[Any]:
    headers = {"Isolation": "snapshot"} if snapshot else {}
    answer = bc_api.request("POST", "/$batch", json={"requests": requests}, headers=headers)
    return ok(answer)["responses"]  # type: ignore[no-any-return]


def invoice_requests(
    company: str, header_id: str, line_id: str, reference: str, value: str = "CC-100"
) -> list[dict[str, Any]]:
    invoices = f"{company}/salesInvoices"
    lines = f"{invoices}({header_id})/salesInvoiceLines"
    return [
        request("POST", invoices, {"id": header_id, "customerNumber": "C00010",
                                   "externalDocumentNumber": reference}),
        request("POST", lines, {"id": line_id, **item_line(description2="INV-1")}),
        request("POST", f"{lines}({line_id})/dimensionSetLines",
                {"code": "COSTCENTRE", "valueCode": value}),
        request("GET", f"{invoices}({header_id})?$expand=salesInvoiceLines"),
    ]  # fmt: skip


def find(bc: Api, reference: str) -> list[Any]:
    filter_ = f"externalDocumentNumber eq '{reference}'"
    return ok(bc.get("/salesInvoices", params={"$filter": filter_}))["value"]  # type: ignore[no-any-return]


def test_a_document_in_one_transaction_with_client_ids(bc: Api, bc_api: Api, company: str) -> None:
    header_id, line_id, reference = new_id(), new_id(), unique("INV")
    requests = invoice_requests(company, header_id, line_id, reference)
    for index, inner in enumerate(requests, start=1):
        inner["id"] = str(index)

    answers = batch(bc_api, requests)

    assert [(a["id"], a["status"]) for a in answers] == [("1", 201), ("2", 201), ("3", 201),
                                                           ("4", 200)]  # fmt: skip
    assert answers[0]["body"]["id"] == header_id and answers[0]["headers"]["etag"]
    assert answers[0]["headers"]["location"].endswith(f"/salesInvoices({header_id})")
    assert answers[3]["body"]["salesInvoiceLines"][0]["id"] == line_id
    assert [row["id"] for row in find(bc, reference)] == [header_id]


def test_a_failure_rolls_back_the_whole_snapshot_batch(bc: Api, bc_api: Api, company: str) -> None:
    reference = unique("INV")
    answers = batch(bc_api, invoice_requests(company, new_id(), new_id(), reference, "CC-300"))

    assert [a["status"] for a in answers] == [201, 201, 400, 424]
    assert "CC-300" in answers[2]["body"]["error"]["message"]
    assert answers[3]["body"]["error"]["code"] == "BadRequest_FailedDependency"
    assert find(bc, reference) == []
    # The number the rolled-back header drew is handed out again (BC rolls back No. Series).
    drawn = answers[0]["body"]["number"]
    again = batch(bc_api, invoice_requests(company, new_id(), new_id(), unique("INV")))
    assert again[0]["body"]["number"] == drawn


def test_without_snapshot_each_request_stands_alone(bc: Api, bc_api: Api, company: str) -> None:
    reference = unique("INV")
    answers = batch(
        bc_api, invoice_requests(company, new_id(), new_id(), reference, "CC-300"), snapshot=False
    )
    assert [a["status"] for a in answers] == [201, 201, 400, 200]
    kept = find(bc, reference)
    assert len(kept) == 1 and kept[0]["totalAmountExcludingTax"] == 67.5


def test_inner_requests_get_the_same_checks_as_direct_ones(bc_api: Api, company: str) -> None:
    answers = batch(bc_api, [
        request("PATCH", f"{company}/customers({new_id()})", {"city": "Leeds"}),
        request("DELETE", f"{company}/salesInvoices({new_id()})", None, **{"If-Match": "*"}),
        request("GET", f"{company}/nowhere"),
        request("POST", "$batch", {"requests": []}),
    ], snapshot=False)  # fmt: skip
    assert [a["status"] for a in answers] == [400, 404, 404, 400]
    assert answers[0]["body"]["error"]["code"] == "BadRequest_InvalidToken"  # If-Match missing


def test_more_than_100_requests_are_refused(bc_api: Api, company: str) -> None:
    requests = [request("GET", f"{company}/currencies") for _ in range(101)]
    answer = bc_api.request("POST", "/$batch", json={"requests": requests})
    code, message = error(answer)
    assert code == "BadRequest" and "100" in message
    assert len(batch(bc_api, requests[:100], snapshot=False)) == 100


def test_malformed_batches_and_methods(bc_api: Api) -> None:
    assert error(bc_api.request("POST", "/$batch", json={"requests": "x"}))[0] == "BadRequest"
    multipart = bc_api.request("POST", "/$batch", data="--b--",
                               headers={"Content-Type": "multipart/mixed; boundary=b"})  # fmt: skip
    assert multipart.status_code == 400
    assert bc_api.get("/$batch").status_code == 405


def test_the_company_can_come_from_a_header(bc_api: Api, sandbox: RunningSandbox) -> None:
    answers = batch(bc_api, [
        request("GET", "currencies", None, Company=sandbox.config.bc_company_name),
        request("GET", "currencies"),
    ], snapshot=False)  # fmt: skip
    assert answers[0]["status"] == 200 and len(answers[0]["body"]["value"]) == 4
    assert answers[1]["body"]["error"]["code"] == "Internal_CompanyNotFound"


def test_faults_hit_the_outer_request_once(
    sandbox: RunningSandbox, bc: Api, bc_api: Api, company: str
) -> None:
    faults = sandbox.business_central.faults
    reference = unique("INV")
    faults.fail_next(1, status=503)
    refused = bc_api.request("POST", "/$batch", json={
        "requests": invoice_requests(company, new_id(), new_id(), reference)},
        headers={"Isolation": "snapshot"})  # fmt: skip
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "Unavailable"
    assert find(bc, reference) == []

    faults.fail_next(2, status=429)
    throttled = bc_api.request("POST", "/$batch", json={
        "requests": [request("GET", f"{company}/currencies")] * 3})  # fmt: skip
    assert throttled.status_code == 429
    assert len(faults.describe()["queued"]) == 1  # one fault for the batch, none per request


def test_the_token_is_checked_on_the_outer_request(bc_api: Api, company: str) -> None:
    anonymous = bc_api.http.post(f"{bc_api.base}/$batch", timeout=10, json={
        "requests": [request("GET", f"{company}/currencies")]})  # fmt: skip
    assert anonymous.status_code == 401


def test_inner_urls_may_be_absolute(bc_api: Api, company: str) -> None:
    answers = batch(bc_api, [request("GET", f"{bc_api.base}/{company}/currencies?$top=1")])
    assert answers[0]["status"] == 200 and len(answers[0]["body"]["value"]) == 1
