#!/bin/sh
# Runs once, as the superuser (POSTGRES_USER), when the postgis/postgis container initialises an empty data
# directory: /docker-entrypoint-initdb.d runs its scripts in name order after the image's own 10_postgis.sh
# has installed PostGIS into POSTGRES_DB. Creates the schema owner (runs migrations) and the app role (owns
# nothing; `minqing db upgrade` grants it what geo_app/db_roles.py declares). Keep in step with
# geo_app/db_roles.role_statements and database_statements (tests/test_db_roles.py checks the role attributes).
set -eu
: "${MINQING_OWNER_PASSWORD:?set MINQING_OWNER_PASSWORD}"
: "${MINQING_APP_PASSWORD:?set MINQING_APP_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v db="$POSTGRES_DB" -v owner_pw="$MINQING_OWNER_PASSWORD" -v app_pw="$MINQING_APP_PASSWORD" <<'EOSQL'
CREATE ROLE "minqing_owner" LOGIN PASSWORD :'owner_pw';
ALTER ROLE "minqing_owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE ROLE "minqing_app" LOGIN PASSWORD :'app_pw';
ALTER ROLE "minqing_app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER DATABASE :"db" OWNER TO "minqing_owner";
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO "minqing_app";
CREATE EXTENSION IF NOT EXISTS postgis;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO "minqing_owner";
EOSQL
