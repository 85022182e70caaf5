# Image for docker-compose.yml (web and worker).
FROM python:3.12-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation poppler-utils \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY sourcing sourcing
COPY decisions decisions
COPY suppliers suppliers
RUN pip install --no-cache-dir .
# .dockerignore keeps .env (passwords, AUDIT_SIGNING_KEY), var/, .venv and .git out of the image.
COPY . .
ENV DJANGO_ENV=production PYTHONUNBUFFERED=1
# The media volume (docker-compose.yml) is created from this directory, so it starts owned by
# the app user, who writes the record PDFs and exports into it.
RUN useradd --create-home app && mkdir -p var/media && chown -R app:app var
VOLUME ["/app/var/media"]
USER app
