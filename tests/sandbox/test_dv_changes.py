"""Change tracking with delta links, from learn.microsoft.com/power-apps/developer/
data-platform/use-change-tracking-synchronize-data-external-systems."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
TRACK = {"Prefer": "odata.track-changes"}
REPRESENTATION = {"Prefer": "return=representation"}


def delta_link(dataverse: Api, entity_set: str = "accounts", **params: str) -> str:
    """Read the whole set with change tracking; answer the delta link of the last page."""
    response = dataverse.get(f"/{entity_set}", params=params, headers=TRACK)
    while "@odata.nextLink" in response.json():
        response = dataverse.get(response.json()["@odata.nextLink"], headers=TRACK)
    assert response.headers.get("Preference-Applied") == "odata.track-changes"
    return str(response.json()["@odata.deltaLink"])


def test_initial_read_gives_a_delta_link(dataverse: Api) -> None:
    """Retrieve changes: `Preference-Applied: odata.track-changes` and `@odata.deltaLink`
    with the query's `$select` and a `$deltatoken` (`<version>!<MM/dd/yyyy HH:mm:ss>`)."""
    response = dataverse.get("/accounts", params={"$select": "name,telephone1"}, headers=TRACK)
    link = response.json()["@odata.deltaLink"]
    query = parse_qs(urlsplit(link).query)

    assert response.headers["Preference-Applied"] == "odata.track-changes"
    assert link.startswith(f"{dataverse.base}/accounts?")
    assert query["$select"] == ["name,telephone1"]
    assert "!" in query["$deltatoken"][0]


def test_delta_answers_created_updated_and_deleted_rows(dataverse: Api) -> None:
    """Retrieve changes: rows created or updated since the token, then
    `{"@odata.context": "...$deletedEntity", "id", "reason": "deleted"}` per deleted row;
    a new delta link; nothing changed → an empty value."""
    doomed = dataverse.request(
        "POST", "/accounts", json={"name": "Doomed"}, headers=REPRESENTATION
    ).json()
    changed = dataverse.request(
        "POST", "/accounts", json={"name": "Changed"}, headers=REPRESENTATION
    ).json()
    link = delta_link(dataverse, **{"$select": "name"})

    created = dataverse.request(
        "POST", "/accounts", json={"name": "New"}, headers=REPRESENTATION
    ).json()
    dataverse.request("PATCH", f"/accounts({changed['accountid']})", json={"name": "Changed!"},
                      headers={"If-Match": "*"})  # fmt: skip
    dataverse.request("DELETE", f"/accounts({doomed['accountid']})")
    delta = dataverse.get(link).json()
    again = dataverse.get(delta["@odata.deltaLink"]).json()

    rows = [row for row in delta["value"] if "reason" not in row]
    deleted = [row for row in delta["value"] if "reason" in row]
    assert delta["@odata.context"].endswith("$metadata#accounts(name)/$delta")
    assert {row["accountid"]: row["name"] for row in rows} == {
        created["accountid"]: "New",
        changed["accountid"]: "Changed!",
    }
    assert deleted == [{
        "@odata.context": f"{dataverse.base}/$metadata#accounts/$deletedEntity",
        "id": doomed["accountid"], "reason": "deleted",
    }]  # fmt: skip
    assert again["value"] == []


def test_a_row_created_and_deleted_in_between_is_reported_deleted(dataverse: Api) -> None:
    """RetrieveEntityChanges constraints: "a record is created and deleted before the next
    query for changes, they'll get the deleted item"."""
    link = delta_link(dataverse, **{"$select": "name"})
    brief = dataverse.request(
        "POST", "/accounts", json={"name": "Brief"}, headers=REPRESENTATION
    ).json()
    dataverse.request("DELETE", f"/accounts({brief['accountid']})")

    delta = dataverse.get(link).json()["value"]

    assert {"@odata.context": f"{dataverse.base}/$metadata#accounts/$deletedEntity",
            "id": brief["accountid"], "reason": "deleted"} in delta  # fmt: skip
    assert brief["accountid"] not in [row.get("accountid") for row in delta]


