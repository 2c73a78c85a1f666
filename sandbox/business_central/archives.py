"""Companion API `salesDocumentArchives`: archived versions of quotes and orders (BC_CUSTOM_API.md).

AL: an API page over table 5107 "Sales Header Archive" with its lines (table 5108 "Sales
Line Archive") as `lines`; read-only (POST, PATCH, DELETE → 405, refused by the route).
BC behaviour reproduced (Archive Management's StoreSalesDocument, which `archive` on
`crmSalesQuotes`/`crmSalesOrders` runs):

- an archived version is a copy of the document's header and lines as they were, keyed
  by (Document Type, No., Version No.); `versionNumber` counts from 1 per document,
- the document's "No. of Archived Versions" is a FlowField over this table (the highest
  Version No. of its archives), so archiving does not modify the document itself,
- archives outlive their document: `documentId` may name a deleted quote (the connector
  archives a quote, then deletes it when the CRM quote became an order),
- `lines` only through the archive (`$expand=lines`, `salesDocumentArchives({id})/lines`);
  archive lines are no entity set of their own (`ARCHIVE_LINES` is served by neither API).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sandbox.business_central.documents import Navigation
from sandbox.business_central.schema import (
    EMPTY_GUID,
    MODIFIED,
    EntitySchema,
    Prop,
    code,
    datetime_,
    guid,
    integer,
    ro,
    text,
)
from sandbox.odata.store import EntityStore, Record, utc_now

COMPANION_DOC = "sandbox/BC_CUSTOM_API.md"
ARCHIVES = "salesDocumentArchives"
ARCHIVE_LINES = "salesDocumentArchiveLines"
ARCHIVE_LINK = "archiveId"  # hidden on an archive line: the archived version it belongs to
LINES = "lines"
_OWN = ("number", "crmId", "crmRevisionNumber")  # archive fields listed first


def archive_schemas(
    header_props: Iterable[Prop], line_props: Iterable[Prop]
) -> tuple[EntitySchema, EntitySchema]:
    """The archive and archive line sets: the document page's properties, all read-only."""
    header = EntitySchema(
        ARCHIVES, "salesDocumentArchive", (
            ro(text("documentType")), ro(code("number", 20)), ro(integer("versionNumber")),
            ro(guid("documentId")), ro(guid("crmId")), ro(integer("crmRevisionNumber")),
            ro(datetime_("archivedDateTime")),
            *(ro(prop) for prop in header_props if prop.name not in _OWN),
            ro(datetime_(MODIFIED)),
        ), modified=False, navigations=(LINES,), doc=COMPANION_DOC,
    )  # fmt: skip
    lines = EntitySchema(
        ARCHIVE_LINES, "salesDocumentArchiveLine", tuple(ro(prop) for prop in line_props),
        modified=False, hidden={ARCHIVE_LINK: EMPTY_GUID}, doc=COMPANION_DOC,
    )  # fmt: skip
    return header, lines


ARCHIVE_NAVIGATIONS = {(ARCHIVES, LINES): Navigation(ARCHIVE_LINES, ARCHIVE_LINK)}


def archived_versions(store: EntityStore, document_id: str) -> int:
    """ "No. of Archived Versions" of a document: its highest archived Version No. (0: none)."""
    versions = [row["versionNumber"] for row, _ in store.find(ARCHIVES, "documentId", document_id)]
    return max(versions, default=0)


def store_archive(
    store: EntityStore, document_type: str, header: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]],
) -> Record:  # fmt: skip
    """Archive a document (its page row and its lines' rows) as the next version; the
    copy keeps `noOfArchivedVersions` as it was (the versions before this one)."""
    version = archived_versions(store, str(header["id"])) + 1
    archive = {
        **header, "id": str(uuid.uuid4()), "documentId": header["id"],
        "documentType": document_type, "versionNumber": version, "archivedDateTime": utc_now(),
    }  # fmt: skip
    created, _ = store.insert(ARCHIVES, archive)
    for line in lines:
        store.insert(ARCHIVE_LINES, {**line, "id": str(uuid.uuid4()), ARCHIVE_LINK: created["id"]})
    return created
