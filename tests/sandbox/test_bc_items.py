"""Items with their posting groups, categories, units and inventory, as API v2.0 shows them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox.catalog import STOCK_ITEMS
from sandbox.run import RunningSandbox
from tests.sandbox.bc_documents import error, ok
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox


def item(bc: Api, number: str) -> dict[str, Any]:
    return ok(bc.get("/items", params={"$filter": f"number eq '{number}'"}))["value"][0]  # type: ignore[no-any-return]


def by_code(bc: Api, entity_set: str) -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in ok(bc.get(f"/{entity_set}"))["value"]}


def test_items_carry_their_posting_groups_by_id_and_code(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_item: generalProductPostingGroupId/Code and
    inventoryPostingGroupId/Code name the item's posting groups (dynamics_generalproductpostinggroup,
    dynamics_inventorypostinggroup); itemCategoryId/Code, taxGroupId/Code and
    baseUnitOfMeasureId/Code likewise name their records."""
    laptop = item(bc, "HW-LAPTOP")
    product = by_code(bc, "generalProductPostingGroups")["RETAIL"]
    inventory = by_code(bc, "inventoryPostingGroups")["RESALE"]
    assert (laptop["generalProductPostingGroupId"], laptop["generalProductPostingGroupCode"]) == (
        product["id"],
        "RETAIL",
    )
    assert (laptop["inventoryPostingGroupId"], laptop["inventoryPostingGroupCode"]) == (
        inventory["id"],
        "RESALE",
    )
    assert laptop["itemCategoryId"] == by_code(bc, "itemCategories")["HARDWARE"]["id"]
    assert laptop["baseUnitOfMeasureId"] == by_code(bc, "unitsOfMeasure")["PCS"]["id"]
    assert laptop["taxGroupId"] == by_code(bc, "taxGroups")["STANDARD"]["id"]
    licence = item(bc, "SPE_E3")
    assert (licence["type"], licence["inventoryPostingGroupCode"]) == ("Non_x002D_Inventory", "")
    assert licence["inventoryPostingGroupId"] == "00000000-0000-0000-0000-000000000000"


def test_inventory_is_the_stock_of_every_location(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_item: `inventory` is how many units are in
    inventory (all locations, and stock without one); Read-Only."""
    for stock in STOCK_ITEMS:
        assert item(bc, stock.code)["inventory"] == sum(quantity for _, quantity in stock.stock)
    assert item(bc, "SPE_E3")["inventory"] == 0


def test_stock_moving_changes_inventory_but_not_last_modified(
    sandbox: RunningSandbox, bc: Api
) -> None:
    """api-reference/v2.0/resources/dynamics_item: inventory is computed (the Item table's
    Inventory FlowField), so stock moving is no change to the item record itself."""
    number = "T" + uuid.uuid4().hex[:7].upper()
    created = ok(bc.request("POST", "/items", json={"number": number, "displayName": "Dock"}), 201)
    sandbox.business_central.admin.set_inventory(number, "MAIN", 5)
    sandbox.business_central.admin.set_inventory(number, "", 2.5)
    shown = item(bc, number)
    assert shown["inventory"] == 7.5
    assert shown["lastModifiedDateTime"] == created["lastModifiedDateTime"]


def test_codes_alone_find_their_ids_and_ids_alone_their_codes(bc: Api) -> None:
    """api-reference/v2.0/resources/dynamics_item (POST item): each id/code pair can be
    given either way."""
    groups = by_code(bc, "inventoryPostingGroups")
    body = {"displayName": "Headset", "type": "Inventory", "itemCategoryCode": "HARDWARE",
            "baseUnitOfMeasureCode": "BOX", "generalProductPostingGroupCode": "RETAIL",
            "inventoryPostingGroupId": groups["SPARES"]["id"]}  # fmt: skip
    created = ok(bc.request("POST", "/items", json=body), 201)
    assert created["itemCategoryId"] == by_code(bc, "itemCategories")["HARDWARE"]["id"]
    assert created["baseUnitOfMeasureId"] == by_code(bc, "unitsOfMeasure")["BOX"]["id"]
    assert created["inventoryPostingGroupCode"] == "SPARES"
    assert created["number"].startswith("I")  # from the item number series


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"itemCategoryCode": "TOYS"}, 'The "itemCategoryCode" does not match to a Item Category.'),
        ({"taxGroupId": str(uuid.uuid4())}, 'The "taxGroupId" does not match to a Tax Group.'),
        ({"baseUnitOfMeasureId": str(uuid.uuid4())},
         'The "baseUnitOfMeasureId" does not match to a Unit of Measure.'),
        ({"inventoryPostingGroupCode": "NOPE"},
         'The "inventoryPostingGroupCode" does not match to a Inventory Posting Group.'),
        ({"itemCategoryCode": "LICENSE", "itemCategoryId": "__HARDWARE__"},
         "The item category values do not match to a specific Item Category."),
    ],
)  # fmt: skip
def test_references_that_name_nothing_are_refused(
    bc: Api, fields: dict[str, Any], text: str
) -> None:
    """api-reference/v2.0/resources/dynamics_item: the ids and codes name records of the
    item category, tax group, unit of measure and posting group tables; BC's item API
    page refuses the rest (400 Application_DialogException)."""
    if fields.get("itemCategoryId") == "__HARDWARE__":
        fields = {**fields, "itemCategoryId": by_code(bc, "itemCategories")["HARDWARE"]["id"]}
    code, message = error(bc.request("POST", "/items", json={"displayName": "x", **fields}))
    assert code == "Application_DialogException" and message.startswith(text)


def test_items_changed_since_a_moment_are_found(bc: Api) -> None:
    """api-reference/v2.0/dynamics-rate-limits: poll with `lastModifiedDateTime gt`."""
    moment = datetime.now(UTC) - timedelta(seconds=1)
    start = moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    created = ok(bc.request("POST", "/items", json={"displayName": "Stand"}), 201)
    ok(bc.request("PATCH", f"/items({created['id']})", json={"unitPrice": 49.0},
                  headers={"If-Match": created["@odata.etag"]}))  # fmt: skip
    changed = ok(bc.get("/items", params={"$filter": f"lastModifiedDateTime gt {start}"}))
    numbers = {row["number"] for row in changed["value"]}
    assert created["number"] in numbers and "HW-CABLE" not in numbers
