"""Statement texts that carry a password, in every shape pgdiag has met or could meet. Each secret is made of
the fragments ``Zq9`` and ``Xk7``: a redaction that lets either through has leaked part of a password.

Used by the unit corpus (tests/security/test_redaction_corpus.py) and the end-to-end test that runs the
statements on a real server and scans it (tests/security/test_secrets_end_to_end.py)."""

from __future__ import annotations

FRAGMENTS = ("Zq9", "Xk7")

# (name, statement): statements a server accepts (the end-to-end test runs them).
RUNNABLE = [
    ("role plain", "ALTER ROLE sec_role PASSWORD 'Zq9Xk7'"),
    ("role with login", "ALTER ROLE sec_role WITH LOGIN PASSWORD 'Zq9 Xk7' VALID UNTIL 'infinity'"),
    ("role encrypted", "ALTER ROLE sec_role ENCRYPTED PASSWORD 'Zq9Xk7'"),
    ("role doubled quote", "ALTER ROLE sec_role PASSWORD 'Zq9''Xk7'"),
    ("role line comment before", "ALTER ROLE sec_role PASSWORD -- c\n'Zq9Xk7'"),
    ("role block comment before", "ALTER ROLE sec_role PASSWORD /* c */ 'Zq9Xk7'"),
    ("role no space", "ALTER ROLE sec_role PASSWORD'Zq9Xk7'"),
    ("role adjacent literals", "ALTER ROLE sec_role PASSWORD 'Zq9'\n'Xk7'"),
    ("role adjacent literals with comment", "ALTER ROLE sec_role PASSWORD 'Zq9' -- c\n'Xk7'"),
    ("role escape string", "ALTER ROLE sec_role PASSWORD E'Zq9\\'Xk7'"),
    ("role escape string backslash", "ALTER ROLE sec_role PASSWORD E'Zq9\\\\Xk7'"),
    ("role unicode string", "ALTER ROLE sec_role PASSWORD U&'Zq9\\0058k7'"),
    ("role dollar quote", "ALTER ROLE sec_role PASSWORD $$Zq9Xk7$$"),
    ("role dollar quote tag", "ALTER ROLE sec_role PASSWORD $t$Zq9Xk7$t$"),
    ("role dollar quote non-ascii tag", "ALTER ROLE sec_role PASSWORD $ä$Zq9Xk7$ä$"),
    ("role upper case", "alter role sec_role password 'Zq9Xk7'"),
    ("user", "ALTER USER sec_role PASSWORD 'Zq9Xk7'"),
    ("create role", "CREATE ROLE sec_role2 LOGIN PASSWORD 'Zq9Xk7'"),
    ("create user", "CREATE USER sec_role3 WITH PASSWORD 'Zq9Xk7' CONNECTION LIMIT 3"),
    ("role quoted name", "ALTER ROLE \"sec_role\" PASSWORD 'Zq9Xk7'"),
    ("role password keyword name", "ALTER ROLE \"password\" PASSWORD 'Zq9Xk7'"),
    ("role unicode secret", "ALTER ROLE sec_role PASSWORD 'Zq9ü€Xk7'"),
    ("role secret with hash and at", "ALTER ROLE sec_role PASSWORD 'Zq9#@/:Xk7'"),
    ("do execute", "DO $$ BEGIN EXECUTE 'ALTER ROLE sec_role PASSWORD ''Zq9Xk7'''; END $$"),
    ("do tagged execute", "DO $body$ BEGIN EXECUTE 'ALTER ROLE sec_role PASSWORD ''Zq9''\n''Xk7'''; END $body$"),
    ("do direct statement", "DO $$ BEGIN ALTER ROLE sec_role PASSWORD 'Zq9Xk7'; END $$"),
    ("do format", "DO $$ BEGIN EXECUTE format('ALTER ROLE %I PASSWORD %L', 'sec_role', 'Zq9Xk7'); END $$"),
    ("do nested dollar", "DO $o$ BEGIN EXECUTE $i$ALTER ROLE sec_role PASSWORD 'Zq9Xk7'$i$; END $o$"),
    ("do language plpgsql", "DO LANGUAGE plpgsql $$ BEGIN EXECUTE 'ALTER ROLE sec_role PASSWORD ''Zq9Xk7'''; END $$"),
    ("format select", "SELECT format('ALTER ROLE %I PASSWORD %L', 'sec_role', 'Zq9Xk7')"),
    ("format positional", "SELECT format('ALTER ROLE %2$I PASSWORD %1$L', 'Zq9Xk7', 'sec_role')"),
    ("format concatenated", "SELECT format('ALTER ROLE %I PASSWORD %L', 'sec_role', 'Zq9' || 'Xk7')"),
    ("format lower case", "SELECT format('alter role %s password %L', 'sec_role', 'Zq9Xk7')"),
    ("function body sql", "CREATE OR REPLACE FUNCTION sec_fn() RETURNS text LANGUAGE sql "
                          "AS $$ SELECT 'ALTER ROLE sec_role PASSWORD ''Zq9Xk7''' $$"),
    ("function body plpgsql", "CREATE OR REPLACE FUNCTION sec_fn2() RETURNS void LANGUAGE plpgsql "
                              "AS $f$ BEGIN EXECUTE 'ALTER ROLE sec_role PASSWORD ''Zq9Xk7'''; END $f$"),
    ("function body format", "CREATE OR REPLACE FUNCTION sec_fn3(r text) RETURNS void LANGUAGE plpgsql AS $f$ "
                             "BEGIN EXECUTE format('ALTER ROLE %I PASSWORD %L', r, 'Zq9Xk7'); END $f$"),
    ("server options", "CREATE SERVER sec_srv FOREIGN DATA WRAPPER sec_fdw OPTIONS (host 'h', password 'Zq9Xk7')"),
    ("user mapping", "CREATE USER MAPPING FOR sec_role SERVER sec_srv OPTIONS (user 'u', password 'Zq9Xk7')"),
    ("user mapping quoted option", "CREATE USER MAPPING FOR CURRENT_USER SERVER sec_srv "
                                   "OPTIONS (\"password\" 'Zq9Xk7')"),
    ("user mapping set", "ALTER USER MAPPING FOR sec_role SERVER sec_srv OPTIONS (SET password 'Zq9Xk7')"),
    ("server sslpassword", "ALTER SERVER sec_srv OPTIONS (ADD sslpassword 'Zq9Xk7')"),
    ("select conninfo literal", "SELECT 'host=db password=Zq9Xk7 dbname=app'"),
    ("select conninfo escaped space", "SELECT 'host=db password=Zq9\\ Xk7 dbname=app'"),
    ("select conninfo quoted value", "SELECT 'host=db password=''Zq9 Xk7'' dbname=app'"),
    ("select url literal", "SELECT 'postgresql://app:Zq9Xk7@db/app'"),
    ("select url password with at", "SELECT 'postgresql://app:Zq9@Xk7@db/app'"),
    ("select url query password", "SELECT 'postgresql://app@db/app?sslmode=require&password=Zq9Xk7'"),
    ("select nested statement", "SELECT 'ALTER ROLE sec_role PASSWORD ''Zq9Xk7'''"),
    ("comment with conninfo", "SELECT 1 /* host=db password=Zq9Xk7 */"),
    ("line comment with url", "SELECT 1 -- postgresql://u:Zq9Xk7@h/d\n"),
    ("set conninfo", "SET application_name = 'host=db password=Zq9Xk7'"),
]

