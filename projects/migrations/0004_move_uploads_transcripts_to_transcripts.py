# Upload and Transcript now belong to the transcripts app (its 0001 takes them
# over with their tables): they leave projects' state only, no table changes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_transcript_unfinished_index"),
        ("transcripts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Transcript"),
                migrations.DeleteModel(name="Upload"),
            ],
            database_operations=[],
        ),
    ]
