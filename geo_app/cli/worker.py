"""`minqing worker` and `minqing notify failed|retry|stats`: running the queue and looking after what it sends."""

import click

from .common import embedded_cluster, friendly_errors, in_transaction, make_app


@click.command("worker")
@click.option("--concurrency", type=int, default=4, show_default=True, help="Jobs run at once (threads).")
@click.option("--queues", default="notify,sweeps", show_default=True, help="Queues to take jobs from.")
@click.option("--name", default=None, help="Worker name in logs and in the queue (default: minqing-<pid>).")
@click.option("--heartbeat", type=float, default=10.0, show_default=True, help="Seconds between heartbeats.")
@click.option("--stalled-after", type=float, default=30.0, show_default=True,
              help="Seconds without a heartbeat after which a worker's running jobs are run again.")
@click.option("--once", is_flag=True, help="Stop when the queues are empty (no periodic jobs).")
@friendly_errors
def worker(concurrency, queues, name, heartbeat, stalled_after, once):
    """Run a queue worker: deliver notifications, sweep deadlines, send digests. Stop with SIGTERM or Ctrl-C."""
    from ..jobs.worker import run_worker

    app = make_app()
    cluster = embedded_cluster(app)
    if cluster is not None and not cluster.is_running():
        cluster.start()
    click.echo(f"民情地图 队列工作进程启动：队列 {queues}，并发 {concurrency}")
    run_worker(app, concurrency=concurrency, queues=[q for q in queues.split(",") if q], wait=not once,
               name=name, heartbeat=heartbeat, stalled_after=stalled_after, periodic=not once)
    click.echo("队列工作进程已停止")


@click.group("notify")
def notify():
    """Notifications: list the failed ones, send them again, count them."""


@notify.command("failed")
@click.option("--channel", type=click.Choice(["inbox", "wecom", "sms", "email"]), default=None)
@click.option("--limit", type=int, default=200, show_default=True)
@in_transaction
def notify_failed(session, channel, limit):
    """List notifications that could not be delivered (recipients masked)."""
    from ..services.notify.admin import failed

    rows = failed(session, channel=channel, limit=limit)
    if not rows:
        click.echo("没有发送失败的通知")
        return
    for row in rows:
        click.echo(f"{row['id']:>8}  {row['channel']:<4}  {row['kind']:<4}  {row['case'] or '-':<14}  "
                   f"{row['to'] or '-':<16}  尝试 {row['attempts']} 次  {row['error'] or ''}")
    click.echo(f"共 {len(rows)} 条发送失败；重新发送：minqing notify retry ID… 或 minqing notify retry --all")


@notify.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "all_failed", is_flag=True, help="Every failed notification.")
@in_transaction
def notify_retry(session, ids, all_failed):
    """Send failed notifications again (their attempts are counted afresh)."""
    from ..services.notify.admin import retry

    requeued = retry(session, ids, all_failed=all_failed)
    missing = sorted(set(ids) - set(requeued))
    click.echo(f"已重新排队 {len(requeued)} 条通知" + (f"；以下编号不是发送失败的通知：{missing}" if missing else ""))


@notify.command("stats")
@in_transaction
def notify_stats(session):
    """Count notifications by channel and state, with those that may have gone out twice."""
    from ..services.notify.admin import stats

    for row in stats(session):
        click.echo(f"{row['channel']:<4}  {row['state']:<4}  {row['count']:>8}  可能重复 {row['possible_duplicates']}")
