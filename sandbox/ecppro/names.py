"""Name pools for the EcpPro seed: people, organisations, groups.

Apostrophes (O'Neil, D'Angelo) and non-ASCII letters (Zoë, Łukasz, Østergaard, Nguyễn)
are deliberate: they break hand-built OData filters, naive CSV/XML handling and encodings
that assume ASCII, which is exactly what the hub must survive.
"""

from __future__ import annotations

FIRST_NAMES = (
    "Aoife", "Ben", "Björn", "Chloé", "Connor", "Daniela", "Dmitri", "Elif", "Emma", "Fatima",
    "François", "Grace", "Hannah", "Ines", "Jack", "José", "Katarzyna", "Liam", "Łukasz",
    "Maeve", "Mateo", "Mia", "Niamh", "Noah", "Olivia", "Oscar", "Priya", "Renée", "Rory",
    "Saoirse", "Søren", "Sofía", "Thandiwe", "Tomás", "Yuki", "Zoë",
)  # fmt: skip

LAST_NAMES = (
    "Ahmed", "Bauer", "Brennan", "Byrne", "Chen", "D'Angelo", "Dubois", "Dupont", "Fischer",
    "García", "Hansen", "Jensen", "Kelly", "Kowalski", "Lefèvre", "Martin", "McCarthy",
    "Müller", "Murphy", "Nguyễn", "Novák", "O'Brien", "O'Connor", "O'Neil", "Østergaard",
    "Patel", "Rossi", "Schmidt", "Silva", "Smith", "Tanaka", "Walsh", "Wójcik", "Yılmaz",
)  # fmt: skip

MSP_NAMES = (
    "Northwind IT Services", "Fjordline Managed Cloud", "Tailspin Technology Partners",
    "Contoso Managed Services", "Wide World IT", "Alpine Systems Group",
)  # fmt: skip

TENANT_FIRST = (
    "Alpine", "Blue Harbor", "Brightwater", "Cedar", "Crème de la", "Fjordside", "Granite",
    "Kestrel", "Lakeside", "Maple", "O'Hara", "O'Sullivan", "Østby", "Riverside", "São Paulo",
    "Summit", "Zürich", "Ångström", "Łódź", "Willow",
)  # fmt: skip

TENANT_SECOND = (
    "Dental Group", "Logistics", "Accountants", "Architects", "Bakery", "Law Firm", "Clinic",
    "Engineering", "Consulting", "Veterinary", "Brewing Co.", "Property Management",
)  # fmt: skip

CONTACT_COMPANIES = (
    "Acme Audit LLP", "Brennan & Co.", "Café Müller", "D'Arcy Insurance", "Global Freight",
    "Harbour Bank", "Lumière Printing", "Nordic Payroll AS", "Pixel Agency", "Zeta Telecom",
)  # fmt: skip

GROUP_NAMES = (
    "All Staff", "Finance", "Sales Team", "IT Admins", "Project Phoenix", "Marketing", "HR",
    "Leadership", "Support Desk", "Board", "Warehouse", "Reception", "Partners' Lounge",
    "Équipe Paris",
)  # fmt: skip
