"""Quartz cron expressions (execSchedule): fields, special characters, refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from engine.errors import ApiFault
from engine.export.cron import CronExpression

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0 15 10 * * ?", datetime(2026, 12, 2, 10, 15)),
        ("0/30 * * * * ?", datetime(2026, 12, 2, 4, 0, 30)),
        ("0 0 4 * * ?", datetime(2026, 12, 3, 4, 0)),  # strictly after now
        ("0 0 12 ? * 6L", datetime(2026, 12, 25, 12, 0)),  # last Friday
        ("0 0 12 ? * MON#2", datetime(2026, 12, 14, 12, 0)),
        ("0 0 0 L * ?", datetime(2026, 12, 31, 0, 0)),
        ("0 0 0 15W * ?", datetime(2026, 12, 15, 0, 0)),
        ("0 0 0 LW * ?", datetime(2026, 12, 31, 0, 0)),
        ("0 0 9 ? * MON-FRI", datetime(2026, 12, 2, 9, 0)),
        ("0 0 9 ? * SAT,SUN", datetime(2026, 12, 5, 9, 0)),
        ("0 0 0 1 JAN ? 2028", datetime(2028, 1, 1, 0, 0)),
        ("0 0 22-2/2 * * ?", datetime(2026, 12, 2, 22, 0)),  # a wrapping range
        ("0 0 0 * * *", datetime(2026, 12, 3, 0, 0)),  # '*' in both day fields
    ],
)
def test_next_fire_time(expression, expected):
    fire = CronExpression.parse(expression).next_after(NOW, UTC)
    assert fire == expected.replace(tzinfo=UTC)


def test_the_time_zone_is_the_schedules():
    paris = ZoneInfo("Europe/Paris")
    fire = CronExpression.parse("0 0 9 * * ?").next_after(NOW, paris)
    assert fire == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def test_never_again_is_none():
    assert CronExpression.parse("0 0 0 ? * * 2020").next_after(NOW, UTC) is None
    assert CronExpression.parse("0 0 0 30 FEB ?").next_after(NOW, UTC) is None


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("00 00 00 * * ", "5 fields"),  # Adobe's example
        ("", "0 fields"),
        ("61 * * * * ?", "seconds 61 is outside 0-59"),
        ("0 0 0 ? * FUNDAY", "'FUNDAY' is not a value of day-of-week"),
        ("0 0 0 1 * MON", "the other as '?'"),
        ("? 0 0 * * *", "'?' is only allowed in the day fields"),
        ("0/0 * * * * ?", "step '0'"),
        ("0 0 0 ? * MON#6", "at most 5"),
    ],
)
def test_refusals_name_the_problem(expression, says):
    with pytest.raises(ApiFault) as caught:
        CronExpression.parse(expression)
    assert caught.value.code == ApiFault.INVALID_PARAMETER
    assert says in caught.value.message and "Quartz" in caught.value.message
