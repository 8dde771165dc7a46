from rest_framework import permissions, viewsets
from rest_framework.pagination import CursorPagination

from .models import Note
from .permissions import IsOwner
from .serializers import NoteSerializer


class NewestFirst(CursorPagination):
    """Pages by position, not by number: one query per page and no COUNT(*)
    over the whole table, and a page never repeats or skips a note when new
    ones arrive while a client pages through."""

    ordering = ("-created_at", "-id")


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