# (name, statement): shapes that need a subscription, a real standby or fail to parse; redacted text only.
TEXT_ONLY = [
    ("subscription", "CREATE SUBSCRIPTION s CONNECTION 'host=db password=Zq9Xk7 dbname=app' PUBLICATION p"),
    ("subscription backslash space", "ALTER SUBSCRIPTION s CONNECTION 'host=h password=bs\\ Zq9Xk7 dbname=x'"),
    ("subscription quoted password", "ALTER SUBSCRIPTION s CONNECTION 'password=''Zq9 Xk7'' host=h'"),
    ("subscription url", "ALTER SUBSCRIPTION s CONNECTION 'postgresql://rep:Zq9Xk7@h/db'"),
    ("alter system conninfo", "ALTER SYSTEM SET primary_conninfo = 'host=p user=rep password=Zq9Xk7'"),
    ("dblink connect", "SELECT dblink_connect('c', 'dbname=x password=Zq9Xk7')"),
    ("do execute two literals", "DO $$ BEGIN EXECUTE 'ALTER ROLE x PASSWORD ''Zq9'' ''Xk7'''; END $$"),
    ("unparsable after password", "ALTER ROLE x PASSWORD 'Zq9Xk7' garbage here"),
    ("unparsable two statements", "ALTER ROLE x PASSWORD 'Zq9' nonsense 'Xk7'; SELECT 1"),
    ("unterminated quote", "ALTER ROLE x PASSWORD 'Zq9Xk7"),
    ("unterminated dollar", "ALTER ROLE x PASSWORD $$Zq9Xk7"),
    ("password bare word", "ALTER ROLE x PASSWORD Zq9Xk7"),
    ("plpgsql fragment", "BEGIN EXECUTE 'ALTER ROLE x PASSWORD ''Zq9Xk7'''; END"),
    ("plpgsql format fragment", "BEGIN EXECUTE format('ALTER ROLE %I PASSWORD %L', r, 'Zq9Xk7'); END"),
    ("unicode escape with uescape", "ALTER ROLE x PASSWORD U&'Zq9!0058k7' UESCAPE '!'"),
    ("options secret", "CREATE USER MAPPING FOR u SERVER s OPTIONS (oauth_client_secret 'Zq9Xk7')"),
    ("truncated activity text", "ALTER ROLE x PASSWORD 'Zq9Xk7' VALID UNTIL '2030-"),
    ("nul byte", "ALTER ROLE x PASSWORD 'Zq9\x00Xk7'"),
]

CORPUS = RUNNABLE + TEXT_ONLY
