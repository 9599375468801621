"""Writing a validated plan: what the file says, diffed against what the database holds, written
in bulk in one transaction (see config.importing.saving).

An action's history gets one record per import that changes it, holding its owners, where saving
row by row with `set()` on each owner list wrote one record per save and one more per list.
Owners and organisations are shared between plans: an import may create them and link them, but
may change one that other plans use only for a user who may administer all of those plans (the
command line, run by whoever runs the server, may change them, and its report says what it
changed outside the plan).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from actionplan.importers.base import CleanAction, CleanPlan
from actionplan.models import RAG, Action, KeptSummary, Milestone, Owner, Plan, ProgressUpdate, StrategicPriority
from config.importing import ImportFileError, ImportReport, Problems, Synced, Writer, by_key
from indicators.models import Indicator
from partnerships.models import Organisation

# What an import may change on an owner or organisation, in the users' words.
SHARED_FIELDS = {
    "kind": "kind",
    "name": "name",
    "role": "role",
    "description": "description",
    "organisation_id": "organisation",
}


@dataclass
class PlanReport(ImportReport):
    plan: Plan | None = None
    gaps: list[str] = field(default_factory=list)
    # Action codes by what the import did to them, for the upload preview.
    actions_created: list[str] = field(default_factory=list)
    actions_changed: list[str] = field(default_factory=list)
    actions_unchanged: list[str] = field(default_factory=list)
    actions_removed: list[str] = field(default_factory=list)
    # Owners and organisations other plans use that this import changed, with how.
    shared_changes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        title = self.plan.title if self.plan else self.title
        return (
            f"{title}: {self.counts()}"
            + "".join(f"\n  Gap in the source: {gap}" for gap in self.gaps)
            + "".join(f"\n  Changed outside this plan: {change}" for change in self.shared_changes)
        )


@transaction.atomic
def save_plan(clean: CleanPlan, user: Any = None) -> PlanReport:
    """Write a validated plan, updating in place. All or nothing. `user`: who imports it in the
    browser (None on the command line); their history records name them."""
    return _PlanSaver(clean, user).save()


def preview_plan(clean: CleanPlan, user: Any = None) -> PlanReport:
    """What save_plan would do, written and then rolled back: a report and nothing saved."""
    with transaction.atomic():
        report = save_plan(clean, user)
        transaction.set_rollback(True)
    return report


class _Links:
    """An m2m table's rows for the plan's actions: held in the database, and wanted by the file."""

    def __init__(self, through: type[models.Model], target: str, plan: Plan, new_plan: bool):
        self.through = through
        self.target = f"{target}_id"
        self.held: dict[int, dict[int, models.Model]] = defaultdict(dict)  # action pk -> {target pk: row}
        if not new_plan:
            rows = through._default_manager.filter(action__plan_id=plan.pk).values_list("id", "action_id", self.target)
            for pk, action_id, target_id in rows:
                self.held[action_id][target_id] = through(id=pk, action_id=action_id, **{self.target: target_id})
        self.added: list[models.Model] = []
        self.dropped: list[int] = []

    def want(self, action: Action, targets: set[int]) -> bool:
        """Make the action's links exactly `targets`; True if they were not already."""
        held = self.held.get(action.pk, {})
        if set(held) == targets:
            return False
        for target in targets - set(held):
            self.added.append(self.through(action_id=action.pk, **{self.target: target}))
        self.dropped.extend(row.pk for target, row in held.items() if target not in targets)
        return True

    def write(self) -> None:
        if self.dropped:
            self.through._default_manager.filter(pk__in=self.dropped).delete()
        if self.added:
            self.through._default_manager.bulk_create(self.added, batch_size=1000)

    def rows_of(self, action_ids: set[int]) -> list[models.Model]:
        """The links of these actions as they are once written (for their history snapshots)."""
        dropped = set(self.dropped)
        kept = [row for pk in action_ids for row in self.held.get(pk, {}).values() if row.pk not in dropped]
        return kept + [row for row in self.added if getattr(row, "action_id") in action_ids]  # noqa: B009


