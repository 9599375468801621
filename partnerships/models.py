from django.db import models


class Organisation(models.Model):
    """A partner organisation: the county council, an NHS trust, the CCG, a voluntary body."""

    code = models.CharField(max_length=32, unique=True, help_text="Short name used in the papers, e.g. OCC.")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"
