-- The demo database: a Prisma-style multi-tenant SaaS (quoted camelCase tables, "organizationId" on
-- every tenant table, soft delete through "deletedAt"), with data. Run once, in one transaction.
-- The problems pgdiag should find are planted afterwards by planted.sql.
SELECT setseed(0.42);

CREATE EXTENSION IF NOT EXISTS pg_stat_statements;

-- Prisma Migrate's bookkeeping table: its presence tells pgdiag to give advice in Prisma terms.
CREATE TABLE "_prisma_migrations" (
    "id" varchar(36) PRIMARY KEY,
    "checksum" varchar(64) NOT NULL,
    "finished_at" timestamptz,
    "migration_name" varchar(255) NOT NULL,
    "logs" text,
    "rolled_back_at" timestamptz,
    "started_at" timestamptz NOT NULL DEFAULT now(),
    "applied_steps_count" integer NOT NULL DEFAULT 0
);
INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "applied_steps_count")
VALUES ('00000000-0000-4000-8000-000000000001', 'demo', now(), '20260101000000_init', 1);

CREATE TABLE "Organization" (
    "id" serial PRIMARY KEY,
    "name" text NOT NULL,
    "createdAt" timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE "User" (
    "id" serial PRIMARY KEY,
    "organizationId" integer NOT NULL REFERENCES "Organization" ("id") ON DELETE CASCADE,
    "email" text NOT NULL,
    "name" text NOT NULL,
    "createdAt" timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE "Client" (
    "id" serial PRIMARY KEY,
    "organizationId" integer NOT NULL REFERENCES "Organization" ("id") ON DELETE CASCADE,
    "name" text NOT NULL,
    "createdAt" timestamptz NOT NULL DEFAULT now(),
    "deletedAt" timestamptz
);

CREATE TABLE "Project" (
    "id" serial PRIMARY KEY,
    "organizationId" integer NOT NULL REFERENCES "Organization" ("id") ON DELETE CASCADE,
    "clientId" integer NOT NULL REFERENCES "Client" ("id") ON DELETE CASCADE,
    "name" text NOT NULL,
    "createdAt" timestamptz NOT NULL DEFAULT now(),
    "deletedAt" timestamptz
);

CREATE TABLE "Alert" (
    "id" serial PRIMARY KEY,
    "organizationId" integer NOT NULL REFERENCES "Organization" ("id") ON DELETE CASCADE,
    "projectId" integer NOT NULL REFERENCES "Project" ("id") ON DELETE CASCADE,
    "title" text NOT NULL,
    "status" text NOT NULL,
    "severity" integer NOT NULL,
    "createdAt" timestamptz NOT NULL,
    "deletedAt" timestamptz
);

CREATE TABLE "Comment" (
    "id" serial PRIMARY KEY,
    "organizationId" integer NOT NULL REFERENCES "Organization" ("id") ON DELETE CASCADE,
    "alertId" integer NOT NULL REFERENCES "Alert" ("id") ON DELETE CASCADE,
    "authorId" integer NOT NULL REFERENCES "User" ("id") ON DELETE CASCADE,
    "body" text NOT NULL,
    "createdAt" timestamptz NOT NULL
);

CREATE TABLE "AuditLog" (
    "organizationId" integer NOT NULL,
    "action" text NOT NULL,
    "detail" text,
    "createdAt" timestamptz NOT NULL DEFAULT now()
) WITH (autovacuum_enabled = false);

CREATE TABLE "Invoice" (
    "id" serial PRIMARY KEY,
    "organizationId" integer NOT NULL REFERENCES "Organization" ("id") ON DELETE CASCADE,
    "amountCents" bigint NOT NULL,
    "createdAt" timestamptz NOT NULL DEFAULT now()
);

INSERT INTO "Organization" ("name")
SELECT 'Organization ' || n FROM generate_series(1, 50) AS n;

INSERT INTO "User" ("organizationId", "email", "name")
SELECT 1 + n % 50, 'user' || (n % 1900) || '@example.com', 'User ' || n FROM generate_series(1, 2000) AS n;

INSERT INTO "Client" ("organizationId", "name", "deletedAt")
SELECT 1 + n % 50, 'Client ' || n, CASE WHEN n % 10 = 0 THEN now() - interval '30 days' END
FROM generate_series(1, 5000) AS n;

INSERT INTO "Project" ("organizationId", "clientId", "name")
SELECT c."organizationId", c."id", 'Project ' || c."id" || '-' || k
FROM "Client" AS c CROSS JOIN generate_series(1, 3) AS k;

INSERT INTO "Alert" ("organizationId", "projectId", "title", "status", "severity", "createdAt", "deletedAt")
SELECT p."organizationId", p."id",
       'Alert ' || n || ' on ' || p."name",
       (ARRAY['open', 'acknowledged', 'resolved', 'resolved', 'resolved'])[1 + (random() * 4)::int],
       (random() * 4)::int,
       now() - random() * interval '365 days',
       CASE WHEN random() < 0.05 THEN now() END
FROM generate_series(1, 200000) AS n
JOIN "Project" AS p ON p."id" = 1 + n % 15000;

INSERT INTO "Comment" ("organizationId", "alertId", "authorId", "body", "createdAt")
SELECT a."organizationId", a."id", 1 + (n * 7) % 2000, 'Looked into it, comment ' || n, a."createdAt" + interval '1 hour'
FROM generate_series(1, 60000) AS n
JOIN "Alert" AS a ON a."id" = 1 + (n * 3) % 200000;

INSERT INTO "AuditLog" ("organizationId", "action", "detail", "createdAt")
SELECT 1 + n % 50, (ARRAY['login', 'export', 'update', 'delete'])[1 + n % 4], 'event ' || n,
       now() - (n || ' seconds')::interval
FROM generate_series(1, 120000) AS n;

INSERT INTO "Invoice" ("organizationId", "amountCents")
SELECT 1 + n % 50, 1000 + n FROM generate_series(1, 1000) AS n;

-- Indexes an application would plausibly have, some of them poorly chosen.
CREATE INDEX "User_organizationId_idx" ON "User" ("organizationId");
CREATE INDEX "User_organizationId_email_idx" ON "User" ("organizationId", "email");
CREATE INDEX "Client_organizationId_idx" ON "Client" ("organizationId");
CREATE INDEX "Project_organizationId_idx" ON "Project" ("organizationId");
CREATE INDEX "Alert_projectId_idx" ON "Alert" ("projectId");
CREATE INDEX "Alert_title_idx" ON "Alert" ("title");
CREATE INDEX "Comment_alertId_idx" ON "Comment" ("alertId");
CREATE INDEX "comment_alert_idx" ON "Comment" ("alertId");
CREATE INDEX "AuditLog_action_idx" ON "AuditLog" ("action");
CREATE INDEX "AuditLog_organizationId_createdAt_idx" ON "AuditLog" ("organizationId", "createdAt");
