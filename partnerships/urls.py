from django.urls import path

from partnerships import views

app_name = "partnerships"

urlpatterns = [
    path("", views.partnership_list, name="partnership_list"),
    path("<slug:slug>/", views.partnership_detail, name="partnership"),
]