class _PlanSaver:
    def __init__(self, clean: CleanPlan, user: Any):
        self.clean = clean
        self.user = user
        self.writer = Writer(user=user)
        self.report = PlanReport(gaps=list(clean.gaps))

    def save(self) -> PlanReport:
        plan, new_plan = self._save_plan()
        organisations = self._save_organisations(plan, new_plan)
        owners = self._save_owners(plan, organisations)
        priorities, gone_priorities = self._save_priorities(plan, new_plan)
        self._save_actions(plan, new_plan, priorities, owners)
        self.writer.remove(StrategicPriority, gone_priorities)
        self.report.removed += len(gone_priorities)
        # Bulk writes call no save(): count the plan's kept summaries again, as saves would.
        KeptSummary.objects.recount(plan.priorities.values("pk"))
        return self.report

    # -- the plan, its organisations and owners ----------------------------------------------------

    def _save_plan(self) -> tuple[Plan, bool]:
        values = dict(self.clean.attributes)
        board = values.pop("board")
        values["board_id"] = board.pk if board else None
        slug = values["slug"]
        existing = Plan.objects.filter(slug=slug).first()
        synced = self.writer.sync(Plan, {slug: values}, {slug: existing} if existing else {})
        self.report.add(synced)
        self.report.plan = synced.rows[slug]
        return self.report.plan, existing is None

    def _save_organisations(self, plan: Plan, new_plan: bool) -> dict[str, Organisation]:
        wanted = {o["code"]: {"code": o["code"], "name": o["name"]} for o in self.clean.organisations}
        existing = Organisation.objects.in_bulk(list(wanted), field_name="code") if wanted else {}
        synced = self.writer.diff(Organisation, wanted, existing)
        self._guard_shared(plan, synced, "organisation", self._plans_using_organisations)
        self.writer.write(Organisation, synced)
        self.report.add(synced)

        through = Plan.organisations.through
        held = (
            set()
            if new_plan
            else set(through.objects.filter(plan_id=plan.pk).values_list("organisation_id", flat=True))
        )
        wanted_ids = {organisation.pk for organisation in synced.rows.values()}
        if held - wanted_ids:
            through.objects.filter(plan_id=plan.pk, organisation_id__in=held - wanted_ids).delete()
        through.objects.bulk_create([through(plan_id=plan.pk, organisation_id=pk) for pk in wanted_ids - held])
        return synced.rows

    def _save_owners(self, plan: Plan, organisations: dict[str, Organisation]) -> dict[str, Owner]:
        wanted = {
            o.code: {
                "code": o.code,
                "kind": o.kind,
                "name": o.name,
                "role": o.role,
                "description": o.description,
                "organisation_id": organisations[o.organisation].pk if o.organisation else None,
            }
            for o in self.clean.owners
        }
        existing = Owner.objects.in_bulk(list(wanted), field_name="code") if wanted else {}
        synced = self.writer.diff(Owner, wanted, existing)
        self._guard_shared(plan, synced, "owner", self._plans_using_owners)
        self.writer.write(Owner, synced)
        self.report.add(synced)
        return synced.rows

    def _plans_using_owners(self, plan: Plan, ids: list[int]) -> set[tuple[int, int]]:
        return _plans_naming(plan, "owner_id", ids)

    def _plans_using_organisations(self, plan: Plan, ids: list[int]) -> set[tuple[int, int]]:
        listed = Plan.organisations.through.objects.filter(organisation_id__in=ids).exclude(plan_id=plan.pk)
        return set(listed.values_list("organisation_id", "plan_id")) | _plans_naming(
            plan, "owner__organisation_id", ids
        )

    def _guard_shared(self, plan: Plan, synced: Synced, what: str, plans_using: Any) -> None:
        """Changes to owners or organisations other plans use: refused unless the user may
        administer every one of those plans; reported either way."""
        if not synced.changed:
            return
        changed = {row.pk: (key, row) for key, row in synced.rows.items() if key in synced.differences}
        users: dict[int, set[int]] = defaultdict(set)
        for row_pk, plan_pk in plans_using(plan, list(changed)):
            users[row_pk].add(plan_pk)
        if not users:
            return
        plans = Plan.objects.in_bulk({pk for pks in users.values() for pk in pks})
        may_administer = (
            None if self.user is None else set(Plan.objects.administered_by(self.user).values_list("pk", flat=True))
        )
        codes = self._organisation_codes(synced)
        problems = Problems(self.clean.source, self.clean.locate)
        for row_pk, plan_pks in sorted(users.items()):
            key, row = changed[row_pk]
            how = "; ".join(
                f"{SHARED_FIELDS[name]} {_show(old, codes, name)} → {_show(new, codes, name)}"
                for name, (old, new) in synced.differences[key].items()
            )
            named = ", ".join(sorted(f"'{plans[pk].title}'" for pk in plan_pks))
            label = f"{row.kind} {key}" if what == "owner" else f"organisation {key}"
            if may_administer is not None and not plan_pks <= may_administer:
                problems.add(
                    label,
                    None,
                    f"is also used by {named}, which you do not administer: this import may not change it ({how}). "
                    "Leave it as it is, or ask an admin of every plan that uses it.",
                )
            else:
                self.report.shared_changes.append(f"{label} (also used by {named}): {how}")
        problems.raise_if_any()

    def _organisation_codes(self, synced: Synced) -> dict[Any, str]:
        ids = {
            value
            for changes in synced.differences.values()
            for name, pair in changes.items()
            if name == "organisation_id"
            for value in pair
            if value
        }
        return {pk: o.code for pk, o in Organisation.objects.in_bulk(ids).items()} if ids else {}

    # -- priorities and actions --------------------------------------------------------------------

    def _save_priorities(self, plan: Plan, new_plan: bool) -> tuple[dict[str, StrategicPriority], list]:
        wanted = {
            cp.code: {"plan_id": plan.pk, "code": cp.code, "text": cp.text, "position": position}
            for position, cp in enumerate(self.clean.priorities)
        }
        existing = {} if new_plan else by_key(plan.priorities.all(), "code")
        synced = self.writer.diff(StrategicPriority, wanted, existing, remove=True)
        # A priority is removed only once its actions have moved to the priorities they now belong to.
        gone, synced.removed = synced.removed, []
        self.writer.write(StrategicPriority, synced)
        self.report.add(synced)
        return synced.rows, gone

    def _save_actions(
        self, plan: Plan, new_plan: bool, priorities: dict[str, StrategicPriority], owners: dict[str, Owner]
    ) -> None:
        existing = {} if new_plan else by_key(Action.objects.filter(plan=plan).order_by(), "code")
        order = [(cp, parent, ca) for cp, parent, ca in self.clean.all_actions()]
        wanted_codes = {ca.code for _, _, ca in order}
        gone = [action for code, action in existing.items() if code not in wanted_codes]
        self._refuse_removing_reported(gone)

        def values(position: int, cp: Any, parent: Action | None, ca: CleanAction) -> dict[str, Any]:
            return {
                "plan_id": plan.pk,
                "priority_id": priorities[cp.code].pk,
                "parent_id": parent.pk if parent else None,
                "code": ca.code,
                "number": ca.number,
                "title": ca.title,
                "description": ca.description,
                "position": position,
                "completion_date_text": ca.completion_date_text,
                "due_date": ca.due_date,
            }

        positions = {ca.code: position for position, (_, _, ca) in enumerate(order, start=1)}
        keys = self.writer.diff(
            Action,
            {ca.code: values(positions[ca.code], cp, None, ca) for cp, parent, ca in order if parent is None},
            existing,
        )
        self.writer.write(Action, keys, history=False)
        subs = self.writer.diff(
            Action,
            {
                ca.code: values(positions[ca.code], cp, keys.rows[parent.code], ca)
                for cp, parent, ca in order
                if parent is not None
            },
            existing,
        )
        self.writer.write(Action, subs, history=False)
        actions: dict[str, Action] = {**keys.rows, **subs.rows}
        created = {a.pk for a in keys.created + subs.created}
        changed = {a.pk for a in keys.changed + subs.changed}

        owner_links = {
            role: _Links(getattr(Action, role).through, "owner", plan, new_plan)
            for role in ("accountable", "responsible")
        }
        indicator_links = _Links(Action.indicators.through, "indicator", plan, new_plan)
        indicator_ids = dict(
            Indicator.objects.filter(code__in={code for _, _, ca in order for code in ca.indicators or []}).values_list(
                "code", "pk"
            )
        )
        owners_changed, other_changes = set(), set()
        for _, _, ca in order:
            action = actions[ca.code]
            for role, links in owner_links.items():
                if links.want(action, {owners[code].pk for code in getattr(ca, role)}):
                    owners_changed.add(action.pk)
            if ca.indicators is not None and indicator_links.want(action, {indicator_ids[c] for c in ca.indicators}):
                other_changes.add(action.pk)
        for links in (*owner_links.values(), indicator_links):
            links.write()
        other_changes |= self._save_milestones(plan, new_plan, actions, order)
        other_changes |= self._save_imported_progress(plan, new_plan, actions, order)

        self._record_history(actions, created, (changed | owners_changed) - created, owner_links)
        self.writer.remove(Action, [a for a in gone if a.parent_id is not None])
        self.writer.remove(Action, [a for a in gone if a.parent_id is None])

        for _, _, ca in order:
            pk = actions[ca.code].pk
            if pk in created:
                self.report.created += 1
                self.report.actions_created.append(ca.code)
            elif pk in changed | owners_changed | other_changes:
                self.report.updated += 1
                self.report.actions_changed.append(ca.code)
            else:
                self.report.unchanged += 1
                self.report.actions_unchanged.append(ca.code)
        self.report.actions_removed = [a.code for a in sorted(gone, key=lambda a: a.position)]
        self.report.removed += len(gone)

    def _refuse_removing_reported(self, gone: list[Action]) -> None:
        if not gone:
            return
        reported = ProgressUpdate.objects.filter(action__in=gone, imported=False).values_list("action__code", flat=True)
        codes = sorted(set(reported))
        if codes:
            source = self.clean.source
            raise ImportFileError(
                source,
                [f"{source}: actions {', '.join(codes)} are not in the file but have officers' progress updates"],
            )

    def _record_history(
        self, actions: dict[str, Action], created: set[int], changed: set[int], owner_links: dict[str, _Links]
    ) -> None:
        """One record per created or changed action, each with a snapshot of its owners (and its
        delegates, which an import leaves as they are)."""
        by_pk = {action.pk: action for action in actions.values()}
        records = self.writer.record(Action, [by_pk[pk] for pk in created], created=True)
        records += self.writer.record(Action, [by_pk[pk] for pk in changed], created=False)
        if not records:
            return
        recorded = created | changed
        links = {role: owner_links[role].rows_of(recorded) for role in owner_links}
        links["delegates"] = list(Action.delegates.through.objects.filter(action_id__in=changed)) if changed else []
        self.writer.record_links(Action, records, links)

    def _save_milestones(self, plan: Plan, new_plan: bool, actions: dict[str, Action], order: list) -> set[int]:
        held: dict[int, list[tuple[str, Any]]] = defaultdict(list)
        if not new_plan:
            for action_id, label, due in Milestone.objects.filter(action__plan_id=plan.pk).values_list(
                "action_id", "label", "due_date"
            ):
                held[action_id].append((label, due))
        changed, rows = set(), []
        for _, _, ca in order:
            action = actions[ca.code]
            wanted = [(m.label, m.due_date) for m in ca.milestones]
            if held.get(action.pk, []) != wanted:
                changed.add(action.pk)
                rows += [
                    Milestone(action_id=action.pk, label=label, due_date=due, position=position)
                    for position, (label, due) in enumerate(wanted)
                ]
        if changed & set(held):
            Milestone.objects.filter(action_id__in=changed & set(held)).delete()
        Milestone.objects.bulk_create(rows, batch_size=1000)
        return changed

    def _save_imported_progress(self, plan: Plan, new_plan: bool, actions: dict[str, Action], order: list) -> set[int]:
        """The file's progress text and status are each action's one imported update; officers'
        updates are never touched."""
        existing: dict[int, ProgressUpdate] = {}
        if not new_plan:
            for update in ProgressUpdate.objects.filter(action__plan_id=plan.pk, imported=True).order_by("-pk"):
                existing[update.action_id] = update
        wanted = {}
        for _, _, ca in order:
            if ca.progress or ca.status_text or ca.rag:
                wanted[actions[ca.code].pk] = {
                    "action_id": actions[ca.code].pk,
                    "imported": True,
                    "narrative": ca.progress,
                    "status_text": ca.status_text,
                    "rag": ca.rag,
                    "reported_on": plan.reporting_date,
                    "completed_on": plan.reporting_date if ca.rag == RAG.COMPLETE else None,
                }
        synced = self.writer.sync(ProgressUpdate, wanted, existing, remove=True)
        touched = {update.action_id for update in synced.created + synced.changed + synced.removed}
        if touched:
            # Bulk writes send no signals: keep each action's latest progress as a save would.
            Action.objects.filter(pk__in=touched).refresh_progress()
        return touched


def _plans_naming(plan: Plan, owner_field: str, ids: list[int]) -> set[tuple[int, int]]:
    """(id, plan) for each other plan whose actions name an owner whose `owner_field` is in `ids`."""
    used: set[tuple[int, int]] = set()
    for through in (Action.accountable.through, Action.responsible.through):
        named = through.objects.filter(**{f"{owner_field}__in": ids}).exclude(action__plan_id=plan.pk)
        used |= set(named.values_list(owner_field, "action__plan_id").distinct())
    return used


def _show(value: Any, organisation_codes: dict[Any, str], name: str) -> str:
    if value in (None, ""):
        return "none"
    return organisation_codes.get(value, str(value)) if name == "organisation_id" else repr(value)
