import re

from django import forms

from config.presentation import GovukFormMixin
from indicators.models import OUTLOOK_KEY, OUTLOOK_SYMBOLS, IndicatorRag, IndicatorValue, Outlook, Period
from indicators.periods import BadPeriod, parse_period

# "1,234" or "1,234,567.5": commas between groups of three digits, as people write big numbers.
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


class WrittenNumberField(forms.DecimalField):
    """A number as people write it: "1,234" is 1234 and "12.5%" is 12.5 (the unit is the
    indicator's; "Actual as you would write it" keeps the wording)."""

    def to_python(self, value):
        if isinstance(value, str):
            text = value.strip()
            text = text.removesuffix("%").strip()
            value = text.replace(",", "") if THOUSANDS.match(text) else text
        return super().to_python(value)


class IndicatorValueForm(GovukFormMixin, forms.Form):
    """A new period's value and narrative for one indicator, entered by an officer."""

    period = forms.CharField(
        max_length=50,
        help_text="A quarter (Q3 2017-18), a financial year (2017-18), a month (July 2024) or 12 months to a month.",
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-20", "spellcheck": "false"}),
    )
    actual = WrittenNumberField(
        label="Actual value (optional)",
        required=False,
        max_digits=16,
        decimal_places=4,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-10", "inputmode": "decimal"}),
        help_text="A number, for example 1,234 or 12.5%.",
    )
    actual_text = forms.CharField(
        label="Actual as you would write it (optional)",
        required=False,
        max_length=200,
        help_text='For example "over 88%" or "18 social care delays at the end of the month".',
        widget=forms.TextInput,
    )
    reported_rag = forms.ChoiceField(
        label="RAG rating",
        required=False,
        choices=[("", "Work it out from the target"), *IndicatorRag.choices],
        widget=forms.RadioSelect,
        help_text="Your rating is shown as reported; where it differs from the target rule, the difference is shown.",
    )
    outlook = forms.ChoiceField(
        label="Outlook",
        required=False,
        choices=[("", "Not given")] + [(o.value, f"{OUTLOOK_SYMBOLS[o]} {OUTLOOK_KEY[o]}") for o in Outlook],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Narrative",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the figure means, why it has changed and what is being done.",
    )

    required_messages = {
        "period": "Enter the period",
        "reported_rag": "Select a RAG rating from the list",
        "outlook": "Select an outlook from the list",
    }

    def __init__(self, *args, indicator, on, **kwargs):
        """`on`: the day the value is entered (today, read by the view)."""
        super().__init__(*args, **kwargs)
        self.indicator, self.on = indicator, on

    def clean_period(self):
        try:
            spec = parse_period(self.cleaned_data["period"])
        except BadPeriod as error:
            raise forms.ValidationError(f"Enter a period we can read: {error}") from None
        if spec.start > self.on:
            raise forms.ValidationError(
                f"{spec.label} has not started yet (it starts on {spec.start.day} {spec.start:%B %Y}): "
                "enter a value for a period that has begun"
            )
        if IndicatorValue.objects.filter(indicator=self.indicator, period__label=spec.label).exists():
            raise forms.ValidationError(f"{self.indicator.title} already has a value for {spec.label}.")
        return spec

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("actual") is None and not cleaned.get("reported_rag") and "actual" not in self.errors:
            raise forms.ValidationError("Enter the actual value, or choose a RAG rating, or both.")
        return cleaned

    def save(self, entered_by, entered_at):
        spec = self.cleaned_data["period"]
        period = Period.objects.for_label(spec.label)
        rag = self.cleaned_data["reported_rag"]
        return IndicatorValue.objects.create(
            indicator=self.indicator,
            period=period,
            actual=self.cleaned_data["actual"],
            actual_text=self.cleaned_data["actual_text"],
            reported_rag=rag,
            rag_text=IndicatorRag(rag).label if rag else "",
            outlook=self.cleaned_data["outlook"],
            note=self.cleaned_data["note"],
            source="Entered on the indicator page",
            entered_by=entered_by,
            entered_at=entered_at,
        )
