"""Dashboard filters. They work on Indicator.objects.for_dashboard(), whose annotations
(current_rag, previous_rag, current_outlook) carry the RAG rule's SQL twin."""

import django_filters
from django import forms

from config.presentation import GovukFormMixin
from indicators.models import CorporatePriority, Directorate, IndicatorRag, Outlook

NO_RAG = "none"


class IndicatorFilterForm(GovukFormMixin, forms.Form):
    required_messages = {
        "directorate": "Select a directorate from the list",
        "priority": "Select a corporate priority from the list",
        "rag": "Select a RAG rating from the list",
        "outlook": "Select an outlook from the list",
    }


class IndicatorFilter(django_filters.FilterSet):
    directorate = django_filters.ModelChoiceFilter(
        queryset=Directorate.objects.all(), to_field_name="slug", empty_label="All directorates"
    )
    priority = django_filters.ModelChoiceFilter(
        field_name="outcome__priority",
        queryset=CorporatePriority.objects.all(),
        to_field_name="slug",
        empty_label="All priorities",
        label="Corporate priority",
    )
    rag = django_filters.ChoiceFilter(
        choices=[*IndicatorRag.choices, (NO_RAG, "No RAG")], method="filter_rag", empty_label="Any RAG", label="RAG"
    )
    outlook = django_filters.ChoiceFilter(
        choices=Outlook.choices, method="filter_outlook", empty_label="Any outlook", label="Outlook"
    )
    changed = django_filters.BooleanFilter(
        method="filter_changed", widget=forms.CheckboxInput, label="Changed RAG since last period"
    )

    def __init__(self, *args, exclude=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in exclude:  # a directorate's own dashboard does not offer to filter by directorate
            del self.filters[name]

    class Meta:
        form = IndicatorFilterForm

    def filter_rag(self, queryset, name, value):
        if value == NO_RAG:
            return queryset.filter(current_rag__isnull=True)
        return queryset.filter(current_rag=value)

    def filter_outlook(self, queryset, name, value):
        return queryset.filter(current_outlook=value)

    def filter_changed(self, queryset, name, value):
        return queryset.rag_changed() if value else queryset
