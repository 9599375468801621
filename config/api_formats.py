"""The API's pagination and its CSV representation (settings.REST_FRAMEWORK names them).

Apart from config/api.py because Django REST Framework imports these while its own views module is
still being imported: this module imports no view.
"""

import csv
import io

from drf_spectacular.drainage import get_override
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import BaseRenderer

from config.spreadsheets import formula_safe


class Pagination(CursorPagination):
    """Pages of `page_size` (100, at most 1000) in a stable order, linked by opaque cursors: a page
    stays right while rows are added. The next and previous pages are also in the Link header, so a
    CSV page can be followed too."""

    ordering = "pk"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        links = [(self.get_next_link(), "next"), (self.get_previous_link(), "prev")]
        if any(url for url, _ in links):
            response["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links if url)
        return response


class CSVRenderer(BaseRenderer):
    """`?format=csv`: the rows of a list (or one object) as CSV, one column per field of the
    resource; a nested object's fields are `object.field`, a list's values are joined with " | ".
    Text that a spreadsheet would run as a formula is escaped (config.spreadsheets.formula_safe)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    JOIN = " | "

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = data["results"] if isinstance(data, dict) and "results" in data else data
        rows = rows if isinstance(rows, list) else [rows]
        response = (renderer_context or {}).get("response")
        view = (renderer_context or {}).get("view")
        serializer_class = getattr(view, "serializer_class", None)
        if serializer_class is not None and (response is None or response.status_code < 400):
            columns = list(_columns(serializer_class().fields))
        else:
            columns = list(dict.fromkeys(key for row in rows for key in _flat_keys(row)))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(_lookup(row, column.split(".")), self.JOIN) for column in columns])
        return out.getvalue().encode(self.charset)


def _columns(fields, prefix=""):
    for name, field in fields.items():
        nested = _described_as(field)
        nested = nested.child if isinstance(nested, serializers.ListSerializer) else nested
        if isinstance(nested, serializers.Serializer):
            yield from _columns(nested.fields, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def _described_as(field):
    """The field, or for a method field the serializer its schema names (extend_schema_field)."""
    if isinstance(field, serializers.SerializerMethodField):
        return get_override(getattr(field.parent, field.method_name), "field", field)
    return field


def _flat_keys(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flat_keys(item, f"{prefix}{key}.") if isinstance(item, dict) else [f"{prefix}{key}"]
    else:
        yield prefix.rstrip(".")


def _lookup(value, path):
    if not path:
        return value
    if isinstance(value, list):
        return [_lookup(item, path) for item in value]
    if isinstance(value, dict):
        return _lookup(value.get(path[0]), path[1:])
    return None


def _cell(value, join):
    if isinstance(value, list):
        return join.join(str(_cell(item, join)) for item in value if item not in (None, ""))
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return formula_safe(value) if isinstance(value, str) else value
