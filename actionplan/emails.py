"""The e-mails the jobs send: one function per kind, each with subject, text and HTML templates."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from actionplan.models import SentNotification

Kind = SentNotification.Kind

# The order a reminder e-mail lists its sections in: what needs attention first.
REMINDER_SECTIONS = [
    (Kind.ESCALATION, "Overdue for more than 28 days: you are accountable"),
    (Kind.OVERDUE, "Overdue"),
    (Kind.DUE_1, "Due tomorrow or today"),
    (Kind.DUE_7, "Due within 7 days"),
    (Kind.DUE_30, "Due within 30 days"),
    (Kind.STALE, "No progress update recently"),
]


def absolute_url(path):
    """E-mails are read away from the site: links need its address (SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + path


def _send(template, to, context):
    subject = " ".join(render_to_string(f"actionplan/emails/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(subject, render_to_string(f"actionplan/emails/{template}.txt", context), to=to)
    message.attach_alternative(render_to_string(f"actionplan/emails/{template}.html", context), "text/html")
    message.send()


def _links(action):
    action.url = absolute_url(reverse("actionplan:action", args=[action.pk]))
    action.update_url = absolute_url(reverse("actionplan:add_update", args=[action.pk]))
    return action


def send_reminders(owner, to, reminders, on):
    """One owner's reminders and escalations of the day, in one e-mail."""
    sections = []
    for kind, heading in REMINDER_SECTIONS:
        actions = [_links(r.action) for r in reminders if r.kind == kind]
        if actions:
            sections.append({"kind": kind, "heading": heading, "actions": actions})
    counts = ", ".join(f"{len(s['actions'])} {s['heading'].split(':')[0].lower()}" for s in sections)
    _send(
        "reminders",
        to,
        {
            "owner": owner,
            "sections": sections,
            "on": on,
            "counts": counts,
            "my_actions_url": absolute_url(reverse("actionplan:my_actions")),
            "escalated": any(r.kind == Kind.ESCALATION for r in reminders),
        },
    )


def send_board_digest(plan, to, changes, rag_summary, on):
    """What changed in a plan since the last digest, for its plan admins."""
    for item in [*changes.updates, *changes.newly_overdue, *changes.no_longer_overdue]:
        _links(item.action)
    _send(
        "board_digest",
        to,
        {
            "plan": plan,
            "changes": changes,
            "rag": rag_summary,
            "on": on,
            "plan_url": absolute_url(plan.get_absolute_url()),
        },
    )


# What each round e-mail says first, by kind (RoundNotification.Kind).
ROUND_HEADINGS = {
    "request": "Please update these actions for the board",
    "reminder": "Reminder: these actions still need an update",
    "deadline": "Today is the deadline for these updates",
    "missing": "Still missing after the deadline: you are accountable",
}


def send_round_chaser(owner, to, chasers):
    """One owner's e-mail of an update round: its request, reminder or deadline, or (to the
    accountable owner) what is still missing; each action with the link to its update form."""
    update_round = chasers[0].update_round
    kind = chasers[0].kind
    actions = [_links(chaser.action) for chaser in chasers]
    for action in actions:
        action.returned = action.return_status == "returned"
    _send(
        "round_chaser",
        to,
        {
            "owner": owner,
            "round": update_round,
            "meeting": update_round.meeting,
            "kind": kind,
            "heading": ROUND_HEADINGS[kind],
            "actions": actions,
            "my_actions_url": absolute_url(reverse("actionplan:my_actions")),
        },
    )
