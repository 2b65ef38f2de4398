-- explain_reachable_functions: every function the server may call for a statement, found by the names in
-- its text (and in the views, policies, domain checks and SQL function bodies it reaches): functions called
-- by name (every overload: arguments are not resolved) and in attribute notation (t.fn is fn(t)), the
-- transition/final/combine/serial functions of aggregates, the functions and selectivity estimators of
-- operators, the functions of casts and the input functions of the types cast to. Operators on a type
-- that is not built-in, and casts from such a type, count only when the type can occur: a column or row
-- type of a relation read or a type cast to (or their base and element types).
-- Placeholders: {call_names}, {call_schemas}, {attributes}, {op_names}, {op_schemas}, {type_names},
-- {type_schemas}, {rel_names}, {rel_schemas} (text[]; schema '' when unqualified).
-- Columns: oid, function (schema.name), via (how it is reached), builtin (oid below FirstNormalObjectId, in
-- pg_catalog or information_schema: created by initdb), volatility (i, s, v), aggregate (the planner never
-- calls an aggregate itself), user_sql (a user LANGUAGE sql function, whose body the planner may inline:
-- explain_sql_function_bodies).
WITH RECURSIVE called AS (
    SELECT p.oid, 'called' AS via
    FROM unnest({call_names}::text[], {call_schemas}::text[]) AS v(name, schema)
    JOIN pg_proc p ON p.proname = v.name
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = v.schema OR (v.schema = '' AND n.nspname = ANY (current_schemas(true)))
), attribute AS (
    SELECT p.oid, 'attribute notation .' || a.name AS via
    FROM unnest({attributes}::text[]) AS a(name)
    JOIN pg_proc p ON p.proname = a.name AND p.pronargs >= 1 AND p.pronargs - p.pronargdefaults <= 1
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = ANY (current_schemas(true))
), aggregate AS (
    SELECT f.oid, 'aggregate ' || c.oid::regprocedure::text AS via
    FROM called c
    JOIN pg_aggregate a ON a.aggfnoid = c.oid
    CROSS JOIN LATERAL unnest(ARRAY[a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
                                    a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn]::oid[]) AS f(oid)
), cast_types AS (
    SELECT t.oid
    FROM unnest({type_names}::text[], {type_schemas}::text[]) AS c(name, schema)
    JOIN pg_type t ON t.typname = c.name
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = c.schema OR (c.schema = '' AND n.nspname = ANY (current_schemas(true)))
    UNION
    SELECT t.typbasetype FROM cast_types c JOIN pg_type t ON t.oid = c.oid WHERE t.typbasetype <> 0
), relations AS (
    SELECT c.oid, c.reltype
    FROM unnest({rel_names}::text[], {rel_schemas}::text[]) AS r(name, schema)
    JOIN pg_class c ON c.relname = r.name
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = r.schema OR (r.schema = '' AND n.nspname = ANY (current_schemas(true)))
), types(oid) AS (
    SELECT a.atttypid
    FROM relations r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    UNION
    SELECT reltype FROM relations WHERE reltype <> 0
    UNION
    SELECT oid FROM cast_types
    UNION
    SELECT u.oid FROM types s JOIN pg_type t ON t.oid = s.oid
    CROSS JOIN LATERAL unnest(ARRAY[t.typbasetype, t.typelem]::oid[]) AS u(oid) WHERE u.oid <> 0
), casts AS (
    SELECT c.castfunc AS oid, 'cast to ' || format_type(c.casttarget, NULL) AS via
    FROM pg_cast c
    WHERE c.casttarget IN (SELECT oid FROM cast_types) AND c.castfunc <> 0
      AND (c.castfunc < 16384 OR c.castsource < 16384 OR c.castsource IN (SELECT oid FROM types))
    UNION ALL
    SELECT t.typinput::oid, 'input of type ' || format_type(t.oid, NULL)
    FROM pg_type t WHERE t.oid IN (SELECT oid FROM cast_types)
), operator AS (
    SELECT f.oid, 'operator ' || o.oid::regoperator::text AS via
    FROM unnest({op_names}::text[], {op_schemas}::text[]) AS x(name, schema)
    JOIN pg_operator o ON o.oprname = x.name
    JOIN pg_namespace n ON n.oid = o.oprnamespace
    CROSS JOIN LATERAL unnest(ARRAY[o.oprcode::oid, o.oprrest::oid, o.oprjoin::oid]) AS f(oid)
    WHERE (n.nspname = x.schema OR (x.schema = '' AND n.nspname = ANY (current_schemas(true))))
      AND (o.oid < 16384 OR NOT EXISTS (
          SELECT FROM unnest(ARRAY[o.oprleft, o.oprright]) AS operand(oid)
          WHERE operand.oid >= 16384 AND operand.oid NOT IN (SELECT oid FROM types)))
), reached AS (
    SELECT oid, via FROM called
    UNION ALL SELECT oid, via FROM attribute
    UNION ALL SELECT oid, via FROM aggregate
    UNION ALL SELECT oid, via FROM casts
    UNION ALL SELECT oid, via FROM operator
)
SELECT DISTINCT p.oid::bigint AS oid, n.nspname || '.' || p.proname AS function, r.via,
       p.oid < 16384 AND n.nspname IN ('pg_catalog', 'information_schema') AS builtin,
       p.provolatile::text AS volatility, p.prokind = 'a' AS aggregate,
       p.oid >= 16384 AND l.lanname = 'sql' AS user_sql
FROM reached r
JOIN pg_proc p ON p.oid = r.oid
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
ORDER BY 2, 3
