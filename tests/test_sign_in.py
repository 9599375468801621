"""Signing in and out, and locking out repeated failed attempts (django-axes)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


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
