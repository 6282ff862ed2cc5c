"""Delivery channels, each a small adapter with one `send(config, message)`; what they may raise."""


class DeliveryError(Exception):
    """A send did not go through; the message is for the admin's listing (Chinese)."""


class RetryableError(DeliveryError):
    """The receiver is down or busy: try again later (after retry_after seconds when it says so)."""

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """The receiver refused the message for good (bad key, bad number, bad template): do not retry."""


class NotConfigured(DeliveryError):
    """This deployment has no such channel (no robot, no SMS provider, no SMTP server): nothing to send."""
