"""``prisma_fix`` for index findings: the ``schema.prisma`` change, in the model's and fields' Prisma names.

One enrichment step after the checks run (`with_prisma_fixes`), instead of Prisma code in every check:

- findings that propose an index (``missing_index``, ``missing_fk_index``, ``tenant_index_missing``) get
  the ``@@index`` line to add, read from their ``CREATE INDEX`` fix (so column order and ``DESC`` are the
  proposed index's), e.g. ``model Alert { @@index([organizationId, createdAt(sort: Desc)]) }``;
- findings that drop an index (``unused_index``, ``duplicate_index``, ``redundant_index``) get which
  attribute to remove and where, e.g. ``remove `@@index([email])` from model User (prisma/schema.prisma:42)``.
  The index is found by its database name (``map:`` or Prisma's default name), else by its keys.

Findings about tables no model maps, or about columns no field maps, are left without ``prisma_fix``.

``tenant_unfiltered`` findings need no schema change; their Prisma hint (`hints.tenant_where_hint`), like
``tenant_index_missing``'s ``@@index`` sentence, is rewritten in the model's and field's names (``prisma.response``, ``workspaceId`` for table ``responses``,
column ``workspace_id``), or added when the database did not look like a Prisma one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

import pglast
from pglast import ast
from pglast.enums import SortByDir

from pgdiag.core.findings import Finding
from pgdiag.prisma.hints import tenant_index_hint, tenant_where_hint
from pgdiag.prisma.mapping import DeclaredIndex, PrismaMapping
from pgdiag.prisma.schema import Model, Schema

ADDING_CHECKS = frozenset({"missing_index", "missing_fk_index", "tenant_index_missing"})
DROPPING_CHECKS = frozenset({"unused_index", "duplicate_index", "redundant_index"})
TENANT_CHECK = "tenant_unfiltered"
TENANT_INDEX_CHECK = "tenant_index_missing"
# Evidence keys naming the index that stays when a duplicate or redundant one goes.
_KEPT_KEYS = ("kept_index", "covering_index")


@dataclass(frozen=True)
class IndexShape:
    """The keys of an index as its SQL says: columns in order, which sort descending, whether unique."""

    columns: tuple[str, ...]
    descending: tuple[bool, ...]
    unique: bool = False

    @property
    def keys(self) -> tuple[tuple[str, bool], ...]:
        """(column, descending) per key, comparable with `DeclaredIndex.shape`."""
        return tuple(zip(self.columns, self.descending))


def with_prisma_fixes(findings: Iterable[Finding], schema: Schema) -> list[Finding]:
    """`findings` with ``prisma_fix`` set where the schema declares (or should declare) the index concerned."""
    mapping = PrismaMapping(schema)
    result = []
    for finding in findings:
        fix = None
        if finding.check in ADDING_CHECKS:
            fix = _adding_fix(finding, mapping)
            if fix and finding.check == TENANT_INDEX_CHECK:
                finding = _tenant_index_hint(finding, mapping)
        elif finding.check in DROPPING_CHECKS:
            fix = _dropping_fix(finding, mapping)
        elif finding.check == TENANT_CHECK:
            finding = _tenant_hint(finding, mapping)
        result.append(replace(finding, prisma_fix=fix) if fix else finding)
    return result


def _tenant_index_hint(finding: Finding, mapping: PrismaMapping) -> Finding:
    """The finding with its ``@@index`` sentence in the model's and tenant field's names."""
    obj = finding.object
    model = mapping.model_for(obj.schema, obj.table) if obj.table else None
    field = mapping.field_for(model, obj.columns[0]) if model is not None and obj.columns else None
    if field is None or obj.table is None:
        return finding
    generic = tenant_index_hint(obj.columns[0], f"the model of {obj.table}")
    text = finding.recommendation.replace(generic, tenant_index_hint(field.name, f"model {model.name}"))
    return replace(finding, recommendation=text)


def _tenant_hint(finding: Finding, mapping: PrismaMapping) -> Finding:
    """The finding with its Prisma hint in the model's and tenant field's names, when the schema maps them."""
    obj, evidence = finding.object, finding.evidence or {}
    column = evidence.get("tenant_column")
    model = mapping.model_for(obj.schema, obj.table) if obj.table else None
    field = mapping.field_for(model, column) if model is not None and isinstance(column, str) else None
    if field is None:
        return finding
    writes = bool(evidence.get("writes"))
    hint = tenant_where_hint(field.name, writes, model.name)
    generic = tenant_where_hint(column, writes)
    text = finding.recommendation
    text = text.replace(generic, hint) if generic in text else f"{text} {hint}"
    return replace(finding, recommendation=text)


def index_shape(sql: str | None) -> IndexShape | None:
    """The keys of the ``CREATE INDEX`` statement in `sql` (a fix or ``pg_get_indexdef`` text); None when
    `sql` holds no such statement or a key is an expression.

    >>> index_shape('CREATE INDEX CONCURRENTLY "A_x_idx" ON public."A" ("orgId", "createdAt" DESC);')
    IndexShape(columns=('orgId', 'createdAt'), descending=(False, True), unique=False)
    """
    if not sql:
        return None
    try:
        statements = pglast.parse_sql(sql)
    except pglast.parser.ParseError:
        return None
    node = next((raw.stmt for raw in statements if isinstance(raw.stmt, ast.IndexStmt)), None)
    if node is None or not node.indexParams or any(p.name is None for p in node.indexParams):
        return None
    return IndexShape(columns=tuple(p.name for p in node.indexParams),
                      descending=tuple(p.ordering == SortByDir.SORTBY_DESC for p in node.indexParams),
                      unique=bool(node.unique))


def _adding_fix(finding: Finding, mapping: PrismaMapping) -> str | None:
    """The ``@@index`` to add for a proposed index, or where the schema already declares it."""
    obj = finding.object
    model = mapping.model_for(obj.schema, obj.table) if obj.table else None
    shape = index_shape(finding.fix_sql) or _object_shape(finding)
    if model is None or shape is None:
        return None
    fields = [mapping.field_for(model, column) for column in shape.columns]
    if any(f is None for f in fields):
        return None
    declared = next((d for d in mapping.declared_indexes(model) if d.shape == shape.keys), None)
    if declared is not None:
        return (f"model {model.name} already declares {declared.written()} ({declared.where()}) but the database "
                f"lacks it: deploy the migration that creates it")
    keys = ", ".join(f.name + ("(sort: Desc)" if desc else "") for f, desc in zip(fields, shape.descending))
    return f"model {model.name} {{ @@index([{keys}]) }}"


def _dropping_fix(finding: Finding, mapping: PrismaMapping) -> str | None:
    """Which attribute to remove for an index that should go, or that the schema does not declare it."""
    obj = finding.object
    model = mapping.model_for(obj.schema, obj.table) if obj.table else None
    if model is None or obj.index is None:
        return None
    declared = mapping.declared_indexes(model)
    evidence = finding.evidence or {}
    others = {evidence[k] for k in _KEPT_KEYS if evidence.get(k)}
    matches = _matching(declared, obj.index, index_shape(evidence.get("definition")) or _object_shape(finding), others)
    if not matches:
        return (f"nothing to remove from the Prisma schema: model {model.name} ({model.file}:{model.line}) does not "
                f"declare {obj.index}; drop it with a migration of its own (the fix SQL alone in its migration.sql)")
    if any(m.kind == "id" for m in matches):
        return None
    kept = next((d for d in declared if d.name in others), None)
    serving = f"; {kept.written()} ({kept.where()}) serves the same queries" if kept is not None else ""
    return " or ".join(_removal(m, model) for m in matches) + serving


def _matching(declared: list[DeclaredIndex], index: str, shape: IndexShape | None,
              others: set[str]) -> list[DeclaredIndex]:
    """The declarations of the database index `index`: by name, else by keys and uniqueness, leaving out
    declarations whose name is another existing index's (`others`)."""
    named = [d for d in declared if d.name == index]
    if named or shape is None:
        return named
    return [d for d in declared if d.shape == shape.keys and (d.kind != "index") == shape.unique
            and d.name not in others]


def _removal(declared: DeclaredIndex, model: Model) -> str:
    """``remove `@@index([email])` from model User (file:line)``, or the field-attribute form."""
    if declared.on_field is not None:
        return (f"remove `{declared.attribute.text}` from field {declared.on_field} of model {model.name} "
                f"({declared.where()})")
    return f"remove `{declared.attribute.text}` from model {model.name} ({declared.where()})"


def _object_shape(finding: Finding) -> IndexShape | None:
    """The finding's own columns as ascending keys, when it names columns."""
    columns = finding.object.columns
    if not columns:
        return None
    return IndexShape(columns=tuple(columns), descending=(False,) * len(columns))
