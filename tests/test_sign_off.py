"""Sign-off: the accountable owner (or a delegate they name) signs off an officer's update or
returns it with a comment; who else may not; officers and their own updates; the audit trail.

The small plan asks for sign-off; DHe (other_officer) is accountable for A1 and its sub-actions,
KT (officer) responsible for A1 and A2. "A1 ii" is DHe's own: responsible and accountable.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from actionplan.models import Action
from tests.conftest import _user
from tests.helpers import give_role
from tests.round_helpers import assure_by_hwb, update

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def plan(small_plan):
    return assure_by_hwb(small_plan)


@pytest.fixture
def kts_update(plan, officer):
    return update(plan.actions.get(code="A1"), officer, D(2018, 10, 20), narrative="The vision is drafted.")


def sign_off(client, user, progress_update, **data):
    client.force_login(user)
    return client.post(reverse("actionplan:sign_off", args=[progress_update.pk]), {"answer": "sign_off", **data})


def test_the_accountable_owner_sees_it_awaiting_and_signs_it_off(client, kts_update, other_officer):
    client.force_login(other_officer)
    page = client.get(reverse("actionplan:my_actions"))
    assert [u.pk for u in page.context["awaiting_sign_off"]] == [kts_update.pk]
    assert "Awaiting your sign-off" in page.content.decode()
    response = sign_off(client, other_officer, kts_update)
    assert response.status_code == 302
    kts_update.refresh_from_db()
    assert kts_update.is_signed_off and kts_update.signed_off_by == other_officer
    assert not client.get(reverse("actionplan:my_actions")).context["awaiting_sign_off"]
    action_page = client.get(reverse("actionplan:action", args=[kts_update.action_id])).content.decode()
    assert "Signed off by Other-Officer on" in action_page


def test_returning_needs_a_comment_which_the_officer_sees(client, kts_update, other_officer, officer):
    client.force_login(other_officer)
    url = reverse("actionplan:sign_off", args=[kts_update.pk])
    refused = client.post(url, {"answer": "return", "comment": "  "})
    assert refused.status_code == 400
    assert "Enter a comment saying what should change" in refused.content.decode()
    kts_update.refresh_from_db()
    assert kts_update.returned_at is None
    assert client.post(url, {"answer": "return", "comment": "Which board approved it?"}).status_code == 302
    kts_update.refresh_from_db()
    assert kts_update.is_returned and kts_update.return_comment == "Which board approved it?"
    client.force_login(officer)
    action_page = client.get(reverse("actionplan:action", args=[kts_update.action_id])).content.decode()
    assert "Returned for changes by Other-Officer" in action_page and "Which board approved it?" in action_page


def test_signing_off_and_returning_are_in_the_audit_trail(client, kts_update, other_officer, plan_admin):
    kts_update.review(other_officer, timezone.now(), None, comment="Add the date of the meeting.")
    kts_update.review(other_officer, timezone.now(), None)
    trail = kts_update.action.audit_trail()
    signed = next(e for e in trail if e.what == "Progress update of 20 October 2018 signed off")
    returned = next(e for e in trail if e.what == "Progress update of 20 October 2018 returned for changes")
    assert signed.who == other_officer and returned.who == other_officer
    assert returned.changes == [("Comment", "", "Add the date of the meeting.")]
    assert signed.when >= returned.when
    client.force_login(plan_admin)
    page = client.get(reverse("actionplan:action", args=[kts_update.action_id])).content.decode()
    assert "Progress update of 20 October 2018 signed off" in page


@pytest.mark.parametrize("who", ["officer", "plan_admin", "superuser", "board_member", "outsider"])
def test_only_the_accountable_owner_or_their_delegate_may_sign_off(client, kts_update, who, request):
    user = request.getfixturevalue(who)
    assert sign_off(client, user, kts_update).status_code == 403
    assert client.get(reverse("actionplan:sign_off", args=[kts_update.pk])).status_code == 403
    kts_update.refresh_from_db()
    assert not kts_update.is_signed_off


def test_a_delegate_the_accountable_owner_names_may_sign_off(client, plan, kts_update, other_officer):
    deputy = give_role(_user("deputy"), plan, "viewer")
    assert sign_off(client, deputy, kts_update).status_code == 403
    client.force_login(other_officer)
    page = client.post(reverse("actionplan:sign_off_delegates"), {"username": "nobody-here"})
    assert page.status_code == 400 and "Enter the username of someone else" in page.content.decode()
    client.post(reverse("actionplan:sign_off_delegates"), {"username": "deputy"})
    assert list(other_officer.owner.sign_off_delegates.all()) == [deputy]
    client.force_login(deputy)
    assert [u.pk for u in client.get(reverse("actionplan:my_actions")).context["awaiting_sign_off"]] == [kts_update.pk]
    assert sign_off(client, deputy, kts_update).status_code == 302
    # Named no longer, they may not.
    client.force_login(other_officer)
    client.post(reverse("actionplan:remove_sign_off_delegate", args=[deputy.pk]))
    later = update(plan.actions.get(code="A1"), kts_update.author, D(2018, 10, 21))
    assert sign_off(client, deputy, later).status_code == 403


def test_officers_cannot_sign_off_their_own_update_unless_accountable_and_the_plan_allows_it(
    client, plan, other_officer, officer
):
    # A1 ii is DHe's (other_officer's) own: responsible, and accountable through A1.
    own = update(plan.actions.get(code="A1 ii"), other_officer, D(2018, 10, 20))
    assert sign_off(client, other_officer, own).status_code == 403
    client.force_login(other_officer)
    assert not client.get(reverse("actionplan:my_actions")).context["awaiting_sign_off"]
    plan.self_sign_off_allowed = True
    plan.save()
    assert [u.pk for u in client.get(reverse("actionplan:my_actions")).context["awaiting_sign_off"]] == [own.pk]
    assert sign_off(client, other_officer, own).status_code == 302
    # Allowed for the accountable alone: a delegate never signs off their own update.
    other_officer.owner.sign_off_delegates.add(officer)
    kts_own = update(plan.actions.get(code="A1"), officer, D(2018, 10, 22))
    assert sign_off(client, officer, kts_own).status_code == 403


def test_only_the_latest_officers_update_of_a_plan_asking_for_sign_off_is_signed_off(
    client, plan, kts_update, officer, other_officer
):
    newer = update(plan.actions.get(code="A1"), officer, D(2018, 10, 25))
    assert sign_off(client, other_officer, kts_update).status_code == 403
    assert sign_off(client, other_officer, newer).status_code == 302
    imported = Action.objects.get(code="A1", plan=plan).progress_updates.get(imported=True)
    assert sign_off(client, other_officer, imported).status_code == 403
    plan.sign_off_required = False
    plan.save()
    newest = update(plan.actions.get(code="A1"), officer, D(2018, 10, 26))
    assert sign_off(client, other_officer, newest).status_code == 403


def test_an_update_corrected_while_the_signer_read_it_is_not_signed_off(client, kts_update, other_officer):
    client.force_login(other_officer)
    seen = client.get(reverse("actionplan:sign_off", args=[kts_update.pk])).context["form"].initial["seen"]
    kts_update.correct("The vision is drafted and agreed.", timezone.now())
    response = sign_off(client, other_officer, kts_update, seen=seen)
    assert response.status_code == 302 and response.url == reverse("actionplan:sign_off", args=[kts_update.pk])
    kts_update.refresh_from_db()
    assert not kts_update.is_signed_off


def test_a_plan_file_says_whether_its_updates_are_signed_off(tmp_path):
    from actionplan.exporters import dump_plan
    from actionplan.importers import PlanFileError, import_plan_file
    from tests.helpers import CQC_SLUG, import_cqc_plan, minimal_plan, write_plan

    assert import_cqc_plan().sign_off_required  # the CQC plan file asks for it
    assert not import_plan_file(write_plan(tmp_path, minimal_plan())).plan.sign_off_required
    assert import_plan_file(write_plan(tmp_path, minimal_plan(sign_off_required=True))).plan.sign_off_required
    with pytest.raises(PlanFileError, match=r"sign_off_required.*unknown answer 'maybe' \(use yes or no\)"):
        import_plan_file(write_plan(tmp_path, minimal_plan(sign_off_required="maybe")))
    # The spreadsheet's Plan sheet says "yes", and reads back.
    from actionplan.models import Plan

    workbook = tmp_path / "cqc.xlsx"
    workbook.write_bytes(dump_plan(Plan.objects.get(slug=CQC_SLUG), "xlsx"))
    Plan.objects.filter(slug=CQC_SLUG).update(sign_off_required=False)
    assert import_plan_file(workbook).plan.sign_off_required
