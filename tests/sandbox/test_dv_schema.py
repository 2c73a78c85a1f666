"""The table specs hold together, and the pieces that read them, without a server."""

from __future__ import annotations

import pytest

from sandbox.dataverse import keys
from sandbox.dataverse.limits import LimitSettings, ServiceProtection
from sandbox.dataverse.schema import Kind, Required
from sandbox.dataverse.tables import TABLES, Catalog
from sandbox.dataverse.values import convert
from sandbox.server import ServiceError

CATALOG = Catalog()


def test_every_lookup_relationship_and_key_resolves() -> None:
    """Every lookup targets a served table; every relationship's child has its lookup;
    every alternate key names columns of its table; entity sets and ids are unique."""
    assert (
        len({t.entity_set for t in TABLES}) == len({t.logical_name for t in TABLES}) == len(TABLES)
    )
    for table in TABLES:
        assert table.column(table.primary_id) is not None
        assert table.column(table.primary_name) is not None
        for column in table.columns:
            for target in column.navigations().values():
                CATALOG.by_name(target)
        for relationship in table.relationships:
            _, lookup = CATALOG.children(relationship)
            assert table.logical_name in lookup.targets, (table.logical_name, relationship.name)
        for key in table.keys:
            assert all(table.column(name) is not None for name in key.columns)


def test_tables_with_money_have_currency_columns() -> None:
    """select-columns: money columns come with `_transactioncurrencyid_value`, the row's
    `exchangerate` and a `<money>_base` value."""
    for table in TABLES:
        for column in table.money_columns:
            assert table.column(f"{column.name}_base") is not None, (
                table.logical_name,
                column.name,
            )
            assert table.column("_transactioncurrencyid_value") is not None
            assert table.column("exchangerate") is not None


def test_the_product_documents_tables_and_columns_are_served() -> None:
    """The CRM <-> BC product document's entities and custom columns, the standard tables
    of the issue, the Project Operations invoice columns, and the credit notes document's
    BC Invoice Stagings and what the connector writes back to a project invoice."""
    sets = {t.entity_set for t in TABLES}
    assert {
        "accounts", "contacts", "quotes", "quotedetails", "salesorders", "salesorderdetails",
        "invoices", "invoicedetails", "products", "uoms", "uomschedules", "pricelevels",
        "productpricelevels", "transactioncurrencies", "systemusers", "bcs_paymentterms",
        "bcs_shipmentmethods", "bcs_shippingagents", "bcs_taxareas", "bcs_locations",
        "bcs_countryregions", "bcs_configtemplates", "bcs_shiptoaddresses",
        "bcs_customerledgerentries", "bcs_inventories", "msdyn_invoicelinetransactions",
        "bcs_bcinvoicestagings", "bcs_bcinvoicestaginglines",
    } <= sets  # fmt: skip
    account, product, quote, order = (
        CATALOG.by_set(s) for s in ("accounts", "products", "quotes", "salesorders")
    )
    invoice = CATALOG.by_set("invoices")
    for name in (
        "bcs_configtemplateid",
        "bcs_countryregionid",
        "bcs_paymenttermid",
        "bcs_shipmentmethodid",
        "bcs_shippingagentid",
        "bcs_taxareaid",
        "bcs_taxregistrationno",
        "bcs_taxliable",
        "bcs_balance",
    ):
        assert account.column(name) is not None, name
    assert product.column("bcs_inventory") is not None
    for table, date in ((quote, "bcs_quotedate"), (order, "bcs_documentdate")):
        for name in (
            date,
            "bcs_postingdate",
            "bcs_locationid",
            "bcs_shiptoaddressid",
            "bcs_paymenttermid",
            "bcs_shipmentmethodid",
            "bcs_shippingagentid",
        ):
            assert table.column(name) is not None, (table.logical_name, name)
    for name in ("msdyn_projectinvoicestatus", "msdyn_hascorrections", "msdyn_invoicedate",
                 "bcs_bcinvoiceno", "bcs_bccreditmemono", "bcs_bccreditmemoposted",
                 "bcs_bcintegrationstatus", "bcs_bcintegrationmessage"):  # fmt: skip
        assert invoice.column(name) is not None


