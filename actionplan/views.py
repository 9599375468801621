from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from actionplan.filters import ActionFilter
from actionplan.forms import ActionForm, AsAtForm, BoardReportForm, CorrectionForm, ProgressUpdateForm
from actionplan.models import Action, DeliveryStatus, Owner, Plan, ProgressUpdate, StaleAction
from actionplan.pdf import render_pdf
from actionplan.reports import BoardReport, Dashboard, actions_csv, actions_xlsx
from config.presentation import date_params


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
    return render(
        request,
        "actionplan/plan_detail.html",
        {
            "plan": plan,
            "priorities": plan.outline(),
            "can_import": Plan.objects.administered_by(request.user).filter(pk=plan.pk).exists(),
        },
    )


def _as_at(request):
    """The "as at" date picker's context: ?as_at (default today), its form, and whether it is today."""
    form = AsAtForm(request.GET)
    as_at = form.date()
    return {"as_at": as_at, "as_at_form": form, "is_today": as_at == timezone.localdate()}


def _short_address(request, *forms):
    """A redirect to the same page with dates typed as Day/Month/Year boxes given as one ISO
    parameter each (?as_at=2018-04-03), so filtered pages have short addresses to share; else None."""
    query = request.GET
    for form in forms:
        params = date_params(form, query)
        if params is not None:
            query = QueryDict(params)
    if query is request.GET:
        return None
    return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")


def dashboard(request):
    """The HWB's view: every plan's RAG picture, and one plan's in detail, on a chosen date."""
    context = _as_at(request)
    if redirect_to := _short_address(request, context["as_at_form"]):
        return redirect_to
    dashboard = Dashboard.build(Plan.objects.visible_to(request.user), request.GET.get("plan"), context["as_at"])
    return render(
        request,
        "actionplan/dashboard.html",
        {
            **context,
            "plans": dashboard.plans,
            "chosen": dashboard.chosen,
            "detail": dashboard.detail,
        },
    )


ACTIONS_PER_PAGE = 50


def action_list(request):
    """Actions filtered as the URL says, as they stood on ?as_at; CSV or XLSX of exactly those rows."""
    context = _as_at(request)
    as_at = context["as_at"]
    visible = Action.objects.visible_to(request.user)
    filters = ActionFilter(request.GET, queryset=visible.with_rag(as_at).select_related("plan"), request=request)
    if redirect_to := _short_address(request, context["as_at_form"], filters.form):
        return redirect_to
    actions = filters.qs
    if not request.GET.get("sort"):
        actions = actions.order_by("plan__title", "position")
    actions = actions.for_display(as_at)
    export = request.GET.get("export")
    if export in EXPORTS:
        return _export_actions(actions, as_at, export)
    page = Paginator(actions, ACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "actionplan/action_list.html",
        {**context, "filter": filters, "page": page, "owners": Owner.objects.only("code", "name")},
    )


