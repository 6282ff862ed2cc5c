"""Running a worker for a Flask app: the async psycopg 3 connector, per-job app contexts, the periodic jobs."""

import logging
import os

from procrastinate import PsycopgConnector
from sqlalchemy.engine import make_url

from ..errors import ValidationError
from ..extensions import db
from .tasks import RETRY, deadline_sweep, digest, queue, retry_stalled_jobs

logger = logging.getLogger(__name__)

QUEUES = ("notify", "sweeps")


def digest_cron(hhmm):
    """Return the UTC cron of a daily China-time moment ("08:00" → "0 0 * * *"): procrastinate's crons are UTC."""
    try:
        hour, minute = (int(part) for part in hhmm.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise ValidationError(f"NOTIFY_DIGEST_TIME 须形如 08:00 (got {hhmm!r})", field="NOTIFY_DIGEST_TIME") from None
    return f"{minute} {(hour - 8) % 24} * * *"  # China has no daylight saving time


def stalled_cron(stalled_after):
    """Return how often to look for stalled jobs: every minute, or (for a short stall timeout) every few seconds."""
    if stalled_after >= 60:
        return "* * * * *"
    return f"* * * * * */{max(1, int(stalled_after // 2))}"  # croniter's sixth field: seconds


def schedule_periodic(config, *, stalled_after, sweep_cron="* * * * *"):
    """Register the periodic jobs (again: a test may run several workers in one process)."""
    queue.periodic_registry.periodic_tasks.clear()
    queue.periodic(cron=sweep_cron, periodic_id="deadline_sweep")(deadline_sweep)
    queue.periodic(cron=stalled_cron(stalled_after), periodic_id="retry_stalled_jobs")(retry_stalled_jobs)
    if config["NOTIFY_DIGEST_TIME"]:
        queue.periodic(cron=digest_cron(config["NOTIFY_DIGEST_TIME"]), periodic_id="digest")(digest)


def app_context_middleware(app):
    """Return a sync task middleware that runs each job like a request: its own app context and transaction."""

    def in_app_context(call_next, context, worker):
        with app.app_context():
            try:
                result = call_next()
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    return in_app_context


def libpq_conninfo(url):
    """Return a SQLAlchemy URL as a libpq URI (postgresql+psycopg2://… → postgresql://…).

    SQLAlchemy spells several hosts as repeated `host=` parameters; libpq wants one, comma-separated (it tries
    them in turn, keeping the one `target_session_attrs` asks for — how a worker finds a promoted standby).
    """
    parsed = make_url(url).set(drivername="postgresql")
    if isinstance(parsed.query.get("host"), tuple):
        parsed = parsed.update_query_dict({"host": ",".join(parsed.query["host"])})
    return parsed.render_as_string(hide_password=False)


def run_worker(app, *, concurrency=4, queues=QUEUES, wait=True, name=None, heartbeat=10.0, stalled_after=30.0,
               periodic=True, install_signal_handlers=True):
    """Run a worker on the app's database until stopped (or, with wait=False, until the queues are empty)."""
    RETRY.configure(app.config)
    if periodic:
        schedule_periodic(app.config, stalled_after=stalled_after)
    else:
        queue.periodic_registry.periodic_tasks.clear()
    name = name or f"minqing-{os.getpid()}"
    connector = PsycopgConnector(conninfo=libpq_conninfo(app.config["DATABASE_URL"]),
                                 kwargs={"application_name": name}, min_size=1, max_size=concurrency + 3)
    with queue.replace_connector(connector):
        queue.run_worker(queues=list(queues), concurrency=concurrency, name=name, wait=wait,
                         delete_jobs="successful", shutdown_graceful_timeout=30,
                         install_signal_handlers=install_signal_handlers, update_heartbeat_interval=heartbeat,
                         stalled_worker_timeout=stalled_after, additional_context={"stalled_after": stalled_after},
                         task_middleware=[app_context_middleware(app)])
