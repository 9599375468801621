"""Personal API tokens: each user makes and revokes their own on a settings page (README, "The API").
A token is shown once, when it is made; only its digest is kept (ApiToken)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from actionplan.models import ApiToken
from config.presentation import GovukFormMixin


class NewTokenForm(GovukFormMixin, forms.ModelForm):
    required_messages = {"name": "Enter what the token is for"}

    class Meta:
        model = ApiToken
        fields = ["name"]
        labels = {"name": "What is the token for?"}


@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """The user's tokens, and a form to make one. A new token is shown on this response only."""
    form = NewTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        token, secret = ApiToken.issue(request.user, form.cleaned_data["name"])
        form = NewTokenForm()
    return render(
        request,
        "actionplan/api_tokens.html",
        {"form": form, "secret": secret, "tokens": request.user.api_tokens.all()},
        status=400 if form.errors else 200,
    )


@require_POST
def revoke_api_token(request, pk):
    token = get_object_or_404(request.user.api_tokens, pk=pk, revoked_at=None)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    messages.success(request, f"The token “{token.name}” has been revoked: it no longer works.")
    return redirect("actionplan:api_tokens")
