#!/usr/bin/env bash
# Entrypoint of the postgres stand-in: the subset of the official image's behaviour that
# Shipshape's challenges rely on, written for Debian's PostgreSQL packages.
set -Eeo pipefail

# file_env VAR [DEFAULT]: VAR from the environment, or from the file named by VAR_FILE
# (how Docker secrets reach the server), never both.
file_env() {
  local var=$1 fileVar="${1}_FILE" def=${2:-} val
  if [ -n "${!var:-}" ] && [ -n "${!fileVar:-}" ]; then
    echo >&2 "error: both $var and $fileVar are set (but are exclusive)"
    exit 1
  fi
  val=$def
  if [ -n "${!var:-}" ]; then
    val=${!var}
  elif [ -n "${!fileVar:-}" ]; then
    if [ ! -r "${!fileVar}" ]; then
      echo >&2 "error: $fileVar=${!fileVar} is not a readable file"
      exit 1
    fi
    val=$(< "${!fileVar}")
  fi
  export "$var"="$val"
  unset "$fileVar"
}

if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi

if [ "$1" != 'postgres' ]; then
  exec "$@"
fi

if [ "$(id -u)" = '0' ]; then
  # As root: make PGDATA usable by postgres (a fresh named volume may be root-owned), then drop.
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA" 2>/dev/null || true
  chmod 700 "$PGDATA" 2>/dev/null || true
  find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' + 2>/dev/null || true
  mkdir -p /var/run/postgresql
  chown postgres:postgres /var/run/postgresql
  chmod 3777 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
    cat >&2 <<'EOM'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
       (POSTGRES_PASSWORD_FILE may name a file, e.g. a Docker secret, instead.)
EOM
    exit 1
  fi
  if [ -n "$(ls -A "$PGDATA" 2>/dev/null | grep -v '^lost+found$' || true)" ]; then
    echo >&2 "error: $PGDATA is not empty and holds no database (no PG_VERSION)"
    exit 1
  fi
  echo "initdb: creating a database cluster in $PGDATA for user \"$POSTGRES_USER\""
  # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of words
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    -D "$PGDATA" --encoding=UTF8 --locale=C.UTF-8 $POSTGRES_INITDB_ARGS >/dev/null
  # Local socket connections are trusted (as in the official image); network ones need the password.
  printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"

  # A temporary server on the socket only, for the database and init scripts.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start >/dev/null
  export PGPASSWORD="$POSTGRES_PASSWORD"
  psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  if [ "$POSTGRES_DB" != 'postgres' ]; then
    "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db" ;' >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then echo "running $f"; "$f"; else echo "sourcing $f"; . "$f"; fi ;;
      *.sql)    echo "running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" >/dev/null ;;
      *.sql.gz) echo "running $f"; gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" >/dev/null ;;
      *) [ -e "$f" ] && echo "ignoring $f" ;;
    esac
  done
  unset PGPASSWORD
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo 'PostgreSQL init process complete; ready for start up.'
else
  echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
fi

unset POSTGRES_PASSWORD
exec "$@"
