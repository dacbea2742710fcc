from django.db import migrations, models
from django.db.models import F


def admit_unfinished(apps, schema_editor):
    """Transcripts queued or running before slots existed keep running, as they would have."""
    Transcript = apps.get_model("transcripts", "Transcript")
    Transcript.objects.filter(status__in=["queued", "processing"]).update(
        admitted_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("transcripts", "0002_transcript_options_webhooks_remote_audio"),
    ]

    operations = [
        migrations.AddField(
            model_name="transcript",
            name="admitted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(admit_unfinished, migrations.RunPython.noop),
    ]
