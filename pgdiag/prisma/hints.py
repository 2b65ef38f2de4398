"""Prisma wording of tenant advice: one function per sentence, so the checks (database names) and the schema
step (`fixes`, model and field names) write the same sentence and the latter can replace it."""

from __future__ import annotations


def tenant_where_hint(field: str, writes: bool, model: str | None = None) -> str:
    """The sentence telling a Prisma user to pin a query to the caller's tenant by `field`.

    `model` (the Prisma model, when a schema tells it) names the client's accessor; `writes` adds the rule for
    ``update``/``delete``, which take the tenant field beside the unique key from Prisma 5.

    >>> tenant_where_hint("workspace_id", False)
    "In Prisma: add workspace_id to the query's where (where: { workspace_id: tenantId })."
    >>> tenant_where_hint("workspaceId", True, "Response")[:94]
    'In Prisma: add workspaceId to the where of the prisma.response query (where: { id, workspaceId'
    """
    where = f"where: {{ id, {field}: tenantId }}" if writes else f"where: {{ {field}: tenantId }}"
    query = f"the where of the prisma.{model[:1].lower()}{model[1:]} query" if model else "the query's where"
    text = f"In Prisma: add {field} to {query} ({where})"
    if writes:
        return text + "; update/delete accept it beside the unique key from Prisma 5, updateMany/deleteMany before."
    return text + "."


def tenant_index_hint(field: str, model: str) -> str:
    """The sentence telling a Prisma user which ``@@index`` gives a tenant table its index.

    >>> tenant_index_hint("workspace_id", "the model of responses")
    'In schema.prisma: @@index([workspace_id]) on the model of responses.'
    """
    return f"In schema.prisma: @@index([{field}]) on {model}."
