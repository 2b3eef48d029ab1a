from django.contrib.auth import views as auth_views
from django.urls import path

from tousu.web import (
    demand_views,
    detection_views,
    import_views,
    preset_views,
    useradmin,
    views,
    views_archive,
    views_investigation,
    views_letters,
    views_mail,
    views_solution,
)
from tousu.web.auth import PasswordChange, ThrottledAuthenticationForm

app_name = "web"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="web:login"), name="logout"),
    path("password/", PasswordChange.as_view(), name="password_change"),
    path("", views.home, name="home"),
    path("intake/", views.intake, name="intake"),
    path("intake/callers/", views.callers, name="callers"),
    path("list/", views.complaint_list, name="list"),
    path("list/export/", views.export, name="export"),
    path("notifications/", views.notifications, name="notifications"),
    path("calendar/", views.calendar_admin, name="calendar"),
    path("units/", views.units_admin, name="units"),
    path("routing/", views.routing_admin, name="routing"),
    path("users/", useradmin.users_admin, name="users"),
    path("admin-log/", useradmin.admin_log, name="admin_log"),
    path("preset/", preset_views.admin, name="preset"),
    path("ledger/import/", import_views.ledger_import, name="ledger_import"),
    path("detection/", detection_views.detection, name="detection"),
    path("mail/", views_mail.mail_log, name="mail_log"),
    path("presets/<str:name>/", preset_views.document, name="preset_doc"),
    path("c/<str:number>/", views.complaint, name="complaint"),
    path("c/<str:number>/attach/", views.attach, name="attach"),
    path("c/<str:number>/letter/", views.letter, name="letter"),
    path("c/<str:number>/files/<int:attachment_id>/", views.download, name="download"),
    path("c/<str:number>/identity/", views.identity, name="identity"),
    path("c/<str:number>/contact/", views.contact, name="contact"),
    path("c/<str:number>/identity/<int:grant_id>/", views.identity_decision, name="identity_decision"),
    path("c/<str:number>/files/<int:attachment_id>/release/", views.release, name="release"),
    path("c/<str:number>/demand-items/", demand_views.demand_items, name="demand_items"),
    path("c/<str:number>/letters/", views_letters.letters, name="letters"),
    path("c/<str:number>/investigation/", views_investigation.investigation, name="investigation"),
    path("c/<str:number>/solution-signoffs/", views_solution.solution_signoff, name="solution_signoff"),
    path("c/<str:number>/archive-file/", views_archive.archive_file, name="archive_file"),
    path("c/<str:number>/<str:action>/", views.act, name="act"),
]
