"""Tie database tables, columns and indexes to the Prisma models, fields and index attributes that declare them.

Prisma's rules: a model's table is its name unless ``@@map("table")`` says otherwise, in the schema of
``@@schema("name")`` when the model has one (multi-schema), else in the datasource's schema (which the
schema file does not tell, so such a model matches its table in any schema). A scalar field's column is
its name unless ``@map("column")``; relation fields have no column. An index attribute's database name
is its ``map:`` argument, else Prisma's default, built from the *database* names:
``{table}_{column}_{column}_idx`` for ``@@index``, ``…_key`` for ``@unique``/``@@unique``,
``{table}_pkey`` for ``@id``/``@@id``, cut to PostgreSQL's 63 bytes the way Prisma cuts it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgdiag.prisma.schema import Attribute, Call, Field, Model, Ref, Schema, Value

MAX_IDENTIFIER = 63
_SUFFIX = {"index": "_idx", "unique": "_key", "id": "_pkey"}
_BLOCK_KINDS = {"index": "index", "unique": "unique", "id": "id"}
_FIELD_KINDS = {"unique": "unique", "id": "id"}


@dataclass(frozen=True)
class IndexField:
    """One key of a declared index: the Prisma field, its database column, and whether it sorts descending."""

    field: str
    column: str
    descending: bool = False


@dataclass(frozen=True)
class DeclaredIndex:
    """An index a model declares: ``@@index``/``@@unique``/``@@id`` or a field's ``@unique``/``@id``."""

    model: Model
    kind: str
    fields: tuple[IndexField, ...]
    name: str
    attribute: Attribute
    on_field: str | None = None

    @property
    def shape(self) -> tuple[tuple[str, bool], ...]:
        """(column, descending) per key: what two indexes must share to be the same index."""
        return tuple((f.column, f.descending) for f in self.fields)

    def where(self) -> str:
        """Where it is written: ``file:line``."""
        return f"{self.model.file}:{self.attribute.line}"

    def written(self) -> str:
        """How to point at it in prose: ``@@index([email])``, or ``@unique`` on field ``email``."""
        if self.on_field is None:
            return f"`{self.attribute.text}`"
        return f"`{self.attribute.text}` on field {self.on_field}"


