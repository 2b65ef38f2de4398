"""Parse a Prisma schema (``schema.prisma``, or a folder of ``.prisma`` files) into models, fields and attributes.

The grammar is ``schema.lark`` beside this module (Lark, LALR). The result keeps what pgdiag needs to
speak Prisma: every model, view and composite type with its fields (type, ``?``/``[]``), every field and
block attribute with its arguments, and the text it was written as and its file and line.
Nothing is validated beyond the syntax: Prisma's own engine does that; a syntax error is a
`PrismaSchemaError` naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Union

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)

from pgdiag.core.errors import PgdiagError


class PrismaSchemaError(PgdiagError):
    """A Prisma schema that cannot be read or parsed: one line with file and line."""


@dataclass(frozen=True)
class Ref:
    """A bare name or dotted path in an attribute argument, e.g. ``Desc``, ``Cascade``, ``db.VarChar``."""

    name: str


@dataclass(frozen=True)
class Call:
    """A function call in an attribute argument, e.g. ``now()``, ``createdAt(sort: Desc)``, ``env("URL")``."""

    name: str
    args: tuple[Argument, ...]

    def arg(self, name: str) -> Value | None:
        """The value of the named argument `name`, or None."""
        return next((a.value for a in self.args if a.name == name), None)


Value = Union[str, int, float, Ref, Call, tuple]


@dataclass(frozen=True)
class Argument:
    """One argument of an attribute or call: positional (`name` None) or named."""

    name: str | None
    value: Value


@dataclass(frozen=True)
class Attribute:
    """A field attribute (``@unique``) or block attribute (``@@index([...])``), as written and where."""

    name: str
    args: tuple[Argument, ...]
    text: str
    line: int

    def arg(self, name: str | None = None) -> Value | None:
        """The named argument `name`, or with None the first positional one; None when absent."""
        for argument in self.args:
            if argument.name == name:
                return argument.value
        return None


@dataclass(frozen=True)
class Field:
    """A field of a model: its name, its type (``String``, another model's name, an enum's), and attributes."""

    name: str
    type: str
    optional: bool
    is_list: bool
    attributes: tuple[Attribute, ...]
    line: int

    def attribute(self, name: str) -> Attribute | None:
        """The field's attribute `name` (``map``, ``unique``, ``id``, ``relation``...), or None."""
        return next((a for a in self.attributes if a.name == name), None)


@dataclass(frozen=True)
class Model:
    """A ``model`` (a table), ``view`` or composite ``type`` block, with the file and line it starts at."""

    kind: str
    name: str
    fields: tuple[Field, ...]
    attributes: tuple[Attribute, ...]
    file: str
    line: int

    def field(self, name: str) -> Field | None:
        """The field called `name`, or None."""
        return next((f for f in self.fields if f.name == name), None)

    def attribute(self, name: str) -> Attribute | None:
        """The first block attribute `name` (``map``, ``schema``, ``id``...), or None."""
        return next((a for a in self.attributes if a.name == name), None)

    def attributes_named(self, name: str) -> list[Attribute]:
        """Every block attribute `name`, e.g. all ``@@index`` lines, in file order."""
        return [a for a in self.attributes if a.name == name]


@dataclass(frozen=True)
class Schema:
    """A whole Prisma schema: the models, views and composite types of every file read (enums, datasources
    and generators are parsed and left out: no index lives on them)."""

    models: tuple[Model, ...]

    def model(self, name: str) -> Model | None:
        """The model, view or composite type called `name`, or None."""
        return next((m for m in self.models if m.name == name), None)


@cache
def _parser() -> Lark:
    """The Lark parser for schema.lark (built once per process)."""
    return Lark.open("schema.lark", rel_to=__file__, parser="lalr", lexer="contextual", propagate_positions=True,
                     maybe_placeholders=False)


