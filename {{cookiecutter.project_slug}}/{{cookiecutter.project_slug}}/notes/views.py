from rest_framework import permissions, viewsets

from .models import Note
from .permissions import IsOwner
from .serializers import NoteSerializer


class NoteViewSet(viewsets.ModelViewSet):
    """The signed-in user's notes. Other users' notes answer 404, not 403, so
    their ids reveal nothing."""

    serializer_class = NoteSerializer
    permission_classes = [permissions.IsAuthenticated, IsOwner]

    def get_queryset(self):
        # owner_id, not owner: schema generation calls this with an anonymous user.
        return Note.objects.filter(owner_id=self.request.user.id).select_related(
            "owner"
        )

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)
