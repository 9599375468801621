"""The one validation path every plan importer goes through.

A reader (yaml_plan, xlsx_plan) turns a file into the plan-file structure (a dict, see
docs/plan-file-format.md); `validate_plan` checks all of it and reports every problem at once,
naming the file, the item and the field. `actionplan.importers.saving.save_plan` writes it.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from actionplan.completion_dates import MalformedDate, Milestone, parse_completion_date
from actionplan.models import RAG, Owner
from config.importing import (
    ImportFileError,
    Problems,
    check_unique,
    read_choice,
    read_date,
    read_list,
    read_mapping,
    read_slug,
    read_text,
    read_texts,
)
from config.importing.problems import Locate
from indicators.models import Indicator
from partnerships.models import Partnership

SUPPORTED_FORMAT = 1

FILE_KEYS = {"format", "plan", "stated", "organisations", "people", "groups", "priorities"}
ORGANISATION_KEYS = {"code", "name"}
PERSON_KEYS = {"initials", "name", "role", "organisation"}
GROUP_KEYS = {"name", "description"}
PRIORITY_KEYS = {"code", "text", "actions"}
SUB_ACTION_KEYS = {
    "code",
    "title",
    "description",
    "accountable",
    "responsible",
    "completion_date",
    "progress",
    "status",
    "rag",
    "indicators",
}
ACTION_KEYS = SUB_ACTION_KEYS | {"sub_actions"}
STATED_KEYS = {"numbers", "priorities"}
_RAGS = {word: choice for choice in RAG for word in (choice.value, choice.label.lower())}
_RAG_WORDS = ", ".join(RAG.labels[:-1]) + " or " + RAG.labels[-1]


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
    accountable: list[str]
    responsible: list[str]
    completion_date_text: str
    milestones: list[Milestone]
    due_date: datetime.date | None
    progress: str
    status_text: str = ""
    rag: str = ""
    sub_actions: list["CleanAction"] = field(default_factory=list)
    # Codes of the indicators the action is meant to move; None when the file does not say (a
    # spreadsheet without the column), which leaves the links as they are.
    indicators: list[str] | None = None


@dataclass
class CleanPriority:
    code: str
    text: str
    actions: list[CleanAction]


@dataclass
class CleanPlan:
    source: str
    attributes: dict[str, Any]
    organisations: list[dict[str, str]]
    owners: list[CleanOwner]
    priorities: list[CleanPriority]
    # Where the file differs from what its source says about itself (see `stated`).
    gaps: list[str] = field(default_factory=list)
    # How the reader names places in the file (a spreadsheet's sheet and row), for problems
    # found only as the plan is saved.
    locate: Locate | None = None

    def all_actions(self) -> Iterator[tuple[CleanPriority, CleanAction | None, CleanAction]]:
        for priority in self.priorities:
            for action in priority.actions:
                yield priority, None, action
                for sub in action.sub_actions:
                    yield priority, action, sub


def validate_plan(data: Any, source: str, locate: Locate | None = None, problems: Problems | None = None) -> CleanPlan:
    """Check a plan-file structure. Returns a CleanPlan or raises ImportFileError with every problem
    (with those already in `problems`, a reader's own)."""
    problems = problems or Problems(source, locate)
    data = read_mapping(data, problems, "file", FILE_KEYS)
    fmt = data.get("format", SUPPORTED_FORMAT)
    if fmt != SUPPORTED_FORMAT:
        problems.add("file", "format", f"format {fmt!r} is not supported (expected {SUPPORTED_FORMAT})")

    attributes = _validate_plan_attributes(read_mapping(data.get("plan"), problems, "plan", PLAN_KEYS), problems)
    organisations = _validate_organisations(data, problems)
    owners = _validate_owners(data, problems, organisations)
    priorities = _validate_priorities(data, problems, {o.code for o in owners})
    _check_indicators(priorities, problems)

    if attributes.get("reporting_date") is None and any(
        a.progress or a.status_text or a.rag for priority in priorities for a in _walk(priority.actions)
    ):
        problems.add("plan", "reporting_date", "is needed to date the progress texts and statuses")

    gaps = _stated_gaps(data.get("stated"), priorities, attributes, problems)
    problems.raise_if_any()
    return CleanPlan(source, attributes, organisations, owners, priorities, gaps, problems.locate)


def _walk(actions: list[CleanAction]) -> Iterator[CleanAction]:
    for action in actions:
        yield action
        yield from action.sub_actions


def _stated_gaps(stated: Any, priorities: list[CleanPriority], attributes: dict, problems: Problems) -> list[str]:
    """Compare the file with what its source says about itself, e.g. the HIC paper's "60
    recommendations", 26/15/20 per section. Gaps are reported, never filled in.

    `stated.numbers` is the range the actions are numbered in ("1-60"); `stated.priorities` the
    count the source gives for each priority, compared with the priority's numbered actions.
    """
    if stated is None:
        return []
    stated = read_mapping(stated, problems, "stated", STATED_KEYS)
    gaps = []
    numbered: dict[str, list[int]] = {}
    for priority in priorities:
        for action in _walk(priority.actions):
            if action.number.isdigit():
                numbered.setdefault(priority.code, []).append(int(action.number))
    numbers = read_text(stated.get("numbers"), problems, "stated", "numbers")
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
    counts = read_mapping(stated.get("priorities") or {}, problems, "stated priorities")
    for code, count in counts.items():
        code = str(code)
        if not isinstance(count, int) or isinstance(count, bool):
            problems.add("stated", f"priorities.{code}", f"{count!r} is not a whole number")
            continue
        if code not in {p.code for p in priorities}:
            problems.add("stated", f"priorities.{code}", f"no priority {code!r} in the file")
            continue
        listed = len(numbered.get(code, []))
        if listed != count:
            gaps.append(f"{attributes['priority_label']} {code}: the source says it holds {count}, it lists {listed}")
    return gaps


def _check_indicators(priorities: list[CleanPriority], problems: Problems) -> None:
    """Every indicator an action names must be there already (one query for the whole file)."""
    named = {code for priority in priorities for a in _walk(priority.actions) for code in a.indicators or []}
    if not named:
        return
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


# Text fields of `plan:`: file key → Plan attribute.
PLAN_TEXTS = {
    "title": "title",
    "full_title": "full_title",
    "board": "board_name",
    "review_period": "review_period",
    "background": "background",
    "source": "source",
}
# Labels: file key → Plan attribute and what it is when the file does not say.
PLAN_LABELS = {
    "priority": ("priority_label", "Strategic priority"),
    "action": ("action_label", "Key action"),
    "sub_action": ("sub_action_label", "Sub-action"),
}


PLAN_DATES = ["review_date", "plan_date", "reporting_date"]
PLAN_KEYS = {"slug", "assured_by", "labels", "sign_off_required", *PLAN_DATES, *PLAN_TEXTS}
# Yes or no, as YAML/JSON write it (true/false) or a spreadsheet cell does ("yes", "TRUE").
YES_NO = {"yes": True, "true": True, "no": False, "false": False}


def _validate_plan_attributes(plan: dict, problems: Problems) -> dict[str, Any]:
    item = "plan"
    attributes: dict[str, Any] = {"slug": read_slug(plan.get("slug"), problems, item, "slug")}
    attributes |= read_texts(plan, problems, item, PLAN_TEXTS, required={"title"})
    attributes["board"] = _partnership(plan.get("assured_by"), problems, item, "assured_by")
    for name in PLAN_DATES:
        attributes[name] = read_date(plan.get(name), problems, item, name)
    sign_off = plan.get("sign_off_required")
    if not isinstance(sign_off, bool):
        sign_off = read_choice(sign_off, YES_NO, problems, item, "sign_off_required", "answer", "yes or no")
    attributes["sign_off_required"] = bool(sign_off)
    labels = read_mapping(plan.get("labels") or {}, problems, "plan labels", PLAN_LABELS)
    for key, (attribute, default) in PLAN_LABELS.items():
        attributes[attribute] = read_text(labels.get(key), problems, item, f"labels.{key}") or default
    return attributes


def _partnership(value: Any, problems: Problems, item: str, field_name: str) -> Partnership | None:
    slug = read_text(value, problems, item, field_name)
    if not slug:
        return None
    board = Partnership.objects.filter(slug=slug).first()
    if board is None:
        problems.add(item, field_name, f"unknown partnership {slug!r} (import the partnerships file first)")
    return board


def _validate_organisations(data: dict, problems: Problems) -> list[dict[str, str]]:
    organisations: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, raw in enumerate(read_list(data.get("organisations"), problems, "file", "organisations")):
        item = f"organisations[{index}]"
        raw = read_mapping(raw, problems, item, ORGANISATION_KEYS)
        code = read_text(raw.get("code"), problems, item, "code", required=True)
        if code:
            item = f"organisation {code}"
            check_unique(code, seen, problems, item, "code")
        organisations.append({"code": code, "name": read_text(raw.get("name"), problems, item, "name", required=True)})
    return organisations


def _validate_owners(data: dict, problems: Problems, organisations: list[dict[str, str]]) -> list[CleanOwner]:
    organisation_codes = {o["code"] for o in organisations}
    owners = []
    for index, raw in enumerate(read_list(data.get("people"), problems, "file", "people")):
        item = f"people[{index}]"
        raw = read_mapping(raw, problems, item, PERSON_KEYS)
        initials = read_text(raw.get("initials"), problems, item, "initials", required=True)
        item = f"person {initials}" if initials else item
        organisation = read_text(raw.get("organisation"), problems, item, "organisation")
        if organisation and organisation not in organisation_codes:
            problems.add(item, "organisation", f"unknown organisation {organisation!r}")
        owners.append(
            CleanOwner(
                kind=Owner.Kind.PERSON,
                code=initials,
                name=read_text(raw.get("name"), problems, item, "name", required=True),
                role=read_text(raw.get("role"), problems, item, "role"),
                organisation=organisation,
            )
        )
    for index, raw in enumerate(read_list(data.get("groups"), problems, "file", "groups")):
        item = f"groups[{index}]"
        raw = read_mapping(raw, problems, item, GROUP_KEYS)
        name = read_text(raw.get("name"), problems, item, "name", required=True)
        item = f"group {name}" if name else item
        owners.append(
            CleanOwner(
                kind=Owner.Kind.GROUP,
                code=name,
                name=name,
                description=read_text(raw.get("description"), problems, item, "description"),
            )
        )
    # Every organisation can also own actions (the HIC plan's leads are organisations).
    for listed in organisations:
        if listed["code"]:
            code = listed["code"]
            owners.append(CleanOwner(kind=Owner.Kind.ORGANISATION, code=code, name=listed["name"], organisation=code))
    seen: dict[str, str] = {}
    for owner in owners:
        if owner.code and owner.code in seen:
            problems.add(
                f"{owner.kind} {owner.code}",
                {"person": "initials", "organisation": "code"}.get(owner.kind, "name"),
                f"{owner.code!r} is already used by {seen[owner.code]}",
            )
        seen.setdefault(owner.code, f"{owner.kind} {owner.code}")
    return owners


def _validate_priorities(data: dict, problems: Problems, owner_codes: set[str]) -> list[CleanPriority]:
    priorities: list[CleanPriority] = []
    priority_codes: set[str] = set()
    action_codes: set[str] = set()
    for p_index, raw in enumerate(read_list(data.get("priorities"), problems, "file", "priorities")):
        item = f"priorities[{p_index}]"
        raw = read_mapping(raw, problems, item, PRIORITY_KEYS)
        code = read_text(raw.get("code"), problems, item, "code", required=True)
        if code:
            item = f"priority {code}"
            check_unique(code, priority_codes, problems, item, "code")
        text = read_text(raw.get("text"), problems, item, "text", required=True)
        actions = []
        for a_index, raw_action in enumerate(read_list(raw.get("actions"), problems, item, "actions")):
            where = f"{item} actions[{a_index}]"
            raw_action = read_mapping(raw_action, problems, where)
            action = _validate_action(raw_action, problems, where, owner_codes, action_codes, parent=None)
            for s_index, raw_sub in enumerate(read_list(raw_action.get("sub_actions"), problems, where, "sub_actions")):
                sub_where = f"{where} sub_actions[{s_index}]"
                raw_sub = read_mapping(raw_sub, problems, sub_where)
                action.sub_actions.append(
                    _validate_action(raw_sub, problems, sub_where, owner_codes, action_codes, parent=action)
                )
            if not action.completion_date_text and action.sub_actions:
                # A key action with no date of its own is due when its last sub-action is.
                action.due_date = max((s.due_date for s in action.sub_actions if s.due_date), default=None)
            actions.append(action)
        priorities.append(CleanPriority(code=code, text=text, actions=actions))
    return priorities


def _validate_action(
    raw: dict,
    problems: Problems,
    where: str,
    owner_codes: set[str],
    action_codes: set[str],
    parent: CleanAction | None,
) -> CleanAction:
    number = read_text(raw.get("code"), problems, where, "code", required=True)
    code = f"{parent.code} {number}" if parent and number else number
    item = f"action {code}" if code else where
    if code:
        check_unique(code, action_codes, problems, item, "code")
    allowed = SUB_ACTION_KEYS if parent else ACTION_KEYS
    for key in raw:
        if key not in allowed:
            problems.unknown(item, key, allowed)

    owners = {}
    for role in ("accountable", "responsible"):
        refs = [read_text(r, problems, item, role) for r in read_list(raw.get(role), problems, item, role)]
        for ref in refs:
            if ref and ref not in owner_codes:
                problems.add(item, role, f"unknown owner {ref!r} (not in people, groups or organisations)")
        if len(set(refs)) != len(refs):
            problems.add(item, role, "names the same owner twice")
        owners[role] = refs

    completion_text = read_text(raw.get("completion_date"), problems, item, "completion_date")
    completion_text = " ".join(completion_text.split())
    milestones: list[Milestone] = []
    due_date = None
    try:
        completion = parse_completion_date(completion_text)
        milestones = completion.milestones if completion.has_milestones else []
        due_date = completion.due_date
    except MalformedDate as error:
        problems.add(item, "completion_date", str(error))
    if parent is not None and not completion_text:
        due_date = parent.due_date  # a sub-action with no date of its own inherits its key action's

    status_text, rag = _status(raw, problems, item)
    return CleanAction(
        code=code,
        number=number,
        title=read_text(raw.get("title"), problems, item, "title", required=True),
        description=read_text(raw.get("description"), problems, item, "description"),
        accountable=owners["accountable"],
        responsible=owners["responsible"],
        completion_date_text=completion_text,
        milestones=milestones,
        due_date=due_date,
        progress=read_text(raw.get("progress"), problems, item, "progress"),
        indicators=_indicator_codes(raw, problems, item),
        status_text=status_text,
        rag=rag,
    )


def _indicator_codes(raw: dict, problems: Problems, item: str) -> list[str] | None:
    if "indicators" not in raw:
        return None
    codes = [
        read_text(code, problems, item, "indicators")
        for code in read_list(raw["indicators"], problems, item, "indicators")
    ]
    if len(set(codes)) != len(codes):
        problems.add(item, "indicators", "names the same indicator twice")
    return [code for code in codes if code]


def _status(raw: dict, problems: Problems, item: str) -> tuple[str, str]:
    """The status as the paper words it, and the RAG it means: given, or read from the words."""
    status_text = read_text(raw.get("status"), problems, item, "status")
    status_text = " ".join(status_text.split())
    rag = read_choice(raw.get("rag"), _RAGS, problems, item, "rag", "RAG", _RAG_WORDS)
    if rag is None and status_text and not raw.get("rag"):
        rag = RAG.for_status(status_text)
        if rag is None:
            problems.add(
                item, "status", f"{status_text!r} is not a status the product knows: give a rag ({_RAG_WORDS})"
            )
    return status_text, rag.value if rag else ""


__all__ = ["ImportFileError", "CleanAction", "CleanOwner", "CleanPlan", "CleanPriority", "validate_plan"]
