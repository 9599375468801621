"""Pages of plans, partnerships and indicators go gzip-compressed to browsers that accept it;
pages that could show a secret beside what someone typed (sign-in, the admin) and answers to
forms never are (BREACH: config.middleware.CompressedPages)."""

import gzip

import pytest
from django.urls import reverse

from tests.helpers import import_cqc_plan

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture
def signed_in(client, superuser):
    import_cqc_plan()
    client.force_login(superuser)
    return client


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/actions/?rag=red",
        "/plans/cqc-local-system-review-2018/",
        "/plans/cqc-local-system-review-2018/report/",
        "/indicators/",
        "/partnerships/",
    ],
)
def test_pages_and_csv_downloads_are_compressed(signed_in, url):
    response = signed_in.get(url, **GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(body(response)).rstrip().endswith(b"</html>")


def test_the_csv_download_is_compressed_and_unpacks_to_the_same_rows(signed_in):
    compressed = signed_in.get("/actions/?export=csv", **GZIP)
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(body(compressed)) == body(signed_in.get("/actions/?export=csv"))


def test_the_same_page_is_sent_plain_to_a_browser_that_asks_for_it_plain(signed_in):
    response = signed_in.get("/")
    assert "Content-Encoding" not in response
    assert b"Action plan dashboard" in response.content


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/", "/accounts/password_change/"])
def test_sign_in_password_and_admin_pages_are_never_compressed(signed_in, url):
    response = signed_in.get(url, **GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response


def test_a_form_sent_back_with_what_was_typed_is_not_compressed(signed_in):
    action = signed_in.get("/actions/?q=A1").context["page"].object_list[0]
    response = signed_in.post(reverse("actionplan:add_update", args=[action.pk]), {"narrative": "typed"}, **GZIP)
    assert response.status_code == 400
    assert b"typed" in response.content
    assert "Content-Encoding" not in response


def test_spreadsheets_and_pdfs_already_compressed_are_left_alone(signed_in):
    response = signed_in.get("/actions/?export=xlsx", **GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response
