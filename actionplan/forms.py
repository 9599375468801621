import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from actionplan.completion_dates import MalformedDate, parse_completion_date
from actionplan.models import Action, Owner, Plan, ProgressUpdate
from actionplan.status import RAG
from config.presentation import GovukDateField, GovukFormMixin

# A progress narrative is read on a phone and in board papers: long enough for a full account,
# short enough to be read. The hint states it; the form holds it.
NARRATIVE_MAX_LENGTH = 5000
NARRATIVE_HINT = (
    f"What has happened since the last update, and what happens next. Up to {NARRATIVE_MAX_LENGTH:,} characters."
)


class ProgressUpdateForm(GovukFormMixin, forms.ModelForm):
    # The action's version when the page was loaded: a later save by someone else is a conflict.
    version = forms.IntegerField(widget=forms.HiddenInput)
    narrative = forms.CharField(
        label="Progress",
        max_length=NARRATIVE_MAX_LENGTH,
        help_text=NARRATIVE_HINT,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    percent_complete = forms.IntegerField(
        label="Percentage complete (optional)",
        required=False,
        min_value=0,
        max_value=100,
        help_text="A whole number from 0 to 100.",
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-3", "inputmode": "numeric"}),
    )
    revised_due_date = GovukDateField(
        label="Revised completion date (optional)",
        name="Revised completion date",
        required=False,
        help_text="Only if the action will not finish by its current date. The original date is kept. "
        "For example, 30 9 2018",
    )
    # A revised date on or before the day of the update is only the date it was in fact delivered.
    # (The label names no RAG status, not even within a word: "delivered" would be found as "Red".)
    delivered_late = forms.BooleanField(
        label="It was already done, late: finished on the revised completion date",
        required=False,
        help_text="Already delivered late? Give the date it was delivered as the revised completion date, "
        "choose Complete, and give the reason it was late.",
    )
    required_messages = {"rag": "Select a RAG status", "narrative": "Enter a progress narrative"}

    class Meta:
        model = ProgressUpdate
        fields = ["rag", "narrative", "percent_complete", "revised_due_date", "revision_reason"]
        widgets = {
            "rag": forms.RadioSelect,
            "revision_reason": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"rag": "RAG status"}
        help_texts = {"revision_reason": "Required with a revised date: why the date has moved."}

    def __init__(self, *args, on, **kwargs):
        """`on`: the day of the update (today, read by the view)."""
        super().__init__(*args, **kwargs)
        self.on = on
        self.fields["rag"].required = True
        self.fields["rag"].choices = RAG.choices
        self.fields["percent_complete"].error_messages["invalid"] = "Percentage complete must be a whole number"

    def clean(self):
        cleaned = super().clean()
        revised, reason = cleaned.get("revised_due_date"), cleaned.get("revision_reason", "").strip()
        if revised and not reason:
            self.add_error("revision_reason", "Give a reason for the revised completion date.")
        if reason and not revised and "revised_due_date" not in self.errors:
            self.add_error("revised_due_date", "Enter the revised completion date, or remove the reason.")
        if cleaned.get("delivered_late") and not revised and "revised_due_date" not in self.errors:
            self.add_error("revised_due_date", "Enter the date it was delivered as the revised completion date.")
        if revised and revised <= self.on:
            self._check_delivered_late(cleaned)
        return cleaned

    def _check_delivered_late(self, cleaned):
        """A revised date not after the update's day is refused unless the officer says the action
        was delivered, late, on it: then it is Complete, on that day."""
        on = f"{self.on.day} {self.on:%B %Y}"
        if not cleaned.get("delivered_late"):
            self.add_error(
                "revised_due_date",
                f"The revised completion date must be after today ({on}), or tick that it was already done, "
                "late (delivered late)",
            )
        elif cleaned.get("rag") and cleaned["rag"] != RAG.COMPLETE:
            self.add_error("rag", "Select Complete: the action has already been delivered")

    def update_fields(self):
        fields = {name: self.cleaned_data[name] for name in self._meta.fields}
        if self.cleaned_data.get("delivered_late"):
            fields["completed_on"] = self.cleaned_data["revised_due_date"]
        return fields


class CorrectionForm(GovukFormMixin, forms.Form):
    narrative = forms.CharField(
        label="Progress",
        max_length=NARRATIVE_MAX_LENGTH,
        help_text=NARRATIVE_HINT,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    required_messages = {"narrative": "Enter a progress narrative"}


class ActionForm(GovukFormMixin, forms.ModelForm):
    """What a plan admin may change on an action."""

    required_messages = {
        "title": "Enter the action's title",
        "accountable": "Select who is accountable from the list",
        "responsible": "Select who is responsible from the list",
        "delegates": "Select the users to delegate to from the list",
    }

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
            "completion_date_text": 'As the plan writes it: "19/07/18 (HWB)", "May 2018", or text such as "TBC". '
            "Day dates are read day first.",
            "delegates": "Users, besides the owners, who may add progress updates to this action.",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only people of the plans this admin administers (and whoever the action names now):
        # never a list of everyone in every plan.
        plans = Plan.objects.administered_by(user)
        action = self.instance
        named = Owner.objects.named_in(plans)
        owners = Owner.objects.filter(Q(pk__in=named) | Q(accountable_for=action) | Q(responsible_for=action))
        self.fields["accountable"].queryset = owners.distinct().order_by("kind", "code")
        self.fields["responsible"].queryset = owners.distinct().order_by("kind", "code")
        users = get_user_model().objects.filter(is_active=True)
        if not user.is_superuser:
            users = users.filter(Q(plan_memberships__plan__in=plans) | Q(owner__in=named) | Q(delegated_actions=action))
        self.fields["delegates"].queryset = users.distinct().order_by("username")
        self.completion = None

    def clean_completion_date_text(self):
        text = " ".join(self.cleaned_data["completion_date_text"].split())
        try:
            self.completion = parse_completion_date(text)
        except MalformedDate as error:
            raise forms.ValidationError(str(error)) from None
        return text

    def clean(self):
        cleaned = super().clean()
        # A key action is someone's: a sub-action may name nobody (it has its key action's owners).
        named = ("accountable", "responsible")
        if self.instance.parent_id is None and not any(self.errors.get(n) for n in named):
            if not cleaned.get("accountable") and not cleaned.get("responsible"):
                self.add_error("accountable", "Select at least one owner who is accountable or responsible")
        return cleaned


class PlanUploadForm(GovukFormMixin, forms.Form):
    """A plan spreadsheet (or plan file) to preview before it is imported."""

    file = forms.FileField(
        label="Plan file",
        help_text="The plan spreadsheet template (.xlsx or .csv), or a plan file (.yaml, .json). Up to 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.yaml,.yml,.json"}),
        error_messages={"required": "Select a plan file", "empty": "The selected file is empty"},
    )

    def clean_file(self):
        from actionplan.importers import PLAN_SUFFIXES
        from actionplan.uploads import MAX_BYTES

        uploaded = self.cleaned_data["file"]
        suffix = "." + uploaded.name.rsplit(".", 1)[-1].lower() if "." in uploaded.name else ""
        if suffix not in PLAN_SUFFIXES:
            raise forms.ValidationError("The file must be a spreadsheet (.xlsx, .csv) or a plan file (.yaml, .json).")
        if uploaded.size > MAX_BYTES:
            raise forms.ValidationError("The file must be smaller than 5 MB.")
        return uploaded


