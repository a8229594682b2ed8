# syntax=docker/dockerfile:1
# Build stage: a wheel of capmatch and its dependencies in a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN python -m venv /opt/capmatch \
 && /opt/capmatch/bin/pip install --upgrade pip \
 && /opt/capmatch/bin/pip install .

# Runtime stage: only the virtual environment, a non-root user and a data directory.
FROM python:3.11-slim
ENV PATH="/opt/capmatch/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    CAPMATCH_ENVIRONMENT=production \
    CAPMATCH_DATABASE_URL=sqlite+aiosqlite:////data/capmatch.db
RUN groupadd --system capmatch && useradd --system --gid capmatch --home-dir /data capmatch \
 && mkdir -p /data && chown capmatch:capmatch /data
COPY --from=build /opt/capmatch /opt/capmatch
USER capmatch
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
CMD ["capmatch", "serve", "--host", "0.0.0.0", "--port", "8000"]
