from django.db import migrations, models

GENESIS_HASH = "0" * 64


def create_head(apps, schema_editor):
    apps.get_model("audit", "AuditHead").objects.create(pk=1, seq=0, hash=GENESIS_HASH)


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveBigIntegerField(unique=True)),
                ("occurred_at", models.DateTimeField()),
                ("actor_user_id", models.BigIntegerField(blank=True, null=True)),
                ("actor_org_id", models.BigIntegerField(blank=True, null=True)),
                ("action", models.CharField(max_length=64)),
                ("target_type", models.CharField(max_length=64)),
                ("target_id", models.CharField(max_length=128)),
                ("data", models.JSONField(default=dict)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
            ],
            options={"ordering": ("seq",)},
        ),
        migrations.CreateModel(
            name="AuditHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.AddIndex(model_name="auditevent", index=models.Index(fields=["target_type", "target_id"], name="audit_target")),
        migrations.AddIndex(model_name="auditevent", index=models.Index(fields=["action"], name="audit_action")),
        migrations.AddIndex(model_name="auditevent", index=models.Index(fields=["actor_user_id"], name="audit_actor")),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
