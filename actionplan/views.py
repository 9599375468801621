from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from actionplan import action_export
from actionplan.action_export import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from actionplan.filters import ActionFilter, visible_owners
from actionplan.forms import (
    ActionForm,
    AsAtForm,
    BoardReportForm,
    CorrectionForm,
    ExceptionReportForm,
    ProgressUpdateForm,
)
from actionplan.models import Action, Plan, ProgressUpdate, StaleAction
from actionplan.pdf import render_pdf
from actionplan.reports import BoardReport, Dashboard, ExceptionReport
from actionplan.status import DeliveryStatus
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
    dashboard = Dashboard.build(
        Plan.objects.visible_to(request.user), request.GET.get("plan"), context["as_at"], request.GET.get("page")
    )
    return render(
        request,
        "actionplan/dashboard.html",
        {
            **context,
            "plans": dashboard.plans,
            "plans_page": dashboard.page,
            "chosen": dashboard.chosen,
            "detail": dashboard.detail,
        },
    )


ACTIONS_PER_PAGE = 50


def action_list(request):
    """Actions filtered as the URL says, as they stood on ?as_at; CSV or XLSX of exactly those rows."""
    context = _as_at(request)
    on = context["as_at"]
    visible = Action.objects.visible_to(request.user)
    filters = ActionFilter(request.GET, queryset=visible.with_rag(on).select_related("plan"), request=request)
    if redirect_to := _short_address(request, context["as_at_form"], filters.form):
        return redirect_to
    actions = filters.qs
    if not request.GET.get("sort"):
        actions = actions.order_by("plan__title", "position")
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        return _export_actions(actions, on, export)
    # Each row shows its owners and its picture, not its progress text or milestones.
    page = Paginator(actions.with_owners(), ACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "actionplan/action_list.html",
        {**context, "filter": filters, "page": page, "owners": visible_owners(request).only("code", "name")},
    )


