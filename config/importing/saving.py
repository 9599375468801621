"""Writing a valid file: diff what it says against what the database holds, then write only the
differences, in bulk, with their audit history written in bulk too.

An unchanged file writes nothing at all. A changed row gets one history record (and, for a model
that keeps its many-to-many links in its history, one snapshot of them), where a row-by-row save
with `set()` on each link wrote a record per save and another per link changed.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords

from config.importing.problems import ImportFileError

M = TypeVar("M", bound=models.Model)
K = TypeVar("K", bound=Hashable)
P = TypeVar("P")


@dataclass
class ImportReport:
    """What an import did, counted by row: created, updated, unchanged, removed."""

    title: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def counts(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.removed} removed"

    def __str__(self) -> str:
        return f"{self.title}: {self.counts()}"

    def add(self, synced: "Synced") -> None:
        self.created += len(synced.created)
        self.updated += len(synced.changed)
        self.unchanged += len(synced.unchanged)
        self.removed += len(synced.removed)


@dataclass
class Synced(Generic[M]):
    """The rows one model was brought to, by key, and what happened to each."""

    rows: dict[Any, M] = field(default_factory=dict)
    created: list[M] = field(default_factory=list)
    changed: list[M] = field(default_factory=list)
    unchanged: list[M] = field(default_factory=list)
    removed: list[M] = field(default_factory=list)
    # What each changed row had changed, by key: {field: (old, new)}.
    differences: dict[Any, dict[str, tuple[Any, Any]]] = field(default_factory=dict)


@dataclass
class Writer:
    """One import's writes: who made them and when, the same on every history record."""

    user: Any = None
    when: datetime.datetime = field(default_factory=timezone.now)

    def diff(
        self,
        model: type[M],
        wanted: Mapping[K, dict[str, Any]],
        existing: Mapping[K, M],
        remove: bool = False,
    ) -> Synced[M]:
        """Compare without writing. `wanted` maps each key to the row's field values by attname
        ("priority_id", not "priority"); for a new row they must be all it needs."""
        synced: Synced[M] = Synced()
        for key, values in wanted.items():
            row = existing.get(key)
            if row is None:
                row = model(**values)
                synced.created.append(row)
            else:
                changed = {
                    name: (getattr(row, name), value) for name, value in values.items() if getattr(row, name) != value
                }
                if changed:
                    for name, (_, value) in changed.items():
                        setattr(row, name, value)
                    synced.changed.append(row)
                    synced.differences[key] = changed
                else:
                    synced.unchanged.append(row)
            synced.rows[key] = row
        if remove:
            synced.removed = [row for key, row in existing.items() if key not in wanted]
        return synced

    def write(self, model: type[M], synced: Synced[M], history: bool = True, also_update: Iterable[str] = ()) -> None:
        """Insert, update and delete what `diff` found, each in one statement (per batch).
        `also_update`: fields the caller set on the changed rows besides the file's (who, when)."""
        if synced.created:
            model._default_manager.bulk_create(synced.created, batch_size=1000)
        if synced.changed:
            fields = sorted({name for names in synced.differences.values() for name in names} | set(also_update))
            model._default_manager.bulk_update(synced.changed, fields, batch_size=500)
        if history and has_history(model):
            self.record(model, synced.created, created=True)
            self.record(model, synced.changed, created=False)
        self.remove(model, synced.removed)

    def remove(self, model: type[models.Model], rows: Collection[models.Model]) -> None:
        if rows:
            # Through Django's deletion, so that each removal is in the history too (removals are rare).
            model._default_manager.filter(pk__in=[row.pk for row in rows]).delete()

    def sync(
        self,
        model: type[M],
        wanted: Mapping[K, dict[str, Any]],
        existing: Mapping[K, M],
        remove: bool = False,
        history: bool = True,
    ) -> Synced[M]:
        synced = self.diff(model, wanted, existing, remove=remove)
        self.write(model, synced, history=history)
        return synced

    def record(self, model: type[models.Model], rows: Collection[models.Model], created: bool) -> list[Any]:
        """One history record per row, in one statement; returns the records."""
        if not rows:
            return []
        manager = getattr(model, model._meta.simple_history_manager_attribute)  # type: ignore[attr-defined]
        return list(
            manager.bulk_history_create(
                rows, update=not created, default_user=self.user, default_date=self.when, batch_size=1000
            )
        )

    def record_links(self, model: type[models.Model], records: Iterable[Any], links: dict[str, list[Any]]) -> None:
        """Each history record's snapshot of its row's many-to-many links, as django-simple-history
        keeps them for `m2m_fields`: `links[field name]` holds the through rows of the recorded rows."""
        records = list(records)
        for field_name, through_rows in links.items():
            m2m_field = model._meta.get_field(field_name)
            history_model = HistoricalRecords.m2m_models[m2m_field]
            through = m2m_field.remote_field.through  # type: ignore[union-attr]
            source = f"{m2m_field.m2m_field_name()}_id"  # type: ignore[union-attr]
            columns = [f.attname for f in through._meta.fields]
            by_row: dict[Any, list[Any]] = defaultdict(list)
            for link in through_rows:
                by_row[getattr(link, source)].append(link)
            history_model.objects.bulk_create(
                [
                    history_model(history_id=record.history_id, **{c: getattr(link, c) for c in columns})
                    for record in records
                    for link in by_row.get(record.id, [])
                ],
                batch_size=1000,
            )


def has_history(model: type[models.Model]) -> bool:
    return getattr(model._meta, "simple_history_manager_attribute", None) is not None


def by_key(rows: Iterable[M], *fields: str) -> dict[Any, M]:
    """Rows by the value (or tuple of values) of `fields`, e.g. by_key(actions, "code")."""
    if len(fields) == 1:
        return {getattr(row, fields[0]): row for row in rows}
    return {tuple(getattr(row, name) for name in fields): row for row in rows}


C = TypeVar("C")
R = TypeVar("R")


def import_all(paths: Iterable[P], validate: Callable[[P], C], save: Callable[[C], R]) -> list[R]:
    """The contract of every import command: check every file first and report the problems of
    all of them at once; then save them all in one transaction, so that any problem in any file
    (including one found only while saving, such as a name another file should have held)
    changes nothing."""
    paths = list(paths)
    cleans, errors = [], []
    for path in paths:
        try:
            cleans.append(validate(path))
        except ImportFileError as error:
            errors.extend(error.errors)
    if errors:
        raise ImportFileError(", ".join(str(path) for path in paths), errors)
    with transaction.atomic():
        return [save(clean) for clean in cleans]
