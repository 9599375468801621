"""{% load govuk %}: GOV.UK Frontend markup shared by every app's templates (see config/presentation.py)."""

from django import forms, template
from django.utils.safestring import mark_safe

from config import presentation

register = template.Library()

ERROR_CLASSES = {
    forms.Textarea: "govuk-textarea--error",
    forms.Select: "govuk-select--error",
    forms.ClearableFileInput: "govuk-file-upload--error",
    forms.TextInput: "govuk-input--error",
    forms.NumberInput: "govuk-input--error",
    forms.PasswordInput: "govuk-input--error",
}


@register.filter
def widget(bound_field):
    """The field's widget, marked as in error when it is (GOV.UK's red border)."""
    if not bound_field.errors:
        return bound_field.as_widget()
    css = bound_field.field.widget.attrs.get("class", "")
    for widget_type, error_css in ERROR_CLASSES.items():
        if isinstance(bound_field.field.widget, widget_type):
            css = f"{css} {error_css}".strip()
            break
    return bound_field.as_widget(attrs={"class": css})


@register.filter
def is_date(bound_field):
    return isinstance(bound_field.field, presentation.GovukDateField)


@register.filter
def date_boxes(bound_field):
    return presentation.date_boxes(bound_field)


@register.filter
def error_target(bound_field):
    return presentation.error_target(bound_field)


@register.simple_tag
def tag(label, value="", colour=None):
    return presentation.tag(label, value, colour)


@register.simple_tag
def count_cell(count, url="", rag=""):
    return mark_safe(presentation.count_cell(count, url, rag))
