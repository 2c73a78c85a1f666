"""Amounts the platform computes on quotes, orders and invoices and their lines.

As the Sales documents describe them (the quote/invoice headers' Detail Amount, Total
Tax, Total Pre-Freight Amount and Total Amount; a line's Amount and Extended Amount):

- a line without an overridden price takes the price of its product and unit in the
  document's price list (`productpricelevel.amount`),
- line `baseamount` = price per unit × quantity; `extendedamount` = baseamount − manual
  discount + tax,
- header `totallineitemamount` = Σ (baseamount − manual discount); `totaltax` = Σ tax;
  `totalamountlessfreight` = detail amount − discount amount (or discount %);
  `totalamount` = that + freight + total tax; recomputed whenever a line is written or
  deleted,
- every money column has a `<name>_base` twin in the base currency (÷ the row's
  `exchangerate`, which comes from its currency).
"""

from __future__ import annotations

from sandbox.dataverse.schema import Table
from sandbox.dataverse.tables import Catalog
from sandbox.odata.store import EntityStore, Record, RecordNotFound


def price_line(store: EntityStore, catalog: Catalog, table: Table, row: Record) -> Record:
    """The computed amounts of a line (`row` = its stored fields after the write)."""
    assert table.pricing is not None and table.pricing.header_lookup is not None
    price = row.get("priceperunit")
    if not row.get("ispriceoverridden") and row.get("_productid_value"):
        listed = _list_price(store, catalog, table, row)
        price = listed if listed is not None else price
    quantity = float(row.get("quantity") or 0)
    base = round(float(price or 0) * quantity, 4)
    discount = float(row.get("manualdiscountamount") or 0)
    tax = float(row.get("tax") or 0)
    return {
        "priceperunit": None if price is None else float(price),
        "baseamount": base,
        "extendedamount": round(base - discount + tax, 4),
    }


def _list_price(store: EntityStore, catalog: Catalog, table: Table, row: Record) -> float | None:
    header_table = catalog.by_name(table.pricing.header_lookup.removesuffix("id"))  # type: ignore[union-attr]
    header_id = row.get(f"_{table.pricing.header_lookup}_value")  # type: ignore[union-attr]
    try:
        header, _ = store.get(header_table.entity_set, str(header_id))
    except RecordNotFound:
        return None
    conditions = [
        ("_pricelevelid_value", header.get("_pricelevelid_value")),
        ("_productid_value", row.get("_productid_value")),
    ]
    if row.get("_uomid_value"):
        conditions.append(("_uomid_value", row["_uomid_value"]))
    items = store.find_all("productpricelevels", conditions)
    return float(items[0][0]["amount"]) if items and items[0][0].get("amount") is not None else None


def totals(store: EntityStore, catalog: Catalog, header_table: Table, header: Record) -> Record:
    """The header's computed totals from its lines as stored now."""
    assert header_table.pricing is not None and header_table.pricing.lines is not None
    line_table = catalog.by_name(header_table.pricing.lines)
    lookup = f"_{header_table.primary_id}_value"
    lines = [
        row for row, _ in store.find(line_table.entity_set, lookup, header[header_table.primary_id])
    ]
    detail = sum(
        float(r.get("baseamount") or 0) - float(r.get("manualdiscountamount") or 0) for r in lines
    )
    tax = sum(float(r.get("tax") or 0) for r in lines)
    discount = float(header.get("discountamount") or 0)
    if header.get("discountpercentage"):
        discount += detail * float(header["discountpercentage"]) / 100
    less_freight = detail - discount
    return {
        "totallineitemamount": round(detail, 4),
        "totaltax": round(tax, 4),
        "totalamountlessfreight": round(less_freight, 4),
        "totalamount": round(less_freight + float(header.get("freightamount") or 0) + tax, 4),
    }


def base_amounts(table: Table, row: Record, exchange_rate: float | None) -> Record:
    """`exchangerate` and every `<money>_base` of a row."""
    rate = exchange_rate or 1.0
    out: Record = {"exchangerate": exchange_rate}
    for column in table.money_columns:
        value = row.get(column.name)
        out[f"{column.name}_base"] = None if value is None else round(float(value) / rate, 4)
    return out