class ExceptionReportForm(GovukFormMixin, forms.Form):
    """What a board's exception report is as at: a date for actions, a quarter for outcomes and
    indicators. Both optional: today, and the latest quarter with outcome ratings."""

    on = GovukDateField(
        label="Actions as at",
        name="The date for actions",
        required=False,
        help_text="For example, 19 7 2018. Leave blank for today.",
    )
    period = forms.ModelChoiceField(
        label="Outcomes and indicators for",
        required=False,
        to_field_name="label",
        queryset=None,
        empty_label="Latest rated quarter",
    )

    required_messages = {"period": "Select a quarter from the list"}

    def __init__(self, *args, **kwargs):
        from indicators.models import Period

        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = Period.objects.with_outcome_ratings().order_by("-end")


class AsAtForm(GovukFormMixin, forms.Form):
    """?as_at=YYYY-MM-DD: see the plans as they stood on that day (default today)."""

    as_at = GovukDateField(
        required=False,
        label="As at",
        name="The as at date",
        help_text="See the position as it stood on this date. For example, 1 4 2018",
    )

    def date(self):
        """The date asked for, or today when none (or an invalid one) was given."""
        if self.is_valid() and self.cleaned_data["as_at"]:
            return self.cleaned_data["as_at"]
        return timezone.localdate()


