from django.urls import path

from actionplan import views

app_name = "actionplan"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan"),
]
