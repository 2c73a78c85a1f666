"""Dataverse's error answers: `{"error": {"code": "0x…", "message": …}}` with its hex codes.

Codes and messages as the Web API documents them (compose-http-requests-handle-errors,
perform-conditional-operations-using-web-api, execute-batch-operations-using-web-api,
api-limits, reference/web-service-error-codes). With `Prefer: odata.include-annotations`
naming them (or `*`), an error also carries `@Microsoft.PowerApps.CDS.HelpLink` and
`@Microsoft.PowerApps.CDS.InnerError.Message`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from werkzeug.wrappers import Response

from sandbox.server import ServiceError

ODATA_HEADERS = {"OData-Version": "4.0"}
HELP_LINK = "http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a{code}&client=platform"
PAYLOAD_HELP = "https://go.microsoft.com/fwlink/?linkid=2195293"


def error(status: int, code: str, message: str) -> ServiceError:
    return ServiceError(status, code, message, dict(ODATA_HEADERS))


def not_found(logical_name: str, key: str) -> ServiceError:
    return error(404, "0x80040217", f"{logical_name} With Id = {key} Does Not Exist")


def not_found_by_key(logical_name: str) -> ServiceError:
    return error(
        404,
        "0x80060891",
        f"A record with the specified key values does not exist in {logical_name} entity",
    )


def unknown_segment(segment: str) -> ServiceError:
    return error(404, "0x8006088a", f"Resource not found for the segment '{segment}'.")


def bad_query(message: str) -> ServiceError:
    return error(400, "0x80060888", message)


def bad_payload(entity_set: str, inner: str) -> ServiceError:
    """Malformed or mistyped body: the OData reader's message inside the platform's."""
    return error(
        400, "0x80048d19",
        f"Error identified in Payload provided by the user for Entity :'{entity_set}', For more "
        f"information on this error please follow this help link {PAYLOAD_HELP}  ----> "
        f"InnerException : Microsoft.OData.ODataException: {inner}",
    )  # fmt: skip


def unknown_property(entity_set: str, name: str, entity_type: str) -> ServiceError:
    return bad_payload(
        entity_set,
        f"The property '{name}' does not exist on type '{entity_type}'. Make sure to only use "
        "property names that are defined by the type or mark the type as open type.",
    )


def wrong_type(entity_set: str, value: object, edm_type: str) -> ServiceError:
    literal = json.dumps(value, ensure_ascii=False).strip('"')
    return bad_payload(
        entity_set, f"Cannot convert the literal '{literal}' to the expected type '{edm_type}'."
    )


def lookup_property_written(entity_set: str) -> ServiceError:
    return bad_payload(
        entity_set,
        "CRM do not support direct update of Entity Reference properties, Use Navigation "
        "properties instead.",
    )


def too_long(logical_name: str, column: str, max_length: int) -> ServiceError:
    return error(
        400, "0x80044331",
        f"A validation error occurred.  The length of the '{column}' attribute of the "
        f"'{logical_name}' entity exceeded the maximum allowed length of '{max_length}'.",
    )  # fmt: skip


def out_of_range(logical_name: str, column: str, value: object, allowed: str) -> ServiceError:
    return error(
        400, "0x80044331",
        f"A validation error occurred.  The value {value} of '{column}' on record of type "
        f"'{logical_name}' is outside the valid range. Accepted Values: {allowed}",
    )  # fmt: skip


def required(column: str) -> ServiceError:
    return error(400, "0x80040203", f"Attribute '{column}' cannot be NULL.")


def bad_bind(url: str, navigation: str) -> ServiceError:
    return error(
        400, "0x80090800", f"Invalid url value '{url}' for lookup property '{navigation}'."
    )


def both_product_and_description(column: str) -> ServiceError:
    return error(
        400, "0x80043afb",
        f"You cannot set both '{column}' and 'productdescription' for the same record.",
    )  # fmt: skip


def stale() -> ServiceError:
    return error(
        412, "0x80060882",
        "The version of the existing record doesn't match the RowVersion property provided.",
    )  # fmt: skip


def duplicate() -> ServiceError:
    return error(412, "0x80040237", "A record with matching key values already exists.")


def duplicate_key(key_name: str, columns: tuple[str, ...]) -> ServiceError:
    names = ", ".join(columns)
    return error(
        412, "0x80060892",
        f"A record that has the attribute values {names} already exists. The entity key "
        f"{key_name} requires that this set of attributes contains unique values. Select "
        "unique values and try again.",
    )  # fmt: skip


def invalid_key(entity_type: str) -> ServiceError:
    return bad_query(
        f"The key in the request URI is not valid for resource '{entity_type}'. Ensure that the "
        "names and number of key properties match the declared or alternate key properties for "
        f"the resource '{entity_type}'."
    )


def invalid_state_status() -> ServiceError:
    return error(
        400, "0x80048408",
        "State code is invalid or state code is valid but status code is invalid for a "
        "specified state code.",
    )  # fmt: skip


def invalid_state() -> ServiceError:
    return error(400, "0x80040233", "The object is not in a valid state to perform this operation.")


def read_only_record() -> ServiceError:
    return error(400, "0x8004022e", "The object cannot be updated because it is read-only.")


def revise_existing_quote() -> ServiceError:
    return error(
        400, "0x80048d00",
        "Quote cannot be revised as there already exists another quote in Draft/Active state "
        "and with same quote number.",
    )  # fmt: skip


def invalid_sync_token() -> ServiceError:
    return error(400, "0x80072515", "Invalid Sync Token")


def method_not_allowed(method: str, what: str) -> ServiceError:
    return error(405, "0x80060888", f"The HTTP method '{method}' is not allowed on '{what}'.")


def render(
    failure: ServiceError, annotations: bool = False, headers: Mapping[str, str] | None = None
) -> Response:
    """The error answer; `annotations` adds the help link and inner message."""
    body: dict[str, str] = {"code": failure.code, "message": failure.message}
    if annotations and failure.code.startswith("0x"):
        body["@Microsoft.PowerApps.CDS.HelpLink"] = HELP_LINK.format(code=failure.code[2:])
        body["@Microsoft.PowerApps.CDS.InnerError.Message"] = failure.message
    payload = json.dumps({"error": body}, ensure_ascii=False, separators=(",", ":"))
    response = Response(
        payload, status=failure.status, content_type="application/json; odata.metadata=minimal"
    )
    response.headers.update({**ODATA_HEADERS, **failure.headers, **(headers or {})})
    return response
