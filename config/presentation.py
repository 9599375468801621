"""Presentation shared by the three apps: GOV.UK Frontend form markup and messages, the GOV.UK
date input, tag colours and count cells, the header's sections. It imports no app, so every app
may import it (actionplan → partnerships/indicators is the only other direction allowed).

Templates load the tags from config/govuk_tags.py as `{% load govuk %}` (registered in settings)."""

import datetime
import re
from html import escape

from django import forms
from django.utils.safestring import mark_safe

from config.dates import EARLIEST, LATEST

# -- Tags ----------------------------------------------------------------------------------------

# GOV.UK tag colour for each RAG or status value, whichever app's enum it comes from.
TAG_COLOURS = {
    "red": "govuk-tag--red",
    "amber": "govuk-tag--yellow",
    "green": "govuk-tag--green",
    "complete": "govuk-tag--blue",
    "not_started": "govuk-tag--grey",
    "green_or_amber": "govuk-tag--grey",
    "overdue": "govuk-tag--red",
    "due_soon": "govuk-tag--yellow",
    "on_track": "govuk-tag--green",
    "no_date": "govuk-tag--grey",
    # Where an action stands in an update round.
    "awaiting_update": "govuk-tag--red",
    "returned": "govuk-tag--orange",
    "awaiting_sign_off": "govuk-tag--yellow",
    "signed_off": "govuk-tag--green",
    "updated": "govuk-tag--turquoise",
    "not_required": "govuk-tag--blue",
    # Plain colours, for tags that are not a RAG or status (a statutory board, "Today").
    "blue": "govuk-tag--blue",
    "grey": "govuk-tag--grey",
    "orange": "govuk-tag--orange",
}


def tag(label, value="", colour=None):
    """A GOV.UK tag: `label` in the colour for `value` (or the colour class given)."""
    css = colour or TAG_COLOURS.get(str(value), "govuk-tag--grey")
    return mark_safe(f'<strong class="govuk-tag {css}">{escape(str(label))}</strong>')


def muted(text):
    """Grey words standing in for a missing value ("Not reported", "No RAG")."""
    return mark_safe(f'<span class="app-inherited">{escape(str(text))}</span>')


def count_cell(count, url="", rag=""):
    """A numeric table cell; the count links to `url` when there is one and the count is not 0
    (`rag` names the figure in a data-rag attribute, for scripts and tests that read the cells).
    Written with html.escape rather than format_html: a dashboard has hundreds of these cells."""
    count = int(count or 0)
    shown = f'<a class="govuk-link" href="{escape(url)}">{count}</a>' if url and count else str(count)
    data = f' data-rag="{escape(rag)}"' if rag else ""
    return f'<td class="govuk-table__cell govuk-table__cell--numeric"{data}>{shown}</td>'


# -- The GOV.UK date input -------------------------------------------------------------------------

# Dates a person types are read within config.dates' EARLIEST and LATEST: a typo such as 0201 or
# 9999 is refused with a message rather than reaching date arithmetic (due-soon windows, staleness)
# that cannot go past year 1 or 9999.
PARTS = ("day", "month", "year")
ISO_OR_UK = re.compile(r"^\s*(?:(\d{1,4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4}))\s*$")


class DateParts(list):
    """[day, month, year] as typed; `raw` keeps a single-parameter date (?as_at=2018-04-03) that
    could not be split, so it is reported rather than ignored."""

    raw = ""


class GovukDateInput(forms.MultiWidget):
    """Day, Month and Year boxes (name_day, name_month, name_year). A single ISO (or dd/mm/yyyy)
    parameter under the field's own name is read too, so ?as_at=2018-04-03 links keep working."""

    def __init__(self, attrs=None):
        boxes = {
            "day": forms.TextInput(attrs={"class": "govuk-input govuk-date-input__input govuk-input--width-2"}),
            "month": forms.TextInput(attrs={"class": "govuk-input govuk-date-input__input govuk-input--width-2"}),
            "year": forms.TextInput(attrs={"class": "govuk-input govuk-date-input__input govuk-input--width-4"}),
        }
        for box in boxes.values():
            box.attrs["inputmode"] = "numeric"
        super().__init__(boxes, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        if isinstance(value, str) and value:
            return split_date_text(value)
        return ["", "", ""]

    def value_from_datadict(self, data, files, name):
        parts = DateParts((data.get(f"{name}_{part}") or "").strip() for part in PARTS)
        if not any(parts) and data.get(name):
            return split_date_text(data.get(name))
        return parts

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)