def parse_schema(text: str, file: str = "schema.prisma") -> Schema:
    """Parse the Prisma schema `text` (read from `file`, named in errors and in every position kept)."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise PrismaSchemaError(f"invalid Prisma schema {file}:{exc.line}:{exc.column}: {_describe(exc)}") from None
    build = _Build(text, file)
    blocks = [build.transform(block) for block in tree.children]
    return Schema(models=tuple(b for b in blocks if isinstance(b, Model)))


def load_schema(path: Path, display: str | None = None) -> Schema:
    """Read and parse the schema at `path`: one ``.prisma`` file, or a folder whose ``.prisma`` files
    (searched recursively, in name order) make one schema, as Prisma's multi-file schemas do.

    `display` is how `path` is named in errors and positions (default: as given).
    """
    shown = display or str(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.prisma") if p.is_file())
        if not files:
            raise PrismaSchemaError(f"no .prisma file in {shown}")
        parts = [load_schema(f, str(Path(shown) / f.relative_to(path))) for f in files]
        return Schema(models=tuple(m for p in parts for m in p.models))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PrismaSchemaError(f"cannot read Prisma schema {shown}: {reason}") from None
    return parse_schema(text, shown)


def _describe(exc: UnexpectedInput) -> str:
    """What the parser met, in words a schema author recognises."""
    if isinstance(exc, UnexpectedEOF):
        return "unexpected end of file (a block is not closed)"
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {exc.char!r}"
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            return "unexpected end of file (a block is not closed)"
        return f"unexpected {token.value!r}"
    return "syntax error"


@v_args(meta=True)
class _Build(Transformer):
    """Turns the parse tree into the dataclasses above, keeping each attribute's source text and line."""

    def __init__(self, text: str, file: str) -> None:
        super().__init__()
        self._text = text
        self._file = file

    def model(self, meta: Any, children: list[Any]) -> Model:
        kind, name, *items = children
        return Model(kind=str(kind), name=str(name), fields=tuple(i for i in items if isinstance(i, Field)),
                     attributes=tuple(i for i in items if isinstance(i, Attribute)), file=self._file, line=meta.line)

    def field(self, meta: Any, children: list[Any]) -> Field:
        name, (type_name, modifier), *attributes = children
        return Field(name=str(name), type=type_name, optional=modifier.endswith("?"), is_list="[]" in modifier,
                     attributes=tuple(attributes), line=meta.line)

    def field_type(self, meta: Any, children: list[Any]) -> tuple[str, str]:
        modifier = next((str(c) for c in children if isinstance(c, Token) and c.type == "TYPE_MODIFIER"), "")
        return str(children[0]), modifier

    def unsupported_arg(self, meta: Any, children: list[Any]) -> str:
        return str(children[0])

    def enum(self, meta: Any, children: list[Any]) -> None:
        return None

    def config(self, meta: Any, children: list[Any]) -> None:
        return None

    def key_value(self, meta: Any, children: list[Any]) -> None:
        return None

    def field_attribute(self, meta: Any, children: list[Any]) -> Attribute:
        return self._attribute(meta, children)

    def block_attribute(self, meta: Any, children: list[Any]) -> Attribute:
        return self._attribute(meta, children)

    def _attribute(self, meta: Any, children: list[Any]) -> Attribute:
        path, *rest = children
        args = rest[0] if rest else ()
        return Attribute(name=path.name, args=args, text=self._text[meta.start_pos:meta.end_pos], line=meta.line)

    def arguments(self, meta: Any, children: list[Any]) -> tuple[Argument, ...]:
        return tuple(c if isinstance(c, Argument) else Argument(None, c) for c in children)

    def named_argument(self, meta: Any, children: list[Any]) -> Argument:
        return Argument(str(children[0]), children[1])

    def call(self, meta: Any, children: list[Any]) -> Call:
        path, args = children
        return Call(path.name, args)

    def array(self, meta: Any, children: list[Any]) -> tuple:
        return tuple(children)

    def string(self, meta: Any, children: list[Any]) -> str:
        return _unquote(str(children[0]))

    def number(self, meta: Any, children: list[Any]) -> int | float:
        text = str(children[0])
        return float(text) if "." in text else int(text)

    def path(self, meta: Any, children: list[Any]) -> Ref:
        return Ref(".".join(str(c) for c in children))

    def __default__(self, data: str, children: list[Any], meta: Any) -> Tree:
        return Tree(data, children, meta)


def _unquote(literal: str) -> str:
    """A PSL string literal's value: JSON string rules (``\\"``, ``\\\\``, ``\\n``, ``\\uXXXX``)."""
    import json

    try:
        return json.loads(literal)
    except ValueError:
        return literal[1:-1]
