"""Shared builders for the invoice scenario tests: EcpPro invoices and a wired Deps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.domain.invoices import StagedInvoice
from shared.flows.deps import Deps, InvoiceOptions
from shared.flows.invoice_import import handle_import
from shared.flows.invoice_staging import load_invoice
from tests.fakes.bus import InMemoryBus
from tests.fakes.business_central import FakeBusinessCentral
from tests.fakes.ecppro import FakeEcpPro
from tests.fakes.store import InMemoryStagingStore

OPTIONS = InvoiceOptions(
    create_purchase_invoice=True,
    apply_cost_centre_dimension=True,
    sales_account_number="6100",
    purchase_account_number="7100",
    web_client_url="https://businesscentral.dynamics.com/tenant/production",
    company_name="CRONUS International Ltd.",
)


def line(line_no: int, code: str = "SPE_E3", quantity: float = 10, price: float | None = 33.75,
         cost: float | None = 30.38, **extra: Any) -> dict[str, Any]:  # fmt: skip
    amount = None if price is None else round(quantity * price, 2)
    return {"lineNo": line_no, "productCode": code, "description": f"{code} licences",
            "quantity": quantity, "unitPrice": price, "unitCost": cost, "amount": amount, **extra}  # fmt: skip


def invoice(invoice_id: str, number: str, *lines: dict[str, Any], customer: str = "C00010",
            vendor: str = "V00010", provider: str = "V00010-202505-1", currency: str = "",
            cost_centre: str = "CC-100", **extra: Any) -> dict[str, Any]:  # fmt: skip
    lines = lines or (line(10000),)
    total = round(sum(item["amount"] or 0 for item in lines), 2)
    return {"id": invoice_id, "invoiceNumber": number, "invoiceDate": "2025-05-10",
            "dueDate": "2025-06-09", "tenantId": "t-1", "customerNumber": customer,
            "customerName": f"Customer {customer}", "currencyCode": currency, "vendorNumber": vendor,
            "providerInvoiceNumber": provider, "costCentre": cost_centre, "totalAmount": total,
            "lines": list(lines), **extra}  # fmt: skip


def business_central() -> FakeBusinessCentral:
    bc = FakeBusinessCentral()
    bc.add_customer("C00010", dimensions={"CUSTOMERGROUP": "MSP", "COSTCENTRE": "CC-200"})
    bc.add_customer("C00020")
    bc.add_vendor("V00010")
    bc.add_vendor("V00020")
    bc.currencies |= {"EUR", "USD"}
    bc.items |= {"SPE_E3", "SPE_E5"}
    bc.accounts.update({"6100": False, "7100": False})
    bc.dimension_values |= {
        ("CUSTOMERGROUP", "MSP"),
        ("COSTCENTRE", "CC-100"),
        ("COSTCENTRE", "CC-200"),
    }
    return bc


def make_deps(*invoices: dict[str, Any], options: InvoiceOptions = OPTIONS) -> Deps:
    return Deps(
        store=InMemoryStagingStore(),
        bus=InMemoryBus(),
        ecppro=FakeEcpPro({"invoices": list(invoices)}),
        bc=business_central(),
        invoice_options=options,
        clock=lambda: datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
    )


def imported(deps: Deps, invoice_id: str) -> StagedInvoice:
    handle_import(deps)
    return load_invoice(deps.store, invoice_id)


def bc_of(deps: Deps) -> FakeBusinessCentral:
    assert isinstance(deps.bc, FakeBusinessCentral)
    return deps.bc


def source_of(deps: Deps) -> FakeEcpPro:
    assert isinstance(deps.ecppro, FakeEcpPro)
    return deps.ecppro
