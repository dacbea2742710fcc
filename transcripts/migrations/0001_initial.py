# Upload and Transcript move here from projects in Django's state only: their
# tables (projects_upload, projects_transcript), indexes and constraints stay
# exactly as they are, so an existing install migrates without touching data.

import uuid

import django.db.models.deletion
from django.db import migrations, models

MOVED = ("upload", "transcript")


def relabel_content_types(apps, schema_editor, old="projects", new="transcripts"):
    """Keep the moved models' content types (and their admin permissions) on an existing install."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if ContentType.objects.using(db).filter(app_label=new, model__in=MOVED).exists():
        return
    ContentType.objects.using(db).filter(app_label=old, model__in=MOVED).update(app_label=new)


def relabel_back(apps, schema_editor):
    relabel_content_types(apps, schema_editor, old="transcripts", new="projects")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("apikeys", "0002_create_token"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("projects", "0003_transcript_unfinished_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Upload",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("path", models.CharField(blank=True, max_length=255)),
                        ("size", models.BigIntegerField(default=0)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("deleted_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "api_key",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="apikeys.apikey",
                            ),
                        ),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="uploads",
                                to="projects.project",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "projects_upload",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="Transcript",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("api_key_name", models.CharField(blank=True, max_length=100)),
                        ("audio_url", models.CharField(max_length=500)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("processing", "Processing"),
                                    ("completed", "Completed"),
                                    ("error", "Error"),
                                ],
                                default="queued",
                                max_length=12,
                            ),
                        ),
                        ("language_code", models.CharField(default="en_us", max_length=16)),
                        ("speech_model", models.CharField(blank=True, max_length=20, null=True)),
                        ("speech_model_used", models.CharField(blank=True, max_length=50)),
                        ("text", models.TextField(blank=True, null=True)),
                        ("words", models.JSONField(blank=True, null=True)),
                        ("confidence", models.FloatField(blank=True, null=True)),
                        ("audio_duration", models.PositiveIntegerField(blank=True, null=True)),
                        ("error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("deadline_at", models.DateTimeField(blank=True, null=True)),
                        ("completed_at", models.DateTimeField(blank=True, null=True)),
                        ("deleted_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "api_key",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="apikeys.apikey",
                            ),
                        ),
                        (
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="transcripts",
                                to="projects.project",
                            ),
                        ),
                        (
                            "upload",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="transcripts",
                                to="transcripts.upload",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "projects_transcript",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["project", "-created_at"],
                                name="transcript_project_recent",
                            ),
                            models.Index(
                                condition=models.Q(("status__in", ["queued", "processing"])),
                                fields=["created_at"],
                                name="transcript_unfinished",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, relabel_back, elidable=True),
    ]
