from django.urls import path

from actionplan import round_views, views

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
