"""Configuration: one declarative table of settings, from which loading and the README's table both come.

Each setting is read from its default, then `instance/config.py`, then the file named by MINQING_CONFIG,
then the environment (settings with `env=True`), then the overrides passed to create_app().
"""

import logging
import os
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

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

# Categories a case of which needs a 处置后 photo before it can be resolved.
RESOLVE_REQUIRES_PHOTO_DEFAULT = ["hazard", "environment"]


@dataclass(frozen=True)
class Setting:
    """One configuration value: its name, type, default and what it means."""

    name: str
    type: type
    default: Any
    help: str
    env: bool = True
    shown_default: str | None = None  # how the README shows a default that is computed or long

    def parse(self, raw):
        """Return an environment variable's text as this setting's type, or exit naming the problem."""
        if self.type is bool:
            word = raw.strip().lower()
            if word not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                raise SystemExit(f"environment variable {self.name} must be true or false, got {raw!r}")
            return word in ("1", "true", "yes", "on")
        if self.type is int:
            try:
                return int(raw)
            except ValueError:
                raise SystemExit(f"environment variable {self.name} must be an integer, got {raw!r}") from None
        if self.type is list:
            return [item.strip() for item in raw.split(",") if item.strip()]
        return raw

    @property
    def readme_default(self):
        if self.shown_default is not None:
            return self.shown_default
        if self.default in (None, "", [], {}):
            return "none"
        if self.type is bool:
            return "true" if self.default else "false"
        return f"`{self.default}`" if self.type is str else str(self.default)


