from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from actionplan.forms import ActionForm, CorrectionForm, ProgressUpdateForm
from actionplan.models import Action, DeliveryStatus, Plan, ProgressUpdate, StaleAction


def _get_plan_for_user(request, slug):
    plan = get_object_or_404(Plan.objects.select_related("board"), slug=slug)
    if not Plan.objects.visible_to(request.user).filter(pk=plan.pk).exists():
        raise PermissionDenied("This plan has not been shared with you.")
    return plan


def _get_action_for_user(request, pk, write=False, edit=False):
    """The action, if this user may see it (and update it with write=True, edit it with edit=True)."""
    action = get_object_or_404(Action.objects.select_related("plan", "priority", "parent"), pk=pk)
    if edit and not action.can_be_edited_by(request.user):
        raise PermissionDenied("Only the plan's admins can edit this action.")
    if write and not action.can_be_updated_by(request.user):
        raise PermissionDenied("You can only update actions you are responsible or accountable for.")
    if not Plan.objects.visible_to(request.user).filter(pk=action.plan_id).exists():
        raise PermissionDenied("This plan has not been shared with you.")
    return action


def plan_list(request):
    plans = Plan.objects.visible_to(request.user)
    return render(request, "actionplan/plan_list.html", {"plans": plans})


def plan_detail(request, slug):
    plan = _get_plan_for_user(request, slug)
    return render(request, "actionplan/plan_detail.html", {"plan": plan, "priorities": plan.outline()})


# The order My actions shows its groups in: what needs attention first.
MY_ACTIONS_GROUPS = [
    DeliveryStatus.OVERDUE,
    DeliveryStatus.DUE_SOON,
    DeliveryStatus.ON_TRACK,
    DeliveryStatus.NO_DATE,
    DeliveryStatus.COMPLETE,
]


def my_actions(request):
    today = timezone.localdate()
    actions = (
        Action.objects.mine(request.user)
        .with_delivery_status(today)
        .for_display()
        .select_related("plan")
        .order_by("current_due_date", "plan__title", "position")
    )
    groups = {status: [] for status in MY_ACTIONS_GROUPS}
    for action in actions:
        groups[action.delivery_status].append(action)
    return render(
        request,
        "actionplan/my_actions.html",
        {"groups": [(DeliveryStatus(s), groups[s]) for s in MY_ACTIONS_GROUPS], "today": today,
         "has_person": hasattr(request.user, "owner")},
    )


def action_detail(request, pk):
    action = _get_action_for_user(request, pk)
    today = timezone.localdate()
    action = Action.objects.with_rag(today).for_display().get(pk=action.pk)
    updates = list(action.progress_updates.select_related("author"))
    sub_actions = list(action.sub_actions.with_delivery_status(today).for_display())
    can_edit = action.can_be_edited_by(request.user)
    now = timezone.now()
    latest = updates[0] if updates else None
    return render(
        request,
        "actionplan/action_detail.html",
        {
            "action": action,
            "plan": action.plan,
            "updates": updates,
            "sub_actions": sub_actions,
            "can_update": action.can_be_updated_by(request.user),
            "can_edit": can_edit,
            "correctable": latest if latest and latest.can_be_corrected_by(request.user, now) else None,
            "audit_trail": action.audit_trail() if can_edit else None,
        },
    )


@require_http_methods(["GET", "POST"])
def add_update(request, pk):
    action = _get_action_for_user(request, pk, write=True)
    conflict = None
    if request.method == "POST":
        form = ProgressUpdateForm(request.POST)
        if form.is_valid():
            try:
                action.add_progress_update(
                    author=request.user,
                    on=timezone.localdate(),
                    seen_version=form.cleaned_data["version"],
                    **form.update_fields(),
                )
            except StaleAction as stale:
                conflict = action.changes_since(stale.seen_version)
                action.refresh_from_db(fields=["version"])
                # Keep what the user typed, but make them look at the other change first.
                data = request.POST.copy()
                data["version"] = action.version
                form = ProgressUpdateForm(data)
            else:
                messages.success(request, f"Your progress update on {action.code} has been saved.")
                return redirect("actionplan:action", pk=action.pk)
    else:
        form = ProgressUpdateForm(initial={"version": action.version})
    status = 409 if conflict is not None else (400 if form.errors else 200)
    return render(
        request, "actionplan/update_form.html", {"action": action, "form": form, "conflict": conflict}, status=status
    )


@require_http_methods(["GET", "POST"])
def correct_update(request, pk):
    update = get_object_or_404(ProgressUpdate.objects.select_related("action__plan"), pk=pk)
    action = _get_action_for_user(request, update.action_id, write=True)
    if not update.can_be_corrected_by(request.user, timezone.now()):
        raise PermissionDenied("Only the author can correct an update, and only their latest, for a short while.")
    form = CorrectionForm(request.POST or None, initial={"narrative": update.narrative})
    if request.method == "POST" and form.is_valid():
        update.narrative = form.cleaned_data["narrative"]
        update.corrected_at = timezone.now()
        update.save(update_fields=["narrative", "corrected_at"])
        messages.success(request, "Your correction has been saved. The original wording stays in the audit trail.")
        return redirect("actionplan:action", pk=action.pk)
    return render(
        request, "actionplan/correct_update.html", {"action": action, "update": update, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def edit_action(request, pk):
    action = _get_action_for_user(request, pk, edit=True)
    conflict = None
    if request.method == "POST":
        form = ActionForm(request.POST, instance=action)
        if form.is_valid():
            with transaction.atomic():
                if action.claim_version(form.cleaned_data["version"]):
                    action = form.save(commit=False)
                    action.apply_completion_date(form.completion)
                    action.save()
                    form.save_m2m()
                    messages.success(request, f"{action.code} has been saved.")
                    return redirect("actionplan:action", pk=action.pk)
            action.refresh_from_db()
            conflict = action.changes_since(form.cleaned_data["version"])
            data = request.POST.copy()
            data["version"] = action.version
            form = ActionForm(data, instance=action)
    else:
        form = ActionForm(instance=action, initial={"version": action.version})
    status = 409 if conflict is not None else (400 if form.errors else 200)
    return render(
        request, "actionplan/action_form.html", {"action": action, "form": form, "conflict": conflict}, status=status
    )
