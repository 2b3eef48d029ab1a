"""Security headers on every response; no-store on everything but static assets; no inline code."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tousu.accounts.models import ApiToken

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TEMPLATE_TAGS = Path(__file__).resolve().parents[2] / "web" / "templatetags"


def assert_strict(response) -> None:
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp, directive
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
    assert "camera=()" in response["Permissions-Policy"] and "microphone=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_pages_carry_a_strict_policy_and_are_not_stored(client, clerk, register):
    complaint = register()
    assert_strict(client.get("/login/"))
    client.force_login(clerk)
    for path in ["/", "/list/", "/intake/", f"/c/{complaint.number}/", "/password/", "/c/TS0000000000/"]:
        response = client.get(path)
        assert_strict(response)
        assert response["Cache-Control"] == "no-store", path


@pytest.mark.django_db
def test_api_answers_exports_and_attachments_are_not_stored(client, clerk, register):
    complaint = register()
    token = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(clerk)}"}
    client.force_login(clerk)
    client.post(f"/c/{complaint.number}/attach/", {"file": SimpleUploadedFile("a.txt", b"abc")})
    attachment = complaint.attachments.get()
    for response in [
        client.get("/api/v1/complaints", **token),
        client.get("/api/v1/complaints/x", **token),
        client.get("/list/export/?format=csv"),
        client.get(f"/c/{complaint.number}/files/{attachment.id}/"),
    ]:
        assert response.status_code in (200, 404), response
        assert response["Cache-Control"] == "no-store"
        assert_strict(response)


def test_static_assets_keep_their_own_caching(client):
    response = client.get("/static/tousu/tousu.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert_strict(response)


def test_the_api_docs_serve_swagger_from_the_app_with_data_images_allowed_only_there(client):
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/static/ninja/swagger-ui.css" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "an asset from outside the app"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "img-src 'self' data:;" in csp
    assert "unsafe" not in csp
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_no_template_has_inline_script_handlers_or_styles():
    inline = re.compile(r"""\son[a-z]+\s*=|\sstyle\s*=|<style|javascript:|<script(?![^>]*\ssrc=)[^>]*>""", re.I)
    sources = [*TEMPLATES.rglob("*.html"), *TEMPLATE_TAGS.rglob("*.py")]
    assert len(sources) > 20
    found = [f"{path.name}: {m.group(0)}" for path in sources for m in inline.finditer(path.read_text("utf-8"))]
    assert not found, found
