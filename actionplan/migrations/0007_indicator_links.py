# Actions linked to the indicators they are meant to move.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("actionplan", "0006_reminders"),
        ("indicators", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="indicators",
            field=models.ManyToManyField(
                blank=True,
                help_text="The performance indicators this action is meant to move.",
                related_name="actions",
                to="indicators.indicator",
            ),
        ),
    ]
