"""E-mail fields as BC validates them: Customer, Vendor, Contact and Ship-to Address.

Each table's "E-Mail" OnValidate calls `ValidateEmailAddressField` of codeunit 9520 "Mail
Management" (base application), which

- removes spaces at either end (its parameter is `var`, so the field keeps the trimmed
  text) and lets "" pass,
- needs exactly one "@" (`EmailAddress.Split('@').Count() <> 2` → error), so a second
  address after ";" or "," is refused,
- then asks codeunit 8894 "Email Account" (System Application) `ValidateEmailAddress`,
  which parses the text with .NET `System.Net.Mail.MailAddress` and refuses it unless
  the parsed address is the whole text (no display name, no angle brackets).

Every refusal is AL `Error(InvalidEmailAddressErr, EmailAddress)` with the label
'The email address "%1" is not valid.', i.e. 400 `Application_DialogException`
(webservices/dynamics-error-codes: NavNCLDialogException). The local part and domain
checked here are the dot-atom forms .NET accepts; the quoted local parts and address
literals (`"a b"@x`, `a@[10.0.0.1]`) it also accepts are refused here, as no CRM
address takes those forms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sandbox.business_central.dialect import dialog

_ATOM = r"[\w!#$%&'*+/=?^`{|}~-]+"
_LOCAL = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*$")
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")


def checked_email(value: Any) -> Any:
    """The e-mail as BC stores it (trimmed), or the 400 BC answers (see module doc)."""
    if not isinstance(value, str):
        return value  # the schema has refused other types already
    address = value.strip(" ")
    if not address:
        return address
    local, at, domain = address.partition("@")
    if not at or "@" in domain or not _LOCAL.match(local) or not _DOMAIN.match(domain):
        raise dialog(f'The email address "{address}" is not valid.')
    return address


def with_checked_email(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a write with their `email` (if any) checked and trimmed."""
    if "email" not in fields:
        return dict(fields)
    return {**fields, "email": checked_email(fields["email"])}
