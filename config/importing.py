"""What every importer (plans, partnerships, indicators) shares when it writes a valid file.

Kept here, beside the settings, because the apps may not import each other's importers:
actionplan may import partnerships and indicators, never the reverse.
"""


def upsert(model, report, lookup, values):
    """Create or update one row, counting created/updated/unchanged on `report`; returns the row.

    Only changed fields are saved, so a re-import of an unchanged file writes nothing (and
    django-simple-history records nothing).
    """
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        report.created += 1
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.updated += 1
    else:
        report.unchanged += 1
    return obj
