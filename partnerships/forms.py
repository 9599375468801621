from django import forms

from partnerships import sections
from partnerships.importers import DATED_TEXT_FIELDS, MalformedDate, dates_in
from partnerships.models import Partnership


class SectionField(forms.CharField):
    """A profile section edited as plain text: "## " headings, "- " and "1. " list items."""

    widget = forms.Textarea(attrs={"rows": 12, "cols": 100})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "Paragraphs separated by blank lines; “## ” starts a sub-heading; “- ” a bulleted item and "
            "“1. ” a numbered one, indented two spaces per level for a list under an item.",
        )
        super().__init__(strip=False, **kwargs)

    def prepare_value(self, value):
        return sections.to_text(value) if isinstance(value, list) else value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        try:
            return sections.from_text(super().to_python(value))
        except sections.SectionError as error:
            raise forms.ValidationError(str(error)) from None


class LinesField(forms.CharField):
    """A list of short texts, one per line."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 80})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        return [" ".join(line.split()) for line in (super().to_python(value) or "").splitlines() if line.strip()]


class PartnershipAdminForm(forms.ModelForm):
    chairs = LinesField(help_text="Chair or co-chairs as the papers write them, one per line.")
    other_names = LinesField(help_text="Other names the papers use for this board, one per line.")
    membership = SectionField()
    governance = SectionField(label="Governance arrangements")
    current_focus = SectionField()
    key_achievements = SectionField()
    aims = SectionField(label="Aims for the year ahead")
    key_challenges = SectionField()

    class Meta:
        model = Partnership
        # The dates derived from the as-written texts are set in clean(), not typed.
        fields = [
            "slug",
            "name",
            "short_name",
            "other_names",
            "statutory",
            "parent",
            "position",
            "summary",
            "profile_completed_text",
            "chairs",
            "vice_chair",
            "chair_note",
            "lead_member",
            "lead_officer",
            "last_meeting_text",
            "next_meeting_text",
            "website",
            "website_note",
            "governance",
            "current_focus",
            "key_achievements",
            "aims",
            "key_challenges",
            "membership",
            "source",
        ]

    def clean(self):
        cleaned = super().clean()
        # The dates beside the texts are derived by the same rule as the importer's.
        for text_field, date_field, pick in DATED_TEXT_FIELDS.values():
            try:
                dates = dates_in(cleaned.get(text_field, ""))
            except MalformedDate as error:
                self.add_error(text_field, str(error))
                continue
            setattr(self.instance, date_field, pick(dates) if dates else None)
        parent = cleaned.get("parent")
        while parent is not None and self.instance.pk:
            if parent.pk == self.instance.pk:
                self.add_error("parent", "A board cannot report to itself or to one of its own sub-boards.")
                break
            parent = parent.parent
        return cleaned
