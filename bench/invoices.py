"""EcpPro invoices into the BC simulator: the hub's one-request documents against one request per line.

Both sides create the same sales invoices (N invoices × M lines) against the same
simulator in one run, alternating in chunks so neither profits from a warmer or emptier
simulator:
- hub: look the document up by External Document No., then header + lines in one deep
  insert (`BusinessCentralClient.create_document`), master data cached;
- baseline: the same lookup, then POST the header and POST each line on its own, as a
  port of the old per-record job queue would.

Prints `invoices: requests_ratio=<x> time_ratio=<y>` last (baseline ÷ hub). Goal: ≥ 5.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sandbox.catalog import CUSTOMERS, LICENSE_SKUS
from sandbox.run import SandboxConfig, start_sandbox
from shared.adapters.business_central.client import BusinessCentralClient
from shared.adapters.business_central.wire import SHAPES
from shared.adapters.http import HttpClient
from shared.adapters.odata import eq_filter
from shared.bootstrap import build_business_central
from shared.config import Settings
from shared.domain.invoices import DocumentKind
from shared.ports.business_central import NewDocument, NewLine

CHUNK = 50


def documents(prefix: str, count: int, lines: int) -> list[NewDocument]:
    paid = [sku for sku in LICENSE_SKUS if not sku.is_free]
    return [
        NewDocument(
            kind=DocumentKind.SALES_INVOICE,
            party_number=CUSTOMERS[i % len(CUSTOMERS)].number,
            posting_date=date(2025, 5, 1),
            due_date=date(2025, 5, 31),
            currency_code="",
            external_document_number=f"{prefix}-{i:05d}",
            lines=[
                NewLine("Item", sku.code, sku.name, 1 + (i + n) % 20, sku.unit_price)
                for n, sku in ((n, paid[(i + n) % len(paid)]) for n in range(lines))
            ],
        )
        for i in range(count)
    ]


def hub_path(client: BusinessCentralClient, document: NewDocument) -> None:
    client.find_customer(document.party_number)  # what the sales leg checks (cached)
    client.existing_items({line.number for line in document.lines})
    if client.find_sales_document(document.kind, document.external_document_number) is None:
        client.create_document(document)


def baseline_path(http: HttpClient, company: str, document: NewDocument) -> None:
    shape = SHAPES[document.kind]
    base = f"api/v2.0/{company}/{shape.entity_set}"
    found = http.get_json(
        base,
        params={"$filter": eq_filter(externalDocumentNumber=document.external_document_number)},
    )
    if found["value"]:
        return
    header_id = str(uuid.uuid4())
    http.request("POST", base, json={"id": header_id, "customerNumber": document.party_number,
                                     "externalDocumentNumber": document.external_document_number,
                                     "invoiceDate": "2025-05-01", "postingDate": "2025-05-01",
                                     "dueDate": "2025-05-31"})  # fmt: skip
    for line in document.lines:
        http.request("POST", f"{base}({header_id})/{shape.lines}",
                     json={"lineType": line.line_type, "lineObjectNumber": line.number,
                           "description": line.description, "quantity": line.quantity,
                           "unitPrice": line.unit_amount})  # fmt: skip


def run(invoices: int = 2000, lines: int = 10) -> str:
    with (
        tempfile.TemporaryDirectory() as state,
        start_sandbox(SandboxConfig(state_dir=Path(state)).on_free_ports()) as sandbox,
    ):
        settings = Settings.model_validate(
            {**sandbox.client_settings(), "HUB_STORAGE_CONNECTION": "UseDevelopmentStorage=true"}
        )
        hub = build_business_central(settings)
        baseline = build_business_central(settings)  # its own HTTP client, its own counter
        hub_docs, base_docs = documents("BH", invoices, lines), documents("BB", invoices, lines)
        seconds = {"hub": 0.0, "baseline": 0.0}
        for start in range(0, invoices, CHUNK):
            began = time.perf_counter()
            for document in hub_docs[start : start + CHUNK]:
                hub_path(hub, document)
            seconds["hub"] += time.perf_counter() - began
            began = time.perf_counter()
            for document in base_docs[start : start + CHUNK]:
                baseline_path(baseline.http, baseline.company, document)
            seconds["baseline"] += time.perf_counter() - began
    requests = {"hub": hub.http.requests_sent, "baseline": baseline.http.requests_sent}
    return (
        f"(hub {requests['hub']} requests in {seconds['hub']:.1f}s, baseline "
        f"{requests['baseline']} requests in {seconds['baseline']:.1f}s, {invoices} invoices x {lines} lines)\n"
        f"invoices: requests_ratio={requests['baseline'] / requests['hub']:.1f} "
        f"time_ratio={seconds['baseline'] / seconds['hub']:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=10)
    args = parser.parse_args()
    print(run(args.invoices, args.lines))


if __name__ == "__main__":
    main()
