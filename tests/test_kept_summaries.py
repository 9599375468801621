"""Today's picture, kept: each strategic priority's RAG summary, counted again in the same
transaction as every kind of change, and by the daily job when a day passes, always equals what
counting the actions gives; the dashboard reads it instead of counting."""

import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection, transaction
from django.urls import reverse

from actionplan.models import Action, KeptSummary, Plan, ProgressUpdate, StrategicPriority
from actionplan.status import RAG, RagSummary
from tests.helpers import build_system, import_cqc_plan, minimal_plan, write_plan

D = datetime.date
ON = D(2018, 5, 1)


def counted(on):
    """{plan pk: RagSummary} and {priority pk: RagSummary} on `on`, counted from the actions."""
    return (
        Action.objects.rag_summary_by("plan", on),
        Action.objects.rag_summary_by("priority", on),
    )


def assert_kept_equals_counted(on=ON):
    by_plan, by_priority = counted(on)
    plans = list(Plan.objects.values_list("pk", flat=True))
    kept_by_plan = KeptSummary.objects.summaries(plans, on, "plan")
    assert set(kept_by_plan) == set(plans), "every plan is kept"
    assert kept_by_plan == {pk: by_plan.get(pk, RagSummary()) for pk in plans}
    for plan in plans:
        kept_by_priority = KeptSummary.objects.summaries([plan], on, "priority")
        priorities = StrategicPriority.objects.filter(plan=plan).values_list("pk", flat=True)
        assert kept_by_priority == {pk: by_priority.get(pk, RagSummary()) for pk in priorities}


@pytest.fixture
def kept(db, superuser):
    """The CQC plan, its summaries kept by the daily job on ON."""
    plan = import_cqc_plan()
    call_command("keep_summaries", "--today", ON.isoformat(), stdout=io.StringIO())
    assert_kept_equals_counted()
    return plan


def test_an_officers_update_and_its_correction_are_counted_in_the_same_transaction(kept, superuser):
    a1 = kept.actions.get(code="A1")
    before = KeptSummary.objects.summaries([kept.pk], ON, "plan")[kept.pk]
    with transaction.atomic():
        update = a1.add_progress_update(
            author=superuser, on=ON, seen_version=a1.version, rag=RAG.RED, narrative="Blocked"
        )
        # Inside the update's own transaction, before it commits, the kept summary has moved.
        assert KeptSummary.objects.summaries([kept.pk], ON, "plan")[kept.pk] != before
    assert_kept_equals_counted()
    update.correct("Blocked by the review", now=update.created_at)
    assert_kept_equals_counted()


def test_a_completion_a_revised_date_and_a_board_decision_are_counted(kept, superuser):
    b1, c1 = kept.actions.get(code="B1"), kept.actions.get(code="C1")
    b1.add_progress_update(author=superuser, on=ON, seen_version=b1.version, rag=RAG.COMPLETE, narrative="Done")
    c1.add_progress_update(
        author=superuser,
        on=ON,
        seen_version=c1.version,
        rag=RAG.AMBER,
        narrative="Later",
        revised_due_date=D(2019, 3, 31),
        revision_reason="Waiting for the review",
    )
    assert_kept_equals_counted()
    # A board's decision takes effect through an update the system writes on its behalf.
    ProgressUpdate.objects.create(action=c1, reported_on=ON, narrative="Closed by the board", rag=RAG.COMPLETE)
    assert_kept_equals_counted()


def test_the_boards_recorded_decisions_closing_an_action_and_accepting_a_revised_date_are_counted(kept, superuser):
    from actionplan.rounds import record_decision
    from tests.round_helpers import hwb_meeting

    meeting = hwb_meeting(D(2018, 7, 19))
    a2, b2 = kept.actions.get(code="A2"), kept.actions.get(code="B2")
    # Recorded on the meeting's date: today's kept picture is the meeting day's.
    call_command("keep_summaries", "--today", meeting.date.isoformat(), stdout=io.StringIO())
    before = KeptSummary.objects.summaries([kept.pk], meeting.date, "plan")[kept.pk]
    record_decision(a2, meeting, "close", superuser, minute_reference="12/18")
    record_decision(b2, meeting, "revised_date", superuser, revised_due_date=D(2019, 6, 30))
    assert KeptSummary.objects.summaries([kept.pk], meeting.date, "plan")[kept.pk] != before
    assert_kept_equals_counted(meeting.date)


def test_an_edit_of_an_actions_dates_and_a_move_to_another_priority_are_counted(kept):
    e2 = kept.actions.get(code="E2")
    e2.due_date = ON + datetime.timedelta(days=3)  # from overdue to due soon
    e2.save()
    assert_kept_equals_counted()
    moved = Action.objects.get(code="A2", plan=kept)
    moved.priority = StrategicPriority.objects.get(plan=kept, code="B")
    moved.save()
    assert_kept_equals_counted()


