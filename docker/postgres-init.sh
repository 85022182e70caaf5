#!/bin/sh
# Run once by the postgres image when its data directory is first created
# (/docker-entrypoint-initdb.d). Creates the two roles of least privilege and the database:
#   sourcing_owner  owns the tables and runs migrations (MIGRATE_DATABASE_URL)
#   sourcing_app    the service's role (DATABASE_URL): the migrations grant it only what it needs
# Passwords come from the environment (.env), never from this file.
set -eu
: "${DB_OWNER_PASSWORD:?set DB_OWNER_PASSWORD in .env}"
: "${DB_APP_PASSWORD:?set DB_APP_PASSWORD in .env}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$DB_OWNER_PASSWORD" -v app_password="$DB_APP_PASSWORD" <<'SQL'
CREATE ROLE sourcing_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE sourcing_app LOGIN PASSWORD :'app_password';
CREATE DATABASE sourcing OWNER sourcing_owner;
REVOKE ALL ON DATABASE sourcing FROM PUBLIC;
GRANT CONNECT ON DATABASE sourcing TO sourcing_app;
SQL
