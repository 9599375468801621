"""The board's cycle: update rounds before a meeting, their chasers, and the board's decisions.

Who may open a round or record a decision, choosing a round's actions on its opening date, which
chaser each of its actions is due on a day (each sent once, like the reminders), and a decision
taking effect through a progress update. Where an action stands in a round is a rule of the
queryset layer (querysets.ReturnRules), read here as everywhere else.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from actionplan import emails
from actionplan.models import (
    RAG,
    Action,
    BoardDecision,
    Owner,
    Plan,
    ProgressUpdate,
    RoundAction,
    RoundNotification,
    UpdateRound,
)
from actionplan.querysets import owners_of
from actionplan.reminders import RunReport, claim_rows, lease_expired, send_claimed
from actionplan.status import ReturnStatus
from partnerships.models import Meeting, Partnership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from actionplan.querysets import ActionQuerySet

Kind = RoundNotification.Kind

# -- Who may open a round, and for which plans --------------------------------------------------


def plans_for_round(user: User | AnonymousUser, meeting: Meeting) -> Any:
    """The plans `user` may put in a round for `meeting` (a Plan queryset): all that the meeting's
    board assures, through its sub-boards too, for the board's admins; a plan admin's own of those."""
    assured = Plan.objects.filter(board__in=Partnership.objects.family_ids(meeting.partnership))
    if Partnership.objects.administered_by(user).filter(pk=meeting.partnership_id).exists():
        return assured
    return assured.filter(pk__in=Plan.objects.administered_by(user).values("pk"))


def _boards_above(board_ids: set[int]) -> set[int]:
    """These boards and every board they report to, at any depth (one query)."""
    parents = dict(Partnership.objects.values_list("pk", "parent_id"))
    found: set[int] = set()
    for pk in board_ids:
        at: int | None = pk
        while at is not None and at not in found:
            found.add(at)
            at = parents.get(at)
    return found


def meetings_to_open(user: User | AnonymousUser, on: datetime.date) -> Any:
    """Meetings on or after `on`, with no round yet, that `user` may open one for: those of the
    boards they administer, and of the boards assuring (directly or above) plans they administer."""
    own_plans = Plan.objects.administered_by(user).exclude(board=None)
    boards = _boards_above(set(own_plans.values_list("board", flat=True)))
    return (
        Meeting.objects.upcoming(on)
        .filter(Q(partnership__in=boards) | Q(partnership__in=Partnership.objects.administered_by(user)))
        .filter(update_round__isnull=True)
        .select_related("partnership")
        .order_by("date", "partnership__position")
    )


def meetings_for_decisions(user: User | AnonymousUser, action: Action, on: datetime.date) -> Any:
    """The meetings (on or before `on`) at which `user`, as a board's admin, may record a decision
    on `action`: of the boards they administer that assure its plan, directly or above."""
    if action.plan.board_id is None:
        return Meeting.objects.none()
    return (
        Meeting.objects.filter(date__lte=on, partnership__in=_boards_above({action.plan.board_id}))
        .filter(partnership__in=Partnership.objects.administered_by(user))
        .select_related("partnership")
        .order_by("-date")
    )


# -- Opening a round ------------------------------------------------------------------------------


def open_round(update_round: UpdateRound, now: datetime.datetime) -> int:
    """Choose the round's actions, once: every action of its plans not complete on its opening
    date. Claimed by a conditional update, so a second run (or the form and the job at once)
    chooses nothing. Returns how many actions are in it (0 if another run chose them)."""
    with transaction.atomic():
        if not UpdateRound.objects.filter(pk=update_round.pk, opened_at=None).update(opened_at=now):
            return 0
        update_round.opened_at = now
        open_actions = (
            Action.objects.filter(plan__in=update_round.plans.all())
            .not_complete(update_round.opens_on)
            .values_list("pk", flat=True)
        )
        rows = RoundAction.objects.bulk_create(RoundAction(round=update_round, action_id=pk) for pk in open_actions)
    return len(rows)


@dataclass
class RoundRunReport(RunReport):
    opened: list[tuple[UpdateRound, int]] = field(default_factory=list)  # (round, its number of actions)

    def __str__(self) -> str:
        opened = [f"opened the {r} with {n} action(s)" for r, n in self.opened]
        return "\n".join([*opened, super().__str__()])


def handle_one_opening(update_round: UpdateRound, now: datetime.datetime, report: RoundRunReport) -> None:
    chosen = open_round(update_round, now)
    if chosen:
        report.opened.append((update_round, chosen))


# -- Chasers --------------------------------------------------------------------------------------


def chaser_kind(update_round: UpdateRound, on: datetime.date) -> str | None:
    """Which of the round's e-mails is due on `on` for an action still waiting for its officer:
    the request from the opening date (always on the opening day itself), the reminder from 3
    working days before the deadline, the deadline's on the day, and after it, to the accountable
    owner, what is still missing (until the meeting). None outside the round."""
    if not update_round.is_current(on):
        return None
    if on > update_round.deadline:
        return Kind.MISSING
    if on == update_round.deadline:
        return Kind.DEADLINE
    if on >= update_round.reminder_on and on > update_round.opens_on:
        return Kind.REMINDER
    return Kind.REQUEST


@dataclass(frozen=True)
class Chaser:
    update_round: UpdateRound
    owner: Owner
    action: Action
    kind: str

    @property
    def key(self) -> tuple[int, int, int, str]:
        return (self.update_round.pk, self.owner.pk, self.action.pk, self.kind)


def chasers_due(update_round: UpdateRound, on: datetime.date) -> list[Chaser]:
    """The round's e-mails due on `on`, sent or not: one per owner of each action the round still
    needs from its officer (awaiting an update, or returned for changes). Its responsible owners
    are asked; after the deadline its accountable owners are told. A fixed number of queries."""
    kind = chaser_kind(update_round, on)
    if kind is None:
        return []
    actions = (
        Action.objects.in_round(update_round)
        .with_return_status(update_round)
        .returned_as(ReturnStatus.outstanding())
        .select_related("plan")
        .with_owners()
        .order_by("plan__title", "position")
    )
    role = "accountable" if kind == Kind.MISSING else "responsible"
    return [Chaser(update_round, owner, action, kind) for action in actions for owner in owners_of(action, role)]


def send_round_chasers(on: datetime.date, dry_run: bool = False) -> RoundRunReport:
    """Open the rounds whose opening date has come, then send each current round's e-mails due on
    `on`: one e-mail per owner per round, each chaser at most once, ever."""
    now = timezone.now()
    report = RoundRunReport(skipped={})
    if not dry_run:
        for update_round in UpdateRound.objects.due_to_open(on):
            handle_one_opening(update_round, now, report)
    for update_round in UpdateRound.objects.current(on).select_related("meeting__partnership"):
        handle_one_round(update_round, on, now, dry_run, report)
    return report


def handle_one_round(
    update_round: UpdateRound, on: datetime.date, now: datetime.datetime, dry_run: bool, report: RunReport
) -> None:
    sent = set(
        RoundNotification.objects.filter(round=update_round)
        .exclude(lease_expired(now))
        .values_list("round", "owner", "action", "kind")
    )
    by_owner: defaultdict[Owner, list[Chaser]] = defaultdict(list)
    for chaser in chasers_due(update_round, on):
        owner = chaser.owner
        if chaser.key in sent:
            continue
        if owner.reminders_opt_out and chaser.kind != Kind.MISSING:
            report.skipped.setdefault("opted out", set()).add(owner.code)
        elif not owner.email_addresses():
            report.skipped.setdefault("no e-mail address", set()).add(owner.code)
        else:
            by_owner[owner].append(chaser)
    if dry_run:
        report.sent += list(by_owner.items())
        return
    batch = uuid.uuid4()
    rows = [
        RoundNotification(round=update_round, owner=c.owner, action=c.action, kind=c.kind, claim=batch, claimed_at=now)
        for chasers in by_owner.values()
        for c in chasers
    ]
    claimed = claim_rows(
        RoundNotification, rows, ("round", "owner", "action", "kind"), Q(round=update_round), now, batch
    )
    for owner, chasers in by_owner.items():
        mine = [c for c in chasers if c.key in claimed]
        if mine:
            handle_one_chaser(owner, mine, claimed, on, report, batch)


def handle_one_chaser(
    owner: Owner,
    chasers: list[Chaser],
    claimed: dict[tuple[Any, ...], int],
    on: datetime.date,
    report: RunReport,
    batch: uuid.UUID,
) -> None:
    """One owner's e-mail of a round's claimed chasers; if it fails, the claims go back for a retry."""
    send_claimed(
        RoundNotification,
        owner,
        chasers,
        claimed,
        batch,
        report,
        lambda addresses, ours: emails.send_round_chaser(owner, addresses, ours),
    )


# -- What My actions shows of the rounds ------------------------------------------------------------

# What the round still needs from the officer first: a return sent back, then no update yet, then
# waiting on a sign-off; done last.
NEEDS_FIRST = [
    ReturnStatus.RETURNED,
    ReturnStatus.AWAITING_UPDATE,
    ReturnStatus.AWAITING_SIGN_OFF,
    ReturnStatus.UPDATED,
    ReturnStatus.SIGNED_OFF,
    ReturnStatus.NOT_REQUIRED,
]


def round_actions_for(user: User, update_round: UpdateRound) -> ActionQuerySet:
    """The user's actions (My actions: owned or delegated) in the round, with their return status,
    what the round still needs from them first."""
    needs = Case(
        *[When(return_status=status, then=Value(n)) for n, status in enumerate(NEEDS_FIRST)],
        output_field=IntegerField(),
    )
    return (
        Action.objects.mine(user)
        .in_round(update_round)
        .with_return_status(update_round)
        .select_related("plan")
        .alias(needs=needs)
        .order_by("needs", "plan__title", "position")
    )


def my_rounds(user: User, on: datetime.date) -> dict[str, Any]:
    """My actions' round sections: each current round with the user's actions in it, the updates
    awaiting the user's sign-off, and whether they sign off any. Three queries, and one per
    current round."""
    rounds = []
    for update_round in UpdateRound.objects.current(on).select_related("meeting__partnership"):
        actions = list(round_actions_for(user, update_round))
        if actions:
            rounds.append((update_round, actions))
    awaiting = list(
        ProgressUpdate.objects.awaiting_sign_off_by(user)
        .select_related("action__plan", "author")
        .order_by("reported_on", "action__plan__title", "action__position")
    )
    may_sign_off = Action.objects.accountable_to(user).filter(plan__sign_off_required=True).exists()
    return {"current_rounds": rounds, "awaiting_sign_off": awaiting, "may_sign_off": may_sign_off}


# -- What the action page shows of the cycle -----------------------------------------------------------


def action_decisions(
    user: User | AnonymousUser, action: Action, updates: list[ProgressUpdate], on: datetime.date
) -> dict[str, Any]:
    """The action page's part: the board's decisions on it, the update `user` may sign off now
    (its latest officer's update, `updates` being all of them newest first), whether they may
    record a decision, and which update is the latest officer's (the one signed off)."""
    officers = next((update for update in updates if update.is_officers), None)
    signable = officers if officers and officers.awaits_sign_off and not officers.sign_off_refusal(user) else None
    decisions = action.decisions.select_related("meeting__partnership", "escalated_to", "recorded_by")
    return {
        "decisions": list(decisions),
        "latest_officers_update": officers,
        "signable": signable,
        "may_record_decision": meetings_for_decisions(user, action, on).exists(),
    }


# -- The board's decisions ----------------------------------------------------------------------------


def record_decision(
    action: Action,
    meeting: Meeting,
    kind: str,
    user: User,
    minute_reference: str = "",
    revised_due_date: datetime.date | None = None,
    escalated_to: Partnership | None = None,
    note: str = "",
) -> BoardDecision:
    """Record what the board decided. Closing the action and accepting a revised date are written
    as a progress update on the decision's behalf, reported on the meeting's date: the action is
    complete from then, or has that revised date (its original date kept), by the same rules as
    any update, and every page, count and job follows."""
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        decision = BoardDecision.objects.create(
            action=locked,
            meeting=meeting,
            kind=kind,
            minute_reference=minute_reference,
            revised_due_date=revised_due_date if kind == BoardDecision.Kind.REVISED_DATE else None,
            escalated_to=escalated_to if kind == BoardDecision.Kind.ESCALATE else None,
            note=note,
            recorded_by=user,
        )
        if decision.takes_effect:
            said = decision.summary()
            if kind == BoardDecision.Kind.CLOSE:
                effect: dict[str, Any] = {"rag": RAG.COMPLETE}
            else:
                # The officer's RAG stands: only the date moves.
                effect = {
                    "rag": locked.progress_rag or "",
                    "revised_due_date": revised_due_date,
                    "revision_reason": said,
                }
            locked.add_progress_update(
                author=user, on=meeting.date, seen_version=locked.version, narrative=said, decision=decision, **effect
            )
    return decision
