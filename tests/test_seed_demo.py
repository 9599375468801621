"""`make run` seeds every plan fixture and a demo user for each role."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from actionplan.models import Action, Plan, PlanMembership, UpdateRound

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_the_plans_and_a_user_per_role(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    assert Plan.objects.filter(slug="cqc-local-system-review-2018").exists()
    users = {u.username: u for u in get_user_model().objects.all()}
    assert users["admin"].is_superuser and users["admin"].check_password("hwb-demo-admin")
    roles = dict(PlanMembership.objects.values_list("user__username", "role").distinct())
    assert roles == {"plan-admin": "admin", "kt-officer": "officer", "kc-owner": "officer", "hwb-member": "viewer"}
    assert users["kt-officer"].owner.code == "KT"
    assert Action.objects.owned_by(users["kt-officer"]).exists()
    # An accountable owner who signs off KT's updates, and a round on the update rounds page.
    assert Action.objects.mine(users["kt-officer"]).signable_by(users["kc-owner"]).exists()
    assert users["plan-admin"].administered_boards.filter(slug="hwb").exists()
    demo_round = UpdateRound.objects.get(meeting__partnership__slug="hwb", meeting__date="2018-11-15")
    assert set(demo_round.plans.all()) == set(Plan.objects.all()) and Action.objects.in_round(demo_round).exists()
    call_command("seed_demo")  # again: nothing doubles
    assert UpdateRound.objects.count() == 1
    printed = capsys.readouterr().out
    for username in ("admin", "plan-admin", "kt-officer", "kc-owner", "hwb-member"):
        assert f"username {username}" in printed


def test_seed_demo_refuses_to_publish_passwords_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()


def test_seeding_again_keeps_what_was_changed_in_the_browser_unless_asked_to_reload(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    a1 = Action.objects.get(plan__slug="cqc-local-system-review-2018", code="A1")
    a1.title = "Edited in the browser"
    a1.save(update_fields=["title"])
    capsys.readouterr()
    call_command("seed_demo")
    assert Action.objects.get(pk=a1.pk).title == "Edited in the browser"
    printed = capsys.readouterr().out
    assert "seed fixtures were not loaded again" in printed and "seed_demo --reload" in printed
    assert "username kt-officer" in printed  # the demo sign-ins are still there to use
    call_command("seed_demo", "--reload")
    assert Action.objects.get(pk=a1.pk).title != "Edited in the browser"


def test_make_run_serves_on_the_port_it_is_given():
    import subprocess

    from tests.helpers import ROOT

    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8001"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "manage.py runserver 127.0.0.1:8001" in dry_run
    assert (
        "runserver 127.0.0.1:8000"
        in subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    )
