from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_usernames_ignore_case"),
    ]

    operations = [
        migrations.CreateModel(
            name="RequestCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("key", models.CharField(max_length=200)),
                (
                    "window",
                    models.BigIntegerField(
                        help_text="Start, in seconds since the epoch."
                    ),
                ),
                ("hits", models.PositiveIntegerField(default=0)),
                ("expires", models.BigIntegerField(db_index=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("key", "window"),
                        name="accounts_requestcount_per_window",
                    )
                ],
            },
        ),
    ]
