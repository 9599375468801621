from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("directorates/<slug:slug>/", views.directorate_dashboard, name="directorate"),
    path("priorities/<slug:slug>/", views.priority_dashboard, name="priority"),
    path("key-statistics/", views.key_statistics, name="key_statistics"),
    path("finance/", views.finance, name="finance"),
    path("indicator/<slug:code>/", views.indicator_detail, name="indicator"),
    path("indicator/<slug:code>/values/new/", views.value_create, name="value_create"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("outcomes/<slug:slug>/", views.outcomes, name="outcome_priority"),
    path("benchmarks/", views.benchmarks, name="benchmarks"),
]
