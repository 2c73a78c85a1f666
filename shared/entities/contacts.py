"""Person contacts, both ways (product document §5).

BC keeps a Company contact for every customer; only Person contacts are synced (the
companion API's `crmContacts` lists only those), each under its company:
- **CRM → BC** (through the CRM Data staging): a CRM contact becomes a BC person under the
  company contact of its account's customer. A contact with no account is refused naming
  the field; one whose account is not a BC customer yet waits and is retried.
- **BC → CRM** ("Auto Synchronize BC Contact Person in CRM"): a BC person becomes a CRM
  contact of the account coupled to its company's customer; its CRM id goes back to BC.
  A person whose company's customer is not in CRM (customers are born in CRM; one born in
  BC may never get there) is skipped with a log row saying why, not kept waiting: waiting
  would hold the watermark before it for ever. It goes on its next change once the
  customer is coupled, or with a full run. A person with no company goes on its own.

Both maps share one coupling per contact. What the hub writes on one side is not echoed
back (the coupling keeps the hash the other direction will see), and a contact changed on
both sides between two runs is a conflict: the later change wins, the other side's values
stay on the log row.

Field sizes are BC's (Contact table); CRM's salutation ("Mr.") becomes BC's salutation
code (MR), and BC's code is what CRM gets back.
"""

from __future__ import annotations

from shared.registry import Table
from shared.sync.maps import Code, Copy, Direction, Email, EntityMap, Field, Lookup

_CRM_TO_BC_FIELDS = (
    Field("salutationCode", ("salutation",), Code(10)),
    Field("firstName", ("firstname",), Copy(30)),
    Field("middleName", ("middlename",), Copy(30)),
    Field("surname", ("lastname",), Copy(30)),
    Field("jobTitle", ("jobtitle",), Copy(30)),
    Field("phoneNumber", ("telephone1",), Copy(30)),
    Field("homePhone", ("telephone2",), Copy(30)),
    Field("mobilePhoneNumber", ("mobilephone",), Copy(30)),
    Field("faxNumber", ("fax",), Copy(30)),
    Field("email", ("emailaddress1",), Email(80)),
    Field("addressLine1", ("address1_line1",), Copy(100)),
    Field("addressLine2", ("address1_line2",), Copy(50)),
    Field("city", ("address1_city",), Copy(30)),
    Field("state", ("address1_stateorprovince",), Copy(30)),
    Field("postalCode", ("address1_postalcode",), Copy(20)),
    Field("crmId", ("id",)),
)

CONTACTS = EntityMap(
    name="contacts",
    label="Contact",
    direction=Direction.CRM_TO_BC,
    source_set="contacts",
    target_set="crmContacts",
    target_table="contact",
    source_key="contactid",
    target_key="number",
    fields=_CRM_TO_BC_FIELDS,
    lookups=(
        Lookup(
            "_parentcustomerid_value",
            "customers",
            "companyNumber",
            by="crm",
            value="companyContactNumber",
            label="Company Name (its account's BC customer)",
        ),
        Lookup(
            "_bcs_countryregionid_value",
            "countries-regions",
            "country",
            by="crm",
            value="key",
            label="Country/Region",
        ),
    ),
    required=(("_parentcustomerid_value", "Company Name: the contact belongs to no account"),),
    target_api="companion",
    auto_sync="contacts_to_bc",
    create_method="post",
    write_back=False,  # the CRM id travels in the BC record itself (crmId)
    coupling="contacts",
    reverse="contacts-to-crm",
    staging=Table.CRM_CONTACTS,
    match=False,  # coupled by id only: a person is never guessed by name
)

CONTACTS_TO_CRM = EntityMap(
    name="contacts-to-crm",
    label="Contact",
    direction=Direction.BC_TO_CRM,
    source_set="crmContacts",
    target_set="contacts",
    target_table="contact",
    source_key="number",
    target_key="",  # no natural key in CRM: never matched, always coupled by id
    fields=(
        Field("salutation", ("salutationCode",), Copy(100)),
        Field("firstname", ("firstName",), Copy(50)),
        Field("middlename", ("middleName",), Copy(50)),
        Field("lastname", ("surname",), Copy(50)),
        Field("jobtitle", ("jobTitle",), Copy(100)),
        Field("telephone1", ("phoneNumber",), Copy(50)),
        Field("telephone2", ("homePhone",), Copy(50)),
        Field("mobilephone", ("mobilePhoneNumber",), Copy(50)),
        Field("fax", ("faxNumber",), Copy(50)),
        Field("emailaddress1", ("email",), Copy(100)),
        Field("address1_line1", ("addressLine1",), Copy(250)),
        Field("address1_line2", ("addressLine2",), Copy(250)),
        Field("address1_city", ("city",), Copy(80)),
        Field("address1_stateorprovince", ("state",), Copy(50)),
        Field("address1_postalcode", ("postalCode",), Copy(20)),
    ),
    lookups=(
        Lookup(
            "companyNumber",
            "customers",
            "parentcustomerid_account@odata.bind",
            "accounts",
            by="companyContactNumber",
            label="Company No. (its customer's account)",
            skip_uncoupled=True,
        ),
        Lookup(
            "country",
            "countries-regions",
            "bcs_CountryRegionId@odata.bind",
            "bcs_countryregions",
            label="Country/Region",
        ),
    ),
    source_api="companion",
    auto_sync="contacts_to_crm",
    coupling="contacts",
    reverse="contacts",
    match=False,
)
