"""`$metadata` (CSDL) and `EntityDefinitions`, both built from the same table specs.

From web-api-service-documents, query-metadata-web-api and use-change-tracking-...:

- `GET $metadata` answers the CSDL XML: one EntityType per table with its key, a Property
  per column (Edm type; `MaxLength` for text; `Nullable="false"` where SystemRequired),
  the `_x_value` lookup properties, single-valued navigation properties with their
  `ReferentialConstraint` and collection-valued ones with their partner, alternate keys
  as `OData.Community.Keys.V1.AlternateKeys`, the EntitySets with navigation bindings,
  and the quote actions; with `?annotations=true` the sets of tables with change tracking
  carry `Org.OData.Capabilities.V1.ChangeTracking`,
- `GET EntityDefinitions`, `EntityDefinitions(LogicalName='account')` and its
  `/Attributes` and `/Keys` answer the table definitions as JSON: EntitySetName,
  PrimaryIdAttribute, PrimaryNameAttribute, ChangeTrackingEnabled, IsCustomEntity; per
  attribute AttributeType, MaxLength, RequiredLevel, IsValidForCreate/Update, Targets and
  the options of choice columns. `$select` and `$filter` apply to the definitions.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

from werkzeug.wrappers import Response

from sandbox.dataverse import errors
from sandbox.dataverse.context import Call
from sandbox.dataverse.keys import Segment, literal
from sandbox.dataverse.queries import answer
from sandbox.dataverse.schema import NAMESPACE, Column, Kind, Required, Table
from sandbox.dataverse.tables import Catalog, UnknownTable
from sandbox.odata.filter import FilterSyntaxError, parse_filter

ACTIONS = {
    "ReviseQuote": (("QuoteId", "Edm.Guid"), ("ColumnSet", "mscrm.ColumnSet"), "mscrm.quote"),
    "ConvertQuoteToSalesOrder": (("QuoteId", "Edm.Guid"), ("ColumnSet", "mscrm.ColumnSet"), "mscrm.salesorder"),
    "WinQuote": (("QuoteClose", "mscrm.quoteclose"), ("Status", "Edm.Int32"), None),
    "CloseQuote": (("QuoteClose", "mscrm.quoteclose"), ("Status", "Edm.Int32"), None),
}  # fmt: skip


class Metadata:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    # --- CSDL ---------------------------------------------------------------------------
    def document(self, call: Call) -> Response:
        annotated = call.request.args.get("annotations", "").lower() == "true"
        types = "".join(self._entity_type(table) for table in self.catalog)
        sets = "".join(self._entity_set(table, annotated) for table in self.catalog)
        actions = "".join(_action(name, spec) for name, spec in ACTIONS.items())
        imports = "".join(f'<ActionImport Name="{n}" Action="mscrm.{n}"/>' for n in ACTIONS)
        xml = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">'
            '<edmx:DataServices>'
            f'<Schema Namespace="{NAMESPACE}" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">'
            '<ComplexType Name="ColumnSet"><Property Name="AllColumns" Type="Edm.Boolean"/>'
            '<Property Name="Columns" Type="Collection(Edm.String)"/></ComplexType>'
            '<EntityType Name="quoteclose"><Key><PropertyRef Name="activityid"/></Key>'
            '<Property Name="activityid" Type="Edm.Guid" Nullable="false"/>'
            '<Property Name="subject" Type="Edm.String" MaxLength="200"/></EntityType>'
            f'{types}{actions}<EntityContainer Name="System">{sets}{imports}</EntityContainer>'
            '</Schema></edmx:DataServices></edmx:Edmx>'
        )  # fmt: skip
        return Response(xml, 200, {"OData-Version": "4.0"}, content_type="application/xml")

    def _entity_type(self, table: Table) -> str:
        parts = [
            f'<EntityType Name="{table.logical_name}"><Key><PropertyRef Name="{table.primary_id}"/></Key>'
        ]
        parts += [_property(table, column) for column in table.columns]
        for column in table.columns:
            for navigation, target in column.navigations().items():
                target_table = self.catalog.by_name(target)
                partner = _partner_of(target_table, table.logical_name, column.name)
                parts.append(
                    f'<NavigationProperty Name="{navigation}" Type="mscrm.{target}"'
                    + (f' Partner="{partner}"' if partner else "")
                    + ">"
                    f'<ReferentialConstraint Property="{column.property_name}" '
                    f'ReferencedProperty="{target_table.primary_id}"/></NavigationProperty>'
                )
        for relationship in table.relationships:
            child, column = self.catalog.children(relationship)
            partner = next(n for n, t in column.navigations().items() if t == table.logical_name)
            parts.append(f'<NavigationProperty Name="{relationship.name}" '
                         f'Type="Collection(mscrm.{child.logical_name})" Partner="{partner}"/>')  # fmt: skip
        if table.keys:
            parts.append(_alternate_keys(table))
        return "".join(parts) + "</EntityType>"

    def _entity_set(self, table: Table, annotated: bool) -> str:
        bindings = [
            f'<NavigationPropertyBinding Path="{navigation}" '
            f'Target="{self.catalog.by_name(target).entity_set}"/>'
            for column in table.columns for navigation, target in column.navigations().items()
        ]  # fmt: skip
        bindings += [
            f'<NavigationPropertyBinding Path="{r.name}" '
            f'Target="{self.catalog.by_name(r.child).entity_set}"/>'
            for r in table.relationships
        ]
        if annotated and table.change_tracking:
            bindings.append(
                '<Annotation Term="Org.OData.Capabilities.V1.ChangeTracking"><Record>'
                '<PropertyValue Property="Supported" Bool="true"/></Record></Annotation>'
            )
        return (f'<EntitySet Name="{table.entity_set}" EntityType="mscrm.{table.logical_name}">'
                f'{"".join(bindings)}</EntitySet>')  # fmt: skip

    # --- EntityDefinitions --------------------------------------------------------------
    def definitions(self, call: Call, segments: list[Segment]) -> Response:
        if call.request.method != "GET":
            raise errors.method_not_allowed(call.request.method, "EntityDefinitions")
        root = f"{call.root}/$metadata#EntityDefinitions"
        if segments[0].key is None and len(segments) == 1:
            items = [_definition(table) for table in self.catalog]
            return answer({"@odata.context": root, "value": _query(call, items)})
        table = self._table(segments[0].key or "")
        if len(segments) == 1:
            return answer(
                {"@odata.context": f"{root}/$entity", **_select(call, _definition(table))}
            )
        if len(segments) == 2 and segments[1].name in ("Attributes", "Keys"):
            items = [_attribute(c) for c in table.columns] if segments[1].name == "Attributes" else [
                {"LogicalName": k.name, "KeyAttributes": list(k.columns)} for k in table.keys
            ]  # fmt: skip
            return answer({"@odata.context": f"{root}({table.logical_name})/{segments[1].name}",
                           "value": _query(call, items)})  # fmt: skip
        raise errors.unknown_segment(segments[-1].name)

    def _table(self, key: str) -> Table:
        name, _, value = key.partition("=")
        try:
            logical = literal(value) if name.strip() == "LogicalName" else None
            return self.catalog.by_name(str(logical))
        except (ValueError, UnknownTable):
            raise errors.error(
                404, "0x80040217", f"Could not find entity with key {key}."
            ) from None


def _property(table: Table, column: Column) -> str:
    facets = f' MaxLength="{column.max_length}"' if column.max_length else ""
    if column.required == Required.SYSTEM or column.name == table.primary_id:
        facets += ' Nullable="false"'
    return f'<Property Name="{column.property_name}" Type="{column.edm_type}"{facets}/>'


def _partner_of(target: Table, child: str, lookup: str) -> str | None:
    return next(
        (r.name for r in target.relationships if r.child == child and r.lookup == lookup), None
    )


def _alternate_keys(table: Table) -> str:
    records = "".join(
        '<Record Type="OData.Community.Keys.V1.AlternateKey"><PropertyValue Property="Key"><Collection>'
        + "".join(
            '<Record Type="OData.Community.Keys.V1.PropertyRef">'
            f'<PropertyValue Property="Alias" String="{name}"/>'
            f'<PropertyValue Property="Name" PropertyPath="{name}"/></Record>'
            for name in key.columns
        )
        + "</Collection></PropertyValue></Record>"
        for key in table.keys
    )
    return f'<Annotation Term="OData.Community.Keys.V1.AlternateKeys"><Collection>{records}</Collection></Annotation>'


def _action(name: str, spec: tuple[Any, ...]) -> str:
    params = "".join(f'<Parameter Name="{p}" Type="{t}" Nullable="false"/>' for p, t in spec[:2])
    returns = f'<ReturnType Type="{spec[2]}" Nullable="false"/>' if spec[2] else ""
    return f"<Action Name={quoteattr(name)}>{params}{returns}</Action>"


def _label(text: str) -> dict[str, Any]:
    label = {"Label": text, "LanguageCode": 1033}
    return {"LocalizedLabels": [label], "UserLocalizedLabel": label}


def _definition(table: Table) -> dict[str, Any]:
    return {
        "LogicalName": table.logical_name, "EntitySetName": table.entity_set,
        "PrimaryIdAttribute": table.primary_id, "PrimaryNameAttribute": table.primary_name,
        "ChangeTrackingEnabled": table.change_tracking, "IsCustomEntity": table.custom,
        "DisplayName": _label(table.label),
    }  # fmt: skip


def _attribute(column: Column) -> dict[str, Any]:
    item: dict[str, Any] = {
        "LogicalName": column.name, "AttributeType": column.kind.value,
        "DisplayName": _label(column.label), "RequiredLevel": {"Value": column.required.value},
        "IsValidForCreate": column.writable, "IsValidForUpdate": column.writable,
    }  # fmt: skip
    if column.max_length is not None:
        item["MaxLength"] = column.max_length
    if column.is_lookup:
        item["Targets"] = list(column.targets)
    if column.kind in (Kind.PICKLIST, Kind.STATE, Kind.STATUS, Kind.BOOLEAN):
        item["OptionSet"] = {"Options": [
            {"Value": value, "Label": _label(str(label))} for value, label in column.options.items()
        ]}  # fmt: skip
    return item


def _query(call: Call, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    text = call.request.args.get("$filter")
    if text:
        try:
            parsed = parse_filter(text)
        except FilterSyntaxError as exc:
            raise errors.bad_query(str(exc)) from None
        items = [item for item in items if parsed.matches(item, case_insensitive=True)]
    return [_select(call, item) for item in items]


def _select(call: Call, item: dict[str, Any]) -> dict[str, Any]:
    select = call.request.args.get("$select")
    if not select:
        return item
    wanted = {name.strip() for name in select.split(",")} | {"LogicalName"}
    return {name: value for name, value in item.items() if name in wanted}
