"""Errors of the local Functions host.

Every error here means "the host cannot start or run as configured" and carries a one-line
message that says what to fix; the CLI prints it without a traceback.
"""

from __future__ import annotations


class HostError(Exception):
    """The local host cannot run as configured."""


class FunctionIndexError(HostError):
    """A function of the app cannot be described or is not supported by the local host."""


class ScheduleError(HostError):
    """A timer schedule is not a valid 6-field NCRONTAB expression."""


class SettingsError(HostError):
    """A `%SETTING%` reference or a local settings file cannot be resolved."""
