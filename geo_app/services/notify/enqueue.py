"""Deferring a delivery job on the caller's own connection, so that it commits or rolls back with the cause.

This App has no tasks and is never opened: it only turns (task name, options) into procrastinate's INSERT and
runs it on the SQLAlchemy connection it is given. The worker's App (jobs/queue.py) runs the task by this name.
It is made (and procrastinate imported, with psycopg 3 and croniter) by the first delivery deferred, not by
every process that imports the app.
"""

import functools

DELIVER_TASK = "deliver"
NOTIFY_QUEUE = "notify"


@functools.cache
def _deferrer():
    import procrastinate
    from procrastinate.contrib.sqlalchemy import SQLAlchemyPsycopg2Connector

    return procrastinate.App(connector=SQLAlchemyPsycopg2Connector())


def enqueue_delivery(connection, notification_id, schedule_at=None):
    """Defer the delivery of one outbox row inside the caller's transaction; return the job id.

    One job per row: queueing_lock keeps at most one waiting and lock at most one running, so two workers
    never send the same row at once.
    """
    lock = f"notification:{notification_id}"
    return _deferrer().configure_task(
        DELIVER_TASK, allow_unknown=True, queue=NOTIFY_QUEUE, lock=lock, queueing_lock=lock,
        schedule_at=schedule_at, connection=connection,
    ).defer(notification_id=notification_id)
