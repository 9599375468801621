from django.urls import path, register_converter

from actionplan import publishing, round_views, tokens, views
from actionplan.papers import KIND_SLUGS


class BoardPaperConverter:
    """A board's own paper in an address: "exceptions" or "performance" (MeetingPaper.Kind)."""

    regex = "|".join(KIND_SLUGS.values())

    def to_python(self, value):
        return next(kind for kind, slug in KIND_SLUGS.items() if slug == value)

    def to_url(self, value):
        return KIND_SLUGS.get(value, value)


register_converter(BoardPaperConverter, "boardpaper")

app_name = "actionplan"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("plans/", views.plan_list, name="plan_list"),
    path("actions/", views.action_list, name="action_list"),
    path("my-actions/", views.my_actions, name="my_actions"),
    path("signed-in/", views.signed_in, name="signed_in"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan"),
    path("plans/<slug:slug>/report/", views.board_report, name="board_report"),
    path("plans/<slug:slug>/report.pdf", views.board_report, {"as_pdf": True}, name="board_report_pdf"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/update/", views.add_update, name="add_update"),
    path("actions/<int:pk>/edit/", views.edit_action, name="edit_action"),
    path("updates/<int:pk>/correct/", views.correct_update, name="correct_update"),
    path("plans/<slug:slug>/download.<str:fmt>", views.download_plan, name="download_plan"),
    path("plan-upload/", views.upload_plan, name="upload_plan"),
    path("plan-upload/<str:token>/", views.plan_upload_progress, name="plan_upload_progress"),
    path("plan-upload/<str:token>/confirm/", views.confirm_plan_upload, name="confirm_plan_upload"),
    path("boards/<slug:slug>/exception-report/", views.exception_report, name="exception_report"),
    path("plans/<slug:slug>/publishing/", publishing.publish_plan, name="publish_plan"),
    path("accounts/api-tokens/", tokens.api_tokens, name="api_tokens"),
    path("accounts/api-tokens/<int:pk>/revoke/", tokens.revoke_api_token, name="revoke_api_token"),
    path("boards/<slug:slug>/meetings/<str:date>/", views.meeting_detail, name="meeting"),
    path("boards/<slug:slug>/meetings/<str:date>/changes/", views.meeting_changes, name="meeting_changes"),
    # Update rounds, sign-off and the board's decisions (round_views).
    path("rounds/", round_views.round_list, name="round_list"),
    path("rounds/new/<int:meeting_pk>/", round_views.open_round, name="open_round"),
    path("rounds/<int:pk>/", round_views.round_detail, name="round"),
    path("updates/<int:pk>/sign-off/", round_views.sign_off, name="sign_off"),
    path("my-actions/sign-off-delegates/", round_views.sign_off_delegates, name="sign_off_delegates"),
    path(
        "my-actions/sign-off-delegates/<int:user_pk>/remove/",
        round_views.remove_sign_off_delegate,
        name="remove_sign_off_delegate",
    ),
    path("actions/<int:pk>/decisions/new/", round_views.record_decision, name="record_decision"),
]

# A meeting's papers: the board's own (exception report, performance report) and one per plan it
# assures; each as a page, a PDF and a Word file, made and published by POST.
BOARD_PAPER = "boards/<slug:slug>/meetings/<str:date>/<boardpaper:kind>/"
PLAN_PAPER = "boards/<slug:slug>/meetings/<str:date>/plans/<slug:plan_slug>/"
PLAN = {"kind": "plan_progress"}
urlpatterns += [
    path(BOARD_PAPER, views.paper_detail, name="board_paper"),
    path(BOARD_PAPER + "paper.pdf", views.paper_detail, {"fmt": "pdf"}, name="board_paper_pdf"),
    path(BOARD_PAPER + "paper.docx", views.paper_detail, {"fmt": "docx"}, name="board_paper_docx"),
    path(BOARD_PAPER + "generate/", views.generate_paper, name="generate_board_paper"),
    path(BOARD_PAPER + "publish/", views.publish_paper, name="publish_board_paper"),
    path(PLAN_PAPER, views.paper_detail, PLAN, name="plan_paper"),
    path(PLAN_PAPER + "paper.pdf", views.paper_detail, {**PLAN, "fmt": "pdf"}, name="plan_paper_pdf"),
    path(PLAN_PAPER + "paper.docx", views.paper_detail, {**PLAN, "fmt": "docx"}, name="plan_paper_docx"),
    path(PLAN_PAPER + "generate/", views.generate_paper, PLAN, name="generate_plan_paper"),
    path(PLAN_PAPER + "publish/", views.publish_paper, PLAN, name="publish_plan_paper"),
]
