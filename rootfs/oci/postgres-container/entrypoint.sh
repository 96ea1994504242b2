#!/bin/sh
# ENTRYPOINT of the PostgreSQL container image (rootfs/oci/build-postgres-container.sh), running as
# the image's user postgres. With "postgres" as the command it first makes $PGDATA on its first
# start: a copy of the cluster initdb'd at build time (initdb itself takes many seconds under TCG),
# the password of the role postgres from POSTGRES_PASSWORD, then execs the server so that it is the
# process the container runtime, or vmflex's guest init, watches. Any other command runs as given.
set -eu
if [ "${1:-}" = postgres ]; then
    : "${PGDATA:?postgres-entrypoint: PGDATA is not set}"
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        mkdir -p "$PGDATA"
        chmod 0700 "$PGDATA"
        cp -a /var/lib/postgresql/template/. "$PGDATA/"
        if [ -n "${POSTGRES_PASSWORD:-}" ]; then
            # Single-user mode: no server, no socket, nothing listens before the password is set.
            printf "ALTER ROLE postgres PASSWORD '%s';\n" "$(printf %s "$POSTGRES_PASSWORD" | sed "s/'/''/g")" \
                | postgres --single -D "$PGDATA" postgres >/dev/null
        else
            echo "postgres-entrypoint: no POSTGRES_PASSWORD: only the local socket accepts connections" >&2
        fi
        echo "postgres-entrypoint: cluster made in $PGDATA" >&2
    fi
fi
exec "$@"
