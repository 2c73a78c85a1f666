"""The product's BC Invoice Stagings, the connector's write-back columns on project
invoices, confirming a project invoice, and the sandbox's project invoice helper.

The stagings follow the product document on credit notes (BC Invoice Staging header and
lines); Dataverse behaviour comes from the Web API pages each test names.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from sandbox.dataverse.tables.staging import LINES
from sandbox.run import RunningSandbox
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
REPRESENTATION = {"Prefer": "return=representation"}
UPDATE = {"If-Match": "*"}
FORMATTED = "@OData.Community.Display.V1.FormattedValue"
DRAFT, IN_REVIEW, CONFIRMED, PAID = 192350000, 192350001, 192350002, 192350003
DETAILS = "msdyn_invoice_msdyn_invoicelinetransaction_Invoice"
WORK = [
    {"description": "Week 1 design", "category": "Consulting Hours", "quantity": 8, "price": 100},
    {"description": "Week 2 design", "category": "Consulting Hours", "quantity": 4, "price": 100},
    {"description": "Train to Leeds", "category": "Travel Expenses", "transaction_class": "Expense",
     "quantity": 1, "price": 80.5},
]  # fmt: skip


def number() -> str:
    return f"PO-{uuid.uuid4().hex[:8].upper()}"


def ids(dataverse: Api) -> tuple[str, str]:
    """A seeded account and project."""
    account = dataverse.get("/accounts(accountnumber='C00010')").json()["accountid"]
    project = dataverse.get("/msdyn_projects", params={
        "$filter": "msdyn_subject eq 'Adatum Cloud Migration'"}).json()["value"][0]  # fmt: skip
    return account, project["msdyn_projectid"]


def project_invoice(sandbox: RunningSandbox, dataverse: Api, **more: Any) -> dict[str, Any]:
    account, project = ids(dataverse)
    return sandbox.dataverse.create_project_invoice(
        more.pop("number", None) or number(), account, project, more.pop("details", WORK), **more
    )


def patch(dataverse: Api, path: str, body: dict[str, Any]) -> Any:
    return dataverse.request("PATCH", path, json=body, headers=UPDATE)


# --- schema ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def csdl(running_sandbox: RunningSandbox) -> ET.Element:
    with running_sandbox.session() as http:
        token = running_sandbox.mint_token(running_sandbox.urls["dataverse"])
        response = http.get(
            f"{running_sandbox.urls['dataverse']}/api/data/v9.2/$metadata?annotations=true",
            headers={"Authorization": f"Bearer {token}"},
        )
    return ET.fromstring(response.content)


def members(csdl: ET.Element, name: str, kind: str) -> dict[str, ET.Element]:
    found = csdl.find(f".//{EDM}EntityType[@Name='{name}']")
    assert found is not None, name
    return {p.get("Name", ""): p for p in found.iter(f"{EDM}{kind}")}


def test_staging_tables_in_metadata(csdl: ET.Element) -> None:
    """web-api-service-documents: the stagings as entity types with typed, sized columns,
    their lookups as navigation properties (the lines as a collection partnered by the
    lines' lookup) and change tracking (use-change-tracking-synchronize-data-external-systems)."""
    header = members(csdl, "bcs_bcinvoicestaging", "Property")
    line = members(csdl, "bcs_bcinvoicestagingline", "Property")
    header_nav = members(csdl, "bcs_bcinvoicestaging", "NavigationProperty")
    line_nav = members(csdl, "bcs_bcinvoicestagingline", "NavigationProperty")
    invoice_nav = members(csdl, "invoice", "NavigationProperty")
    sets = {s.get("Name"): s for s in csdl.iter(f"{EDM}EntitySet")}
    tracking = "Org.OData.Capabilities.V1.ChangeTracking"

    lengths = {name: header[name].get("MaxLength") for name in (
        "bcs_name", "bcs_customeraccountnumber", "bcs_currencycode", "bcs_bcunpostedinvoiceno",
        "bcs_bcpostedinvoiceno", "bcs_creditnoteinvoiceid", "bcs_bcunpostedcreditmemoid",
        "bcs_bcpostedcreditmemoid", "bcs_errormessage")}  # fmt: skip
    assert lengths == {"bcs_name": "100", "bcs_customeraccountnumber": "20",
                       "bcs_currencycode": "10", "bcs_bcunpostedinvoiceno": "20",
                       "bcs_bcpostedinvoiceno": "20", "bcs_creditnoteinvoiceid": "100",
                       "bcs_bcunpostedcreditmemoid": "20", "bcs_bcpostedcreditmemoid": "20",
                       "bcs_errormessage": "2000"}  # fmt: skip
    assert {header[n].get("Type") for n in ("bcs_documentdate", "bcs_bcpostingdate")} == {
        "Edm.Date"
    }
    assert {header[n].get("Type") for n in ("bcs_totalamount", "bcs_totaltax")} == {"Edm.Decimal"}
    assert header["bcs_iscorrectioninvoice"].get("Type") == "Edm.Boolean"
    assert header["_bcs_invoice_value"].get("Type") == "Edm.Guid"
    assert header_nav["bcs_Invoice"].get("Type") == "mscrm.invoice"
    assert header_nav[LINES].get("Type") == "Collection(mscrm.bcs_bcinvoicestagingline)"
    assert header_nav[LINES].get("Partner") == "bcs_InvoiceStaging"
    assert line_nav["bcs_InvoiceStaging"].get("Type") == "mscrm.bcs_bcinvoicestaging"
    assert line_nav["bcs_InvoiceLineDetail"].get("Type") == "mscrm.msdyn_invoicelinetransaction"
    assert "bcs_invoice_bcs_bcinvoicestaging_Invoice" in invoice_nav
    assert line["bcs_importsequencenumber"].get("Type") == "Edm.Int32"
    assert {line[n].get("Type") for n in ("bcs_quantity", "bcs_unitprice", "bcs_lineamount",
            "bcs_lineamountbase", "bcs_exchangerate", "bcs_revisedquantity",
            "bcs_creditedquantity")} == {"Edm.Decimal"}  # fmt: skip
    for name in ("bcs_bcinvoicestagings", "bcs_bcinvoicestaginglines"):
        assert sets[name].find(f"{EDM}Annotation[@Term='{tracking}']") is not None


def test_staging_and_write_back_definitions(dataverse: Api) -> None:
    """query-metadata-web-api: the tables' definitions and the choices' options; the
    lines' billing type and transaction class are the Project Operations option sets."""
    header = dataverse.get("/EntityDefinitions(LogicalName='bcs_bcinvoicestaging')").json()
    attributes = {a["LogicalName"]: a for a in dataverse.get(
        "/EntityDefinitions(LogicalName='bcs_bcinvoicestaging')/Attributes").json()["value"]}  # fmt: skip
    lines = {a["LogicalName"]: a for a in dataverse.get(
        "/EntityDefinitions(LogicalName='bcs_bcinvoicestagingline')/Attributes").json()["value"]}  # fmt: skip
    details = {a["LogicalName"]: a for a in dataverse.get(
        "/EntityDefinitions(LogicalName='msdyn_invoicelinetransaction')/Attributes").json()["value"]}  # fmt: skip
    invoice = {a["LogicalName"]: a for a in dataverse.get(
        "/EntityDefinitions(LogicalName='invoice')/Attributes").json()["value"]}  # fmt: skip

    def options(attribute: dict[str, Any]) -> dict[int, str]:
        return {o["Value"]: o["Label"]["UserLocalizedLabel"]["Label"]
                for o in attribute["OptionSet"]["Options"]}  # fmt: skip

    assert (header["EntitySetName"], header["PrimaryIdAttribute"], header["PrimaryNameAttribute"],
            header["ChangeTrackingEnabled"], header["IsCustomEntity"]) == (
        "bcs_bcinvoicestagings", "bcs_bcinvoicestagingid", "bcs_name", True, True)  # fmt: skip
    assert options(attributes["bcs_status"]) == {
        100000000: "New", 100000001: "Created in BC", 100000002: "Posted in BC",
        100000003: "Credited", 100000004: "Cancelled", 100000005: "Error",
    }  # fmt: skip
    assert attributes["bcs_invoice"]["Targets"] == ["invoice"]
    assert {"ownerid", "statecode", "statuscode", "createdon", "modifiedon"} <= attributes.keys()
    assert options(lines["bcs_billingtype"]) == options(details["msdyn_billingtype"])
    assert options(lines["bcs_transactionclass"]) == options(
        details["msdyn_transactionclassification"]
    )
    assert lines["bcs_invoicestaging"]["Targets"] == ["bcs_bcinvoicestaging"]
    assert lines["bcs_invoicelinedetail"]["Targets"] == ["msdyn_invoicelinetransaction"]
    assert options(invoice["bcs_bcintegrationstatus"]) == {
        100000000: "Pending", 100000001: "Created", 100000002: "Posted", 100000003: "Credited",
        100000004: "Cancelled", 100000005: "Error",
    }  # fmt: skip
    assert (invoice["bcs_bcinvoiceno"]["MaxLength"], invoice["bcs_bccreditmemono"]["MaxLength"],
            invoice["bcs_bcintegrationmessage"]["MaxLength"]) == (20, 20, 2000)  # fmt: skip
    assert invoice["bcs_bccreditmemoposted"]["AttributeType"] == "Boolean"


# --- the stagings through the Web API -------------------------------------------------------
def staging_body(invoice: dict[str, Any], details: list[dict[str, Any]]) -> dict[str, Any]:
    lines = [{
        "bcs_name": f"{invoice['invoicenumber']}-{i}", "bcs_description": d["msdyn_description"],
        "bcs_InvoiceLineDetail@odata.bind": f"/msdyn_invoicelinetransactions({d['msdyn_invoicelinetransactionid']})",
        "bcs_billingtype": d["msdyn_billingtype"], "bcs_transactionclass": d["msdyn_transactionclassification"],
        "bcs_dimensioncode": "Adatum Cloud Migration", "bcs_dimensionvalue": d["_msdyn_project_value"],
        "bcs_quantity": d["msdyn_quantity"], "bcs_unitprice": d["msdyn_price"],
        "bcs_lineamount": d["msdyn_amount"], "bcs_lineamountbase": d["msdyn_amount"],
        "bcs_exchangerate": 1, "bcs_importsequencenumber": i,
    } for i, d in enumerate(details, start=1)]  # fmt: skip
    return {
        "bcs_name": invoice["invoicenumber"], "bcs_Invoice@odata.bind": f"/invoices({invoice['invoiceid']})",
        "bcs_customeraccountnumber": "C00010", "bcs_currencycode": "GBP",
        "bcs_documentdate": invoice["msdyn_invoicedate"], "bcs_totalamount": invoice["totalamount"],
        "bcs_totaltax": 0, "bcs_status": 100000000, LINES: lines,
    }  # fmt: skip


def test_staging_with_lines_created_queried_and_updated(
    sandbox: RunningSandbox, dataverse: Api
) -> None:
    """create-entity-web-api (deep insert of the lines, lookups bound by URL), query/
    join-tables (`$expand` of the collection with `$select`/`$orderby`, of a lookup),
    query/filter-rows (`_bcs_invoice_value eq <id>`), update-delete-entities-using-web-api
    (PATCH; deleting the header deletes its lines: a parental relationship), select-columns
    (formatted choice values)."""
    invoice = project_invoice(sandbox, dataverse, confirm=True)
    details = dataverse.get(f"/invoices({invoice['invoiceid']})/{DETAILS}").json()["value"]
    details.sort(key=lambda d: d["msdyn_description"])
    created = dataverse.request("POST", "/bcs_bcinvoicestagings",
                                json=staging_body(invoice, details), headers=REPRESENTATION)  # fmt: skip
    staging_id = created.json()["bcs_bcinvoicestagingid"]
    expand = f"{LINES}($select=bcs_name,bcs_quantity,bcs_coupled,_bcs_invoicelinedetail_value;$orderby=bcs_importsequencenumber desc)"
    found = dataverse.get("/bcs_bcinvoicestagings", params={
        "$filter": f"_bcs_invoice_value eq {invoice['invoiceid']} and bcs_status eq 100000000",
        "$select": "bcs_name,bcs_status,bcs_totalamount,bcs_iscorrectioninvoice,statecode",
        "$expand": f"{expand},bcs_Invoice($select=invoicenumber)",
    }, headers={"Prefer": f'odata.include-annotations="{FORMATTED[1:]}"'}).json()["value"]  # fmt: skip
    first_line = found[0][LINES][-1]["bcs_bcinvoicestaginglineid"]
    header_update = patch(dataverse, f"/bcs_bcinvoicestagings({staging_id})", {
        "bcs_status": 100000001, "bcs_bcunpostedinvoiceno": "S-INV-1001"})  # fmt: skip
    line_update = patch(dataverse, f"/bcs_bcinvoicestaginglines({first_line})",
                        {"bcs_coupled": True, "bcs_creditedquantity": 8})  # fmt: skip
    line = dataverse.get(f"/bcs_bcinvoicestaginglines({first_line})", params={
        "$expand": "bcs_InvoiceStaging($select=bcs_status,bcs_bcunpostedinvoiceno)"}).json()  # fmt: skip
    deleted = dataverse.request("DELETE", f"/bcs_bcinvoicestagings({staging_id})")
    orphan = dataverse.get(f"/bcs_bcinvoicestaginglines({first_line})")

    assert created.status_code == 201 and len(found) == 1
    assert (found[0]["bcs_name"], found[0]["bcs_totalamount"], found[0]["bcs_iscorrectioninvoice"],
            found[0]["statecode"]) == (invoice["invoicenumber"], 1280.5, False, 0)  # fmt: skip
    assert found[0][f"bcs_status{FORMATTED}"] == "New"
    assert found[0]["bcs_Invoice"]["invoicenumber"] == invoice["invoicenumber"]
    assert [(r["bcs_name"], r["bcs_quantity"], r["bcs_coupled"]) for r in found[0][LINES]] == [
        (f"{invoice['invoicenumber']}-3", 4, False), (f"{invoice['invoicenumber']}-2", 8, False),
        (f"{invoice['invoicenumber']}-1", 1, False)]  # fmt: skip
    assert {r["_bcs_invoicelinedetail_value"] for r in found[0][LINES]} == {
        d["msdyn_invoicelinetransactionid"] for d in details
    }
    assert header_update.status_code == line_update.status_code == 204
    assert (line["bcs_coupled"], line["bcs_creditedquantity"]) == (True, 8)
    assert line["bcs_InvoiceStaging"]["bcs_status"] == 100000001
    assert line["bcs_InvoiceStaging"]["bcs_bcunpostedinvoiceno"] == "S-INV-1001"
    assert deleted.status_code == 204 and orphan.status_code == 404


def test_staging_values_are_checked(dataverse: Api) -> None:
    """web-service-error-codes: text longer than its MaxLength and a choice value that is
    not an option are 0x80044331; a lookup to another table is 0x80090800."""
    too_long = dataverse.request("POST", "/bcs_bcinvoicestagings",
                                 json={"bcs_name": "X", "bcs_customeraccountnumber": "C" * 21})  # fmt: skip
    bad_status = dataverse.request("POST", "/bcs_bcinvoicestagings",
                                   json={"bcs_name": "X", "bcs_status": 1})  # fmt: skip
    wrong_target = dataverse.request("POST", "/bcs_bcinvoicestagings", json={
        "bcs_name": "X", "bcs_Invoice@odata.bind": "/accounts(accountnumber='C00010')"})  # fmt: skip

    assert too_long.json()["error"]["code"] == bad_status.json()["error"]["code"] == "0x80044331"
    assert wrong_target.json()["error"]["code"] == "0x80090800"


def test_stagings_are_change_tracked(dataverse: Api) -> None:
    """use-change-tracking-synchronize-data-external-systems: a delta link, and a row
    created after it in the delta."""
    first = dataverse.get("/bcs_bcinvoicestagings", params={"$select": "bcs_name"},
                          headers={"Prefer": "odata.track-changes"})  # fmt: skip
    link = first.json()["@odata.deltaLink"]
    name = number()
    dataverse.request("POST", "/bcs_bcinvoicestagings", json={"bcs_name": name})

    delta = dataverse.get(link).json()["value"]

    assert first.headers["Preference-Applied"] == "odata.track-changes"
    assert name in {row.get("bcs_name") for row in delta}


# --- project invoices: confirm, write back -------------------------------------------------
def test_confirm_a_draft_project_invoice_by_update(sandbox: RunningSandbox, dataverse: Api) -> None:
    """No Web API message confirms a project invoice (the app's Confirm button sets the
    status): `PATCH invoices(<id>)` with `msdyn_projectinvoicestatus` Draft → Confirmed.
    proforma-invoicing/confirm-proforma-invoice: "When an invoice is confirmed, it becomes
    read-only" (0x8004022e, its lines too); it is not sent back to Draft or In Review
    (0x80040233): corrections go through a revision (revise-project-invoices)."""
    draft = project_invoice(sandbox, dataverse)
    path = f"/invoices({draft['invoiceid']})"
    line = dataverse.get(f"{path}/invoice_details").json()["value"][0]

    review = patch(dataverse, path, {"msdyn_projectinvoicestatus": IN_REVIEW})
    confirmed = patch(dataverse, path, {"msdyn_projectinvoicestatus": CONFIRMED})
    after = dataverse.get(path, params={"$select": "msdyn_projectinvoicestatus,statecode"}).json()
    back = [patch(dataverse, path, {"msdyn_projectinvoicestatus": status}).json()["error"]["code"]
            for status in (DRAFT, IN_REVIEW)]  # fmt: skip
    cleared = patch(dataverse, path, {"msdyn_projectinvoicestatus": None})
    edit = patch(dataverse, path, {"name": "Changed"})
    line_edit = patch(dataverse, f"/invoicedetails({line['invoicedetailid']})", {"quantity": 1})
    paid = patch(dataverse, path, {"msdyn_projectinvoicestatus": PAID})
    paid_edit = patch(dataverse, path, {"name": "Changed"})

    assert draft["msdyn_projectinvoicestatus"] == DRAFT
    assert review.status_code == confirmed.status_code == paid.status_code == 204
    assert (after["msdyn_projectinvoicestatus"], after["statecode"]) == (CONFIRMED, 0)
    assert back == ["0x80040233", "0x80040233"]
    assert cleared.json()["error"]["code"] == "0x80040233"
    assert edit.json()["error"]["code"] == line_edit.json()["error"]["code"] == "0x8004022e"
    assert paid_edit.json()["error"]["code"] == "0x8004022e"


def test_write_back_columns_on_a_confirmed_invoice(sandbox: RunningSandbox, dataverse: Api) -> None:
    """The connector writes BC's numbers and the outcome to a project invoice that Project
    Operations holds read-only once confirmed (confirm-proforma-invoice): its solution's
    columns are let through, other columns in the same update are still refused."""
    invoice = project_invoice(sandbox, dataverse, confirm=True)
    path = f"/invoices({invoice['invoiceid']})"
    body = {"bcs_bcinvoiceno": "S-INV-2001", "bcs_bccreditmemono": "S-CR-1001",
            "bcs_bccreditmemoposted": True, "bcs_bcintegrationstatus": 100000003,
            "bcs_bcintegrationmessage": "Credited by S-CR-1001"}  # fmt: skip

    written = patch(dataverse, path, body)
    mixed = patch(dataverse, path, {"bcs_bcintegrationstatus": 100000005, "name": "Changed"})
    read = dataverse.get(path, params={"$select": ",".join(body)},
                         headers={"Prefer": f'odata.include-annotations="{FORMATTED[1:]}"'}).json()  # fmt: skip
    too_long = patch(dataverse, path, {"bcs_bcinvoiceno": "X" * 21})

    assert written.status_code == 204
    assert mixed.json()["error"]["code"] == "0x8004022e"
    assert {name: read[name] for name in body} == body
    assert read[f"bcs_bcintegrationstatus{FORMATTED}"] == "Credited"
    assert too_long.json()["error"]["code"] == "0x80044331"


# --- the sandbox helper ---------------------------------------------------------------------
def test_make_a_project_invoice_over_http(
    sandbox: RunningSandbox, dataverse: Api, http: Any
) -> None:
    """`POST /_sandbox/project-invoices`: a Draft (or confirmed) work-based invoice in the
    given currency with a line per class, category and price, the details in the order
    given, Billed Sales; answered as `GET invoices(<id>)?$expand=<details>` would."""
    account, project = ids(dataverse)
    url = f"{sandbox.roots['dataverse']}/_sandbox/project-invoices"
    name = number()
    body = {"number": name, "account_id": account, "project_id": project, "currency": "EUR",
            "invoice_date": "2025-03-31", "confirm": True, "details": WORK}  # fmt: skip

    made = http.post(url, json=body)
    invoice = made.json()
    lines = dataverse.get(f"/invoices({invoice['invoiceid']})/invoice_details", params={
        "$select": "productdescription,quantity,priceperunit,baseamount,_transactioncurrencyid_value",
        "$orderby": "lineitemnumber"}).json()["value"]  # fmt: skip
    euro = dataverse.get("/transactioncurrencies", params={
        "$filter": "isocurrencycode eq 'EUR'"}).json()["value"][0]["transactioncurrencyid"]  # fmt: skip
    again = http.post(url, json=body)
    unknown = http.post(url, json={**body, "number": number(), "project_id": str(uuid.uuid4())})
    invalid = http.post(url, json={**body, "details": [{"description": "No price"}]})

    assert made.status_code == 201
    assert (invoice["invoicenumber"], invoice["msdyn_projectinvoicestatus"], invoice["msdyn_invoicedate"],
            invoice["msdyn_ordertype"], invoice["_transactioncurrencyid_value"]) == (
        name, CONFIRMED, "2025-03-31", 192350001, euro)  # fmt: skip
    assert invoice["name"] == f"Adatum Cloud Migration {name}" and invoice["totalamount"] == 1280.5
    assert [d["msdyn_description"] for d in invoice[DETAILS]] == [w["description"] for w in WORK]
    assert [(d["msdyn_quantity"], d["msdyn_amount"], d["msdyn_transactionclassification"],
             d["msdyn_billingtype"], d["msdyn_transactiontypecode"]) for d in invoice[DETAILS]] == [
        (8, 800, 192350000, 192350001, 192350006), (4, 400, 192350000, 192350001, 192350006),
        (1, 80.5, 192350001, 192350001, 192350006)]  # fmt: skip
    assert {d["_msdyn_project_value"] for d in invoice[DETAILS]} == {project}
    assert [(line["productdescription"], line["quantity"], line["priceperunit"], line["baseamount"],
             line["_transactioncurrencyid_value"]) for line in lines] == [
        ("Consulting Hours", 12, 100, 1200, euro), ("Travel Expenses", 1, 80.5, 80.5, euro)]  # fmt: skip
    assert again.status_code == 412 and again.json()["error"]["code"] == "0x80060892"
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "0x80040217"
    assert invalid.status_code == 400


def test_revise_a_helper_invoice_keeping_quantities(
    sandbox: RunningSandbox, dataverse: Api
) -> None:
    """revise-project-invoices on an invoice the helper made: kept quantities stay billed,
    the rest is credited; the line quantity is what its details still bill; the columns
    the connector wrote back to the original are not copied to the revision."""
    invoice = project_invoice(sandbox, dataverse, confirm=True, invoice_date="2025-02-28")
    patch(dataverse, f"/invoices({invoice['invoiceid']})",
          {"bcs_bcinvoiceno": "S-INV-3001", "bcs_bcintegrationstatus": 100000002})  # fmt: skip
    details = {d["msdyn_description"]: d for d in dataverse.get(
        f"/invoices({invoice['invoiceid']})/{DETAILS}").json()["value"]}  # fmt: skip
    kept = {details["Week 1 design"]["msdyn_invoicelinetransactionid"]: 5.0}

    revision = sandbox.dataverse.revise_project_invoice(
        invoice["invoiceid"], confirm=True, kept=kept
    )
    corrections = dataverse.get(f"/invoices({revision['invoiceid']})/{DETAILS}").json()["value"]
    lines = dataverse.get(f"/invoices({revision['invoiceid']})/invoice_details", params={
        "$select": "productdescription,quantity"}).json()["value"]  # fmt: skip
    read = dataverse.get(f"/invoices({revision['invoiceid']})", params={
        "$select": "bcs_bcinvoiceno,bcs_bcintegrationstatus,bcs_bccreditmemoposted"}).json()  # fmt: skip

    assert {c["_msdyn_originalinvoicelinedetail_value"]: c["msdyn_quantity"] for c in corrections} == {
        d["msdyn_invoicelinetransactionid"]: (5 if d["msdyn_description"] == "Week 1 design" else 0)
        for d in details.values()}  # fmt: skip
    assert revision["totalamount"] == 500
    assert sorted((line["productdescription"], line["quantity"]) for line in lines) == [
        ("Consulting Hours", 5), ("Travel Expenses", 0)]  # fmt: skip
    assert revision["msdyn_projectinvoicestatus"] == CONFIRMED
    assert (read["bcs_bcinvoiceno"], read["bcs_bcintegrationstatus"],
            read["bcs_bccreditmemoposted"]) == (None, None, False)  # fmt: skip


def test_helper_in_process_defaults(sandbox: RunningSandbox, dataverse: Api) -> None:
    """In-process: Draft, the base currency, today's date; choices by label or value;
    a category that does not exist yet is made."""
    category = f"Category {uuid.uuid4().hex[:6]}"
    invoice = project_invoice(sandbox, dataverse, details=[
        {"description": "Licence", "category": category, "transaction_class": 192350002,
         "billing_type": "Non Chargeable", "quantity": 2, "price": 10}])  # fmt: skip
    detail = dataverse.get(f"/invoices({invoice['invoiceid']})/{DETAILS}", params={
        "$expand": "msdyn_TransactionCategory($select=msdyn_name)"}).json()["value"][0]  # fmt: skip
    base = dataverse.get("/organizations", params={"$select": "_basecurrencyid_value"}).json()

    assert invoice["msdyn_projectinvoicestatus"] == DRAFT
    assert invoice["_transactioncurrencyid_value"] == base["value"][0]["_basecurrencyid_value"]
    assert invoice["msdyn_invoicedate"] is not None
    assert (detail["msdyn_transactionclassification"], detail["msdyn_billingtype"]) == (
        192350002, 192350000)  # fmt: skip
    assert detail["msdyn_TransactionCategory"]["msdyn_name"] == category
