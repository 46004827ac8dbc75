#!/bin/sh
# tunelab container entrypoint: refuse to start without a secret key, migrate, then exec the server.
#
# When the command is the server (uvicorn, the image's CMD), it checks TUNELAB_SECRET_KEY, runs
# `alembic upgrade head` on TUNELAB_DATABASE_URL (the SQLite file in the /data volume by default),
# and only then execs uvicorn, so the server (PID 1) gets the signals. Any other command
# (`tunelab backup /data/copy.db`, `sh`) runs as given, without migrating.
set -eu

if [ "$#" -eq 0 ]; then
    set -- uvicorn --factory app.main:create_app --host 0.0.0.0 --port 8000
fi

if [ "$1" = "uvicorn" ]; then
    if [ -z "${TUNELAB_SECRET_KEY:-}" ]; then
        echo "tunelab: TUNELAB_SECRET_KEY is not set. Pass a long random value, the same at every start" >&2
        echo "  (it signs sign-in cookies), e.g. -e TUNELAB_SECRET_KEY=\"\$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')\"" >&2
        exit 64
    fi
    cd /app
    echo "tunelab: migrating the database (alembic upgrade head)" >&2
    alembic upgrade head
fi

exec "$@"
