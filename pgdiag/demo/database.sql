-- @about A fresh demo database, replacing any half-loaded one.
DROP DATABASE IF EXISTS demo WITH (FORCE)

-- @about
CREATE DATABASE demo
