"""Free-text search: each searchable row keeps a search document, a generated column the database
computes on every write (bulk_create and bulk_update included, so imports need no extra step and
no trigger), and a word of the search matches a word of the document that starts with it.

PostgreSQL: the document is a tsvector (to_tsvector with the "simple" configuration: no stemming and
no stop words, so what matches is what was written; words are runs of letters and digits, as on
SQLite) under a GIN index, asked with a prefix query
(`word:*`). SQLite, the embedded default: the document is the lower-cased text, asked with GLOB for
the word at the start of the text or after a character that is not a letter or digit. The two
agree on the seed plans (tests/test_search.py counts both).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler

# At most this many words of a search are used: each is one more condition on every row.
MAX_WORDS = 8

_WORD = re.compile(r"[^\W_]+")

_Sql = tuple[str, Any]


def search_words(text: str) -> list[str]:
    """The words of a search as they are matched: lower case, letters and digits only."""
    return _WORD.findall(str(text).lower())[:MAX_WORDS]


class SearchDocumentField(models.TextField):
    """A generated search document: tsvector on PostgreSQL, lower-cased text elsewhere."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"


class SearchDocument(models.Func):
    """The search document of a row's text `fields`, for a GeneratedField. A word is a run of
    letters and digits on both databases: PostgreSQL's own parser would read addresses, paths and
    dates ("22/03/18") as single tokens, so everything else is made a space first."""

    output_field = SearchDocumentField()

    def _text(self, compiler: SQLCompiler) -> _Sql:
        parts: list[str] = []
        params: list[Any] = []
        for expression in self.get_source_expressions():
            sql, part_params = compiler.compile(expression)
            parts.append(f"COALESCE({sql}, '')")
            params.extend(part_params)
        return " || ' ' || ".join(parts), params

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> _Sql:
        text, params = self._text(compiler)
        return f"to_tsvector('simple'::regconfig, regexp_replace({text}, '[^[:alnum:]]+', ' ', 'g'))", params

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> _Sql:  # type: ignore[override]
        text, params = self._text(compiler)
        return f"LOWER({text})", params


def generated_search_document(*fields: str) -> models.GeneratedField:
    """The generated column holding the search document of `fields`."""
    return models.GeneratedField(
        expression=SearchDocument(*fields), output_field=SearchDocumentField(), db_persist=True
    )


@SearchDocumentField.register_lookup
class WordPrefix(models.Lookup):
    """`search_document__word_prefix="terr"`: a word of the document starts with "terr" (one
    word, as search_words() gives it)."""

    lookup_name = "word_prefix"
    prepare_rhs = False

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _Sql:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} @@ to_tsquery('simple', %s)", [*lhs_params, f"{self.rhs}:*"]

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _Sql:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # The word is letters and digits only (search_words), so nothing in it is a GLOB wildcard.
        return f"(' ' || {lhs}) GLOB %s", [*lhs_params, f"*[^a-z0-9]{self.rhs}*"]
