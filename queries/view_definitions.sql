-- view_definitions: the definitions of the views among the relations a statement reads, so index advice
-- can see the base tables a view's statement really filters (the what-if planner expands views with them).
-- Placeholders: {names} (text[]: relation names as stored), {schemas} (text[]: the schema, '' when unknown).
-- Columns: schema, view, definition.
SELECT DISTINCT n.nspname AS schema, c.relname AS view, pg_get_viewdef(c.oid) AS definition
FROM unnest({names}::text[], {schemas}::text[]) AS r(name, schema)
JOIN pg_class c ON c.relname = r.name AND c.relkind = 'v'
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = r.schema OR (r.schema = '' AND n.nspname = ANY (current_schemas(true)))
