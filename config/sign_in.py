"""The sign-in form with GOV.UK error messages and markup (Django's own says "This field is required.")."""

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView

from config.presentation import GovukFormMixin


class SignInForm(GovukFormMixin, AuthenticationForm):
    required_messages = {"username": "Enter your username", "password": "Enter your password"}
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This sign-in has been switched off. Ask an admin to switch it on.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"class": "govuk-input govuk-!-width-one-half", "spellcheck": "false"}
        )
        self.fields["password"].widget.attrs.update({"class": "govuk-input govuk-!-width-one-half"})
        self.fields["username"].widget.attrs.pop("autofocus", None)


sign_in = LoginView.as_view(authentication_form=SignInForm)