@pytest.mark.parametrize(
    ("entity_set", "column", "value", "stored"),
    [("accounts", "name", "Acme", "Acme"), ("accounts", "numberofemployees", "12", 12),
     ("accounts", "revenue", 10, 10.0), ("accounts", "creditonhold", True, True),
     ("quotes", "bcs_quotedate", "2025-02-03", "2025-02-03"),
     ("accounts", "createdon", "2025-02-03T10:00:00+01:00", "2025-02-03T09:00:00Z")],
)  # fmt: skip
def test_values_are_converted(entity_set: str, column: str, value: object, stored: object) -> None:
    """Edm types of web-api-properties: date-times kept in UTC, date-only as Edm.Date."""
    table = CATALOG.by_set(entity_set)
    found = table.column(column)
    assert found is not None and convert(table, found, value) == stored


@pytest.mark.parametrize(
    ("entity_set", "column", "value", "code"),
    [("accounts", "name", "x" * 161, "0x80044331"), ("accounts", "customertypecode", 0, "0x80044331"),
     ("accounts", "numberofemployees", 2**31, "0x80044331"), ("accounts", "numberofemployees", 1.5, "0x80048d19"),
     ("quotes", "bcs_quotedate", "2025-02-03T10:00:00Z", "0x80048d19"),
     ("accounts", "createdon", "yesterday", "0x80048d19")],
)  # fmt: skip
def test_values_are_refused(entity_set: str, column: str, value: object, code: str) -> None:
    table = CATALOG.by_set(entity_set)
    found = table.column(column)
    assert found is not None
    with pytest.raises(ServiceError) as refused:
        convert(table, found, value)
    assert refused.value.code == code


def test_keys_are_parsed_as_the_web_api_writes_them() -> None:
    """use-alternate-key-reference-record: the primary key bare or named, single and
    multi-part alternate keys, doubled apostrophes, a `/` inside quotes."""
    accounts, ship_to = CATALOG.by_set("accounts"), CATALOG.by_set("bcs_shiptoaddresses")
    guid = "0b9f1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"

    assert keys.parse_key(accounts, guid.upper()) == guid
    assert keys.parse_key(accounts, f"accountid={guid}") == guid
    assert keys.parse_key(accounts, "accountnumber='O''N/1'") == {"accountnumber": "O'N/1"}
    assert keys.parse_key(ship_to, "bcs_code='A,B',bcs_customerno='C1'") == {
        "bcs_code": "A,B",
        "bcs_customerno": "C1",
    }
    assert keys.split_path("accounts(accountnumber='a/b')/name") == [
        keys.Segment("accounts", "accountnumber='a/b'"),
        keys.Segment("name", None),
    ]
    with pytest.raises(ServiceError):
        keys.parse_key(accounts, "name='Acme'")


def test_requirement_levels_follow_the_reference() -> None:
    """reference/entities: ApplicationRequired names (not enforced by the API), SystemRequired
    parents of lines and price list item parts (enforced)."""
    assert CATALOG.by_set("accounts").column("name").required == Required.APPLICATION  # type: ignore[union-attr]
    assert CATALOG.by_set("quotedetails").column("quoteid").required == Required.SYSTEM  # type: ignore[union-attr]
    item = CATALOG.by_set("productpricelevels")
    assert all(
        item.column(n).required == Required.SYSTEM for n in ("pricelevelid", "productid", "uomid")
    )  # type: ignore[union-attr]
    assert CATALOG.by_set("products").states.initial == 2  # type: ignore[union-attr]  # new products are Draft
    assert CATALOG.by_set("quotes").column("customerid").kind == Kind.CUSTOMER  # type: ignore[union-attr]


def test_service_protection_with_a_fake_clock() -> None:
    """api-limits: a sliding window per user; Retry-After until the oldest request leaves."""
    now = [100.0]
    limits = ServiceProtection(LimitSettings(requests=2, window_seconds=10), clock=lambda: now[0])
    for _ in range(2):
        limits.leave("u", limits.enter("u"))
    with pytest.raises(ServiceError) as refused:
        limits.enter("u")
    limits.leave("v", limits.enter("v"))  # another user is not limited
    now[0] += 10.5
    limits.leave("u", limits.enter("u"))

    assert refused.value.status == 429 and refused.value.headers["Retry-After"] == "10"
    assert limits.refused == 1
