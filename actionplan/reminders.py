"""Who is told what, when: the rules of the daily reminder e-mails and the weekly board digest.

The delivery rules (overdue, complete, stale) come from ActionQuerySet; this module only decides
which reminder each action is due on a date, and sends each one once (SentNotification).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from actionplan import emails
from actionplan.models import (
    Action,
    BoardDigest,
    Notification,
    OverdueFlag,
    Owner,
    Plan,
    PlanMembership,
    ProgressUpdate,
    SentNotification,
)
from actionplan.querysets import owners_of
from actionplan.status import DeliveryStatus

log = logging.getLogger(__name__)

Kind = SentNotification.Kind

# Reminders before the due date: the first at 30 days, then 7, then the day before (or the day).
DUE_REMINDERS = [(1, Kind.DUE_1), (7, Kind.DUE_7), (30, Kind.DUE_30)]
OVERDUE_REPEAT_DAYS = 7
# Overdue for more than this goes to the accountable owners too, and again every as many days.
ESCALATE_AFTER_DAYS = 28
# Staleness periods of an action never updated are counted from here.
NEVER_UPDATED_FROM = datetime.date(2000, 1, 1)
# Without an earlier digest, the first covers the week before.
FIRST_DIGEST_DAYS = 7


N = TypeVar("N", bound=Notification)

# (owner pk, action pk, kind, period): one reminder, as SentNotification records it.
ReminderKey = tuple[int, int, str, datetime.date]


@dataclass(frozen=True)
class Reminder:
    owner: Owner
    action: Action
    kind: str
    period: datetime.date

    @property
    def key(self) -> ReminderKey:
        return (self.owner.pk, self.action.pk, self.kind, self.period)

    @property
    def label(self) -> str:
        return Kind(self.kind).label


def _every(days: int, start: datetime.date, on: datetime.date) -> datetime.date:
    """The first day of the `days`-long period, counted from `start`, that `on` falls in."""
    return start + datetime.timedelta(days=(on - start).days // days * days)


def reminder_kinds(action: Action, on: datetime.date) -> list[tuple[str, datetime.date]]:
    """(kind, period) of each reminder or escalation `action` is due on `on`.

    Needs ActionQuerySet.with_rag(on) annotations: delivery_status, current_due_date,
    last_reported_on, is_stale.
    """
    kinds: list[tuple[str, datetime.date]] = []
    due = action.current_due_date  # None: no date set, so nothing falls due
    if due is not None and action.delivery_status in (DeliveryStatus.DUE_SOON, DeliveryStatus.ON_TRACK):
        days_left = (due - on).days
        kind = next((kind for days, kind in DUE_REMINDERS if days_left <= days), None)
        if kind:
            kinds.append((kind, due))
    elif due is not None and action.delivery_status == DeliveryStatus.OVERDUE:
        overdue_since = due + datetime.timedelta(days=1)
        kinds.append((Kind.OVERDUE, _every(OVERDUE_REPEAT_DAYS, overdue_since, on)))
        escalate_from = due + datetime.timedelta(days=ESCALATE_AFTER_DAYS + 1)
        if on >= escalate_from:
            kinds.append((Kind.ESCALATION, _every(ESCALATE_AFTER_DAYS, escalate_from, on)))
    if action.is_stale:
        period = action.plan.stale_after_days
        stale_from = (action.last_reported_on or NEVER_UPDATED_FROM) + datetime.timedelta(days=period + 1)
        kinds.append((Kind.STALE, _every(period, min(stale_from, on), on)))
    return kinds


def reminders_due(on: datetime.date) -> list[Reminder]:
    """Every reminder and escalation due on `on`, sent or not, in a fixed number of queries."""
    actions = (
        Action.objects.with_rag(on)
        .filter(
            Q(delivery_status=DeliveryStatus.OVERDUE)
            | Q(
                delivery_status__in=[DeliveryStatus.DUE_SOON, DeliveryStatus.ON_TRACK],
                current_due_date__lte=on + datetime.timedelta(days=DUE_REMINDERS[-1][0]),
            )
            | Q(is_stale=True)
        )
        .select_related("plan")
        .with_owners()
        .order_by("plan__title", "position")
    )
    reminders = []
    for action in actions:
        for kind, period in reminder_kinds(action, on):
            role = "accountable" if kind == Kind.ESCALATION else "responsible"
            for owner in owners_of(action, role):
                reminders.append(Reminder(owner, action, kind, period))
    return reminders


def reminders_to_send(
    on: datetime.date, now: datetime.datetime | None = None
) -> tuple[dict[Owner, list[Reminder]], dict[str, set[str]]]:
    """The reminders due on `on` that nobody has sent, grouped by owner; and who was left out why.

    A claim whose lease ran out unsent (its run died) counts as not sent. Opted-out owners get
    escalations only; owners with no address get nothing (and nothing is recorded, so they are
    reminded once they have one).
    """
    now = now or timezone.now()
    due = reminders_due(on)
    sent = (
        set(
            SentNotification.objects.filter(period__lte=on, period__gte=min((r.period for r in due), default=on))
            .exclude(lease_expired(now))
            .values_list("owner", "action", "kind", "period")
        )
        if due
        else set()
    )
    by_owner, skipped = defaultdict(list), defaultdict(set)
    for reminder in due:
        owner = reminder.owner
        if reminder.key in sent:
            continue
        if owner.reminders_opt_out and reminder.kind != Kind.ESCALATION:
            skipped["opted out"].add(owner.code)
        elif not owner.email_addresses():
            skipped["no e-mail address"].add(owner.code)
        else:
            by_owner[owner].append(reminder)
    return by_owner, skipped


def lease_expired(now: datetime.datetime) -> Q:
    """Claims recorded but never sent, by a run that has not renewed them for a lease: it died."""
    return Q(sent_at__isnull=True, claimed_at__lt=now - Notification.LEASE)


@dataclass
class RunReport:
    sent: list[tuple[Any, Any]] = field(default_factory=list)  # (owner, reminders) or (plan, changes)
    failed: list[Any] = field(default_factory=list)  # owners or plans
    skipped: dict[str, set[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{len(self.sent)} e-mail(s) sent, {len(self.failed)} failed"]
        lines += [f"  {why}: {', '.join(sorted(codes))}" for why, codes in self.skipped.items()]
        return "\n".join(lines)


def send_reminders(on: datetime.date, dry_run: bool = False) -> RunReport:
    """One e-mail to each owner with reminders due on `on`; each reminder at most once, ever
    (at least once after a crash: a claim left unsent is sent by a later run)."""
    now = timezone.now()
    by_owner, skipped = reminders_to_send(on, now)
    report = RunReport(skipped=dict(skipped))
    if dry_run:
        report.sent = [(owner, reminders) for owner, reminders in by_owner.items()]
        return report
    batch = uuid.uuid4()
    claimed = claim((r for reminders in by_owner.values() for r in reminders), now, batch)
    for owner, reminders in by_owner.items():
        mine = [r for r in reminders if r.key in claimed]
        if mine:
            handle_one_owner(owner, mine, claimed, on, report, batch)
    return report


def claim(
    reminders: Iterable[Reminder], now: datetime.datetime | None = None, batch: uuid.UUID | None = None
) -> dict[ReminderKey, int]:
    """Record the reminders as this run's; returns {key: SentNotification pk} of those it got
    (claim_rows)."""
    now = now or timezone.now()
    batch = batch or uuid.uuid4()
    reminders = list(reminders)
    rows = [
        SentNotification(owner=r.owner, action=r.action, kind=r.kind, period=r.period, claim=batch, claimed_at=now)
        for r in reminders
    ]
    # Only rows of the periods claimed here can be the ones whose lease ran out.
    periods = [r.period for r in reminders]
    scope = Q(period__gte=min(periods), period__lte=max(periods)) if periods else Q()
    return claim_rows(SentNotification, rows, ("owner", "action", "kind", "period"), scope, now, batch)


def claim_rows(
    model: type[N], rows: list[N], key: tuple[str, ...], scope: Q, now: datetime.datetime, batch: uuid.UUID
) -> dict[tuple[Any, ...], int]:
    """Record `rows` (unsaved, claimed by `batch` at `now`) as this run's; returns {key values:
    pk} of those it got, `key` being the fields of the model's unique constraint.

    Rows another run recorded are left to it: the unique constraint makes the insert skip them,
    so two runs at once never both send one. Rows whose lease ran out unsent (`scope` narrows the
    search) are taken over, each by one run only (a conditional update).
    """
    rows_of = model._default_manager
    rows_of.bulk_create(rows, ignore_conflicts=True)
    columns = {field.name: field.attname for field in model._meta.concrete_fields}
    wanted = {tuple(getattr(row, columns[name]) for name in key) for row in rows}
    if wanted:
        expired = rows_of.filter(lease_expired(now), scope)
        stale = [found[0] for found in expired.values_list("pk", *key) if found[1:] in wanted]
        rows_of.filter(lease_expired(now), pk__in=stale).update(claim=batch, claimed_at=now)
    return {tuple(found[1:]): found[0] for found in rows_of.filter(claim=batch).values_list("pk", *key)}


def still_ours(model: type[Notification], pks: list[int], batch: uuid.UUID) -> set[int]:
    """Renew the lease on this run's claims just before their e-mail is sent, so it covers the
    e-mail (EMAIL_TIMEOUT bounds it) however long the run has taken; returns those still ours
    (claims another run took over meanwhile are that run's)."""
    ours = model._default_manager.filter(pk__in=pks, claim=batch, sent_at__isnull=True)
    if ours.update(claimed_at=timezone.now()) < len(pks):
        return set(ours.values_list("pk", flat=True))
    return set(pks)


def deliver(
    model: type[Notification], pks: list[int], batch: uuid.UUID, addresses: list[str], send: Callable[[], None]
) -> bool:
    """Send one e-mail for these claims (`send`) and record them sent; if it fails, give the claims
    back for the next run and say so (False)."""
    try:
        send()
    except Exception:
        log.exception("E-mail to %s failed; it will be tried again on the next run", ", ".join(addresses))
        model._default_manager.filter(pk__in=pks, claim=batch).delete()
        return False
    model._default_manager.filter(pk__in=pks, claim=batch).update(sent_at=timezone.now(), sent_to=", ".join(addresses))
    return True


def handle_one_owner(
    owner: Owner,
    reminders: list[Reminder],
    claimed: dict[ReminderKey, int],
    on: datetime.date,
    report: RunReport,
    batch: uuid.UUID,
) -> None:
    """Send one owner's digest of claimed reminders; if it fails, give the claims back for a retry."""
    send_claimed(
        SentNotification,
        owner,
        reminders,
        claimed,
        batch,
        report,
        lambda addresses, ours: emails.send_reminders(owner, addresses, ours, on),
    )


def send_claimed(
    model: type[Notification],
    owner: Owner,
    items: list[Any],
    claimed: dict[Any, int],
    batch: uuid.UUID,
    report: RunReport,
    send: Callable[[list[str], list[Any]], None],
) -> None:
    """One owner's e-mail of `items` (reminders or round chasers, each claimed under its `key` in
    `model`): those still this run's (still_ours), sent by `send(addresses, items)` and recorded
    in `report`; if it fails, the claims go back for the next run (deliver)."""
    ours = still_ours(model, [claimed[item.key] for item in items], batch)
    items = [item for item in items if claimed[item.key] in ours]
    if not items:
        return
    addresses = owner.email_addresses()
    pks = [claimed[item.key] for item in items]
    if deliver(model, pks, batch, addresses, lambda: send(addresses, items)):
        report.sent.append((owner, items))
    else:
        report.failed.append(owner)


# -- The board digest -------------------------------------------------------------------------


@dataclass
class PlanChanges:
    """What happened in one plan between two moments, for its admins."""

    plan: Plan
    since: datetime.datetime
    until: datetime.datetime
    updates: list[ProgressUpdate]
    newly_overdue: list[OverdueFlag]
    no_longer_overdue: list[OverdueFlag]

    @property
    def revisions(self) -> list[ProgressUpdate]:
        """The updates that revised a completion date (later or earlier: what slipped is the
        action's status, ActionQuerySet.with_rag)."""
        return [u for u in self.updates if u.revised_due_date]

    def __bool__(self) -> bool:
        return bool(self.updates or self.newly_overdue or self.no_longer_overdue)


def plan_changes(plan: Plan, since: datetime.datetime, until: datetime.datetime) -> PlanChanges:
    updates = list(
        ProgressUpdate.objects.filter(action__plan=plan, created_at__gt=since, created_at__lte=until)
        .select_related("action", "author")
        .order_by("action__position", "created_at")
    )
    flags = OverdueFlag.objects.filter(action__plan=plan).select_related("action").order_by("action__position")
    return PlanChanges(
        plan,
        since,
        until,
        updates,
        newly_overdue=list(flags.filter(flagged_at__gt=since, flagged_at__lte=until)),
        no_longer_overdue=list(flags.filter(cleared_at__gt=since, cleared_at__lte=until)),
    )


def plan_admin_addresses(plan: Plan) -> list[str]:
    users = PlanMembership.objects.filter(plan=plan, role=PlanMembership.Role.ADMIN).exclude(user__email="")
    return sorted(set(users.values_list("user__email", flat=True)))


def send_board_digests(on: datetime.date, now: datetime.datetime, dry_run: bool = False) -> RunReport:
    """One e-mail per plan to its plan admins: what changed since the last digest (once a day at most)."""
    report = RunReport()
    skipped: defaultdict[str, set[str]] = defaultdict(set)
    for plan in Plan.objects.all():
        handle_one_plan(plan, on, now, dry_run, report, skipped)
    report.skipped = dict(skipped)
    return report


def handle_one_plan(
    plan: Plan,
    on: datetime.date,
    now: datetime.datetime,
    dry_run: bool,
    report: RunReport,
    skipped: defaultdict[str, set[str]],
) -> None:
    addresses = plan_admin_addresses(plan)
    if not addresses:
        skipped["no plan admin with an e-mail address"].add(plan.slug)
        return
    last = plan.digests.order_by("-until").first()
    if last and last.sent_on >= on:
        skipped["already sent"].add(plan.slug)
        return
    since = last.until if last else now - datetime.timedelta(days=FIRST_DIGEST_DAYS)
    changes = plan_changes(plan, since, now)
    if dry_run:
        report.sent.append((plan, changes))
        return
    try:
        # The row is the claim: a second run the same day meets the unique constraint.
        with transaction.atomic():
            digest = BoardDigest.objects.create(
                plan=plan, sent_on=on, since=since, until=now, sent_to=", ".join(addresses)
            )
    except IntegrityError:
        skipped["already sent"].add(plan.slug)
        return
    try:
        emails.send_board_digest(plan, addresses, changes, plan.actions.rag_summary(on), on)
    except Exception:
        log.exception("Board digest for %s failed; it will be tried again on the next run", plan.slug)
        digest.delete()
        report.failed.append(plan)
        return
    report.sent.append((plan, changes))
