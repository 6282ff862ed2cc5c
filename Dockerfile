FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm postgresql-client && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY geo_app ./geo_app
RUN python -m venv /app/.venv && /app/.venv/bin/pip install --no-cache-dir -e .
COPY static ./static
RUN VENDOR_PYTHON=/app/.venv/bin/python sh static/build_vendor.sh && rm -rf static/node_modules
COPY layers ./layers
ENV PATH=/app/.venv/bin:$PATH PORT=8000
EXPOSE 8000
# Migrations run as the schema owner in their own container (docker-compose service `migrate`), never here.
CMD ["sh", "-c", "exec gunicorn --workers 4 --bind 0.0.0.0:${PORT} --access-logfile - geo_app.wsgi:app"]
