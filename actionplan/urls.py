from django.urls import path

from actionplan import publishing, tokens, views

app_name = "actionplan"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("plans/", views.plan_list, name="plan_list"),
    path("actions/", views.action_list, name="action_list"),
    path("my-actions/", views.my_actions, name="my_actions"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan"),
    path("plans/<slug:slug>/report/", views.board_report, name="board_report"),
    path("plans/<slug:slug>/report.pdf", views.board_report, {"pdf": True}, name="board_report_pdf"),
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
]
