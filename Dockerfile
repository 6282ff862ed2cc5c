# Build the front-end assets and the wheel, then install the wheel (not the source tree) in a clean image,
# so the image runs exactly what the package ships.
FROM python:3.11-slim-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY geo_app ./geo_app
COPY static ./static
# folium is needed to build static/vendor (build_vendor.py copies one of its files).
RUN python -m venv /build && /build/bin/pip install --no-cache-dir folium \
    && VENDOR_PYTHON=/build/bin/python sh static/build_vendor.sh \
    && /build/bin/pip wheel --no-cache-dir --no-deps -w /dist .

FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /dist /dist
RUN python -m venv /app/.venv && /app/.venv/bin/pip install --no-cache-dir /dist/*.whl && rm -rf /dist
COPY layers ./layers
ENV PATH=/app/.venv/bin:$PATH PORT=8000 MINQING_INSTANCE_PATH=/app/instance
EXPOSE 8000
# Migrations run as the schema owner in their own container (docker-compose service `migrate`), never here.
# The worker timeout is the one the anonymous database budget was checked against (ANON_DB_BUDGET_MS).
CMD ["sh", "-c", "exec gunicorn --workers 4 --worker-class gthread --threads 4 --timeout ${WORKER_TIMEOUT:-30} --bind 0.0.0.0:${PORT} --access-logfile - geo_app.wsgi:app"]
