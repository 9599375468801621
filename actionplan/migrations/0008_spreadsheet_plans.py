# What spreadsheet plans and the HIC plan need.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("actionplan", "0007_indicator_links")]

    operations = [
        migrations.AddField(
            model_name="historicalprogressupdate",
            name="status_text",
            field=models.CharField(blank=True, max_length=100, verbose_name="status (as reported)"),
        ),
        migrations.AddField(
            model_name="progressupdate",
            name="status_text",
            field=models.CharField(blank=True, max_length=100, verbose_name="status (as reported)"),
        ),
    ]
