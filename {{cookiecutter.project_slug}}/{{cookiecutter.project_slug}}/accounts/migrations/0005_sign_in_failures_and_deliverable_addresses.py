from django.db import migrations, models

from {{ cookiecutter.project_slug }}.accounts.addresses import validate_deliverable


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_request_counts"),
    ]

    operations = [
        migrations.CreateModel(
            name="SignInFailures",
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
                ("key", models.CharField(max_length=64, unique=True)),
                ("count", models.PositiveIntegerField(default=0)),
                ("next_attempt_at", models.DateTimeField()),
                ("expires", models.DateTimeField(db_index=True)),
            ],
        ),
        migrations.AlterField(
            model_name="user",
            name="email",
            field=models.EmailField(
                error_messages={
                    "unique": "A user with that email address already exists."
                },
                max_length=254,
                unique=True,
                validators=[validate_deliverable],
                verbose_name="email address",
            ),
        ),
    ]