SETTINGS = (
    Setting("DATABASE_URL", str, None, "SQLAlchemy URL of a PostGIS database", shown_default="the embedded cluster"),
    Setting("DATABASE_OWNER_URL", str, None, "the schema owner's URL, for `db upgrade`, `backup`, `restore` and "
            "`db grant` (`DATABASE_URL` is the app's least-privilege role)",
            shown_default="the embedded cluster's owner"),
    Setting("DATABASE_REPLICA_URL", list, [], "comma-separated SQLAlchemy URLs of hot standbys (streaming replicas) "
            "that serve the heavy reads (heat, stats, units, sites, `/ogc` features); one lagging or down is skipped"),
    Setting("REPLICA_MAX_LAG_MS", int, 1000, "a standby further behind its primary than this (replay lag) is not "
            "read from; a client that wrote in the last few seconds reads from the primary"),
    Setting("SECRET_KEY", str, None, "session signing key", shown_default="random, kept in `instance/secret_key`"),
    Setting("PORT", int, 5000, "port for `minqing serve` / `make demo`"),
    Setting("BASEMAP", str, "none", "`none`, `osm`, `tianditu` or `gaode` (see Pages)"),
    Setting("TIANDITU_KEY", str, "", "the 天地图 browser key, required with `BASEMAP=tianditu`"),
    Setting("DEFAULT_COMMUNITY", str, "mingzhu", "the community the pages show when none is named"),
    Setting("MAX_CONTENT_LENGTH", int, 2 * 1024 * 1024, "largest request body in bytes", shown_default="2 MiB"),
    Setting("STATEMENT_TIMEOUT_MS", int, 15000, "bound on every database statement"),
    Setting("TOKEN_CACHE_SECONDS", int, 5, "how long each process keeps an API token's account; a token revoked "
            "elsewhere works there at most this long (0: read the account on every request)"),
    Setting("PAGE_LIMIT_DEFAULT", int, 1000, "features per page of `/api/v1/units`, `/api/v1/sites` and "
            "`/ogc/collections/{id}/items` when no `limit` is given"),
    Setting("PAGE_LIMIT_MAX", int, 5000, "the largest `limit` a page of features may ask for (`/api/v1` refuses "
            "a larger one with 400, `/ogc` answers the largest page, as OGC API – Features asks)"),
    Setting("ANON_POST_LIMIT", str, "20 per minute",
            "per-client limit on POSTs made without a login or token, whatever their outcome"),
    Setting("ANON_GET_LIMIT", str, "600 per minute",
            "per-client limit on GETs made without a login or token (static files and `/healthz` are not counted)"),
    Setting("ANON_HEAVY_LIMIT", str, "60 per minute",
            "per-client limit on the costlier anonymous GETs (heat, sites GeoJSON, nearest, tracking, map pages, `/ogc` features)"),
    Setting("RATELIMIT_STORAGE_URI", str, "",
            "where the limiter counts: `redis://…`, `memory://` (per process), or empty for the default",
            shown_default="`REDIS_URL` if set, else the database (shared by every worker)"),
    Setting("REDIS_URL", str, "", "a Redis server (`redis://host:6379/0`); when set, the limiter counts there and "
            "the heat answers are kept there for every node (else each process keeps its own)"),
    Setting("HEAT_CACHE_SECONDS", int, 3600, "how long Redis keeps a heat answer (with `REDIS_URL`); a case change "
            "makes new answers at once, so this only bounds memory"),
    Setting("TRUSTED_PROXIES", int, 0, "how many proxies' `X-Forwarded-For` to believe for the client address; "
            "non-zero only when the app is reachable through those proxies alone"),
    Setting("ANON_DB_BUDGET_MS", int, 8000,
            "total database time one anonymous request may use (kept below `WORKER_TIMEOUT`)"),
    Setting("WORKER_TIMEOUT", int, 30, "seconds before gunicorn (`minqing serve`) restarts a stuck worker"),
    Setting("PUBLIC_MAX_VERTICES", int, 20000,
            "most vertices of geometry one public page or answer carries (simplified further, then refused)"),
    Setting("TILES_ABOVE_FEATURES", int, 3000, "`/map` and `/sites` draw a community's units from vector tiles "
            "(`/tiles`) when it has more units than this, and embed them as GeoJSON otherwise"),
    Setting("TILES_MAX_AGE", int, 300, "seconds a browser or shared cache may reuse a public vector tile "
            "(staff tiles are `private, no-cache`, revalidated by ETag)"),
    Setting("COOKIE_SECURE", bool, False, "set `true` behind HTTPS (the compose file does)"),
    Setting("SESSION_IDLE_MINUTES", int, 60, "a login ends after this many minutes without a request"),
    Setting("SESSION_MAX_HOURS", int, 12, "… and this many hours after it began, however busy"),
    Setting("LOGIN_LOCK_AFTER", int, 5, "failed logins in a row after which an account's next attempt must wait"),
    Setting("LOGIN_LOCK_SECONDS", int, 30, "the first wait; each further failure doubles it"),
    Setting("LOGIN_LOCK_MAX_SECONDS", int, 900, "the longest wait (a success resets the count)"),
    Setting("HEAT_PUBLIC_MIN_COUNT", int, 5, "heat cells with fewer cases are hidden from the public"),
    Setting("HEAT_PUBLIC_MAX_ZOOM", int, 15, "the finest heat cells the public gets (zoom 15: ~100 m)"),
    Setting("HEAT_PUBLIC_MAX_CELLS", int, 40000, "most cells one public heat answer may span (bbox × zoom)"),
    Setting("HEAT_SENSITIVE_CATEGORIES", list, ["legal", "hardship", "sentiment"],
            "categories never counted in public heat"),
    Setting("HEAT_SENSITIVE_CHANNELS", list, ["mailbox", "lawyer"], "channels never counted in public heat"),
    Setting("OPEN311_ANONYMOUS_POST", bool, True, "allow Open311 POSTs without an `api_key`"),
    Setting("OPEN311_API_KEYS", list, [],
            "comma-separated keys of trusted Open311 clients; staff send their token as "
            "`Authorization: Bearer`, never in a URL"),
    Setting("OPEN311_KEY_CHANNELS", dict, {}, "the channel each Open311 api_key's requests arrive by "
            "(`{key: channel}`)", env=False),
    Setting("OPEN311_TRUSTED_NETWORKS", list, [],
            "comma-separated CIDR networks (`10.8.0.0/16,192.0.2.7/32`) whose Open311 GETs are answered the trusted "
            "way, as with an `api_key` (FixMyStreet sends its key only on POST); the client address honours "
            "`TRUSTED_PROXIES`"),
    Setting("OPEN311_CONTACT", str, "社区党群服务中心", "the contact the Open311 discovery document names"),
    Setting("IMPORT_MAX_BYTES", int, 100 * 1024 * 1024, "largest layer or boundary file to import, in bytes "
            "(after unzipping)", shown_default="100 MiB"),
    Setting("IMPORT_MAX_VERTICES", int, 1_000_000, "most vertices in one imported file (each feature: at most "
            "100,000)"),
    Setting("IMPORT_MAX_FEATURES", int, 200_000, "most features in one imported file"),
    Setting("IMPORT_BOUNDARY_TOLERANCE_M", int, 20, "how far (m) an imported unit may reach outside its "
            "community's boundary"),
    Setting("WORKBENCH_DUE_SOON_HOURS", int, 4, "a deadline this many hours away is marked 即将超时 on 我的待办 (`/me`)"),
    Setting("DUPLICATE_RADIUS_M", int, 100, "open cases of a category within this distance are offered as duplicates"),
    Setting("DUPLICATE_WINDOW_DAYS", int, 30, "… and received within this many days"),
    Setting("CASE_DEADLINES", dict, CASE_DEADLINES_DEFAULT,
            "response and resolution hours by urgency", env=False, shown_default="一般 24/168, 紧急 4/48, 特急 1/24"),
    Setting("POINTS_PER_CATEGORY", dict, POINTS_PER_CATEGORY_DEFAULT,
            "爱心超市 points a confirmed report earns, by category", env=False,
            shown_default="安全隐患 20, 矛盾纠纷 15, …"),
    Setting("PHOTO_STORE", str, "db", "where photos are kept: `db` (a table in PostgreSQL, in every backup) or "
            "`s3://bucket/prefix?endpoint=http://host:port&region=…` (credentials from the usual AWS_* variables)"),
    Setting("PHOTO_MAX_BYTES", int, 10 * 1024 * 1024, "largest photo file in bytes (a larger one gets 413)",
            shown_default="10 MiB"),
    Setting("KEEP_PHOTO_ORIGINALS", bool, False, "also keep each photo as received (with its EXIF and GPS); only "
            "cadres may read it, and every read is logged"),
    Setting("RESOLVE_REQUIRES_PHOTO", list, RESOLVE_REQUIRES_PHOTO_DEFAULT,
            "categories whose cases can be resolved only after a 处置后 (`after`) photo is added"),
    # Notifications (services/notify, jobs/): delivered by `minqing worker` from the queue.
    Setting("PUBLIC_BASE_URL", str, "http://127.0.0.1:5000", "the address residents and staff open links at "
            "(links in notifications)"),
    Setting("WECOM_WEBHOOK_URL", str, "", "企业微信 group robot webhook for every community without its own; "
            "empty: no robot messages"),
    Setting("WECOM_WEBHOOKS", dict, {}, "robots per community and per grid: `{\"mingzhu\": url, "
            "\"mingzhu/GRID-03\": url}` (a grid's key is its unit code; the grid wins over the community)",
            env=False),
    Setting("SMS_PROVIDER", str, "", "`aliyun`, `tencent` or `http` (a local gateway); empty: no SMS"),
    Setting("SMS_HTTP_URL", str, "", "with `SMS_PROVIDER=http`: where `{\"phone\", \"template\", \"params\"}` is posted"),
    Setting("SMS_ENDPOINT", str, "", "the provider's API host (`host[:port]`), for a private endpoint or a test "
            "receiver", shown_default="the provider's public endpoint"),
    Setting("SMS_ENDPOINT_SCHEME", str, "https", "`https`, or `http` for a local test receiver"),
    Setting("SMS_ACCESS_KEY_ID", str, "", "the provider's AccessKeyId / SecretId"),
    Setting("SMS_ACCESS_KEY_SECRET", str, "", "the provider's AccessKeySecret / SecretKey"),
    Setting("SMS_SIGN_NAME", str, "", "the approved SMS signature (签名), e.g. 明珠社区"),
    Setting("SMS_SDK_APP_ID", str, "", "Tencent: the SmsSdkAppId"),
    Setting("SMS_REGION", str, "ap-guangzhou", "Tencent: the API region"),
    Setting("SMS_TEMPLATE_IDS", dict, {}, "the provider's approved template id per message kind "
            "(`{\"dispatched\": \"SMS_123\", …}`; kinds in services/notify/render.py)", env=False),
    Setting("SMTP_URL", str, "", "`smtp://host:25`, `smtp+starttls://user:pass@host:587` or "
            "`smtps://user:pass@host:465`, with `?from=addr`; empty: no e-mail"),
    Setting("NOTIFY_DUE_SOON_MINUTES", int, 60, "how long before a response or resolution deadline the assignee "
            "is reminded"),
    Setting("NOTIFY_QUIET_HOURS", str, "22:00-07:00", "China time when no SMS goes out (urgent cases excepted); "
            "held messages go at the end; empty: none"),
    Setting("NOTIFY_DIGEST_TIME", str, "08:00", "China time of each cadre's daily digest of new and overdue "
            "cases; empty: none"),
    Setting("NOTIFY_MAX_ATTEMPTS", int, 12, "delivery attempts before a notification is marked failed"),
    Setting("NOTIFY_BACKOFF_SECONDS", int, 10, "wait before the first retry; doubled each time (with jitter)"),
    Setting("NOTIFY_BACKOFF_MAX_SECONDS", int, 900, "the longest wait between two attempts"),
    Setting("NOTIFY_SEND_TIMEOUT", int, 10, "seconds one send (HTTP or SMTP) may take"),
)
# Read by create_app() before the configuration exists, so not an app.config value.
INSTANCE_PATH_VARIABLE = "MINQING_INSTANCE_PATH"


def load_config(app, overrides=None):
    """Fill app.config from the settings' defaults, instance/config.py, MINQING_CONFIG, the environment and overrides."""
    for setting in SETTINGS:
        app.config[setting.name] = _fresh(setting.default)
    app.config["JSON_AS_ASCII"] = False
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("MINQING_CONFIG"):
        app.config.from_pyfile(os.environ["MINQING_CONFIG"])
    for setting in SETTINGS:
        if setting.env and os.environ.get(setting.name):
            app.config[setting.name] = setting.parse(os.environ[setting.name])
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
    from .pool_health import engine_options

    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["STATEMENT_TIMEOUT_MS"]))


def _fresh(value):
    """Return a copy of a mutable default, so no app can change another's (or the table's)."""
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return list(value)
    return value


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


def settings_markdown():
    """Return the README's table of settings."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        where = "" if setting.env else " (config file only)"
        lines.append(f"| `{setting.name}` | {setting.readme_default} | {setting.help}{where} |")
    lines.append(f"| `{INSTANCE_PATH_VARIABLE}` | `./instance` | where the instance folder (embedded cluster, "
                 "secret) lives (environment only) |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(settings_markdown())
