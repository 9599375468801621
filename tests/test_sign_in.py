"""Signing in and out, and locking out repeated failed attempts (django-axes)."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_right_password_signs_in_and_sign_out_is_a_post(client, officer):
    response = attempt(client, "officer", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("actionplan:my_actions")).status_code == 200
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("actionplan:my_actions")).status_code == 302


def test_a_wrong_password_is_refused_and_keeps_the_username(client, officer):
    response = attempt(client, "officer", "wrong")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a correct username and password" in page
    assert 'value="officer"' in page


def test_five_failures_lock_the_account_even_with_the_right_password(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "officer", "wrong")
    response = attempt(client, "officer", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert client.get(reverse("actionplan:my_actions")).status_code == 302


def test_a_lockout_is_per_account(client, officer, other_officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "officer", "wrong")
    assert attempt(client, "other-officer", PASSWORD).status_code == 302


# -- Behind the TLS proxy (AXES_PROXY_COUNT): failures count per client, not per proxy -----------

PROXY = "10.0.0.2"  # REMOTE_ADDR: every request comes from the proxy


@pytest.fixture
def behind_one_proxy(settings):
    from config.env import client_address_settings

    for name, value in client_address_settings(1).items():
        setattr(settings, name, value)


def attempt_from(client, address, username, password, forwarded_for=None):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for or address,
    )


def test_behind_a_proxy_one_client_cannot_lock_another_out(client, officer, settings, behind_one_proxy):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt_from(client, "203.0.113.5", "officer", "wrong")
    assert attempt_from(client, "203.0.113.5", "officer", PASSWORD).status_code == 429
    assert attempt_from(client, "198.51.100.7", "officer", PASSWORD).status_code == 302


def test_behind_a_proxy_a_client_cannot_escape_its_lockout_by_writing_x_forwarded_for(
    client, officer, settings, behind_one_proxy
):
    # The proxy appends the address it saw; what the client wrote itself stays to the left.
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt_from(client, "203.0.113.5", "officer", "wrong", forwarded_for=f"192.0.2.{n}, 203.0.113.5")
    response = attempt_from(client, "203.0.113.5", "officer", PASSWORD, forwarded_for="198.51.100.7, 203.0.113.5")
    assert response.status_code == 429


def test_without_a_proxy_x_forwarded_for_is_ignored(client, officer, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": "officer", "password": "wrong"},
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = client.post(reverse("login"), {"username": "officer", "password": PASSWORD}, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 429


# -- No password reset by e-mail (README, "Signing in") -------------------------------------------


@pytest.mark.parametrize("path", ["/accounts/password_reset/", "/accounts/reset/MQ/set-password/"])
def test_there_is_no_password_reset_and_nothing_is_mailed(client, officer, mailoutbox, path):
    officer.email = "officer@example.org"
    officer.save()
    assert client.get(path).status_code == 404
    assert client.post(path, {"email": "officer@example.org"}).status_code == 404
    assert mailoutbox == []


def test_a_signed_in_user_can_still_change_their_own_password(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-password-9",
            "new_password2": "another-long-password-9",
        },
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password("another-long-password-9")