class BoardReportForm(GovukFormMixin, forms.Form):
    """The report's date: a meeting of the assuring board, or any date; and the previous report's."""

    required_messages = {"meeting": "Select a board meeting from the list"}
    meeting = forms.TypedChoiceField(
        required=False, label="For the board meeting of", coerce=datetime.date.fromisoformat, empty_value=None
    )
    as_at = GovukDateField(required=False, label="Or position as at", name="The report date")
    since = GovukDateField(
        required=False,
        label="Changes since",
        name="The previous report date",
        help_text="Default: the board's previous meeting. For example, 15 11 2018",
    )

    def __init__(self, plan, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.meetings = list(plan.board.meetings.order_by("date")) if plan.board_id else []
        self.fields["meeting"].choices = [("", "Choose a meeting")] + [
            (m.date.isoformat(), f"{m.date.day} {m.date:%B %Y}") for m in self.meetings
        ]

    def clean(self):
        cleaned = super().clean()
        as_at = cleaned.get("meeting") or cleaned.get("as_at")
        if as_at and cleaned.get("since") and cleaned["since"] >= as_at:
            self.add_error("since", "The previous report date must be before the report date.")
        return cleaned

    def dates(self):
        """(as_at, since): the chosen date (default today) and the previous meeting before it."""
        cleaned = self.cleaned_data if self.is_valid() else {}
        as_at = cleaned.get("meeting") or cleaned.get("as_at") or timezone.localdate()
        earlier = [m.date for m in self.meetings if m.date < as_at]
        since = cleaned.get("since") or (
            earlier[-1] if earlier else as_at - datetime.timedelta(days=DEFAULT_REPORT_INTERVAL)
        )
        return as_at, since


# Where a board has no earlier meeting on record, "since the last report" means this many days.
DEFAULT_REPORT_INTERVAL = 28


# -- Update rounds, sign-off and the board's decisions --------------------------------------------


class RoundForm(GovukFormMixin, forms.Form):
    """Opening an update round for a board meeting: the plans (default: every one the board
    assures, through its sub-boards, that the user may include), the opening date, the deadline
    (default: 10 working days before the meeting, England's bank holidays excluded) and a message."""

    plans = forms.ModelMultipleChoiceField(
        queryset=Plan.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Plans in the round",
        help_text="Every action of these plans that is not complete on the opening date is asked for an update.",
    )
    opens_on = GovukDateField(
        label="Opening date",
        name="The opening date",
        help_text="The request goes to officers on this day. For example, 18 10 2018",
    )
    deadline = GovukDateField(
        label="Deadline",
        name="The deadline",
        help_text="10 working days before the meeting unless you change it (bank holidays are not working days).",
    )
    message = forms.CharField(
        label="Message to officers (optional)",
        required=False,
        max_length=NARRATIVE_MAX_LENGTH,
        help_text="Sent with the request, for example what the board will focus on.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    required_messages = {"plans": "Select at least one plan", "opens_on": "Enter the opening date"}

    def __init__(self, *args, meeting, plans, **kwargs):
        from actionplan.models import UpdateRound

        kwargs.setdefault(
            "initial",
            {
                "plans": list(plans),
                "opens_on": timezone.localdate(),
                "deadline": UpdateRound.default_deadline(meeting.date),
            },
        )
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["plans"].queryset = plans

    def clean(self):
        cleaned = super().clean()
        opens_on, deadline = cleaned.get("opens_on"), cleaned.get("deadline")
        if deadline and deadline > self.meeting.date:
            self.add_error("deadline", "The deadline must be on or before the meeting.")
        elif opens_on and deadline and deadline <= opens_on:
            self.add_error("deadline", "The deadline must be after the opening date.")
        return cleaned


class SignOffForm(GovukFormMixin, forms.Form):
    """The accountable owner's answer to an update: sign it off, or return it with a comment."""

    SIGN_OFF, RETURN = "sign_off", "return"

    answer = forms.ChoiceField(
        label="Your answer",
        choices=[(SIGN_OFF, "Sign off this update"), (RETURN, "Return it to the officer for changes")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=NARRATIVE_MAX_LENGTH,
        help_text="Needed when you return the update: say what should change. The officer sees it.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # When the author last corrected the update, as the signer read it: a later correction means
    # they have not read what they would sign off.
    seen = forms.CharField(widget=forms.HiddenInput, required=False)
    required_messages = {"answer": "Select whether to sign off the update or return it"}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("answer") == self.RETURN and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Enter a comment saying what should change")
        return cleaned

    def returning(self):
        return self.cleaned_data["answer"] == self.RETURN


class DecisionForm(GovukFormMixin, forms.Form):
    """A board decision on an action, taken at a meeting, with the minute reference as written."""

    meeting = forms.ModelChoiceField(queryset=None, label="Meeting", empty_label="Choose a meeting")
    kind = forms.ChoiceField(label="Decision", widget=forms.RadioSelect)
    minute_reference = forms.CharField(
        label="Minute reference (optional)",
        required=False,
        max_length=100,
        help_text="As the minutes write it, for example 23/18.",
    )
    revised_due_date = GovukDateField(
        label="Revised completion date",
        name="The revised completion date",
        required=False,
        help_text="Only when accepting a revised date. The original date is kept. For example, 31 3 2019",
    )
    escalated_to = forms.ModelChoiceField(
        queryset=None,
        label="Escalated to",
        required=False,
        empty_label="Choose a board",
        help_text="Only when escalating.",
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=NARRATIVE_MAX_LENGTH,
        help_text="Needed for a note; anything else the board said.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    required_messages = {"meeting": "Select the meeting the decision was taken at", "kind": "Select the decision"}

    def __init__(self, *args, meetings, **kwargs):
        from actionplan.models import BoardDecision
        from partnerships.models import Partnership

        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["meeting"].label_from_instance = lambda meeting: (
            f"{meeting} ({meeting.kind})" if meeting.kind else str(meeting)
        )
        self.fields["kind"].choices = BoardDecision.Kind.choices
        self.fields["escalated_to"].queryset = Partnership.objects.order_by("name")

    def clean(self):
        from actionplan.models import BoardDecision

        cleaned = super().clean()
        kind = cleaned.get("kind")
        if (
            kind == BoardDecision.Kind.REVISED_DATE
            and not cleaned.get("revised_due_date")
            and "revised_due_date" not in self.errors
        ):
            self.add_error("revised_due_date", "Enter the revised completion date the board accepted")
        if kind == BoardDecision.Kind.ESCALATE:
            board, meeting = cleaned.get("escalated_to"), cleaned.get("meeting")
            if board is None:
                self.add_error("escalated_to", "Select the board it was escalated to")
            elif meeting is not None and board.pk == meeting.partnership_id:
                self.add_error("escalated_to", "Select a board other than the one that met")
        if kind == BoardDecision.Kind.NOTE and not cleaned.get("note", "").strip():
            self.add_error("note", "Enter what the board noted")
        return cleaned


class SignOffDelegateForm(GovukFormMixin, forms.Form):
    """An accountable owner names someone to sign off updates for them."""

    username = forms.CharField(
        label="Username of your delegate",
        max_length=150,
        help_text="Someone with a role in one of the plans you are accountable in.",
    )

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner

    def clean_username(self):
        from actionplan.models import Action

        username = self.cleaned_data["username"].strip()
        plans = Action.objects.accountable_to(self.owner.user).values("plan")
        user = (
            get_user_model()
            .objects.filter(username=username, is_active=True, plan_memberships__plan__in=plans)
            .exclude(pk=self.owner.user_id)
            .first()
        )
        if user is None:
            raise forms.ValidationError("Enter the username of someone else with a role in one of your plans")
        return user
