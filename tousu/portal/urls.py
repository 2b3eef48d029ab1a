from django.urls import path

from tousu.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("submit/", views.submit, name="submit"),
    path("query/", views.query, name="query"),
    path("act/<slug:action>/", views.act, name="act"),
]
