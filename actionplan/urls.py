from django.urls import path

from actionplan import views

app_name = "actionplan"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("my-actions/", views.my_actions, name="my_actions"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/update/", views.add_update, name="add_update"),
    path("actions/<int:pk>/edit/", views.edit_action, name="edit_action"),
    path("updates/<int:pk>/correct/", views.correct_update, name="correct_update"),
]
