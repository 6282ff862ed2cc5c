"""Which failures of a delivery job are tried again: a receiver's retryable answer and a database that went away
(a failover), never a bug."""

import pytest
from procrastinate.jobs import Job
from sqlalchemy.exc import OperationalError

from geo_app.jobs.retry import CappedBackoff
from geo_app.services.notify.channels import RetryableError


def job(attempts):
    return Job(id=1, queue="notify", lock=None, queueing_lock=None, task_name="deliver", attempts=attempts)


@pytest.mark.parametrize("error", [RetryableError("接收方暂时不可用"),
                                   OperationalError("SELECT 1", {}, Exception("connection refused"))])
def test_a_retryable_answer_or_a_lost_database_is_tried_again_until_the_last_attempt(error):
    strategy = CappedBackoff(max_attempts=3, base=1, cap=2)
    assert strategy.get_retry_decision(exception=error, job=job(0)) is not None
    assert strategy.get_retry_decision(exception=error, job=job(2)) is None


def test_a_bug_is_not_tried_again():
    assert CappedBackoff().get_retry_decision(exception=KeyError("x"), job=job(0)) is None
