"""Helpers for the BC document tests: unique references, documents made over HTTP, batches,
the admin API cleaned up after the credit memo tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import requests

from sandbox.business_central.admin import BusinessCentralAdmin
from sandbox.business_central.project_credit_memos import SETUP, SETUP_ID
from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api


def unique(prefix: str = "T") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


def new_id() -> str:
    return str(uuid.uuid4())


def ok(response: requests.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


def error(response: requests.Response, status: int = 400) -> tuple[str, str]:
    """(code, message) of an error answer with this status."""
    assert response.status_code == status, response.text
    body = response.json()["error"]
    return body["code"], body["message"]


def item_line(number: str = "SPE_E3", quantity: float = 2, **fields: Any) -> dict[str, Any]:
    return {"lineType": "Item", "lineObjectNumber": number, "quantity": quantity, **fields}


def account_line(number: str = "6100", quantity: float = 1, **fields: Any) -> dict[str, Any]:
    return {"lineType": "Account", "lineObjectNumber": number, "quantity": quantity, **fields}


def sales_invoice(bc: Api, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"customerNumber": "C00010", "externalDocumentNumber": unique("INV"), **fields}
    if lines:
        body["salesInvoiceLines"] = list(lines)
    return ok(bc.request("POST", "/salesInvoices", json=body), 201)


def purchase_invoice(bc: Api, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"vendorNumber": "V00020", "vendorInvoiceNumber": unique("VI"), **fields}
    if lines:
        body["purchaseInvoiceLines"] = list(lines)
    return ok(bc.request("POST", "/purchaseInvoices", json=body), 201)


def purchase_credit_memo(bc: Api, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"vendorNumber": "V00020", "vendorCreditMemoNumber": unique("VC"), **fields}
    if lines:
        body["purchaseCreditMemoLines"] = list(lines)
    return ok(bc.request("POST", "/purchaseCreditMemos", json=body), 201)


def post(bc: Api, entity_set: str, document_id: str) -> requests.Response:
    return bc.request("POST", f"/{entity_set}({document_id})/Microsoft.NAV.post")


def request(method: str, url: str, body: Any = None, **headers: str) -> dict[str, Any]:
    """One inner request of a JSON batch."""
    inner: dict[str, Any] = {"method": method, "url": url, "headers": headers}
    if body is not None:
        inner["body"] = body
    return inner


def credit_memo_admin(sandbox: RunningSandbox) -> Iterator[BusinessCentralAdmin]:
    """The BC simulator's admin API for a fixture to yield from; afterwards every accounting
    period is open again and no credit memo field is locked for Project Operations."""
    admin = sandbox.business_central.admin
    yield admin
    admin.reopen_periods()
    admin.upsert(SETUP, {"id": SETUP_ID, "nonChangeableFields": ""})