def _export_actions(actions, on, export):
    filename = f"actions-as-at-{on:%Y-%m-%d}.{export}"
    if export == "csv":
        response = StreamingHttpResponse(action_export.actions_csv(actions, on), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    workbook = action_export.actions_xlsx(actions, on)
    return FileResponse(workbook, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


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
            filename=f"{plan.slug}-board-report-{report.on:%Y-%m-%d}.pdf",
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
    on = timezone.localdate()
    actions = (
        Action.objects.mine(request.user)
        .with_delivery_status(on)
        .for_display(on)
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
            "today": on,
            "has_person": hasattr(request.user, "owner"),
        },
    )


def action_detail(request, pk):
    action = _get_action_for_user(request, pk)
    on = timezone.localdate()
    action = Action.objects.with_rag(on).for_display(on).get(pk=action.pk)
    updates = list(action.progress_updates.select_related("author"))
    sub_actions = list(action.sub_actions.with_delivery_status(on).for_display(on))
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
        update.correct(form.cleaned_data["narrative"], timezone.now())
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
        form = ActionForm(request.POST, instance=action, user=request.user)
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
            form = ActionForm(data, instance=action, user=request.user)
    else:
        form = ActionForm(instance=action, initial={"version": action.version}, user=request.user)
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
    from django.http import Http404

    from actionplan.exporters import dump_plan

    if fmt not in PLAN_DOWNLOADS:
        raise Http404("No such download format.")
    plan = _get_plan_for_user(request, slug)
    response = HttpResponse(dump_plan(plan, fmt), content_type=PLAN_DOWNLOADS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{plan.slug}.{fmt}"'
    return response


@csrf_exempt  # the token is checked below, once the user may upload at all (the check reads the body)
@require_http_methods(["GET", "POST"])
def upload_plan(request):
    """Step 1: upload a plan file; if it is valid, show what importing it would change.

    Who may upload is asked before a byte of the file is read; the file goes straight into its own
    private upload directory (uploads.PlanUploadHandler) and is deleted unless the request keeps it.
    """
    from actionplan import uploads

    if not uploads.may_upload(request.user):
        # Django's 403 page would check the CSRF token, and so read the body: the file stays unread.
        request.csrf_processing_done = True
        raise PermissionDenied("Only plan admins can import plans.")
    handler = uploads.PlanUploadHandler(request)
    request.upload_handlers = [handler]
    try:
        return _upload_plan(request, handler)
    finally:
        handler.discard_unkept()


@csrf_protect
def _upload_plan(request, handler):
    from actionplan import uploads
    from actionplan.forms import PlanUploadForm

    form = PlanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = uploads.keep(request, handler)
        if uploads.is_large(handler.path):
            uploads.queue_check(token, request.user)
            return redirect("actionplan:plan_upload_progress", token=token)
        return _upload_outcome(request, token, uploads.check(token, request.user))
    return render(request, "actionplan/upload_plan.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["POST"])
def confirm_plan_upload(request, token):
    """Step 2: import the previewed file. It is checked again: the plan may have changed meanwhile."""
    from actionplan import uploads

    path = uploads.path_for(request, token)
    if path is None:
        messages.error(request, "That upload has expired or was already imported. Please upload the file again.")
        return redirect("actionplan:upload_plan")
    if uploads.is_large(path):
        if (uploads.read_outcome(token) or {}).get("state") != uploads.PENDING:  # not twice
            uploads.queue_check(token, request.user, confirm=True)
        return redirect("actionplan:plan_upload_progress", token=token)
    return _upload_outcome(request, token, uploads.check(token, request.user, confirm=True))


@require_http_methods(["GET"])
def plan_upload_progress(request, token):
    """While the worker checks (or imports) a big upload: "Check again" until it has finished."""
    from actionplan import uploads

    if uploads.path_for(request, token) is None:
        messages.error(request, "That upload has expired or was already imported. Please upload the file again.")
        return redirect("actionplan:upload_plan")
    outcome = uploads.read_outcome(token)
    if outcome is None or outcome["state"] == uploads.PENDING:
        confirming = bool(outcome and outcome["confirm"])
        return render(request, "actionplan/upload_progress.html", {"token": token, "confirming": confirming})
    return _upload_outcome(request, token, outcome)


def _upload_outcome(request, token, outcome):
    """The page for what checking (or importing) an upload came to (uploads.check)."""
    from actionplan import uploads
    from actionplan.forms import PlanUploadForm

    if outcome["state"] == "valid":
        context = {"report": uploads.preview_report(outcome), "token": token, "file_name": outcome["file_name"]}
        return render(request, "actionplan/upload_preview.html", {**context, "is_new": outcome["is_new"]})
    uploads.discard(request, token)
    if outcome["state"] == "forbidden":
        raise PermissionDenied("Only a plan's admins can import it; only a superuser can add a new plan.")
    if outcome["state"] == "imported":
        messages.success(request, outcome["message"])
        return redirect(outcome["plan_url"])
    return render(
        request,
        "actionplan/upload_plan.html",
        {"form": PlanUploadForm(), "problems": outcome["problems"]},
        status=400,
    )


# -- A board's exception report -----------------------------------------------------------------


def exception_report(request, slug):
    """Everything Red, overdue or slipping that a board assures (ExceptionReport), with the
    actions of only the plans this user may see."""
    from partnerships.models import Partnership

    board = get_object_or_404(Partnership, slug=slug)
    form = ExceptionReportForm(request.GET or None)
    if redirect_to := _short_address(request, form):
        return redirect_to
    valid = form.is_valid() if form.is_bound else True
    choice = form.cleaned_data if form.is_bound and valid else {}
    report = ExceptionReport.build(
        board, choice.get("on") or timezone.localdate(), choice.get("period"), Action.objects.visible_to(request.user)
    )
    return render(
        request,
        "actionplan/exception_report.html",
        {"form": form, **vars(report)},
        status=400 if form.is_bound and not valid else 200,
    )
