"""The one validation and save path every plan importer goes through.

A reader (yaml_plan, later xlsx_plan) turns a file into the plan-file structure (a dict, see
docs/plan-file-format.md); `validate_plan` checks all of it and reports every problem at once,
naming the file, the item and the field; `save_plan` writes a valid plan in one transaction,
updating in place so that a re-import duplicates nothing.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db import transaction

from actionplan.completion_dates import MalformedDate, parse_completion_date
from actionplan.models import RAG, Action, Owner, Plan, ProgressUpdate, StrategicPriority
from config.importing import upsert
from indicators.models import Indicator
from partnerships.models import Organisation, Partnership

SUPPORTED_FORMAT = 1
_SLUG = re.compile(r"^[-a-z0-9]+$")


class PlanFileError(Exception):
    """A plan file that cannot be imported; `errors` lists every problem found."""

    def __init__(self, source, errors):
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: {len(errors)} error(s)\n" + "\n".join(f"  {e}" for e in errors))


class _Problems:
    """Collects every problem. `locate(item, field)` lets a reader name its own places (a
    spreadsheet's sheet, row and column) instead of the plan-file item and field."""

    def __init__(self, source, locate=None):
        self.source = source
        self.locate = locate
        self.errors = []

    def add(self, item, field_name, message):
        where = self.locate(item, field_name) if self.locate else None
        if where is None:
            where = f"{item}, field '{field_name}'" if field_name else item
        self.errors.append(f"{self.source}: {where}: {message}")


@dataclass
class CleanOwner:
    kind: str
    code: str
    name: str
    role: str = ""
    description: str = ""
    organisation: str = ""


@dataclass
class CleanAction:
    code: str
    number: str
    title: str
    description: str
    accountable: list
    responsible: list
    completion_date_text: str
    milestones: list
    due_date: datetime.date | None
    progress: str
    status_text: str = ""
    rag: str = ""
    sub_actions: list = field(default_factory=list)
    # Codes of the indicators the action is meant to move; None when the file does not say (a
    # spreadsheet without the column), which leaves the links as they are.
    indicators: list | None = None


@dataclass
class CleanPriority:
    code: str
    text: str
    actions: list


@dataclass
class CleanPlan:
    source: str
    attributes: dict
    organisations: list
    owners: list
    priorities: list
    # Where the file differs from what its source says about itself (see `stated`).
    gaps: list = field(default_factory=list)

    def all_actions(self):
        for priority in self.priorities:
            for action in priority.actions:
                yield priority, None, action
                for sub in action.sub_actions:
                    yield priority, action, sub


# -- reading values ----------------------------------------------------------------------------


def _text(value, problems, item, name, required=False):
    """A plain-text value; numbers and dates that YAML typed for us are taken as written."""
    if value is None or value == "":
        if required:
            problems.add(item, name, "is missing")
        return ""
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        problems.add(item, name, f"must be text, not {type(value).__name__}")
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _iso_date(value, problems, item, name):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        problems.add(item, name, f"{value!r} is not a date written as YYYY-MM-DD")
        return None


def _list(value, problems, item, name):
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(item, name, "must be a list")
        return []
    return value


def _mapping(value, problems, item):
    if not isinstance(value, dict):
        problems.add(item, None, "must be a mapping of field: value")
        return {}
    return value


# -- validation ----------------------------------------------------------------------------------


def validate_plan(data, source, locate=None):
    """Check a plan-file structure. Returns a CleanPlan or raises PlanFileError with every problem."""
    problems = _Problems(source, locate)
    data = _mapping(data, problems, "file")
    fmt = data.get("format", SUPPORTED_FORMAT)
    if fmt != SUPPORTED_FORMAT:
        problems.add("file", "format", f"format {fmt!r} is not supported (expected {SUPPORTED_FORMAT})")

    attributes = _validate_plan_attributes(_mapping(data.get("plan"), problems, "plan"), problems)
    organisations = _validate_organisations(data, problems)
    owners = _validate_owners(data, problems, {o["code"] for o in organisations})
    owner_codes = {o.code for o in owners}
    priorities = _validate_priorities(data, problems, owner_codes)
    _check_indicators(priorities, problems)

    if attributes.get("reporting_date") is None and any(
        a.progress or a.status_text or a.rag for priority in priorities for a in _walk(priority.actions)
    ):
        problems.add("plan", "reporting_date", "is needed to date the progress texts and statuses")

    gaps = _stated_gaps(data.get("stated"), priorities, attributes, problems)
    if problems.errors:
        raise PlanFileError(source, problems.errors)
    return CleanPlan(source, attributes, organisations, owners, priorities, gaps)


def _stated_gaps(stated, priorities, attributes, problems):
    """Compare the file with what its source says about itself, e.g. the HIC paper's "60
    recommendations", 26/15/19 per section. Gaps are reported, never filled in.

    `stated.numbers` is the range the actions are numbered in ("1-60"); `stated.priorities` the
    count the source gives for each priority, compared with the priority's numbered actions.
    """
    if stated is None:
        return []
    stated = _mapping(stated, problems, "stated")
    gaps = []
    numbered = {}
    for priority in priorities:
        for action in _walk(priority.actions):
            if action.number.isdigit():
                numbered.setdefault(priority.code, []).append(int(action.number))
    numbers = _text(stated.get("numbers"), problems, "stated", "numbers")
    if numbers:
        match = re.fullmatch(r"(\d+)\s*-\s*(\d+)", numbers)
        if not match:
            problems.add("stated", "numbers", f"{numbers!r} is not a range like 1-60")
        else:
            first, last = int(match[1]), int(match[2])
            held = {n for ns in numbered.values() for n in ns}
            missing = [str(n) for n in range(first, last + 1) if n not in held]
            if missing:
                gaps.append(
                    f"{attributes['action_label']}s {first}-{last}: the source does not contain {', '.join(missing)}"
                )
    counts = _mapping(stated.get("priorities") or {}, problems, "stated priorities")
    for code, count in counts.items():
        code = str(code)
        if not isinstance(count, int) or isinstance(count, bool):
            problems.add("stated", f"priorities.{code}", f"{count!r} is not a whole number")
            continue
        if code not in {p.code for p in priorities}:
            problems.add("stated", f"priorities.{code}", f"no priority {code!r} in the file")
            continue
        held = len(numbered.get(code, []))
        if held != count:
            gaps.append(f"{attributes['priority_label']} {code}: the source says it holds {count}, it lists {held}")
    return gaps


def _check_indicators(priorities, problems):
    """Every indicator an action names must be there already (one query for the whole file)."""
    named = {code for priority in priorities for a in _walk(priority.actions) for code in a.indicators or []}
    known = set(Indicator.objects.filter(code__in=named).values_list("code", flat=True))
    for priority in priorities:
        for action in _walk(priority.actions):
            for code in action.indicators or []:
                if code not in known:
                    problems.add(
                        f"action {action.code}",
                        "indicators",
                        f"unknown indicator {code!r} (import the indicators files first)",
                    )


def _walk(actions):
    for action in actions:
        yield action
        yield from action.sub_actions


def _validate_plan_attributes(plan, problems):
    item = "plan"
    slug = _text(plan.get("slug"), problems, item, "slug", required=True)
    if slug and not _SLUG.match(slug):
        problems.add(item, "slug", f"{slug!r} may hold only lower-case letters, digits and hyphens")
    labels = _mapping(plan.get("labels") or {}, problems, "plan labels")
    return {
        "slug": slug,
        "title": _text(plan.get("title"), problems, item, "title", required=True),
        "full_title": _text(plan.get("full_title"), problems, item, "full_title"),
        "board_name": _text(plan.get("board"), problems, item, "board"),
        "board": _partnership(plan.get("assured_by"), problems, item, "assured_by"),
        "review_date": _iso_date(plan.get("review_date"), problems, item, "review_date"),
        "review_period": _text(plan.get("review_period"), problems, item, "review_period"),
        "plan_date": _iso_date(plan.get("plan_date"), problems, item, "plan_date"),
        "reporting_date": _iso_date(plan.get("reporting_date"), problems, item, "reporting_date"),
        "background": _text(plan.get("background"), problems, item, "background"),
        "source": _text(plan.get("source"), problems, item, "source"),
        "priority_label": _text(labels.get("priority"), problems, item, "labels.priority") or "Strategic priority",
        "action_label": _text(labels.get("action"), problems, item, "labels.action") or "Key action",
        "sub_action_label": _text(labels.get("sub_action"), problems, item, "labels.sub_action") or "Sub-action",
    }


def _partnership(value, problems, item, field_name):
    slug = _text(value, problems, item, field_name)
    if not slug:
        return None
    board = Partnership.objects.filter(slug=slug).first()
    if board is None:
        problems.add(item, field_name, f"unknown partnership {slug!r} (import the partnerships file first)")
    return board


def _validate_organisations(data, problems):
    organisations, seen = [], set()
    for index, raw in enumerate(_list(data.get("organisations"), problems, "file", "organisations")):
        item = f"organisations[{index}]"
        raw = _mapping(raw, problems, item)
        code = _text(raw.get("code"), problems, item, "code", required=True)
        if code:
            item = f"organisation {code}"
            if code in seen:
                problems.add(item, "code", f"duplicate code {code!r}")
            seen.add(code)
        organisations.append({"code": code, "name": _text(raw.get("name"), problems, item, "name", required=True)})
    return organisations


def _validate_owners(data, problems, organisation_codes):
    owners = []
    for index, raw in enumerate(_list(data.get("people"), problems, "file", "people")):
        item = f"people[{index}]"
        raw = _mapping(raw, problems, item)
        initials = _text(raw.get("initials"), problems, item, "initials", required=True)
        item = f"person {initials}" if initials else item
        organisation = _text(raw.get("organisation"), problems, item, "organisation")
        if organisation and organisation not in organisation_codes:
            problems.add(item, "organisation", f"unknown organisation {organisation!r}")
        owners.append(
            CleanOwner(
                kind=Owner.Kind.PERSON,
                code=initials,
                name=_text(raw.get("name"), problems, item, "name", required=True),
                role=_text(raw.get("role"), problems, item, "role"),
                organisation=organisation,
            )
        )
    for index, raw in enumerate(_list(data.get("groups"), problems, "file", "groups")):
        item = f"groups[{index}]"
        raw = _mapping(raw, problems, item)
        name = _text(raw.get("name"), problems, item, "name", required=True)
        item = f"group {name}" if name else item
        owners.append(
            CleanOwner(
                kind=Owner.Kind.GROUP,
                code=name,
                name=name,
                description=_text(raw.get("description"), problems, item, "description"),
            )
        )
    # Every organisation can also own actions (the HIC plan's leads are organisations).
    for organisation in data.get("organisations") or []:
        if isinstance(organisation, dict) and organisation.get("code"):
            code = str(organisation["code"])
            owners.append(
                CleanOwner(
                    kind=Owner.Kind.ORGANISATION, code=code, name=str(organisation.get("name") or ""), organisation=code
                )
            )
    seen = {}
    for owner in owners:
        if owner.code and owner.code in seen:
            problems.add(
                f"{owner.kind} {owner.code}",
                "initials" if owner.kind == Owner.Kind.PERSON else "code" if owner.kind == "organisation" else "name",
                f"{owner.code!r} is already used by {seen[owner.code]}",
            )
        seen.setdefault(owner.code, f"{owner.kind} {owner.code}")
    return owners


def _validate_priorities(data, problems, owner_codes):
    priorities, priority_codes, action_codes = [], set(), set()
    for p_index, raw in enumerate(_list(data.get("priorities"), problems, "file", "priorities")):
        item = f"priorities[{p_index}]"
        raw = _mapping(raw, problems, item)
        code = _text(raw.get("code"), problems, item, "code", required=True)
        if code:
            item = f"priority {code}"
            if code in priority_codes:
                problems.add(item, "code", f"duplicate code {code!r}")
            priority_codes.add(code)
        text = _text(raw.get("text"), problems, item, "text", required=True)
        actions = []
        for a_index, raw_action in enumerate(_list(raw.get("actions"), problems, item, "actions")):
            where = f"{item} actions[{a_index}]"
            action = _validate_action(raw_action, problems, where, owner_codes, action_codes, parent=None)
            for s_index, raw_sub in enumerate(
                _list(_mapping(raw_action, problems, where).get("sub_actions"), problems, where, "sub_actions")
            ):
                sub_where = f"{where} sub_actions[{s_index}]"
                action.sub_actions.append(
                    _validate_action(raw_sub, problems, sub_where, owner_codes, action_codes, parent=action)
                )
            if not action.completion_date_text and action.sub_actions:
                # A key action with no date of its own is due when its last sub-action is.
                action.due_date = max((s.due_date for s in action.sub_actions if s.due_date), default=None)
            actions.append(action)
        priorities.append(CleanPriority(code=code, text=text, actions=actions))
    return priorities


def _validate_action(raw, problems, where, owner_codes, action_codes, parent):
    raw = raw if isinstance(raw, dict) else {}
    number = _text(raw.get("code"), problems, where, "code", required=True)
    code = f"{parent.code} {number}" if parent and number else number
    item = f"action {code}" if code else where
    if code:
        if code in action_codes:
            problems.add(item, "code", f"duplicate code {code!r}")
        action_codes.add(code)

    owners = {}
    for role in ("accountable", "responsible"):
        refs = [_text(r, problems, item, role) for r in _list(raw.get(role), problems, item, role)]
        for ref in refs:
            if ref and ref not in owner_codes:
                problems.add(item, role, f"unknown owner {ref!r} (not in people, groups or organisations)")
        if len(set(refs)) != len(refs):
            problems.add(item, role, "names the same owner twice")
        owners[role] = refs

    completion_text = " ".join(_text(raw.get("completion_date"), problems, item, "completion_date").split())
    milestones, due_date = [], None
    try:
        completion = parse_completion_date(completion_text)
        milestones = completion.milestones if completion.has_milestones else []
        due_date = completion.due_date
    except MalformedDate as error:
        problems.add(item, "completion_date", str(error))
    if parent is not None and not completion_text:
        due_date = parent.due_date  # a sub-action with no date of its own inherits its key action's

    return CleanAction(
        code=code,
        number=number,
        title=_text(raw.get("title"), problems, item, "title", required=True),
        description=_text(raw.get("description"), problems, item, "description"),
        accountable=owners["accountable"],
        responsible=owners["responsible"],
        completion_date_text=completion_text,
        milestones=milestones,
        due_date=due_date,
        progress=_text(raw.get("progress"), problems, item, "progress"),
        indicators=_indicator_codes(raw, problems, item),
        **_status(raw, problems, item),
    )


def _indicator_codes(raw, problems, item):
    if "indicators" not in raw:
        return None
    codes = [
        _text(code, problems, item, "indicators") for code in _list(raw["indicators"], problems, item, "indicators")
    ]
    if len(set(codes)) != len(codes):
        problems.add(item, "indicators", "names the same indicator twice")
    return [code for code in codes if code]


def _status(raw, problems, item):
    """The status as the paper words it, and the RAG it means: given, or read from the words."""
    status_text = " ".join(_text(raw.get("status"), problems, item, "status").split())
    rag_text = _text(raw.get("rag"), problems, item, "rag")
    rag = None
    if rag_text:
        rag = next((c for c in RAG if rag_text.lower() in (c.value, c.label.lower())), None)
        if rag is None:
            problems.add(item, "rag", f"{rag_text!r} is not one of {', '.join(RAG.labels)}")
    elif status_text:
        rag = RAG.for_status(status_text)
        if rag is None:
            problems.add(
                item,
                "status",
                f"{status_text!r} is not a status the product knows: give a rag ({', '.join(RAG.labels)})",
            )
    return {"status_text": status_text, "rag": rag.value if rag else ""}


# -- saving ----------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    plan: Plan
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    gaps: list = field(default_factory=list)
    # Action codes by what the import did to them, for the upload preview.
    actions_created: list = field(default_factory=list)
    actions_changed: list = field(default_factory=list)
    actions_unchanged: list = field(default_factory=list)
    actions_removed: list = field(default_factory=list)

    def __str__(self):
        text = (
            f"{self.plan.title}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.removed} removed"
        )
        return text + "".join(f"\n  Gap in the source: {gap}" for gap in self.gaps)


def _set_m2m(manager, wanted):
    if {o.pk for o in manager.all()} != {o.pk for o in wanted}:
        manager.set(wanted)
        return True
    return False


@transaction.atomic
def save_plan(clean):
    """Write a validated plan, updating in place. All or nothing."""
    attrs = dict(clean.attributes)
    slug = attrs.pop("slug")
    plan = Plan.objects.filter(slug=slug).first()
    report = ImportReport(plan=plan, gaps=list(clean.gaps))
    plan = upsert(Plan, report, {"slug": slug}, attrs)
    report.plan = plan

    organisations = {
        o["code"]: upsert(Organisation, report, {"code": o["code"]}, {"name": o["name"]}) for o in clean.organisations
    }
    _set_m2m(plan.organisations, list(organisations.values()))

    owners = {}
    for owner in clean.owners:
        owners[owner.code] = upsert(
            Owner,
            report,
            {"code": owner.code},
            {
                "kind": owner.kind,
                "name": owner.name,
                "role": owner.role,
                "description": owner.description,
                "organisation": organisations.get(owner.organisation),
            },
        )

    kept_priorities, kept_actions = [], []
    position = 0
    for p_position, cp in enumerate(clean.priorities):
        priority = upsert(
            StrategicPriority, report, {"plan": plan, "code": cp.code}, {"text": cp.text, "position": p_position}
        )
        kept_priorities.append(priority.pk)
        for ca in cp.actions:
            position += 1
            action = _save_action(plan, priority, None, ca, position, owners, report)
            kept_actions.append(action.pk)
            for cs in ca.sub_actions:
                position += 1
                kept_actions.append(_save_action(plan, priority, action, cs, position, owners, report).pk)

    gone = plan.actions.exclude(pk__in=kept_actions)
    if ProgressUpdate.objects.filter(action__in=gone, imported=False).exists():
        codes = ", ".join(
            sorted(gone.filter(progress_updates__imported=False).values_list("code", flat=True).distinct())
        )
        raise PlanFileError(
            clean.source, [f"{clean.source}: actions {codes} are not in the file but have officers' progress updates"]
        )
    # Sub-actions first, so a removed key action's children are counted once.
    report.actions_removed = list(gone.order_by("position").values_list("code", flat=True))
    report.removed += len(report.actions_removed)
    gone.filter(parent__isnull=False).delete()
    gone.delete()
    report.removed += plan.priorities.exclude(pk__in=kept_priorities).count()
    plan.priorities.exclude(pk__in=kept_priorities).delete()
    return report


def _save_action(plan, priority, parent, ca, position, owners, report):
    before = (report.created, report.updated)
    action = upsert(
        Action,
        report,
        {"plan": plan, "code": ca.code},
        {
            "priority": priority,
            "parent": parent,
            "number": ca.number,
            "title": ca.title,
            "description": ca.description,
            "position": position,
            "completion_date_text": ca.completion_date_text,
            "due_date": ca.due_date,
        },
    )
    changed = _set_m2m(action.accountable, [owners[c] for c in ca.accountable])
    changed |= _set_m2m(action.responsible, [owners[c] for c in ca.responsible])
    changed |= action.replace_milestones(ca.milestones)
    if ca.indicators is not None:
        changed |= _set_m2m(action.indicators, list(Indicator.objects.filter(code__in=ca.indicators)))
    changed |= _save_imported_progress(plan, action, ca)
    if changed and before == (report.created, report.updated):
        # The row itself was unchanged but its owners, milestones or progress were not.
        report.unchanged -= 1
        report.updated += 1
    if report.created > before[0]:
        report.actions_created.append(action.code)
    elif report.updated > before[1]:
        report.actions_changed.append(action.code)
    else:
        report.actions_unchanged.append(action.code)
    return action


def preview_plan(clean):
    """What save_plan would do, written and then rolled back: an ImportReport and nothing saved."""
    with transaction.atomic():
        report = save_plan(clean)
        transaction.set_rollback(True)
    return report


def _save_imported_progress(plan, action, ca):
    """The file's progress text and status are the action's one imported update; officers' updates are untouched."""
    current = action.progress_updates.imported().first()
    wanted = {
        "narrative": ca.progress,
        "status_text": ca.status_text,
        "rag": ca.rag,
        "reported_on": plan.reporting_date,
    }
    if not (ca.progress or ca.status_text or ca.rag):
        if current is None:
            return False
        current.delete()
        return True
    wanted["completed_on"] = plan.reporting_date if ca.rag == RAG.COMPLETE else None
    if current is None:
        ProgressUpdate.objects.create(action=action, imported=True, **wanted)
        return True
    changed = [name for name, value in wanted.items() if getattr(current, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(current, name, wanted[name])
    current.save(update_fields=changed)
    return True
