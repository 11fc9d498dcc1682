"""Hours of operation overrides: holidays and special hours, and whether hours are open.

Amazon Connect lets an hours of operation carry overrides ("Set the hours of operation and time
zone for a queue"; API: CreateHoursOfOperationOverride): for one date or a range of dates, the
hours are closed all day or open at other times than on the usual weekday.  `HoursOverride` is
that entry of `instance.yaml`; `check_overrides` reports what the schema cannot (FR080), and
`open_at` says whether hours are open at a local date and time, overrides first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import Field

from flowrt.lang.blocks import Model

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
WINDOW_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class HoursOverride(Model):
    """An override of hours of operation: closed, or special hours, on a date or date range.

    Dates are local dates in the hours' time zone; `from`/`to` are both included.  The first
    override that covers a date applies; days no override covers keep their weekday hours.
    """

    name: str | None = Field(None, description="What the override is for (shown in traces).")
    date: str | None = Field(
        None, description="One date, `YYYY-MM-DD`.", pattern=DATE_PATTERN, examples=["2026-12-25"]
    )
    from_: str | None = Field(
        None,
        alias="from",
        description="First date of a range, `YYYY-MM-DD` (with `to`).",
        pattern=DATE_PATTERN,
    )
    to: str | None = Field(
        None, description="Last date of a range, `YYYY-MM-DD` (included).", pattern=DATE_PATTERN
    )
    closed: bool | None = Field(None, description="`true`: closed all day (a holiday).")
    hours: str | None = Field(
        None,
        description="Special hours `HH:MM-HH:MM` instead of the weekday's (24:00 allowed as an end).",
        pattern=WINDOW_PATTERN,
        examples=["10:00-14:00"],
    )

    def dates(self) -> tuple[dt.date, dt.date] | None:
        """The first and last date covered; None when the dates are not valid."""
        try:
            if self.date is not None:
                d = dt.date.fromisoformat(self.date)
                return d, d
            if self.from_ is not None and self.to is not None:
                return dt.date.fromisoformat(self.from_), dt.date.fromisoformat(self.to)
        except ValueError:
            return None
        return None

    def label(self) -> str:
        when = self.date if self.date is not None else f"{self.from_} to {self.to}"
        return f"override {self.name} ({when})" if self.name else f"override {when}"


def check_overrides(
    overrides: Sequence[HoursOverride],
    base: tuple[str | int, ...],
    report: Callable[[str, str, tuple[str | int, ...], str | None], None],
) -> None:
    """Report overrides with no date, two kinds of date, bad dates, or no closed/hours (FR080)."""
    for i, o in enumerate(overrides):
        path = (*base, i)
        ranged = o.from_ is not None or o.to is not None
        if (o.date is None) == (not ranged) or (ranged and (o.from_ is None or o.to is None)):
            report(
                "FR080",
                "an override needs either `date` or both `from` and `to`",
                path,
                "give `date: 2026-12-25`, or `from: 2026-12-24` and `to: 2026-12-26`",
            )
            continue
        span = o.dates()
        if span is None:
            report("FR080", "an override date is not a date of the calendar", path, None)
            continue
        if span[0] > span[1]:
            report(
                "FR080",
                f"override from {o.from_} to {o.to}: `from` is after `to`",
                path,
                "swap the two dates",
            )
        if (o.closed is True) == (o.hours is not None) or o.closed is False:
            report(
                "FR080",
                "an override is either `closed: true` or has special `hours`, not both or neither",
                path,
                "give `closed: true` for a holiday, or `hours: 10:00-14:00` for special hours",
            )


def in_window(window: str, hhmm: str) -> bool:
    """Whether `hhmm` is within `HH:MM-HH:MM` (an end before the start wraps past midnight)."""
    start, end = window.split("-")
    return start <= hhmm < end if start <= end else hhmm >= start or hhmm < end


def open_at(
    days: Mapping[Any, str], overrides: Sequence[HoursOverride], local: dt.datetime
) -> tuple[bool, str | None, str | None]:
    """(open, the window that applies or None when closed all day, the override used or None)."""
    today = local.date()
    hhmm = local.strftime("%H:%M")
    for o in overrides:
        span = o.dates()
        if span is not None and span[0] <= today <= span[1]:
            if o.closed or o.hours is None:
                return False, None, o.label()
            return in_window(o.hours, hhmm), o.hours, o.label()
    window = days.get(WEEKDAYS[local.weekday()])
    return (in_window(window, hhmm) if window else False), window, None
