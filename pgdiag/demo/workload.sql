-- The demo's application workload, in the SQL shapes Prisma generates. Each statement runs
-- `calls` times with parameters drawn by name (org, client, project, alert, user, status) or
-- given literally (integers).

-- @about Count from zero, so the report shows this run's workload only.
SELECT pg_stat_statements_reset()

-- @about Alert inbox: one tenant's open alerts, newest first. No index serves it.
-- @calls 200
-- @params org status 20 0
SELECT "public"."Alert"."id", "public"."Alert"."title", "public"."Alert"."status", "public"."Alert"."createdAt" FROM "public"."Alert" WHERE ("public"."Alert"."organizationId" = $1 AND "public"."Alert"."status" = $2 AND "public"."Alert"."deletedAt" IS NULL) ORDER BY "public"."Alert"."createdAt" DESC LIMIT $3 OFFSET $4

-- @about N+1: the client of each alert, fetched one at a time (findUnique in a loop).
-- @calls 1500
-- @params client 1 0
SELECT "public"."Client"."id", "public"."Client"."name", "public"."Client"."organizationId" FROM "public"."Client" WHERE ("public"."Client"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3

-- @about Unpaginated: every project of a tenant in one response.
-- @calls 40
-- @params org
SELECT "public"."Project"."id", "public"."Project"."name", "public"."Project"."clientId" FROM "public"."Project" WHERE "public"."Project"."organizationId" = $1

-- @about Deep OFFSET pagination: an audit-log export paging through a tenant's events.
-- @calls 30
-- @params org 20 2000
SELECT "public"."AuditLog"."action", "public"."AuditLog"."detail", "public"."AuditLog"."createdAt" FROM "public"."AuditLog" WHERE "public"."AuditLog"."organizationId" = $1 ORDER BY "public"."AuditLog"."createdAt" DESC LIMIT $2 OFFSET $3

-- @about A cross-tenant write: an alert updated by id alone.
-- @calls 50
-- @params status alert
UPDATE "public"."Alert" SET "status" = $1 WHERE "public"."Alert"."id" = $2

-- @about Soft-deleted clients leak into a listing (no "deletedAt" IS NULL).
-- @calls 50
-- @params org 25
SELECT "public"."Client"."id", "public"."Client"."name" FROM "public"."Client" WHERE "public"."Client"."organizationId" = $1 ORDER BY "public"."Client"."name" ASC LIMIT $2

-- @about Comments of a page of alerts, batched the way Prisma's include does it.
-- @calls 200
-- @params alert alert alert
SELECT "public"."Comment"."id", "public"."Comment"."alertId", "public"."Comment"."body" FROM "public"."Comment" WHERE "public"."Comment"."alertId" IN ($1, $2, $3)

-- @about Alerts per client for a tenant's dashboard, through the project and client joins.
-- @calls 20
-- @params org
SELECT c."name", count(*) AS "alerts" FROM "public"."Alert" AS a JOIN "public"."Project" AS p ON p."id" = a."projectId" JOIN "public"."Client" AS c ON c."id" = p."clientId" WHERE a."organizationId" = $1 GROUP BY c."name" ORDER BY count(*) DESC LIMIT 10

-- @about A tenant's users, paginated.
-- @calls 100
-- @params org 50
SELECT "public"."User"."id", "public"."User"."email" FROM "public"."User" WHERE "public"."User"."organizationId" = $1 ORDER BY "public"."User"."id" ASC LIMIT $2

-- @about Audit events written as the application works.
-- @calls 300
-- @params org status
INSERT INTO "public"."AuditLog" ("organizationId", "action") VALUES ($1, $2)
