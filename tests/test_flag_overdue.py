"""flag_overdue: one OverdueFlag per missed date, set-based, idempotent, cleared when no longer overdue."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.db.models.sql.query import Query
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actionplan import tasks
from actionplan.models import Action, OverdueFlag
from actionplan.status import RAG
from tests.helpers import build_system

pytestmark = pytest.mark.django_db

D = datetime.date


def refresh(on):
    return OverdueFlag.objects.refresh(on, timezone.now())


def open_flags():
    return {flag.action.code: flag.due_date for flag in OverdueFlag.objects.open().select_related("action")}


def report(action, officer, on, **fields):
    action.refresh_from_db()
    return action.add_progress_update(
        author=officer, on=on, seen_version=action.version, narrative=fields.pop("narrative", "Update"), **fields
    )


def test_it_flags_actions_the_day_after_the_date_they_missed(small_plan):
    # A1 and "A1 i" (which inherits A1's date) are due 31 May 2018; "A1 ii" May 2019; A2 has none.
    assert refresh(D(2018, 5, 31)) == (0, 0)
    assert open_flags() == {}
    assert refresh(D(2018, 6, 1)) == (2, 0)
    assert open_flags() == {"A1": D(2018, 5, 31), "A1 i": D(2018, 5, 31)}


def test_running_it_twice_on_the_same_day_changes_nothing(small_plan):
    refresh(D(2018, 6, 1))
    before = list(OverdueFlag.objects.values_list("pk", "action", "due_date", "flagged_at", "cleared_at"))
    assert refresh(D(2018, 6, 1)) == (0, 0)
    assert refresh(D(2018, 6, 2)) == (0, 0)
    assert list(OverdueFlag.objects.values_list("pk", "action", "due_date", "flagged_at", "cleared_at")) == before


def test_completing_the_action_clears_its_flag(small_plan, officer):
    refresh(D(2018, 6, 1))
    report(small_plan.actions.get(code="A1 i"), officer, D(2018, 6, 3), rag=RAG.COMPLETE)
    assert refresh(D(2018, 6, 4)) == (0, 1)
    assert open_flags() == {"A1": D(2018, 5, 31)}
    cleared = OverdueFlag.objects.get(action__code="A1 i")
    assert cleared.cleared_at is not None and cleared.due_date == D(2018, 5, 31)


def test_revising_the_date_clears_the_flag_and_missing_the_new_date_flags_again(small_plan, officer):
    refresh(D(2018, 6, 1))
    report(
        small_plan.actions.get(code="A1"),
        officer,
        D(2018, 6, 3),
        rag=RAG.AMBER,
        revised_due_date=D(2018, 7, 31),
        revision_reason="Waiting for the board",
    )
    assert refresh(D(2018, 6, 4)) == (0, 1)
    assert open_flags() == {"A1 i": D(2018, 5, 31)}
    assert refresh(D(2018, 8, 1)) == (1, 0)
    assert open_flags() == {"A1": D(2018, 7, 31), "A1 i": D(2018, 5, 31)}
    assert list(
        OverdueFlag.objects.filter(action__code="A1").order_by("flagged_at").values_list("due_date", flat=True)
    ) == [D(2018, 5, 31), D(2018, 7, 31)]


def test_the_dashboard_can_show_overdue_since(small_plan):
    refresh(D(2018, 6, 1))
    actions = {a.code: a.overdue_since for a in Action.objects.with_overdue_since()}
    assert actions == {"A1": D(2018, 6, 1), "A1 i": D(2018, 6, 1), "A1 ii": None, "A2": None}
    assert OverdueFlag.objects.get(action__code="A1").overdue_since == D(2018, 6, 1)


def test_a_run_that_fails_half_way_leaves_nothing_half_written(small_plan, officer, monkeypatch):
    refresh(D(2018, 6, 1))
    report(small_plan.actions.get(code="A1"), officer, D(2018, 6, 3), rag=RAG.COMPLETE)

    def database_went_away(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    # The clearing UPDATE has run when the INSERT is built: the failure must undo it.
    monkeypatch.setattr(Query, "sql_with_params", database_went_away)
    with pytest.raises(OperationalError):
        refresh(D(2018, 6, 4))
    monkeypatch.undo()
    assert open_flags() == {"A1": D(2018, 5, 31), "A1 i": D(2018, 5, 31)}


def test_the_command_takes_a_day_and_a_dry_run_changes_nothing(small_plan, capsys):
    call_command("flag_overdue", "--today", "2018-06-01", "--dry-run")
    assert "2 action(s) would be flagged overdue" in capsys.readouterr().out
    assert not OverdueFlag.objects.exists()
    call_command("flag_overdue", "--today", "2018-06-01")
    assert "2 action(s) flagged overdue, 0 flag(s) cleared" in capsys.readouterr().out
    assert open_flags() == {"A1": D(2018, 5, 31), "A1 i": D(2018, 5, 31)}


def test_the_command_refuses_a_malformed_day(small_plan):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("flag_overdue", "--today", "1/6/2018")


def test_the_query_count_does_not_grow_with_the_number_of_actions(django_assert_max_num_queries):
    on = datetime.date(2018, 6, 1)
    build_system(plans=1, key_actions=2, subs=1, start=on - datetime.timedelta(days=365))
    with django_assert_max_num_queries(10) as small:
        refresh(on)
    small_count = len(small.captured_queries)
    # 500 more actions, all overdue.
    Action.objects.bulk_create(
        Action(
            plan_id=a.plan_id,
            priority_id=a.priority_id,
            code=f"X{n}",
            number=f"X{n}",
            title="More",
            due_date=on - datetime.timedelta(days=n % 90 + 1),
        )
        for n, a in enumerate([Action.objects.first()] * 500)
    )
    with django_assert_max_num_queries(10) as large:
        flagged, _ = refresh(on)
    assert flagged == 500
    assert len(large.captured_queries) == small_count


def test_flagging_leaves_actions_already_flagged_to_the_one_open_flag_index(small_plan):
    """Flagging never reads the flags it writes: an action with an open flag is skipped by the
    one-open-flag index (ON CONFLICT), not by a NOT EXISTS over the flags, which became a nested
    loop quadratic in the newly overdue actions where PostgreSQL's statistics said the flag table
    was empty (bench/flag_overdue.py: 42 s against a floor of 0.7 s for 100,000 actions)."""
    refresh(D(2018, 6, 1))
    with CaptureQueriesContext(connection) as captured:
        assert refresh(D(2018, 6, 2)) == (0, 0)
    insert = next(q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT"))
    selected = insert.split(" FROM (", 1)[1].rsplit(") AS overdue", 1)[0]
    assert OverdueFlag._meta.db_table not in selected
    assert "ON CONFLICT (action_id) WHERE cleared_at IS NULL DO NOTHING" in insert
    assert open_flags() == {"A1": D(2018, 5, 31), "A1 i": D(2018, 5, 31)}


def test_the_task_retries_when_the_database_is_briefly_away(small_plan, monkeypatch):
    calls = []

    def flaky(*args):
        calls.append(args)
        if len(calls) == 1:
            raise OperationalError("could not connect to server")
        call_command(*args)

    monkeypatch.setattr(tasks, "call_command", flaky)
    # Run in-process, Celery makes the retry at once (no back-off wait) and reports its outcome.
    result = tasks.flag_overdue.apply(kwargs={"today": "2018-06-01"}, throw=False)
    assert result.successful()
    assert len(calls) == 2
    assert open_flags() == {"A1": D(2018, 5, 31), "A1 i": D(2018, 5, 31)}
