"""The board's cycle in the browser: update rounds, signing off updates, the board's decisions.

Kept apart from views.py (the plans, actions and reports) as a whole area of its own; the same
habits: the first line fetches the object for this user or refuses, mutating views are POST-only
or redirect after success.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from actionplan import rounds
from actionplan.forms import DecisionForm, RoundForm, SignOffDelegateForm, SignOffForm
from actionplan.models import Plan, ProgressUpdate, UpdateRound
from actionplan.reports import RoundReport
from actionplan.status import RETURN_ORDER
from actionplan.views import _get_action_for_user
from partnerships.models import Meeting


def round_list(request):
    """The rounds with a plan this user may see, newest meeting first, and the meetings they may
    open one for."""
    today = timezone.localdate()
    return render(
        request,
        "actionplan/round_list.html",
        {
            "rounds": UpdateRound.objects.visible_to(request.user).select_related("meeting__partnership"),
            "meetings": list(rounds.meetings_to_open(request.user, today)),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
def open_round(request, meeting_pk):
    meeting = get_object_or_404(Meeting.objects.select_related("partnership"), pk=meeting_pk)
    plans = rounds.plans_for_round(request.user, meeting).order_by("title")
    if not plans.exists():
        raise PermissionDenied("Only the board's admins, or the admins of a plan it assures, can open its rounds.")
    if UpdateRound.objects.filter(meeting=meeting).exists():
        messages.error(request, f"There is already an update round for the {meeting}.")
        return redirect("actionplan:round", pk=meeting.update_round.pk)
    form = RoundForm(request.POST or None, meeting=meeting, plans=plans)
    if request.method == "POST" and form.is_valid():
        update_round = UpdateRound.objects.create(
            meeting=meeting,
            opens_on=form.cleaned_data["opens_on"],
            deadline=form.cleaned_data["deadline"],
            message=form.cleaned_data["message"],
            opened_by=request.user,
        )
        update_round.plans.set(form.cleaned_data["plans"])
        if update_round.opens_on <= timezone.localdate():
            # Its actions are chosen now; the hourly job sends the request.
            rounds.open_round(update_round, timezone.now())
        messages.success(request, f"The update round for the {meeting} is open.")
        return redirect(update_round)
    return render(
        request,
        "actionplan/round_form.html",
        {"meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


def round_detail(request, pk):
    update_round = get_object_or_404(UpdateRound.objects.select_related("meeting__partnership", "opened_by"), pk=pk)
    visible = Plan.objects.visible_to(request.user)
    if not update_round.plans.filter(pk__in=visible.values("pk")).exists():
        raise PermissionDenied("None of this round's plans has been shared with you.")
    report = RoundReport.build(update_round, visible)
    return render(
        request,
        "actionplan/round_detail.html",
        {"round": update_round, "report": report, "statuses": RETURN_ORDER},
    )


@require_http_methods(["GET", "POST"])
def sign_off(request, pk):
    """The accountable owner (or their delegate) signs an update off or returns it for changes."""
    update = get_object_or_404(ProgressUpdate.objects.select_related("action__plan", "author"), pk=pk)
    action = _get_action_for_user(request, update.action_id)
    refusal = update.sign_off_refusal(request.user)
    if refusal:
        raise PermissionDenied(refusal)
    seen = update.corrected_at.isoformat() if update.corrected_at else ""
    form = SignOffForm(request.POST or None, initial={"seen": seen})
    if request.method == "POST" and form.is_valid():
        read = form.cleaned_data["seen"]
        returning = form.returning()
        comment = form.cleaned_data["comment"].strip() if returning else ""
        if read == seen and update.review(request.user, timezone.now(), update.corrected_at, comment):
            said = "returned to the officer for changes" if returning else "signed off"
            messages.success(request, f"The update on {action.code} has been {said}.")
            return redirect("actionplan:action", pk=action.pk)
        messages.error(request, "The officer corrected this update since you opened it: read it again.")
        return redirect("actionplan:sign_off", pk=update.pk)
    return render(
        request,
        "actionplan/sign_off_form.html",
        {"action": action, "update": update, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def sign_off_delegates(request):
    """An accountable owner's sign-off delegates: who else may sign off updates for them."""
    owner = getattr(request.user, "owner", None)
    if owner is None:
        raise PermissionDenied("Your sign-in is not linked to a person in the plans.")
    form = SignOffDelegateForm(request.POST or None, owner=owner)
    if request.method == "POST" and form.is_valid():
        delegate = form.cleaned_data["username"]
        owner.sign_off_delegates.add(delegate)
        messages.success(request, f"{delegate.get_full_name() or delegate.username} can now sign off updates for you.")
        return redirect("actionplan:sign_off_delegates")
    return render(
        request,
        "actionplan/sign_off_delegates.html",
        {"owner": owner, "delegates": owner.sign_off_delegates.order_by("username"), "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def remove_sign_off_delegate(request, user_pk):
    owner = getattr(request.user, "owner", None)
    if owner is None:
        raise PermissionDenied("Your sign-in is not linked to a person in the plans.")
    owner.sign_off_delegates.remove(user_pk)
    messages.success(request, "That delegate can no longer sign off updates for you.")
    return redirect("actionplan:sign_off_delegates")


@require_http_methods(["GET", "POST"])
def record_decision(request, pk):
    """A board's admin records what the board decided about an action at one of its meetings."""
    action = _get_action_for_user(request, pk)
    meetings = rounds.meetings_for_decisions(request.user, action, timezone.localdate())
    if not meetings.exists():
        raise PermissionDenied("Only the admins of a board that assures this plan can record its decisions.")
    form = DecisionForm(request.POST or None, meetings=meetings)
    if request.method == "POST" and form.is_valid():
        decision = rounds.record_decision(action, user=request.user, **form.cleaned_data)
        messages.success(request, f"Recorded: {decision.summary()}")
        return redirect("actionplan:action", pk=action.pk)
    return render(
        request,
        "actionplan/decision_form.html",
        {"action": action, "form": form},
        status=400 if form.errors else 200,
    )
