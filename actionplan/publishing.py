"""Publishing a plan: its admins choose whether anyone may read its public pages (actionplan/public.py)
and whether those pages name people. The choice is kept in the plan's audit history."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from actionplan.models import Plan
from config.presentation import GovukFormMixin


class PublishingForm(GovukFormMixin, forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["is_published", "public_names"]
        labels = {
            "is_published": "Publish this plan: anyone may read its public pages without signing in",
            "public_names": "Show people’s names on the public pages (otherwise their role and organisation)",
        }
        help_texts = {"is_published": "", "public_names": ""}


def publishing_context(request, plan):
    """What the plan page's publishing section needs: the form, for those who may publish."""
    if not plan.can_be_published_by(request.user):
        return {}
    return {"publishing_form": PublishingForm(instance=plan)}


@require_POST
def publish_plan(request, slug):
    """Publish or withdraw a plan, and choose whether its public pages name people."""
    plan = get_object_or_404(Plan, slug=slug)
    if not plan.can_be_published_by(request.user):
        raise PermissionDenied("Only the plan's admins can publish it.")
    was_published = plan.is_published
    form = PublishingForm(request.POST, instance=plan)
    form.is_valid()  # two checkboxes: nothing can be wrong
    plan.save(update_fields=["is_published", "public_names"])
    if plan.is_published and not was_published:
        messages.success(request, f"{plan.title} is published: anyone can read its public pages.")
    elif was_published and not plan.is_published:
        messages.success(request, f"{plan.title} is no longer published: its public pages are gone.")
    else:
        messages.success(request, "Your publishing choices have been saved.")
    return redirect(f"{plan.get_absolute_url()}#publishing")
