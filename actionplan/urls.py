from django.urls import path

from actionplan import views

app_name = "actionplan"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("plans/", views.plan_list, name="plan_list"),
    path("actions/", views.action_list, name="action_list"),
    path("my-actions/", views.my_actions, name="my_actions"),
    path("signed-in/", views.signed_in, name="signed_in"),
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
]
