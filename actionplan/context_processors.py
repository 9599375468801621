"""What every page's header needs to know from this app."""

from actionplan.models import Action


def my_actions(request):
    """`has_my_actions`: whether the header offers "My actions" (only to users with actions of their
    own or delegated to them: a member with none is not shown an empty page). Asked when the header
    is drawn, so responses without one (downloads, redirects) cost nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"has_my_actions": False}
    return {"has_my_actions": lambda: Action.objects.has_any_mine(user)}
