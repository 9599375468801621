"""The action list's filters. They work on Action.objects.with_rag(on), so RAG, delivery status,
staleness and slippage mean exactly what the dashboard counted."""

import django_filters
from django import forms
from django.db.models import Q
from django_filters.fields import ModelChoiceField

from actionplan.models import Action, Owner, Plan, StrategicPriority, UpdateRound
from actionplan.status import RAG, DeliveryStatus, ReturnStatus
from config.presentation import GovukDateField, GovukFormMixin
from partnerships.models import Organisation, Partnership


class ActionFilterForm(GovukFormMixin, forms.Form):
    required_messages = {
        "accountable": "Enter the initials or group name of someone accountable, as suggested",
        "responsible": "Enter the initials or group name of someone responsible, as suggested",
        "plan": "Select a plan from the list",
        "board": "Select a board from the list",
        "priority": "Select a strategic priority from the list",
        "organisation": "Select an organisation from the list",
        "rag": "Select RAG statuses from the list",
        "status": "Select delivery statuses from the list",
        "round": "Select an update round from the list",
        "return_status": "Select return statuses from the list",
    }


class OwnerChoiceField(ModelChoiceField):
    """An owner typed as a person would: initials in any case ("kt") or a name ("Kate Terroni"),
    read by OwnerQuerySet.identified_by (exact initials first: "DHa" and "DHe" are two people)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        found = self.queryset.identified_by(value)
        if len(found) > 1:
            names = " or ".join(f"{owner.code} ({owner.name})" for owner in found)
            raise forms.ValidationError(f"“{value}” could be {names}: enter the initials as written", code="ambiguous")
        if not found:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found[0]


class OwnerFilter(django_filters.ModelChoiceFilter):
    field_class = OwnerChoiceField


class DateFilter(django_filters.DateFilter):
    """Due between: typed as Day, Month and Year; ?due_from=2018-04-01 is read too."""

    field_class = GovukDateField


def _visible_plans(request):
    """The plans this reader may read (Plan.objects.readable_by: signed in, those shared with
    them; the API without a token, the published ones), read once per request and given by id:
    the owners, organisations and priorities offered are then found from those plans' rows by
    index (ActionQuerySet.visible_to says why)."""
    if request is None:
        return Plan.objects.none()
    if request.user.is_authenticated and request.user.is_superuser:
        return Plan.objects.all()
    if not hasattr(request, "readable_plan_ids"):
        request.readable_plan_ids = list(Plan.objects.readable_by(request.user).values_list("pk", flat=True))
    return Plan.objects.filter(pk__in=request.readable_plan_ids)


def _visible_priorities(request):
    return StrategicPriority.objects.filter(plan__in=_visible_plans(request)).select_related("plan")


def _visible_rounds(request):
    if request is None:
        return UpdateRound.objects.none()
    return UpdateRound.objects.visible_to(request.user).select_related("meeting__partnership")


def visible_owners(request):
    """Owners named in the plans this reader may see: the only ones the filters offer or accept."""
    return Owner.objects.named_in(_visible_plans(request))


def _visible_organisations(request):
    plans = _visible_plans(request)
    listed = Plan.organisations.through.objects.filter(plan__in=plans).values("organisation")
    named = Owner.objects.named_in(plans).values("organisation")
    return Organisation.objects.filter(Q(pk__in=listed) | Q(pk__in=named))


class ActionFilter(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(queryset=_visible_plans, to_field_name="slug", empty_label="All plans")
    # A board's plans and its sub-boards' (a board's profile links its RAG counts here).
    board = django_filters.ModelChoiceFilter(
        queryset=Partnership.objects.order_by("name"),
        to_field_name="slug",
        method="filter_board",
        label="Assured by",
        empty_label="Any board",
        help_text="The board, or a board that reports to it",
    )
    priority = django_filters.ModelChoiceFilter(
        queryset=_visible_priorities, label="Strategic priority", empty_label="All priorities"
    )
    # distinct=False: each is a condition on the action's own annotations, so no row can repeat,
    # and SELECT DISTINCT over every column before the LIMIT made the list several times slower.
    rag = django_filters.MultipleChoiceFilter(
        choices=RAG.choices, label="RAG", widget=forms.CheckboxSelectMultiple, distinct=False
    )
    status = django_filters.MultipleChoiceFilter(
        field_name="delivery_status",
        choices=DeliveryStatus.choices,
        label="Delivery status",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    # Typed (initials or group name, suggested from a list) rather than a select of every owner.
    accountable = OwnerFilter(
        queryset=visible_owners,
        method="filter_accountable",
        widget=forms.TextInput(attrs={"list": "owner-codes", "class": "govuk-input govuk-input--width-20"}),
        help_text="Initials, name or group name, for example KT, Kate Terroni or Chief Executives",
    )
    responsible = OwnerFilter(
        queryset=visible_owners,
        method="filter_responsible",
        widget=forms.TextInput(attrs={"list": "owner-codes", "class": "govuk-input govuk-input--width-20"}),
    )
    organisation = django_filters.ModelChoiceFilter(
        queryset=_visible_organisations,
        to_field_name="code",
        method="filter_organisation",
        label="Responsible organisation",
        empty_label="Any organisation",
    )
    due_from = DateFilter(
        field_name="current_due_date", lookup_expr="gte", label="Due on or after", name="The earliest due date"
    )
    due_to = DateFilter(
        field_name="current_due_date", lookup_expr="lte", label="Due on or before", name="The latest due date"
    )
    stale = django_filters.BooleanFilter(
        field_name="is_stale", widget=forms.CheckboxInput, label="Stale (no recent update)", method="filter_stale"
    )
    slipped = django_filters.BooleanFilter(
        widget=forms.CheckboxInput,
        label="Slipped (not complete, revised date later than the original)",
        method="filter_slipped",
    )
    # An update round's actions and where each stands in it (ReturnRules): the round page's links.
    round = django_filters.ModelChoiceFilter(
        queryset=_visible_rounds, method="filter_round", label="Update round", empty_label="Any"
    )
    return_status = django_filters.MultipleChoiceFilter(
        choices=ReturnStatus.choices,
        method="filter_return_status",
        label="In the round",
        widget=forms.CheckboxSelectMultiple,
    )
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        help_text="Words from the code, title, description, progress, or an owner's initials or name",
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("plan__title", "plan"),
            ("position", "code"),
            ("current_due_date", "due"),
            ("rag", "rag"),
            ("delivery_status", "status"),
            ("last_reported_on", "updated"),
        ),
        field_labels={"position": "Code", "current_due_date": "Due date", "last_reported_on": "Last update"},
    )

    class Meta:
        model = Action
        fields = []
        form = ActionFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Priorities of the chosen plan only: every plan's would be hundreds to choose from.
        chosen = self.data.get("plan")
        priorities = self.filters["priority"]
        priorities.queryset = (
            _visible_priorities(self.request).filter(plan__slug=chosen) if chosen else StrategicPriority.objects.none()
        )
        self.form.fields["priority"].queryset = priorities.queryset
        if not chosen:
            self.form.fields["priority"].help_text = "Choose a plan first"

    @property
    def qs(self):
        """The filtered actions; none at all when any filter is invalid (plan=nonexistent,
        rag=purple): the page shows the error, never the unfiltered list, and exports nothing."""
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return super().qs

    def filter_board(self, queryset, name, board):
        return queryset.filter(plan__board__in=Partnership.objects.family_ids(board))

    def filter_accountable(self, queryset, name, owner):
        return queryset.accountable_is(owner)

    def filter_responsible(self, queryset, name, owner):
        return queryset.responsible_is(owner)

    def filter_organisation(self, queryset, name, organisation):
        return queryset.responsible_organisation_is(organisation)

    def filter_stale(self, queryset, name, value):
        return queryset.exceptions("stale") if value else queryset

    def filter_slipped(self, queryset, name, value):
        return queryset.exceptions("slipped") if value else queryset

    def filter_round(self, queryset, name, update_round):
        return queryset.in_round(update_round).with_return_status(update_round)

    def filter_return_status(self, queryset, name, statuses):
        # Only within a round (filter_round comes first); without one, nothing rather than everything.
        if "return_status" not in queryset.query.annotations:
            return queryset.none()
        return queryset.returned_as(statuses)

    def search(self, queryset, name, text):
        return queryset.matching(text)
