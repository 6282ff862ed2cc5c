"""The queue's tasks. The worker (jobs/worker.py) runs each sync task in a fresh Flask app context."""

import logging
from datetime import UTC, datetime

import procrastinate
from flask import current_app
from procrastinate.contrib.sqlalchemy import SQLAlchemyPsycopg2Connector

from ..extensions import db
from ..services.notify.delivery import deliver as deliver_notification
from ..services.notify.enqueue import DELIVER_TASK, NOTIFY_QUEUE
from ..services.notify.sweeps import daily_digest, sweep_deadlines
from .retry import CappedBackoff

logger = logging.getLogger(__name__)

SWEEPS_QUEUE = "sweeps"
# The worker swaps in its own async connector; this one is never opened.
queue = procrastinate.App(connector=SQLAlchemyPsycopg2Connector())
RETRY = CappedBackoff()


@queue.task(name=DELIVER_TASK, queue=NOTIFY_QUEUE, pass_context=True, retry=RETRY)
def deliver(context, notification_id):
    """Deliver one outbox row."""
    return deliver_notification(db.engine, current_app.config, notification_id, worker=context.worker_name,
                                final_attempt=RETRY.is_final(context.job.attempts))


@queue.task(name="deadline_sweep", queue=SWEEPS_QUEUE, queueing_lock="deadline_sweep", lock="deadline_sweep")
def deadline_sweep(timestamp):
    """Write the reminders and 督办 notices of deadlines near or passed."""
    return sweep_deadlines(db.session, datetime.fromtimestamp(timestamp, UTC),
                           current_app.config["NOTIFY_DUE_SOON_MINUTES"])


@queue.task(name="digest", queue=SWEEPS_QUEUE, queueing_lock="digest", lock="digest")
def digest(timestamp):
    """Write each cadre's daily digest."""
    return daily_digest(db.session, datetime.fromtimestamp(timestamp, UTC))


@queue.task(name="retry_stalled_jobs", queue=SWEEPS_QUEUE, queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp):
    """Put back the running jobs of workers whose heartbeat stopped (killed, out of memory, power cut)."""
    stalled = list(await context.app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=context.additional_context["stalled_after"]))
    for job in stalled:
        logger.warning("retrying stalled job %s (%s)", job.id, job.call_string)
        await context.app.job_manager.retry_job(job)
    return len(stalled)
