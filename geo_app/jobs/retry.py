"""Retrying deliveries: exponential back-off with full jitter and a cap; retries go behind fresh jobs."""

import random

from procrastinate import BaseRetryStrategy, RetryDecision
from sqlalchemy.exc import OperationalError

from ..services.notify.channels import RetryableError

# A receiver that may answer later, or the database gone for a moment (a failover: the row stays 'sending'
# until the retry claims it again, flagged as perhaps sent).
RETRYABLE = (RetryableError, OperationalError)


class CappedBackoff(BaseRetryStrategy):
    """Retry only RETRYABLE errors, at most max_attempts runs in all; wait base·2^n (capped), honour retry_after.

    procrastinate's own RetryStrategy has no cap and no jitter: after an outage every job would come back in
    lock-step. Retries are demoted (priority −n) so that a receiver that is down does not starve fresh jobs.
    """

    def __init__(self, max_attempts=12, base=10.0, cap=900.0):
        self.max_attempts, self.base, self.cap = max_attempts, base, cap

    def configure(self, config):
        """Take the limits from the app's configuration."""
        self.max_attempts = max(1, config["NOTIFY_MAX_ATTEMPTS"])
        self.base = float(config["NOTIFY_BACKOFF_SECONDS"])
        self.cap = float(config["NOTIFY_BACKOFF_MAX_SECONDS"])

    def is_final(self, attempts_before):
        """Tell whether a job that ran attempts_before times already is on its last attempt."""
        return attempts_before + 1 >= self.max_attempts

    def get_retry_decision(self, *, exception, job):
        if not isinstance(exception, RETRYABLE) or self.is_final(job.attempts):
            return None
        wait = min(self.cap, self.base * 2 ** job.attempts)
        seconds = random.uniform(wait / 2, wait)
        if getattr(exception, "retry_after", None):
            seconds = max(seconds, exception.retry_after)
        return RetryDecision(retry_in={"seconds": seconds}, priority=-(job.attempts + 1))
