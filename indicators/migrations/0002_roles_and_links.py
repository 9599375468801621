# Who may enter indicator values; indicators linked to partnerships.
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
        ("partnerships", "0002_boards_meetings_and_jhws_priorities"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="indicator",
            name="partnerships",
            field=models.ManyToManyField(
                blank=True,
                help_text="The partnership boards that review this indicator.",
                related_name="indicators",
                to="partnerships.partnership",
                verbose_name="reviewing boards",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalDirectorateMembership",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("role", models.CharField(choices=[("officer", "Performance officer (enters values)")], default="officer", max_length=20)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                ("history_type", models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1)),
                ("directorate", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="indicators.directorate")),
                ("history_user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("user", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "historical directorate membership",
                "verbose_name_plural": "historical directorate memberships",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="DirectorateMembership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("role", models.CharField(choices=[("officer", "Performance officer (enters values)")], default="officer", max_length=20)),
                ("directorate", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships", to="indicators.directorate")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="directorate_memberships", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("directorate", "user"), name="one_role_per_directorate")],
            },
        ),
    ]