class PrismaMapping:
    """Lookups between a database's names and a Prisma schema's, built once per schema."""

    def __init__(self, schema: Schema) -> None:
        """Index the schema's models by their table name; relation fields are told apart by their type."""
        self._relation_types = {m.name for m in schema.models if m.kind in ("model", "view")}
        self._by_table: dict[str, list[Model]] = {}
        for model in schema.models:
            if model.kind == "model":
                self._by_table.setdefault(self.table_name(model), []).append(model)

    def model_for(self, db_schema: str | None, table: str) -> Model | None:
        """The model whose table is `db_schema`.`table`: one with that ``@@schema`` first, else one without."""
        candidates = self._by_table.get(table, [])
        exact = [m for m in candidates if db_schema is not None and self.schema_name(m) == db_schema]
        loose = [m for m in candidates if self.schema_name(m) is None]
        chosen = exact or loose
        return chosen[0] if chosen else None

    @staticmethod
    def table_name(model: Model) -> str:
        """The model's table: ``@@map`` or its name."""
        mapped = _name_argument(model.attribute("map"))
        return mapped if mapped is not None else model.name

    @staticmethod
    def schema_name(model: Model) -> str | None:
        """The model's ``@@schema``, or None when the datasource's schema applies."""
        return _name_argument(model.attribute("schema"))

    def is_scalar(self, field: Field) -> bool:
        """Whether the field is a column (not a relation to another model)."""
        return field.type not in self._relation_types and field.attribute("relation") is None

    @staticmethod
    def column_name(field: Field) -> str:
        """The field's column: ``@map`` or its name."""
        mapped = _name_argument(field.attribute("map"))
        return mapped if mapped is not None else field.name

    def field_for(self, model: Model, column: str) -> Field | None:
        """The scalar field of `model` stored in `column`, or None."""
        return next((f for f in model.fields if self.is_scalar(f) and self.column_name(f) == column), None)

    def declared_indexes(self, model: Model) -> list[DeclaredIndex]:
        """Every index `model` declares, block attributes in file order, then field attributes."""
        found = []
        for attribute in model.attributes:
            kind = _BLOCK_KINDS.get(attribute.name)
            if kind is None:
                continue
            keys = _keys(attribute.arg("fields") or attribute.arg(None))
            declared = self._declared(model, kind, keys, attribute, None)
            if declared is not None:
                found.append(declared)
        for field in model.fields:
            for attribute in field.attributes:
                kind = _FIELD_KINDS.get(attribute.name)
                if kind is not None:
                    sort = attribute.arg("sort")
                    declared = self._declared(model, kind, [(field.name, _is_desc(sort))], attribute, field.name)
                    if declared is not None:
                        found.append(declared)
        return found

    def _declared(self, model: Model, kind: str, keys: list[tuple[str, bool]], attribute: Attribute,
                  on_field: str | None) -> DeclaredIndex | None:
        """A `DeclaredIndex` for `keys` (field, descending), None when a key names no scalar field."""
        fields = []
        for name, descending in keys:
            field = model.field(name)
            if field is None or not self.is_scalar(field):
                return None
            fields.append(IndexField(field=name, column=self.column_name(field), descending=descending))
        if not fields:
            return None
        explicit = _string(attribute.arg("map"))
        if explicit is None and kind == "index":
            explicit = _string(attribute.arg("name"))  # Prisma 2's @@index(name: …) was the database name
        name = explicit or default_index_name(self.table_name(model), [f.column for f in fields], kind)
        return DeclaredIndex(model=model, kind=kind, fields=tuple(fields), name=name, attribute=attribute,
                             on_field=on_field)


def default_index_name(table: str, columns: list[str], kind: str) -> str:
    """Prisma's default database name for an index of `kind` (index, unique, id) on `columns` of `table`.

    >>> default_index_name("users", ["organization_id", "created_at"], "index")
    'users_organization_id_created_at_idx'
    >>> default_index_name("User", ["email"], "unique"), default_index_name("User", ["id"], "id")
    ('User_email_key', 'User_pkey')
    >>> len(default_index_name("t" * 40, ["c" * 40], "index"))
    63
    """
    suffix = _SUFFIX[kind]
    base = table if kind == "id" else "_".join([table, *columns])
    room = MAX_IDENTIFIER - len(suffix)
    encoded = base.encode()
    if len(encoded) >= room:
        base = encoded[:room].decode(errors="ignore")
    return base + suffix


def _keys(value: Value | None) -> list[tuple[str, bool]]:
    """(field, descending) for each entry of an index's field list: ``[a, b(sort: Desc)]``."""
    if not isinstance(value, tuple):
        return []
    keys = []
    for item in value:
        if isinstance(item, Ref):
            keys.append((item.name, False))
        elif isinstance(item, Call):
            keys.append((item.name, _is_desc(item.arg("sort"))))
    return keys


def _is_desc(sort: Value | None) -> bool:
    """Whether a ``sort:`` argument says descending."""
    return isinstance(sort, Ref) and sort.name == "Desc"


def _name_argument(attribute: Attribute | None) -> str | None:
    """The name an ``@map``, ``@@map`` or ``@@schema`` gives: its positional string or its ``name:`` argument
    (``@map("created_at")`` and ``@map(name: "created_at")`` say the same); None without one."""
    if attribute is None:
        return None
    return _string(attribute.arg(None)) or _string(attribute.arg("name"))


def _string(value: Value | None) -> str | None:
    """A string value itself; None for anything else."""
    return value if isinstance(value, str) else None