def split_date_text(text):
    """ "2018-04-03" or "03/04/2018" → DateParts ["3", "4", "2018"]; anything else keeps `raw`."""
    match = ISO_OR_UK.match(str(text))
    if not match:
        parts = DateParts(["", "", ""])
        parts.raw = str(text)
        return parts
    if match.group(1):
        year, month, day = match.group(1, 2, 3)
    else:
        day, month, year = match.group(4, 5, 6)
    return DateParts([day.lstrip("0") or "0", month.lstrip("0") or "0", year])


class GovukDateField(forms.Field):
    """A date typed as Day, Month and Year, with the GOV.UK Design System's error messages. `name`
    is how the messages speak of it ("Revised completion date"). `error_parts` says which boxes to
    mark after a failed clean: all three unless only some are missing."""

    widget = GovukDateInput

    def __init__(self, *, name=None, earliest=EARLIEST, latest=LATEST, **kwargs):
        kwargs.setdefault("help_text", "For example, 27 3 2018")
        super().__init__(**kwargs)
        self.name = name
        self.earliest, self.latest = earliest, latest
        self.error_parts = ()

    def _name(self):
        return self.name or str(self.label or "Date")

    def _fail(self, message, parts=PARTS):
        self.error_parts = tuple(parts)
        raise forms.ValidationError(message, code="invalid")

    def to_python(self, value):
        self.error_parts = ()
        parts = value if isinstance(value, list) else self.widget.decompress(value)
        if getattr(parts, "raw", ""):
            self._fail(f"{self._name()} must be a real date, for example 27 3 2018")
        given = dict(zip(PARTS, (str(p or "").strip() for p in parts), strict=False))
        if not any(given.values()):
            return None
        missing = [part for part in PARTS if not given.get(part)]
        if missing:
            self._fail(f"{self._name()} must include a {' and '.join(missing)}", missing)
        if not all(given[part].isdigit() for part in PARTS):
            self._fail(f"{self._name()} must be a real date")
        if len(given["year"]) != 4:
            self._fail("Year must include 4 numbers", ["year"])
        try:
            date = datetime.date(int(given["year"]), int(given["month"]), int(given["day"]))
        except ValueError:
            self._fail(f"{self._name()} must be a real date")
        if not self.earliest <= date <= self.latest:
            self._fail(
                f"{self._name()} must be between {self.earliest.day} {self.earliest:%B %Y} "
                f"and {self.latest.day} {self.latest:%B %Y}"
            )
        return date

    def validate(self, value):
        if value is None and self.required:
            self.error_parts = PARTS
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != initial
        except forms.ValidationError:
            return True


def date_boxes(bound_field):
    """The three boxes of a GovukDateField for the template: (part, label, id, name, value, css)."""
    widget = bound_field.field.widget
    value = bound_field.value()
    values = value if isinstance(value, list) else widget.decompress(value)
    marked = set(bound_field.field.error_parts) if bound_field.errors else set()
    boxes = []
    for part, box, typed in zip(PARTS, widget.widgets, values, strict=False):
        css = box.attrs["class"] + (" govuk-input--error" if part in marked else "")
        boxes.append(
            (part, part.title(), f"{bound_field.auto_id}_{part}", f"{bound_field.html_name}_{part}", typed, css)
        )
    return boxes


def date_params(form, query):
    """For a GET form whose dates came as Day/Month/Year boxes in `query`: the query with each such
    date as one ISO parameter (?as_at=2018-04-03), so the address stays short and shareable; else None.
    Dates with errors are left as typed, for the form to show them."""
    if not form.is_bound:
        return None
    form.is_valid()
    data = query.copy()
    changed = False
    for name, field in form.fields.items():
        if not isinstance(field, GovukDateField):
            continue
        key = form.add_prefix(name)
        if name in form.errors:
            continue
        if any(f"{key}_{part}" in data for part in PARTS):
            changed = True
            for part in PARTS:
                data.pop(f"{key}_{part}", None)
            data.pop(key, None)
            if form.cleaned_data.get(name):
                data[key] = form.cleaned_data[name].isoformat()
    return data.urlencode() if changed else None


