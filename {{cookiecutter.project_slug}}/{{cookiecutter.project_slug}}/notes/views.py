from django.core.exceptions import ValidationError
from rest_framework import permissions, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from .models import Note
from .permissions import IsOwner
from .serializers import NoteSerializer


class NewestFirst(CursorPagination):
    """Pages by position, not by number: one query per page and no COUNT(*)
    over the whole table, and a page never repeats or skips a note when new
    ones arrive while a client pages through."""

    ordering = ("-created_at", "-id")

    def decode_cursor(self, request):
        """A cursor the API did not issue is a 404, like DRF's answer to one
        it cannot decode, not a 500 once its position reaches the query."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            field = self.ordering[0].lstrip("-")
            try:
                Note._meta.get_field(field).to_python(cursor.position)
            except ValidationError:
                raise NotFound(self.invalid_cursor_message) from None
        return cursor


class NoteViewSet(viewsets.ModelViewSet):
    """The signed-in user's notes. Other users' notes answer 404, not 403, so
    their ids reveal nothing."""

    serializer_class = NoteSerializer
    permission_classes = [permissions.IsAuthenticated, IsOwner]
    pagination_class = NewestFirst

    def get_queryset(self):
        # owner_id, not owner: schema generation calls this with an anonymous user.
        return Note.objects.filter(owner_id=self.request.user.id)

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)
