# Latest progress kept on each action for the dashboard.
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    # The same expressions as actionplan.models._latest_progress(None), on the historical models.
    Action = apps.get_model("actionplan", "Action")
    ProgressUpdate = apps.get_model("actionplan", "ProgressUpdate")
    latest = ProgressUpdate.objects.filter(action=OuterRef("pk")).order_by("-reported_on", "-created_at", "-pk")
    Action.objects.update(
        progress_rag=Subquery(latest.values("rag")[:1]),
        progress_reported_on=Subquery(latest.values("reported_on")[:1]),
        progress_revised_due_date=Subquery(
            latest.filter(revised_due_date__isnull=False).values("revised_due_date")[:1]
        ),
        progress_completed_on=Subquery(latest.filter(rag="complete").values("completed_on")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [("actionplan", "0004_percent_complete_at_most_100")]

    operations = [
        migrations.AddField(
            model_name="action",
            name="progress_completed_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="action",
            name="progress_rag",
            field=models.CharField(blank=True, editable=False, max_length=20, null=True),
        ),
        migrations.AddField(
            model_name="action",
            name="progress_reported_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="action",
            name="progress_revised_due_date",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