# -- Forms -------------------------------------------------------------------------------------------


class GovukFormMixin:
    """GOV.UK Frontend classes on every widget, and error messages in the GOV.UK style instead of
    Django's ("Enter a progress narrative", not "This field is required."). A form may name each
    field's message in `required_messages`; otherwise "Enter …"/"Select …" is built from the label."""

    # First match wins, so subclasses come before their bases (checkboxes are a kind of radios).
    widget_classes = {
        GovukDateInput: None,
        forms.Textarea: "govuk-textarea",
        forms.Select: "govuk-select",
        forms.NumberInput: "govuk-input govuk-input--width-3",
        forms.ClearableFileInput: "govuk-file-upload",
        forms.TextInput: "govuk-input",
        forms.PasswordInput: "govuk-input",
        forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
        forms.RadioSelect: "govuk-radios__input",
        forms.CheckboxInput: "govuk-checkboxes__input",
    }
    required_messages = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            for widget_type, css in self.widget_classes.items():
                if isinstance(field.widget, widget_type):
                    if css:
                        field.widget.attrs.setdefault("class", css)
                    break
            field.error_messages.update(self._messages_for(name, field))

    def _messages_for(self, name, field):
        label = str(field.label or name.replace("_", " ")).removesuffix(" (optional)")
        chooses = isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.ModelMultipleChoiceField)
        noun = label[0].lower() + label[1:] if label else label
        choose = self.required_messages.get(name) or f"Select {noun} from the list"
        messages = {
            "required": self.required_messages.get(name) or (f"Select {noun}" if chooses else f"Enter {noun}"),
            "invalid_choice": choose,
            "invalid_pk_value": choose,
            "invalid_list": choose,
        }
        if isinstance(field, forms.IntegerField | forms.DecimalField):
            messages["invalid"] = f"{label} must be a number"
            low, high = field.min_value, field.max_value
            if low is not None and high is not None:
                messages["min_value"] = messages["max_value"] = f"{label} must be between {low} and {high}"
            elif low is not None:
                messages["min_value"] = f"{label} must be {low} or more"
            elif high is not None:
                messages["max_value"] = f"{label} must be {high} or less"
            messages["max_digits"] = messages["max_decimal_places"] = messages["max_whole_digits"] = (
                f"{label} must be a number with fewer digits"
            )
        if isinstance(field, forms.CharField) and field.max_length:
            messages["max_length"] = f"{label} must be {field.max_length:,} characters or fewer"
        return messages


def error_target(bound_field):
    """The id an error summary link points at: the first radio or checkbox of a group, the first
    marked box of a date, else the field itself (GOV.UK: the link moves focus to what needs fixing)."""
    field = bound_field.field
    if isinstance(field, GovukDateField):
        part = next((p for p in PARTS if p in field.error_parts), "day")
        return f"{bound_field.auto_id}_{part}"
    if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{bound_field.auto_id}_0"
    return bound_field.id_for_label or bound_field.auto_id


# -- The header's sections -----------------------------------------------------------------------

# Which header section each page belongs to, by URL namespace and name (namespace alone for a
# whole app); the section is marked as current in the service navigation.
SECTIONS = {
    "actionplan:dashboard": "dashboard",
    "actionplan:action_list": "actions",
    "actionplan:action": "actions",
    "actionplan:add_update": "actions",
    "actionplan:edit_action": "actions",
    "actionplan:correct_update": "actions",
    "actionplan:my_actions": "my_actions",
    "actionplan:sign_off_delegates": "my_actions",
    "actionplan:sign_off": "my_actions",
    "actionplan:record_decision": "actions",
    "actionplan:exception_report": "partnerships",
    "actionplan:round_list": "rounds",
    "actionplan:round": "rounds",
    "actionplan:open_round": "rounds",
    "actionplan": "plans",
    "partnerships": "partnerships",
    "indicators": "indicators",
    "help": "help",
}


def navigation(request):
    """Context processor: `section`, the header section the current page belongs to."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return {"section": ""}
    return {"section": SECTIONS.get(match.view_name) or SECTIONS.get(match.namespace, "")}
