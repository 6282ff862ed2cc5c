"""Notifications: rules write outbox rows in the cause's transaction; the queue's worker delivers them."""

from .rules import muted, notify_reporter, on_case_event

__all__ = ["muted", "notify_reporter", "on_case_event"]
