"""How Business Central's OData endpoints differ, and the shapes of its errors.

BC quirks reproduced here:

- pages of at most 20,000 rows (`Prefer: odata.maxpagesize` lowers it),
- text comparisons are case-sensitive (`tolower`/`toupper` make them insensitive),
- `or` across different fields is refused (400): BC cannot turn it into an AL filter,
- nested function calls (`contains(tolower(x),'y')`) need `$schemaversion=2.1` (400 without),
- `$expand` is accepted (the simulator says which navigations exist),
- PATCH and DELETE require `If-Match` (missing → 400 `BadRequest_InvalidToken`); a stale
  ETag → 409 `Request_EntityChanged`; `If-Match: *` overwrites,
- POST → 201 with the entity and its `@odata.etag`; PATCH → 200 with the entity,
- ETags look like BC's (`W/"JzE5Oz...Jw=="`, base64 of a quoted version string),
- a client may choose the `id` (SystemId) of a new record; it must be a GUID
  (`Application_InvalidGUID`) and is answered in lower case,
- a read-only property in a body → 400 `BadRequest_InvalidOperation`; property types and
  enum values are checked against the set's schema (`business_central_schema`),
- every error message ends with `CorrelationId:  <guid>.` like BC's.

Error codes follow BC's documented categories: `Internal_RecordNotFound` when a
referenced record is missing, `Application_DialogException` for an AL `Error()`,
`Application_FieldValidationException` for a `TestField`, `Application_StringExceededLength`,
`Application_CallbackNotAllowed` when AL would ask the user to confirm.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from werkzeug.wrappers import Request, Response

from sandbox.odata.dialect import ODATA_HEADERS, ODataDialect, Target
from sandbox.odata.query import QueryOptions
from sandbox.odata.spec import is_guid
from sandbox.odata.store import EntitySetSpec, EntityStore, Record
from sandbox.server import ServiceError, json_response


class BodyCheck(Protocol):
    """What the dialect needs of a set's schema (`business_central_schema.EntitySchema`)."""

    def check(self, body: Mapping[str, Any]) -> dict[str, Any]: ...

    def present(self, record: Mapping[str, Any]) -> dict[str, Any]: ...


def bc_etag(version: int) -> str:
    digits = str(version)
    return 'W/"' + base64.b64encode(f"'{len(digits)};{digits};00;'".encode()).decode() + '"'


def bc_error(status: int, code: str, message: str) -> ServiceError:
    """An error as BC answers it (message ending with its correlation id)."""
    return ServiceError(status, code, f"{message}  CorrelationId:  {uuid.uuid4()}.", ODATA_HEADERS)


def dialog(message: str) -> ServiceError:
    """What an AL `Error(...)` becomes in the API."""
    return bc_error(400, "Application_DialogException", message)


def record_not_found(table: str, keys: Mapping[str, str]) -> ServiceError:
    """`The Customer does not exist. Identification fields and values: No.='C99999'`."""
    fields = ",".join(f"{name}='{value}'" for name, value in keys.items())
    return bc_error(
        400, "Internal_RecordNotFound",
        f"The {table} does not exist. Identification fields and values: {fields}",
    )  # fmt: skip


def field_validation(message: str) -> ServiceError:
    """What an AL `TestField` becomes in the API."""
    return bc_error(400, "Application_FieldValidationException", message)


def must_equal(field: str, wanted: str, table: str, key: str, current: str) -> ServiceError:
    return field_validation(
        f"{field} must be equal to '{wanted}'  in {table}: {key}. Current value is '{current}'."
    )


def callback_not_allowed(question: str) -> ServiceError:
    """AL asked the user to confirm something; an API session cannot answer."""
    return bc_error(
        400, "Application_CallbackNotAllowed",
        "Business Central attempted to issue a client callback to show a confirmation "
        f"dialog box: {question}",
    )  # fmt: skip


