"""The service documents: `$metadata` (CSDL) and `EntityDefinitions`, consistent with what
the simulator serves (learn.microsoft.com/power-apps/developer/data-platform/webapi/
web-api-service-documents and query-metadata-web-api)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from sandbox.dataverse.schema import Required
from sandbox.dataverse.tables import TABLES
from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


@pytest.fixture(scope="module")
def csdl(running_sandbox: RunningSandbox) -> ET.Element:
    with running_sandbox.session() as http:
        token = running_sandbox.mint_token(running_sandbox.urls["dataverse"])
        response = http.get(
            f"{running_sandbox.urls['dataverse']}/api/data/v9.2/$metadata?annotations=true",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.headers["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def entity_type(csdl: ET.Element, name: str) -> ET.Element:
    found = csdl.find(f".//{EDM}EntityType[@Name='{name}']")
    assert found is not None, name
    return found


def test_every_table_is_an_entity_type_and_set(csdl: ET.Element) -> None:
    """web-api-service-documents#csdl-metadata-document: EntityType and EntitySet per table."""
    sets = {e.get("Name"): e.get("EntityType") for e in csdl.iter(f"{EDM}EntitySet")}
    for table in TABLES:
        assert sets[table.entity_set] == f"mscrm.{table.logical_name}"
        key = entity_type(csdl, table.logical_name).find(f"{EDM}Key/{EDM}PropertyRef")
        assert key is not None and key.get("Name") == table.primary_id


def test_properties_carry_type_length_and_requirement(csdl: ET.Element) -> None:
    """web-api-properties: Edm types; text columns with their MaxLength; SystemRequired
    columns not nullable; lookups as `_x_value` Edm.Guid properties."""
    account = {p.get("Name"): p for p in entity_type(csdl, "account").iter(f"{EDM}Property")}
    pricelevel = {p.get("Name"): p for p in entity_type(csdl, "pricelevel").iter(f"{EDM}Property")}

    assert account["name"].attrib == {"Name": "name", "Type": "Edm.String", "MaxLength": "160"}
    assert account["revenue"].get("Type") == "Edm.Decimal"
    assert account["creditonhold"].get("Type") == "Edm.Boolean"
    assert account["_parentaccountid_value"].get("Type") == "Edm.Guid"
    assert pricelevel["name"].get("Nullable") == "false"
    assert pricelevel["begindate"].get("Type") == "Edm.Date"


def test_navigation_properties_and_their_targets(csdl: ET.Element) -> None:
    """web-api-navigation-properties: single-valued ones with their ReferentialConstraint
    (one per target of a multi-table lookup), collection-valued ones with their partner."""
    contact = {
        n.get("Name"): n for n in entity_type(csdl, "contact").iter(f"{EDM}NavigationProperty")
    }
    account = {
        n.get("Name"): n for n in entity_type(csdl, "account").iter(f"{EDM}NavigationProperty")
    }

    assert contact["parentcustomerid_account"].get("Type") == "mscrm.account"
    assert contact["parentcustomerid_contact"].get("Type") == "mscrm.contact"
    constraint = contact["parentcustomerid_account"].find(f"{EDM}ReferentialConstraint")
    assert constraint is not None and constraint.attrib == {
        "Property": "_parentcustomerid_value",
        "ReferencedProperty": "accountid",
    }
    assert account["contact_customer_accounts"].get("Type") == "Collection(mscrm.contact)"
    assert account["contact_customer_accounts"].get("Partner") == "parentcustomerid_account"
    assert "bcs_PaymentTermId" in account  # custom lookups navigate by SchemaName


def test_alternate_keys_and_change_tracking_annotations(csdl: ET.Element) -> None:
    """define-alternate-keys-entity (OData.Community.Keys.V1.AlternateKeys) and
    use-change-tracking-synchronize-data-external-systems (`$metadata?annotations=true`:
    Org.OData.Capabilities.V1.ChangeTracking on sets with change tracking)."""
    ship_to = entity_type(csdl, "bcs_shiptoaddress")
    paths = [
        v.get("PropertyPath") for v in ship_to.iter(f"{EDM}PropertyValue") if v.get("PropertyPath")
    ]
    tracked = {
        s.get("Name") for s in csdl.iter(f"{EDM}EntitySet")
        if s.find(f"{EDM}Annotation[@Term='Org.OData.Capabilities.V1.ChangeTracking']") is not None
    }  # fmt: skip

    assert paths == ["bcs_customerno", "bcs_code"]
    assert tracked == {t.entity_set for t in TABLES if t.change_tracking}
    assert {"accounts", "quotes", "invoices"} <= tracked and "bcs_paymentterms" not in tracked


def test_quote_actions_are_declared(csdl: ET.Element) -> None:
    """Quote messages (ReviseQuote, WinQuote, CloseQuote, ConvertQuoteToSalesOrder)."""
    actions = {a.get("Name") for a in csdl.iter(f"{EDM}Action")}
    assert {"ReviseQuote", "WinQuote", "CloseQuote", "ConvertQuoteToSalesOrder"} <= actions


def test_entity_definitions(dataverse: Api) -> None:
    """query-metadata-web-api: `EntityDefinitions(LogicalName='account')` with `$select`,
    its Attributes (type, MaxLength, RequiredLevel, Targets) and Keys, and a `$filter`
    on the definitions (`ChangeTrackingEnabled eq true`)."""
    account = dataverse.get(
        "/EntityDefinitions(LogicalName='account')",
        params={"$select": "EntitySetName,PrimaryIdAttribute"},
    ).json()
    attributes = {a["LogicalName"]: a for a in dataverse.get(
        "/EntityDefinitions(LogicalName='account')/Attributes").json()["value"]}  # fmt: skip
    keys = dataverse.get("/EntityDefinitions(LogicalName='bcs_shiptoaddress')/Keys").json()["value"]
    tracked = dataverse.get("/EntityDefinitions", params={
        "$filter": "ChangeTrackingEnabled eq true", "$select": "LogicalName"
    }).json()["value"]  # fmt: skip

    assert account["EntitySetName"] == "accounts" and account["PrimaryIdAttribute"] == "accountid"
    assert attributes["name"]["MaxLength"] == 160
    assert attributes["name"]["RequiredLevel"] == {"Value": Required.APPLICATION.value}
    assert attributes["bcs_paymenttermid"]["Targets"] == ["bcs_paymentterm"]
    assert attributes["createdon"]["IsValidForCreate"] is False
    assert keys == [
        {"LogicalName": "bcs_shiptoaddress_key", "KeyAttributes": ["bcs_customerno", "bcs_code"]}
    ]
    assert {d["LogicalName"] for d in tracked} == {
        t.logical_name for t in TABLES if t.change_tracking
    }
    assert dataverse.get("/EntityDefinitions(LogicalName='nosuch')").status_code == 404