def test_the_edit_page_counts_its_change(kept, client, superuser):
    action = kept.actions.get(code="A1")
    client.force_login(superuser)
    page = client.get(reverse("actionplan:edit_action", args=[action.pk]))
    data = {
        name: value for name, value in page.context["form"].initial.items() if value is not None and name != "delegates"
    }
    data.update(
        {
            "accountable": [o.pk for o in action.accountable.all()],
            "responsible": [o.pk for o in action.responsible.all()],
            "completion_date_text": "01/01/18",
            "version": action.version,
        }
    )
    response = client.post(reverse("actionplan:edit_action", args=[action.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    assert Action.objects.get(pk=action.pk).due_date == D(2018, 1, 1)
    assert_kept_equals_counted()


def test_removing_an_action_a_priority_or_a_plan_is_counted(kept):
    kept.actions.get(code="I1 ii").delete()
    assert_kept_equals_counted()
    StrategicPriority.objects.get(plan=kept, code="O").delete()
    assert_kept_equals_counted()
    StrategicPriority.objects.create(plan=kept, code="Z", text="Added in the admin", position=99)
    assert_kept_equals_counted()


def test_a_plans_windows_are_counted(kept):
    kept.due_soon_days = 90
    kept.stale_after_days = 7
    kept.save()
    assert_kept_equals_counted()


def test_an_import_new_and_again_with_changes_is_counted(kept, tmp_path):
    from actionplan.importers.yaml_plan import import_plan_file

    data = minimal_plan()
    import_plan_file(write_plan(tmp_path, data))
    assert_kept_equals_counted()
    a1 = data["priorities"][0]["actions"][0]
    a1["completion_date"] = "01/04/18"  # now overdue
    a1["status"] = "Complete"
    del data["priorities"][0]["actions"][1]  # A2 removed
    import_plan_file(write_plan(tmp_path, data))
    assert_kept_equals_counted()


def test_bulk_written_updates_are_counted_by_refresh_progress(kept):
    build_system(plans=2, priorities=2, key_actions=3, subs=2, updates_per_action=3, prefix="bulk-")
    assert_kept_equals_counted()


def test_a_day_passing_is_counted_by_the_daily_job_and_not_read_until_it_has(kept):
    tomorrow = ON + datetime.timedelta(days=1)
    due_today = kept.actions.get(code="D1")
    due_today.due_date = ON
    due_today.save()
    assert_kept_equals_counted()
    overdue_today = KeptSummary.objects.summaries([kept.pk], ON, "plan")[kept.pk].overdue
    # Until the job runs, nothing is kept for tomorrow: the dashboard counts the actions.
    assert KeptSummary.objects.summaries([kept.pk], tomorrow, "plan") == {}
    call_command("keep_summaries", "--today", tomorrow.isoformat(), stdout=io.StringIO())
    assert_kept_equals_counted(tomorrow)
    # D1, due today, is overdue tomorrow (and no date moves an action out of overdue).
    assert Action.objects.filter(pk=due_today.pk).overdue(tomorrow).exists()
    assert KeptSummary.objects.summaries([kept.pk], tomorrow, "plan")[kept.pk].overdue >= overdue_today + 1


def test_the_dashboard_reads_the_kept_summaries_not_the_actions(kept, client, superuser, django_assert_max_num_queries):
    client.force_login(superuser)
    build_system(plans=3, priorities=2, key_actions=3, subs=2, updates_per_action=2, prefix="more-")
    call_command("keep_summaries", "--today", ON.isoformat(), stdout=io.StringIO())
    with django_assert_max_num_queries(40) as captured:
        response = client.get(reverse("actionplan:dashboard"), {"as_at": ON.isoformat()})
    plans = {plan.pk: plan.summary for plan in response.context["plans"]}
    assert plans == {pk: summary for pk, summary in counted(ON)[0].items() if pk in plans}
    # The plans' table is read from the kept summaries: no query groups the actions by plan.
    grouped_by_plan = [q["sql"] for q in captured.captured_queries if "GROUP BY" in q["sql"] and "plan_id" in q["sql"]]
    assert not any("actionplan_action" in sql and "summary_key" in sql for sql in grouped_by_plan)


@pytest.mark.django_db(transaction=True)
def test_two_officers_updating_one_priority_at_once_are_both_counted():
    """Each recount locks the priority's row before counting, so the second counts what the
    first committed: without the lock, the second counted without the first's update and its
    count, written last, was wrong."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time")
    plan = import_cqc_plan()
    call_command("keep_summaries", "--today", ON.isoformat(), stdout=io.StringIO())
    first, second = plan.actions.filter(priority__code="A", parent=None).order_by("position")[:2]
    first_counted = threading.Event()
    errors = []

    def update(action, wait_for=None, then=None):
        try:
            with transaction.atomic():
                action.add_progress_update(
                    author=None, on=ON, seen_version=action.version, rag=RAG.COMPLETE, narrative="Done"
                )
                if then:
                    then.set()
                if wait_for:
                    wait_for.wait(2)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            close_old_connections()

    # The first holds its transaction open after counting; the second must wait, then count both.
    release = threading.Event()
    holder = threading.Thread(target=update, args=(first,), kwargs={"then": first_counted, "wait_for": release})
    holder.start()
    assert first_counted.wait(10)
    other = threading.Thread(target=update, args=(second,))
    other.start()
    other.join(0.5)
    assert other.is_alive(), "the second update waits for the first's lock"
    release.set()
    holder.join(10)
    other.join(10)
    assert not errors
    assert_kept_equals_counted()


def test_the_daily_job_is_on_beats_timetable_just_after_midnight_and_counts_through_its_task(kept, settings):
    from actionplan import tasks

    job = settings.CELERY_BEAT_SCHEDULE["keep-summaries"]
    assert job["task"] == tasks.keep_summaries.name
    assert job["schedule"].hour == {0} and job["schedule"].minute == {5}
    tomorrow = ON + datetime.timedelta(days=1)
    tasks.keep_summaries.apply(args=[tomorrow.isoformat()]).get()
    assert KeptSummary.objects.kept_on() == tomorrow
    assert_kept_equals_counted(tomorrow)


def test_a_dry_run_of_the_daily_job_keeps_nothing(kept):
    out = io.StringIO()
    call_command("keep_summaries", "--today", "2018-05-02", "--dry-run", stdout=out)
    assert "would be kept" in out.getvalue()
    assert KeptSummary.objects.kept_on() == ON
