from rest_framework import serializers

from .models import Note


class NoteSerializer(serializers.ModelSerializer):
    # The owner's id: no join to the users table for every page.
    owner = serializers.ReadOnlyField(source="owner_id")

    class Meta:
        model = Note
        fields = ["id", "owner", "title", "body", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
