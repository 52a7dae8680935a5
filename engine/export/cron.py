"""Quartz cron expressions: the ``execSchedule`` of IPS ``submitJob``.

Adobe calls ``execSchedule`` "a custom schedule format"; its Dynamic Media Classic screens use
Quartz's, and that is what this module reads: 6 or 7 fields separated by blanks,

    seconds minutes hours day-of-month month day-of-week [year]

with ``*`` (any), ``?`` (no value, day fields only), lists ``a,b``, ranges ``a-b``, steps
``a/n`` and ``a-b/n`` and ``*/n``, month names ``JAN``–``DEC``, day names ``SUN``–``SAT``
(day-of-week numbers 1 = Sunday … 7 = Saturday, as in Quartz), ``L`` (last day of the month;
in day-of-week ``nL`` is the last such weekday of the month), ``LW``/``nW`` (the weekday nearest
to day n, within the month) and ``n#k`` (the k-th such weekday of the month).

Unlike Quartz, ``*`` in both day fields is accepted (any day); when both day fields are
restricted Quartz refuses the expression and so does this module. Times are read in the
expression's time zone (the server's local zone by default).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from engine.errors import ApiFault

_MONTHS = {name: n for n, name in enumerate(calendar.month_abbr) if name}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_FIELDS = (
    ("seconds", 0, 59, {}),
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, {name.upper(): n for name, n in _MONTHS.items()}),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2199, {}),
)
_SEARCH_YEARS = 8  # an expression that never fires within this many years never fires


def _invalid(expression: str, why: str) -> ApiFault:
    return ApiFault(
        f"invalid execSchedule {expression!r}: {why}; expected a Quartz cron expression "
        "'sec min hour day-of-month month day-of-week [year]', e.g. '0 15 10 * * ?'",
        code=ApiFault.INVALID_PARAMETER,
    )


@dataclass(frozen=True)
class _DayRule:
    """The special day-field forms, each checked against a concrete date."""

    last_day: bool = False  # L in day-of-month
    nearest_weekday: int | None = None  # nW (0 for LW)
    last_weekday: int | None = None  # nL in day-of-week
    nth_weekday: tuple[int, int] | None = None  # n#k in day-of-week

    def matches(self, day: date) -> bool:
        days_in_month = calendar.monthrange(day.year, day.month)[1]
        weekday = _quartz_weekday(day)
        if self.last_day:
            return day.day == days_in_month
        if self.nearest_weekday is not None:
            target = self.nearest_weekday or days_in_month
            return day == _nearest_weekday(day.replace(day=min(target, days_in_month)))
        if self.last_weekday is not None:
            return weekday == self.last_weekday and day.day + 7 > days_in_month
        if self.nth_weekday is not None:
            wanted, nth = self.nth_weekday
            return weekday == wanted and (day.day - 1) // 7 + 1 == nth
        return False


@dataclass(frozen=True)
class CronExpression:
    text: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: any (or '?')
    months: frozenset[int]
    weekdays: frozenset[int] | None
    years: frozenset[int] | None
    day_rule: _DayRule | None

    @classmethod
    def parse(cls, expression: str) -> CronExpression:
        """ApiFault 30001 naming the field for anything that is not a Quartz expression."""
        text = " ".join((expression or "").split())
        parts = text.upper().split(" ") if text else []
        if len(parts) not in (6, 7):
            raise _invalid(expression, f"{len(parts)} fields; Quartz has 6 or 7")
        values: list[frozenset[int] | None] = []
        rule = None
        for index, part in enumerate(parts):
            name, low, high, names = _FIELDS[index]
            if index in (3, 5):
                special = _day_rule(expression, part, index == 5, names)
                if special is not None:
                    if rule is not None:
                        raise _invalid(expression, "both day fields use L, W or #")
                    rule = special
                    values.append(None)
                    continue
            if part in ("*", "?"):
                if part == "?" and index not in (3, 5):
                    raise _invalid(expression, f"'?' is only allowed in the day fields, not {name}")
                values.append(None if index in (3, 5, 6) else frozenset(range(low, high + 1)))
                continue
            values.append(_field(expression, part, name, low, high, names))
        restricted_days = values[3] is not None or (rule is not None and not _rule_is_dow(rule))
        restricted_weekdays = values[5] is not None or (rule is not None and _rule_is_dow(rule))
        if restricted_days and restricted_weekdays:
            raise _invalid(expression, "give day-of-month or day-of-week, the other as '?'")
        return cls(
            text=text,
            seconds=values[0] or frozenset(),
            minutes=values[1] or frozenset(),
            hours=values[2] or frozenset(),
            days=values[3],
            months=values[4] or frozenset(),
            weekdays=values[5],
            years=values[6] if len(values) == 7 else None,
            day_rule=rule,
        )

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months or (self.years and day.year not in self.years):
            return False
        if self.day_rule is not None:
            return self.day_rule.matches(day)
        if self.days is not None and day.day not in self.days:
            return False
        return self.weekdays is None or _quartz_weekday(day) in self.weekdays

    def next_after(self, after: datetime, zone: tzinfo) -> datetime | None:
        """The first firing time strictly after ``after`` (aware), in ``zone``; ``None`` if
        the expression never fires again (a past year, 30 February)."""
        local = after.astimezone(zone)
        day = local.date()
        times = sorted(
            time(h, m, s) for h in self.hours for m in self.minutes for s in self.seconds
        )
        last = day + timedelta(days=366 * _SEARCH_YEARS)
        while day <= last:
            if self.matches_day(day):
                for moment in times:
                    candidate = datetime.combine(day, moment, zone)
                    # a wall time skipped by a DST jump maps forward; compare instants
                    if candidate > after:
                        return candidate
            day += timedelta(days=1)
        return None


def _rule_is_dow(rule: _DayRule) -> bool:
    return rule.last_weekday is not None or rule.nth_weekday is not None


def _quartz_weekday(day: date) -> int:
    return (day.weekday() + 1) % 7 + 1  # Monday 0 → 2 … Sunday 6 → 1


def _nearest_weekday(day: date) -> date:
    """The Monday–Friday nearest to ``day`` without leaving its month (Quartz ``W``)."""
    weekday = day.weekday()
    if weekday < 5:
        return day
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    if weekday == 5:  # Saturday: Friday before, unless that is last month
        return day - timedelta(days=1) if day.day > 1 else day + timedelta(days=2)
    # Sunday: Monday after, unless that is next month
    return day + timedelta(days=1) if day.day < days_in_month else day - timedelta(days=2)


def _day_rule(
    expression: str, part: str, weekday_field: bool, names: dict[str, int]
) -> _DayRule | None:
    if not weekday_field:
        if part == "L":
            return _DayRule(last_day=True)
        if part == "LW":
            return _DayRule(nearest_weekday=0)
        if match := re.fullmatch(r"(\d{1,2})W", part):
            day = int(match[1])
            if not 1 <= day <= 31:
                raise _invalid(expression, f"day-of-month {day} is outside 1-31")
            return _DayRule(nearest_weekday=day)
        return None
    if part == "L":
        return None  # plain L in day-of-week is Saturday (7), read as a value
    if match := re.fullmatch(r"(\w+)L", part):
        return _DayRule(last_weekday=_value(expression, match[1], "day-of-week", 1, 7, names))
    if match := re.fullmatch(r"(\w+)#(\d)", part):
        nth = int(match[2])
        if not 1 <= nth <= 5:
            raise _invalid(expression, f"'#{nth}': there are at most 5 of a weekday in a month")
        weekday = _value(expression, match[1], "day-of-week", 1, 7, names)
        return _DayRule(nth_weekday=(weekday, nth))
    return None


def _field(
    expression: str, part: str, name: str, low: int, high: int, names: dict[str, int]
) -> frozenset[int]:
    if name == "day-of-week" and part == "L":
        return frozenset({7})
    found: set[int] = set()
    for item in part.split(","):
        body, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise _invalid(expression, f"step {step_text!r} in {name} is not a positive number")
            step = int(step_text)
        if body in ("*", "?"):
            start, end = low, high
        elif "-" in body:
            first, _, second = body.partition("-")
            start = _value(expression, first, name, low, high, names)
            end = _value(expression, second, name, low, high, names)
        else:
            start = _value(expression, body, name, low, high, names)
            end = high if step_text else start
        if start <= end:
            found.update(range(start, end + 1, step))
        else:  # a wrapping range such as FRI-MON or 22-2
            span = list(range(start, high + 1)) + list(range(low, end + 1))
            found.update(span[::step])
    return frozenset(found)


def _value(
    expression: str, text: str, name: str, low: int, high: int, names: dict[str, int]
) -> int:
    if text in names:
        return names[text]
    if not text.isdigit():
        raise _invalid(expression, f"{text!r} is not a value of {name}")
    value = int(text)
    if not low <= value <= high:
        raise _invalid(expression, f"{name} {value} is outside {low}-{high}")
    return value