def test_count_of_changes(dataverse: Api) -> None:
    """Retrieve count of the changes: `<set>/$count?$deltatoken=...`."""
    token = parse_qs(urlsplit(delta_link(dataverse)).query)["$deltatoken"][0]
    for n in range(3):
        dataverse.request("POST", "/accounts", json={"name": f"Counted {n}"})

    count = dataverse.get(f"/accounts/$count?$deltatoken={quote(token)}")

    assert count.text == "3"


def test_tracked_paging_keeps_changes_made_while_reading(dataverse: Api) -> None:
    """Page results with change tracking: the delta link of the last page starts where the
    first page was read, so a change made between pages is in the next delta."""
    first = dataverse.get("/accounts", params={"$select": "name"},
                          headers={"Prefer": "odata.track-changes,odata.maxpagesize=2"})  # fmt: skip
    during = dataverse.request(
        "POST", "/accounts", json={"name": "During"}, headers=REPRESENTATION
    ).json()
    response = first
    while "@odata.nextLink" in response.json():
        response = dataverse.get(response.json()["@odata.nextLink"], headers=TRACK)

    delta = dataverse.get(response.json()["@odata.deltaLink"]).json()["value"]

    assert during["accountid"] in [row.get("accountid") for row in delta]


@pytest.mark.parametrize("option", ["$filter", "$orderby", "$expand", "$top"])
def test_unsupported_query_options(dataverse: Api, option: str) -> None:
    """Query options not supported in Change Tracking Web API request: the documented message."""
    values = {
        "$filter": "name ne null",
        "$orderby": "name",
        "$expand": "primarycontactid",
        "$top": "1",
    }
    response = dataverse.get("/accounts", params={option: values[option]}, headers=TRACK)

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        f'The "{option}" query parameter isn\'t supported when Change Tracking is enabled.'
    )


def test_tables_without_change_tracking(dataverse: Api) -> None:
    """Enable change tracking for a table: only tables with "Track changes" on answer delta
    links (the connector's masters have it off); a token on such a table is refused."""
    response = dataverse.get("/bcs_paymentterms", headers=TRACK)
    token = parse_qs(urlsplit(delta_link(dataverse)).query)["$deltatoken"][0]
    refused = dataverse.get(f"/bcs_paymentterms?$deltatoken={quote(token)}")

    assert "Preference-Applied" not in response.headers
    assert "@odata.deltaLink" not in response.json()
    assert refused.status_code == 400


def test_expired_and_malformed_tokens(dataverse: Api, sandbox: RunningSandbox) -> None:
    """Tokens expire after ExpireChangeTrackingInDays (7 by default)."""
    old = (datetime.now(UTC) - timedelta(days=8)).strftime("%m/%d/%Y %H:%M:%S")
    expired = dataverse.get(f"/accounts?$deltatoken={quote(f'1!{old}')}")
    malformed = dataverse.get(f"/accounts?$deltatoken={uuid.uuid4()}")

    for response in (expired, malformed):
        assert response.status_code == 400
        assert response.json()["error"] == {"code": "0x80072515", "message": "Invalid Sync Token"}


def test_changes_of_project_invoices(sandbox: RunningSandbox, dataverse: Api) -> None:
    """The credit-note flow polls invoices: a revision made after the token shows up with
    its Project Operations columns."""
    link = delta_link(
        dataverse,
        "invoices",
        **{"$select": "invoicenumber,msdyn_projectinvoicestatus,msdyn_hascorrections"},
    )
    original = dataverse.get("/invoices", params={"$filter": "name eq 'Adatum Cloud Migration - January' "
                                                             "and msdyn_hascorrections eq false"}).json()["value"][0]  # fmt: skip
    revision = sandbox.dataverse.revise_project_invoice(original["invoiceid"], confirm=True)

    delta = dataverse.get(link).json()["value"]

    assert {"invoiceid": revision["invoiceid"], "msdyn_projectinvoicestatus": 192350002,
            "msdyn_hascorrections": True}.items() <= next(
        row for row in delta if row.get("invoiceid") == revision["invoiceid"]
    ).items()  # fmt: skip
