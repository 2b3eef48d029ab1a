"""POST /api/v1/complaints/{number}/attachments: malformed uploads are the client's error."""

import pytest

from tousu.complaints.models import Attachment

pytestmark = pytest.mark.django_db


def test_a_multipart_body_without_a_boundary_is_a_400_not_a_500(api_client, client, register, walk, center):
    complaint = walk(register(), "accept")
    api_client.get(center, "/reference")  # issue a token
    response = client.post(
        f"/api/v1/complaints/{complaint.number}/attachments",
        b"--x\r\n\r\nabc",
        content_type="multipart/form-data",
        HTTP_AUTHORIZATION=f"Bearer {api_client.tokens[center.pk]}",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert not Attachment.objects.exists()
