"""Configuration: defaults, then an optional instance config file, then environment variables."""

import logging
import os

logger = logging.getLogger(__name__)

DEFAULTS = {
    "SECRET_KEY": None,
    "DATABASE_URL": None,
    # The schema owner's URL, for `db upgrade`, `backup`, `restore` and `db grant` (DATABASE_URL is the app's role).
    "DATABASE_OWNER_URL": None,
    "PORT": 5000,
    "BASEMAP": "none",
    "TIANDITU_KEY": "",
    "DEFAULT_COMMUNITY": "mingzhu",
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "STATEMENT_TIMEOUT_MS": 15000,
    "JSON_AS_ASCII": False,
    "PAGE_LIMIT_DEFAULT": 1000,
    "PAGE_LIMIT_MAX": 5000,
}

ENV_INT = {"PORT", "MAX_CONTENT_LENGTH", "STATEMENT_TIMEOUT_MS", "PAGE_LIMIT_DEFAULT", "PAGE_LIMIT_MAX"}
ENV_STR = {"SECRET_KEY", "DATABASE_URL", "DATABASE_OWNER_URL", "BASEMAP", "TIANDITU_KEY", "DEFAULT_COMMUNITY"}


def load_config(app, overrides=None):
    """Fill app.config from defaults, instance/config.py, MINQING_CONFIG, the environment and overrides."""
    app.config.update(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("MINQING_CONFIG"):
        app.config.from_pyfile(os.environ["MINQING_CONFIG"])
    for name in ENV_STR:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    for name in ENV_INT:
        if os.environ.get(name):
            try:
                app.config[name] = int(os.environ[name])
            except ValueError as exc:
                raise SystemExit(f"environment variable {name} must be an integer, got {os.environ[name]!r}") from exc
    for name in ENV_BOOL:
        if os.environ.get(name):
            app.config[name] = os.environ[name].strip().lower() in ("1", "true", "yes", "on")
    if overrides:
        app.config.update(overrides)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    if not app.config["DATABASE_URL"]:
        from .embedded_pg import Cluster

        cluster = Cluster.for_instance(app.instance_path)
        app.config["DATABASE_URL"] = cluster.url
        app.config["DATABASE_OWNER_URL"] = app.config["DATABASE_OWNER_URL"] or cluster.owner_url
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS",
        {
            "pool_pre_ping": True,
            "connect_args": {"options": f"-c statement_timeout={app.config['STATEMENT_TIMEOUT_MS']}"},
        },
    )


def _instance_secret(instance_path):
    """Return a per-instance random secret key, creating it on first use."""
    path = os.path.join(instance_path, "secret_key")
    os.makedirs(instance_path, exist_ok=True)
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(os.urandom(32).hex())
        logger.info("created a secret key in %s", path)
    with open(path) as fh:
        return fh.read().strip()


# Response and resolution deadlines in hours by urgency (按 12345 接诉即办 practice); override in config.
CASE_DEADLINES_DEFAULT = {
    "normal": {"response_hours": 24, "resolve_hours": 168},
    "urgent": {"response_hours": 4, "resolve_hours": 48},
    "critical": {"response_hours": 1, "resolve_hours": 24},
}
# 爱心超市 points a confirmed resident report earns its household, by category.
POINTS_PER_CATEGORY_DEFAULT = {
    "hazard": 20, "dispute": 15, "environment": 10, "hardship": 10, "suggestion": 5,
    "legal": 5, "sentiment": 5, "other": 5,
}
DEFAULTS["CASE_DEADLINES"] = CASE_DEADLINES_DEFAULT
DEFAULTS["POINTS_PER_CATEGORY"] = POINTS_PER_CATEGORY_DEFAULT
DEFAULTS["DUPLICATE_RADIUS_M"] = 100
DEFAULTS["DUPLICATE_WINDOW_DAYS"] = 30
DEFAULTS["COOKIE_SECURE"] = False
DEFAULTS["TRUSTED_PROXIES"] = 0
DEFAULTS["ANON_POST_LIMIT"] = "20 per minute"
DEFAULTS["RATELIMIT_STORAGE_URI"] = ""
DEFAULTS["HEAT_PUBLIC_MIN_COUNT"] = 5
DEFAULTS["OPEN311_ANONYMOUS_POST"] = True
ENV_INT.update({"TRUSTED_PROXIES", "HEAT_PUBLIC_MIN_COUNT"})
ENV_STR.update({"ANON_POST_LIMIT", "RATELIMIT_STORAGE_URI"})
ENV_BOOL = {"COOKIE_SECURE", "OPEN311_ANONYMOUS_POST"}
DEFAULTS["OPEN311_API_KEYS"] = []
DEFAULTS["OPEN311_KEY_CHANNELS"] = {}
DEFAULTS["OPEN311_CONTACT"] = "社区党群服务中心"
ENV_STR.add("OPEN311_API_KEYS")  # a comma-separated list in the environment
DEFAULTS["HEAT_PUBLIC_MAX_ZOOM"] = 15