def check_length(name: str, value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        raise bc_error(
            400, "Application_StringExceededLength",
            f"The length of the string is {len(value)}, but it must be less than or equal to "
            f"{limit} characters. Value: {value}",
        )  # fmt: skip


def guid_error() -> ServiceError:
    return bc_error(
        400, "Application_InvalidGUID",
        "Invalid format of GUID string. The correct format of the GUID string is: "
        "CDEF7890-ABCD-0123-1234-567890ABCDEF where 0-9, A-F symbolizes hexadecimal digits.",
    )  # fmt: skip


def guid_or_new(value: Any) -> str:
    """A client-chosen SystemId (lower case), or a new one."""
    if value in (None, ""):
        return str(uuid.uuid4())
    if not isinstance(value, str) or not is_guid(value):
        raise guid_error()
    return value.lower()


def unknown_property(spec_name: str, entity_type: str) -> ServiceError:
    return bc_error(
        400, "BadRequest",
        f"Invalid Request Body. The property '{spec_name}' does not exist on type "
        f"'{entity_type}'.",
    )  # fmt: skip


def method_not_allowed(method: str, name: str) -> ServiceError:
    return bc_error(
        405, "BadRequest_MethodNotAllowed",
        f"'{method}' requests for '{name}' of EdmType 'Entity' are not allowed within "
        "Microsoft Dynamics 365 Business Central OData web services.",
    )  # fmt: skip


def read_only_control(name: str) -> ServiceError:
    return bc_error(400, "BadRequest_InvalidOperation", f"Control '{name}' is read-only.")


class BusinessCentralDialect(ODataDialect):
    """BC's OData behaviour; `schemas` type-check the bodies of the sets they describe."""

    service = "Business Central"
    max_page_size = 20_000
    require_if_match = True
    extra_options = frozenset({"$schemaversion", "$expand"})

    def __init__(self, schemas: Mapping[str, BodyCheck] | None = None) -> None:
        self.schemas: Mapping[str, BodyCheck] = schemas or {}

    def etag(self, version: int) -> str:
        return bc_etag(version)

    def present(self, spec: EntitySetSpec, record: Record) -> Record:
        schema = self.schemas.get(spec.name)
        return schema.present(record) if schema is not None else record

    def error(self, status: int, code: str, message: str) -> ServiceError:
        return bc_error(status, code, message)

    def check_filter(self, request: Request, options: QueryOptions) -> None:
        if options.filter is None:
            return
        fields = options.filter.or_across_fields()
        if fields is not None:
            raise self.error(
                400, "BadRequest",
                "The 'or' operator cannot combine filters on different fields "
                f"({', '.join(fields)}); use it on one field only.",
            )  # fmt: skip
        if options.filter.has_nested_call() and request.args.get("$schemaversion") != "2.1":
            raise self.error(
                400, "BadRequest",
                "Nested function calls in $filter require $schemaversion=2.1.",
            )  # fmt: skip

    def prepare_body(self, store: EntityStore, spec: EntitySetSpec, body: Record) -> Record:
        fields = super().prepare_body(store, spec, body)
        schema = self.schemas.get(spec.name)
        if schema is not None:
            fields = schema.check(fields)
        if spec.key == "id" and "id" in fields:
            fields["id"] = guid_or_new(fields["id"])
        return fields

    def not_found(self, spec: EntitySetSpec, key: str) -> ServiceError:
        name = spec.entity_type.rsplit(".", 1)[-1]
        return self.error(
            404, "BadRequest_NotFound",
            f"The {name} does not exist. Identification fields and values: Id='{key}'",
        )  # fmt: skip

    def unknown_segment(self, segment: str) -> ServiceError:
        return self.error(
            404, "BadRequest_ResourceNotFound", f"Resource not found for the segment '{segment}'."
        )

    def bad_query(self, message: str) -> ServiceError:
        return self.error(400, "BadRequest", message)

    def bad_body(self, spec: EntitySetSpec, message: str) -> ServiceError:
        return self.error(400, "BadRequest", f"Invalid Request Body. {message}")

    def read_only(self, spec: EntitySetSpec, name: str) -> ServiceError:
        return read_only_control(name)

    def missing_if_match(self) -> ServiceError:
        return self.error(
            400, "BadRequest_InvalidToken",
            "Could not validate the client concurrency token required by the service. "
            "Please provide a valid token in the client request.",
        )  # fmt: skip

    def stale(self, spec: EntitySetSpec, key: str) -> ServiceError:
        return self.error(
            409, "Request_EntityChanged", "Another user has already changed the record."
        )

    def duplicate(self, spec: EntitySetSpec, key: str) -> ServiceError:
        name = spec.entity_type.rsplit(".", 1)[-1]
        return self.error(
            400, "Internal_EntityWithSameKeyExists",
            f"The {name} already exists. Identification fields and values: Id='{key}'",
        )  # fmt: skip

    def created(self, target: Target, entity: Record, key: str, prefer: dict[str, Any]) -> Response:
        body = {"@odata.context": f"{target.context_url}/$entity", **entity}
        headers = {
            **ODATA_HEADERS,
            "ETag": entity["@odata.etag"],
            "Location": target.entity_url(key),
        }
        return json_response(body, 201, headers)

    def updated(self, target: Target, entity: Record, key: str, prefer: dict[str, Any]) -> Response:
        body = {"@odata.context": f"{target.context_url}/$entity", **entity}
        return json_response(body, 200, {**ODATA_HEADERS, "ETag": entity["@odata.etag"]})
