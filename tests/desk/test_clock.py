"""The one-day clock over HTTP: due times after routing, due-today and overdue lists, the stats.

Time moves only through the injected FixedClock (the module's settings declare 2026-06-19 a
holiday).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from records.models import Role
from tests.desk.conftest import FOUR, DeskEnv, submit


def beijing(day: int, hour: int, month: int = 6) -> datetime:
    """Naive UTC instant of 2026-<month>-<day> <hour>:00 Beijing time."""
    return datetime(2026, month, day, hour - 8) if hour >= 8 else datetime(2026, month, day - 1, hour + 16)


def _route_at(env: DeskEnv, when: datetime, manager: dict[str, str]) -> str:
    env.clock.set(when)
    number = submit(env.client, "苏州市居住证到期了怎么续签？", region="苏州市")["number"]
    response = env.client.post(
        f"/api/questions/{number}/route", json={"department": "苏州市公安局"}, headers=manager
    )
    assert response.status_code == 200, response.text
    return number


def _listed(env: DeskEnv, path: str, manager: dict[str, str]) -> list[str]:
    response = env.client.get(f"/api/desk/{path}", headers=manager)
    assert response.status_code == 200, response.text
    return [q["number"] for q in response.json()["questions"]]


@pytest.mark.parametrize(
    ("routed", "due"),
    [
        (beijing(1, 10), "2026-06-03T00:00:00+08:00"),  # Monday → end of Tuesday
        (beijing(5, 16), "2026-06-09T00:00:00+08:00"),  # Friday → end of Monday
        (beijing(6, 11), "2026-06-09T00:00:00+08:00"),  # Saturday → end of Monday
        (beijing(18, 10), "2026-06-23T00:00:00+08:00"),  # Thursday, holiday Friday → end of Monday
        (beijing(2, 7), "2026-06-04T00:00:00+08:00"),  # Tuesday 07:00 Beijing (Monday in UTC) is Tuesday
    ],
)
def test_due_time_after_routing(env: DeskEnv, routed: datetime, due: str):
    manager = env.staff(Role.manager)
    number = _route_at(env, routed, manager)
    view = env.client.get(f"/api/desk/questions/{number}", headers=manager).json()
    assert view["due_at"] == due


def test_due_today_then_overdue_until_answered(env: DeskEnv):
    manager = env.staff(Role.manager)
    police = env.staff(Role.specialist, "苏州市公安局")
    number = _route_at(env, beijing(5, 16), manager)  # Friday: due end of Monday 8th

    env.clock.set(beijing(6, 10))  # Saturday: neither list
    assert number not in _listed(env, "due-today", manager) + _listed(env, "overdue", manager)
    env.clock.set(beijing(8, 9))  # Monday morning: due today
    assert number in _listed(env, "due-today", manager)
    assert number not in _listed(env, "overdue", manager)
    env.clock.set(beijing(8, 23))  # still Monday
    assert number not in _listed(env, "overdue", manager)
    env.clock.set(beijing(9, 9))  # Tuesday: overdue
    assert number in _listed(env, "overdue", manager)
    assert number not in _listed(env, "due-today", manager)
    view = env.client.get(f"/api/desk/questions/{number}", headers=police).json()
    assert view["overdue"] is True

    env.client.post(f"/api/questions/{number}/answers", json=FOUR, headers=police)
    assert number not in _listed(env, "overdue", manager)


@pytest.mark.parametrize("path", ["overdue", "due-today", "questions"])
def test_lists_are_for_managers(env: DeskEnv, path: str):
    specialist = env.staff(Role.specialist, "苏州市公安局")
    assert env.client.get(f"/api/desk/{path}", headers=specialist).status_code == 403
    assert env.client.get(f"/api/desk/{path}").status_code == 401


def test_a_specialist_cannot_open_another_departments_question(env: DeskEnv):
    manager = env.staff(Role.manager)
    number = _route_at(env, beijing(1, 10), manager)
    other = env.staff(Role.specialist, "苏州市教育局")
    response = env.client.get(f"/api/desk/questions/{number}", headers=other)
    assert (response.status_code, response.json()["error"]["code"]) == (403, "question_other_department")


def test_stats_count_each_step(env: DeskEnv):
    manager = env.staff(Role.manager)
    police = env.staff(Role.specialist, "苏州市公安局")
    before = env.client.get("/api/questions/stats").json()

    on_time = _route_at(env, beijing(1, 10), manager)
    env.clock.set(beijing(2, 16))  # 30 hours after submission, within the working day
    env.client.post(f"/api/questions/{on_time}/answers", json=FOUR, headers=police)
    env.client.post(f"/api/questions/{on_time}/review", json={"decision": "publish"}, headers=manager)

    late = _route_at(env, beijing(1, 10), manager)
    env.clock.set(beijing(4, 10))  # 72 hours: past the end of Tuesday
    env.client.post(f"/api/questions/{late}/answers", json=FOUR, headers=police)

    submit(env.client, "这个问题还没有人处理吗？")
    after = env.client.get("/api/questions/stats").json()
    delta = {
        key: after[key] - before[key]
        for key in ("received", "answered", "published", "answered_within_one_working_day")
    }
    assert delta == {"received": 3, "answered": 2, "published": 1, "answered_within_one_working_day": 1}
    assert after["median_hours_to_answer"] is not None and after["median_hours_to_answer"] > 0
