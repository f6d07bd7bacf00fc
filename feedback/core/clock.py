"""The one place that asks what time it is, so tests can hold the clock still."""

from datetime import UTC, date, datetime, timedelta


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def week_start(moment: datetime) -> date:
    """Monday of the ISO week that contains `moment` (in UTC)."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def month_start(moment: datetime) -> date:
    """First day of the calendar month that contains `moment` (in UTC)."""
    return moment.astimezone(UTC).date().replace(day=1)
