#!/bin/sh
# Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d): the desk's database and
# its two roles (README, "Database roles"). POSTGRES_USER is the image's superuser: only this script uses it.
#   replydesk_owner  runs `migrate` and owns the database and every table; no superuser.
#   replydesk_app    web, worker and beat connect as it; owns nothing; migrate grants it what the desk needs.
set -eu
: "${REPLYDESK_OWNER_PASSWORD:?set REPLYDESK_OWNER_PASSWORD}"
: "${REPLYDESK_APP_PASSWORD:?set REPLYDESK_APP_PASSWORD}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$REPLYDESK_OWNER_PASSWORD" -v app_password="$REPLYDESK_APP_PASSWORD" <<'SQL'
CREATE ROLE replydesk_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'owner_password';
CREATE ROLE replydesk_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';
CREATE DATABASE replydesk OWNER replydesk_owner;
REVOKE ALL ON DATABASE replydesk FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE replydesk TO replydesk_app;
\connect replydesk
-- Only the owner creates objects in the desk's schema (PostgreSQL 15+ already refuses PUBLIC).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO replydesk_owner;
GRANT USAGE ON SCHEMA public TO replydesk_app;
SQL
