"""The organization row: which currency is the environment's base currency.

learn.microsoft.com/power-apps/developer/data-platform/reference/entities/organization
(entity set `organizations`, primary key `organizationid`, primary name `name`, the lookup
`basecurrencyid` to transactioncurrency, `basecurrencysymbol`, `basecurrencyprecision`)
and learn.microsoft.com/power-apps/developer/data-platform/transaction-currency-currency-entity
(the base currency is chosen when the organization is set up and kept in
Organization.BaseCurrencyID). BC keeps no currency record for its local currency; the
coupling job reads this row to couple BC's blank currency code to CRM's base currency.
"""

from __future__ import annotations

import pytest

from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox
FORMATTED = "@OData.Community.Display.V1.FormattedValue"
LOGICAL = "@Microsoft.Dynamics.CRM.lookuplogicalname"


def organizations(dataverse: Api, **params: str) -> list[dict[str, object]]:
    response = dataverse.get(
        "/organizations", params=params, headers={"Prefer": 'odata.include-annotations="*"'}
    )
    assert response.status_code == 200, response.text
    return response.json()["value"]  # type: ignore[no-any-return]


def test_one_organization_names_pound_sterling_as_its_base_currency(dataverse: Api) -> None:
    """reference/entities/organization: BaseCurrencyId is a lookup to transactioncurrency,
    read as `_basecurrencyid_value` with its formatted value and logical name."""
    rows = organizations(dataverse, **{"$select": "name,_basecurrencyid_value,basecurrencysymbol"})
    base = dataverse.get(
        "/transactioncurrencies", params={"$filter": "isocurrencycode eq 'GBP'"}
    ).json()["value"]

    assert len(rows) == 1
    organization = rows[0]
    assert organization["_basecurrencyid_value"] == base[0]["transactioncurrencyid"]
    assert organization[f"_basecurrencyid_value{FORMATTED}"] == "Pound Sterling"
    assert organization[f"_basecurrencyid_value{LOGICAL}"] == "transactioncurrency"
    assert organization["basecurrencysymbol"] == "£" and organization["name"]


def test_the_base_currency_expands_through_its_navigation_property(dataverse: Api) -> None:
    """query/join-tables: the single-valued navigation property `basecurrencyid`."""
    rows = organizations(dataverse, **{"$expand": "basecurrencyid($select=isocurrencycode)"})

    assert rows[0]["basecurrencyid"]["isocurrencycode"] == "GBP"  # type: ignore[index]


def test_the_base_currency_is_read_only(dataverse: Api) -> None:
    """reference/entities/organization lists BaseCurrencyId as not valid for update: the
    base currency never changes once the organization exists (a write of it is ignored,
    as the simulator treats every read-only column)."""
    organization = organizations(dataverse)[0]
    euro = dataverse.get(
        "/transactioncurrencies", params={"$filter": "isocurrencycode eq 'EUR'"}
    ).json()["value"][0]
    moved = {
        "basecurrencyid@odata.bind": f"/transactioncurrencies({euro['transactioncurrencyid']})",
        "basecurrencysymbol": "€",
        "basecurrencyprecision": 4,
    }
    answer = dataverse.request(
        "PATCH", f"/organizations({organization['organizationid']})", json=moved
    )

    assert answer.status_code == 204, answer.text
    after = organizations(dataverse)[0]
    assert after["_basecurrencyid_value"] == organization["_basecurrencyid_value"]
    assert after["_basecurrencyid_value"] != euro["transactioncurrencyid"]
    assert (after["basecurrencysymbol"], after["basecurrencyprecision"]) == ("£", 2)


def test_who_am_i_names_the_organization_row(dataverse: Api) -> None:
    """webapi/reference/whoami (WhoAmIResponse: BusinessUnitId, UserId, OrganizationId):
    the OrganizationId is the id of the environment's one organization row."""
    who = dataverse.get("/WhoAmI").json()
    [organization] = organizations(dataverse, **{"$select": "organizationid"})
    assert who["OrganizationId"] == organization["organizationid"]