EXPORTS = {
    "csv": ("text/csv; charset=utf-8", actions_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", actions_xlsx),
}


def _export_actions(actions, as_at, export):
    content_type, write = EXPORTS[export]
    response = HttpResponse(write(actions), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="actions-as-at-{as_at:%Y-%m-%d}.{export}"'
    return response


def board_report(request, slug, pdf=False):
    """A plan's position for a board paper: on ?as_at (or the chosen meeting), changes since ?since."""
    plan = _get_plan_for_user(request, slug)
    form = BoardReportForm(plan, request.GET)
    if redirect_to := _short_address(request, form):
        return redirect_to
    report = BoardReport.build(plan, *form.dates())
    context = {"plan": plan, "report": report, "form": form, "pdf": pdf}
    if pdf:
        return render_pdf(
            request,
            "actionplan/board_report.html",
            context,
            filename=f"{plan.slug}-board-report-{report.as_at:%Y-%m-%d}.pdf",
        )
    return render(request, "actionplan/board_report.html", context)


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
        {
            "groups": [(DeliveryStatus(s), groups[s]) for s in MY_ACTIONS_GROUPS],
            "today": today,
            "has_person": hasattr(request.user, "owner"),
        },
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
        request,
        "actionplan/correct_update.html",
        {"action": action, "update": update, "form": form},
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


# -- Plans in and out of spreadsheets -------------------------------------------------------------

PLAN_DOWNLOADS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def download_plan(request, slug, fmt):
    """The plan in the spreadsheet template, for anyone who can read the plan."""
    from django.http import Http404, HttpResponse

    from actionplan.exporters import dump_plan

    if fmt not in PLAN_DOWNLOADS:
        raise Http404("No such download format.")
    plan = _get_plan_for_user(request, slug)
    response = HttpResponse(dump_plan(plan, fmt), content_type=PLAN_DOWNLOADS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{plan.slug}.{fmt}"'
    return response


def _may_import(user, clean):
    """Plan admins may re-import their own plan; only a superuser may bring in a new one."""
    existing = Plan.objects.filter(slug=clean.attributes["slug"]).first()
    if existing is None:
        return user.is_superuser
    return Plan.objects.administered_by(user).filter(pk=existing.pk).exists()


@require_http_methods(["GET", "POST"])
def upload_plan(request):
    """Step 1: upload a spreadsheet; if it is valid, show what importing it would change."""
    from actionplan import uploads
    from actionplan.forms import PlanUploadForm
    from actionplan.importers import PlanFileError, preview_plan, validate_plan_file

    if not (request.user.is_superuser or Plan.objects.administered_by(request.user).exists()):
        raise PermissionDenied("Only plan admins can import plans.")
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        token = uploads.store(request, uploaded)
        try:
            clean = validate_plan_file(uploads.path_for(request, token), source=uploaded.name)
        except PlanFileError as error:
            problems = error.errors
            uploads.discard(request, token)
        else:
            if not _may_import(request.user, clean):
                uploads.discard(request, token)
                raise PermissionDenied("Only a plan's admins can import it; only a superuser can add a new plan.")
            return render(
                request,
                "actionplan/upload_preview.html",
                {
                    "report": preview_plan(clean),
                    "token": token,
                    "file_name": uploaded.name,
                    "is_new": not Plan.objects.filter(slug=clean.attributes["slug"]).exists(),
                },
            )
    status = 400 if form.errors or problems else 200
    return render(request, "actionplan/upload_plan.html", {"form": form, "problems": problems}, status=status)


@require_http_methods(["POST"])
def confirm_plan_upload(request, token):
    """Step 2: import the previewed file. It is checked again: the plan may have changed meanwhile."""
    from actionplan import uploads
    from actionplan.importers import PlanFileError, save_plan, validate_plan_file

    path = uploads.path_for(request, token)
    if path is None:
        messages.error(request, "That upload has expired or was already imported. Please upload the file again.")
        return redirect("actionplan:upload_plan")
    try:
        clean = validate_plan_file(path, source=path.name)
        if not _may_import(request.user, clean):
            raise PermissionDenied("Only a plan's admins can import it; only a superuser can add a new plan.")
        report = save_plan(clean)
    except PlanFileError as error:
        from actionplan.forms import PlanUploadForm

        uploads.discard(request, token)
        return render(
            request, "actionplan/upload_plan.html", {"form": PlanUploadForm(), "problems": error.errors}, status=400
        )
    uploads.discard(request, token)
    messages.success(
        request,
        f"Imported {path.name}: {report.created} created, {report.updated} changed, "
        f"{report.unchanged} unchanged, {report.removed} removed.",
    )
    return redirect(report.plan)


# -- A board's exception report (issue 9) -----------------------------------------------------------
# Only here may outcomes and indicators (indicators app) meet actions (this app). What counts as
# overdue or slipped is ActionQuerySet's; what is Red is the indicators app's.


def exception_report(request, slug):
    """Everything Red, overdue or slipping that a board assures, directly or through its sub-boards:
    Red outcomes with their exception records, Red indicators, and actions of the plans it assures
    (only plans this user may see)."""
    from django.db.models import Q

    from actionplan.forms import ExceptionReportForm
    from indicators.models import ExceptionRecord, IndicatorValue, OutcomeRating, Period
    from partnerships.models import Partnership

    board = get_object_or_404(Partnership, slug=slug)
    form = ExceptionReportForm(request.GET or None)
    if redirect_to := _short_address(request, form):
        return redirect_to
    valid = form.is_valid() if form.is_bound else True
    choice = form.cleaned_data if form.is_bound and valid else {}
    on = choice.get("on") or timezone.localdate()
    period = choice.get("period") or Period.objects.with_outcome_ratings().order_by("-end").first()
    family = Partnership.objects.family_ids(board)

    red_outcomes, red_indicators = [], []
    if period is not None:
        # One row per outcome for the period, whichever board: few, and the Red indicators' outcomes
        # need their rating too even when only the indicator is the board's.
        exceptions = {
            record.outcome_id: record
            for record in ExceptionRecord.objects.filter(period=period)
            .select_related("outcome__priority", "period")
            .prefetch_related("indicators")
        }
        ratings = {
            rating.outcome_id: rating
            for rating in OutcomeRating.objects.for_period(period).select_related(
                "outcome__priority", "outcome__directorate", "outcome__board"
            )
        }
        red_outcomes = sorted(
            (r for r in ratings.values() if r.is_red and r.outcome.board_id in family), key=lambda r: r.outcome.code
        )
        for rating in red_outcomes:
            rating.exception = exceptions.get(rating.outcome_id)
        # A board owns an indicator through the outcome it assures or as a board that reviews it.
        owned = Q(indicator__outcome__board__in=family) | Q(indicator__partnerships__in=family)
        red_indicators = list(
            IndicatorValue.objects.filter(owned, period=period)
            .red()
            .select_related("indicator__outcome__board")
            .order_by("indicator__number")
            .distinct()
        )
        for value in red_indicators:
            value.outcome_rating = ratings.get(value.indicator.outcome_id)
            value.exception = exceptions.get(value.indicator.outcome_id)

    actions = Action.objects.visible_to(request.user).filter(plan__board__in=family).select_related("plan")
    overdue = list(actions.overdue(on).for_display().order_by("plan__title", "position"))
    slipped = list(actions.slipped(as_at=on).for_display().order_by("plan__title", "position"))
    return render(
        request,
        "actionplan/exception_report.html",
        {
            "board": board,
            "form": form,
            "on": on,
            "period": period,
            "next_meeting": board.meetings.upcoming(on).order_by("date").first(),
            "red_outcomes": red_outcomes,
            "red_indicators": red_indicators,
            "overdue": overdue,
            "slipped": slipped,
        },
        status=400 if form.is_bound and not valid else 200,
    )
