"""The quote actions: ReviseQuote, WinQuote, CloseQuote and ConvertQuoteToSalesOrder.

Unbound actions, `POST [org]/api/data/v9.2/<Action>` (use-web-api-actions; the quote
table's messages; B3 of the API notes):

- `ReviseQuote {"QuoteId": <guid>, "ColumnSet": {"AllColumns": true} | {"Columns": [...]}}`:
  an Active or Closed (Lost, Canceled) quote is closed as Revised and a new Draft quote
  with the same quote number, the next `revisionnumber` and copies of the lines is
  answered; revising while another Draft/Active quote has that number → 400 `0x80048d00`,
- `WinQuote {"QuoteClose": {"quoteid@odata.bind": "/quotes(<id>)", "subject": ...},
  "Status": -1 | 4}`: an Active quote becomes Won → 204,
- `CloseQuote {"QuoteClose": {...}, "Status": 5 | 6 | -1}`: an Active quote becomes Closed
  (Lost, Canceled) → 204,
- `ConvertQuoteToSalesOrder {"QuoteId": <guid>, "ColumnSet": ...}`: an Active quote is
  won, and a new Active order with the quote's header fields, lines and `quoteid` is
  answered,
- any of them on a quote in another state → 400 `0x80040233`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Response

from sandbox.dataverse import binding, errors
from sandbox.dataverse.body import Body, copy_columns
from sandbox.dataverse.context import Call
from sandbox.dataverse.queries import answer
from sandbox.dataverse.render import Renderer
from sandbox.dataverse.schema import Table
from sandbox.dataverse.tables import Catalog
from sandbox.dataverse.writes import Writer
from sandbox.odata.spec import is_guid
from sandbox.odata.store import Record, RecordNotFound
from sandbox.server import read_json

ACTIVE, WON, CLOSED, DRAFT = 1, 2, 3, 0
REVISED = 7


class QuoteActions:
    def __init__(self, catalog: Catalog, writer: Writer, renderer: Renderer) -> None:
        self.catalog = catalog
        self.writer = writer
        self.store = writer.store
        self.renderer = renderer
        self.quotes = catalog.by_name("quote")
        self.handlers: dict[str, Callable[[Call, Record], Response]] = {
            "ReviseQuote": self.revise, "WinQuote": self.win, "CloseQuote": self.close,
            "ConvertQuoteToSalesOrder": self.convert,
        }  # fmt: skip

    def run(self, call: Call, name: str) -> Response:
        data = read_json(call.request)
        if not isinstance(data, dict):
            raise errors.bad_payload(name, "The request body is not a JSON object.")
        return self.handlers[name](call, data)

    # --- over HTTP ------------------------------------------------------------------
    def revise(self, call: Call, data: Record) -> Response:
        record, etag = self.revise_quote(call, self._quote_id(data.get("QuoteId")))
        return self._entity(call, self.quotes, record, etag, data.get("ColumnSet"))

    def win(self, call: Call, data: Record) -> Response:
        quote = self._closing(call, data)
        self.win_quote(call, quote["quoteid"], _status(data, default=4, allowed={4}))
        return Response(status=204, headers={"OData-Version": "4.0"})

    def close(self, call: Call, data: Record) -> Response:
        quote = self._closing(call, data)
        self.close_quote(call, quote["quoteid"], _status(data, default=5, allowed={5, 6}))
        return Response(status=204, headers={"OData-Version": "4.0"})

    def convert(self, call: Call, data: Record) -> Response:
        record, etag = self.convert_quote(call, self._quote_id(data.get("QuoteId")))
        orders = self.catalog.by_name("salesorder")
        return self._entity(call, orders, record, etag, data.get("ColumnSet"))

    # --- in-process -------------------------------------------------------------------
    def revise_quote(self, call: Call, quote_id: str) -> tuple[Record, str]:
        """Close the quote as Revised; answer its new Draft revision. Raises ServiceError."""
        quote = self._quote(quote_id)
        if quote["statecode"] not in (ACTIVE, CLOSED) or quote["statuscode"] == REVISED:
            raise errors.invalid_state()
        number = quote["quotenumber"]
        for other, _ in self.store.find("quotes", "quotenumber", number):
            if other["quoteid"] != quote["quoteid"] and other["statecode"] in (DRAFT, ACTIVE):
                raise errors.revise_existing_quote()
        with self.store.atomic():
            self._close(call, quote, REVISED)
            new_id = str(uuid.uuid4())
            fields = copy_columns(self.quotes, quote, self.quotes, keep_number=True)
            fields["revisionnumber"] = (quote["revisionnumber"] or 0) + 1
            self.writer.insert(call, self.quotes, Body(fields), {"quoteid": new_id})
            self._copy_lines(call, quote["quoteid"], "quotedetail", new_id)
            return self.store.get("quotes", new_id)

    def win_quote(self, call: Call, quote_id: str, status: int = 4) -> None:
        self._close(call, self._active(quote_id), status, state=WON)

    def close_quote(self, call: Call, quote_id: str, status: int = 5) -> None:
        self._close(call, self._active(quote_id), status)

    def convert_quote(self, call: Call, quote_id: str) -> tuple[Record, str]:
        """Win the quote (when active) and answer the new order made from it."""
        quote = self._quote(quote_id)
        if quote["statecode"] not in (ACTIVE, WON):
            raise errors.invalid_state()
        orders = self.catalog.by_name("salesorder")
        with self.store.atomic():
            if quote["statecode"] == ACTIVE:
                self._close(call, quote, 4, state=WON)
            fields = copy_columns(self.quotes, quote, orders)
            fields.update({"_quoteid_value": quote["quoteid"], "quoteidtype": "quote"})
            record, _ = self.writer.insert(call, orders, Body(fields), {})
            self._copy_lines(call, quote["quoteid"], "salesorderdetail", record["salesorderid"])
            return self.store.get("salesorders", record["salesorderid"])

    # --- helpers ----------------------------------------------------------------------
    @staticmethod
    def _quote_id(value: Any) -> str:
        if not isinstance(value, str) or not is_guid(value):
            raise errors.wrong_type("quotes", value, "Edm.Guid")
        return value.lower()

    def _quote(self, quote_id: str) -> Record:
        try:
            return self.store.get("quotes", quote_id)[0]
        except RecordNotFound:
            raise errors.not_found("quote", quote_id) from None

    def _active(self, quote_id: str) -> Record:
        quote = self._quote(quote_id)
        if quote["statecode"] != ACTIVE:
            raise errors.invalid_state()
        return quote

    def _closing(self, call: Call, data: Record) -> Record:
        close = data.get("QuoteClose")
        url = close.get("quoteid@odata.bind") if isinstance(close, dict) else None
        if not isinstance(url, str):
            raise errors.bad_payload("quotecloses", "QuoteClose needs 'quoteid@odata.bind'.")
        return binding.resolve(call, self.catalog, self.store, url, "quote")

    def _close(self, call: Call, quote: Record, status: int, state: int = CLOSED) -> None:
        internal: Record = {"statecode": state, "statuscode": status}
        if state == CLOSED:
            internal["closedon"] = datetime.now(UTC).date().isoformat()
        self.writer.update(
            call, self.quotes, quote["quoteid"], {}, if_match=None, internal=internal
        )

    def _copy_lines(self, call: Call, quote_id: str, line_name: str, header_id: str) -> None:
        source = self.catalog.by_name("quotedetail")
        target = self.catalog.by_name(line_name)
        header_lookup = target.pricing.header_lookup  # type: ignore[union-attr]
        for line, _ in sorted(self.store.find("quotedetails", "_quoteid_value", quote_id),
                              key=lambda item: item[0].get("lineitemnumber") or 0):  # fmt: skip
            fields = copy_columns(source, line, target)
            fields[f"_{header_lookup}_value"] = header_id
            self.writer.insert(call, target, Body(fields), {})

    def _entity(self, call: Call, table: Table, row: Record, etag: str, columns: Any) -> Response:
        select = None
        if isinstance(columns, dict) and not columns.get("AllColumns") and columns.get("Columns"):
            select = [str(name) for name in columns["Columns"]]
        entity = self.renderer.entity(table, row, etag, select, call.annotations)
        return answer(
            {"@odata.context": f"{call.root}/$metadata#{table.entity_set}/$entity", **entity}
        )


def _status(data: Record, *, default: int, allowed: set[int]) -> int:
    status = data.get("Status", -1)
    status = default if status == -1 else status
    if status not in allowed:
        raise errors.invalid_state_status()
    return int(status)
