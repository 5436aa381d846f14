#!/usr/bin/env bash
# Runs every test of CrmBlazor. Installs what the tests need when it is missing (Debian: chromium, postgresql),
# starts PostgreSQL on 127.0.0.1 and runs the whole suite. No test skips: a missing prerequisite fails loudly.
set -euo pipefail
cd "$(dirname "$0")"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for pkg in chromium postgresql redis-server sqlite3 fonts-noto-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# PostgreSQL on 127.0.0.1:5432 with a role the tests use (CREATEDB: each test makes its own database).
PG_VERSION=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^${PG_VERSION} main"; then
  $SUDO pg_createcluster "$PG_VERSION" main >/dev/null
fi
if ! pg_lsclusters -h | grep "^${PG_VERSION} main" | grep -q online; then
  $SUDO pg_ctlcluster "$PG_VERSION" main start
fi
for _ in $(seq 1 30); do
  if $SUDO -u postgres psql -qtAc "SELECT 1" >/dev/null 2>&1 || su postgres -c "psql -qtAc 'SELECT 1'" >/dev/null 2>&1; then break; fi
  sleep 1
done
psql_admin() { if [ -n "$SUDO" ]; then sudo -u postgres psql -qtAc "$1"; else su postgres -c "psql -qtAc \"$1\""; fi; }
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname='crm'")" != "1" ]; then
  psql_admin "CREATE ROLE crm LOGIN PASSWORD 'crm' CREATEDB"
fi
export CRM_TEST_POSTGRES="Host=127.0.0.1;Port=5432;Username=crm;Password=crm"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
dotnet build CrmBlazor.sln -c Release -warnaserror
dotnet test CrmBlazor.Tests/CrmBlazor.Tests.csproj -c Release --no-build "$@"
