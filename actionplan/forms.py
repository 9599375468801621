from django import forms
from django.contrib.auth import get_user_model

from actionplan.completion_dates import MalformedDate, parse_completion_date
from actionplan.models import RAG, Action, Owner, ProgressUpdate


class GovukFormMixin:
    """Adds GOV.UK Frontend classes so templates only lay fields out."""

    # First match wins, so subclasses come before their bases (checkboxes are a kind of radios).
    widget_classes = {
        forms.Textarea: "govuk-textarea",
        forms.Select: "govuk-select",
        forms.DateInput: "govuk-input govuk-input--width-10",
        forms.NumberInput: "govuk-input govuk-input--width-3",
        forms.TextInput: "govuk-input",
        forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
        forms.RadioSelect: "govuk-radios__input",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            for widget_type, css in self.widget_classes.items():
                if isinstance(field.widget, widget_type):
                    field.widget.attrs.setdefault("class", css)
                    break


class ProgressUpdateForm(GovukFormMixin, forms.ModelForm):
    # The action's version when the page was loaded: a later save by someone else is a conflict.
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = ProgressUpdate
        fields = ["rag", "narrative", "percent_complete", "revised_due_date", "revision_reason"]
        widgets = {
            "rag": forms.RadioSelect,
            "narrative": forms.Textarea(attrs={"rows": 6}),
            "percent_complete": forms.NumberInput(attrs={"min": 0, "max": 100, "inputmode": "numeric"}),
            "revised_due_date": forms.DateInput(attrs={"type": "date"}),
            "revision_reason": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"narrative": "Progress", "percent_complete": "Percentage complete (optional)",
                  "revised_due_date": "Revised completion date (optional)"}
        help_texts = {
            "narrative": "What has happened since the last update, and what happens next.",
            "revised_due_date": "Only if the action will not finish by its current date. The original date is kept.",
            "revision_reason": "Required with a revised date: why the date has moved.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rag"].required = True
        self.fields["rag"].choices = RAG.choices
        self.fields["narrative"].required = True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("revised_due_date") and not cleaned.get("revision_reason", "").strip():
            self.add_error("revision_reason", "Give a reason for the revised completion date.")
        if cleaned.get("revision_reason", "").strip() and not cleaned.get("revised_due_date"):
            self.add_error("revised_due_date", "Enter the revised completion date, or remove the reason.")
        return cleaned

    def update_fields(self):
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class CorrectionForm(GovukFormMixin, forms.Form):
    narrative = forms.CharField(label="Progress", widget=forms.Textarea(attrs={"rows": 6}))


class ActionForm(GovukFormMixin, forms.ModelForm):
    """What a plan admin may change on an action."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Action
        fields = ["title", "description", "completion_date_text", "accountable", "responsible", "delegates"]
        widgets = {
            "title": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 5}),
            "accountable": forms.CheckboxSelectMultiple,
            "responsible": forms.CheckboxSelectMultiple,
            "delegates": forms.CheckboxSelectMultiple,
        }
        labels = {"completion_date_text": "Completion date (as written)", "delegates": "Delegated to"}
        help_texts = {
            "completion_date_text": 'As the plan writes it: "19/07/18 (HWB)", "May 2018", or text such as "TBC".',
            "delegates": "Users, besides the owners, who may add progress updates to this action.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accountable"].queryset = Owner.objects.order_by("kind", "code")
        self.fields["responsible"].queryset = Owner.objects.order_by("kind", "code")
        self.fields["delegates"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.completion = None

    def clean_completion_date_text(self):
        text = " ".join(self.cleaned_data["completion_date_text"].split())
        try:
            self.completion = parse_completion_date(text)
        except MalformedDate as error:
            raise forms.ValidationError(str(error)) from None
        return text
