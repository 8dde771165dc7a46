from rest_framework import permissions


class IsOwner(permissions.BasePermission):
    """Only the owner may touch a note, even if a view's queryset is widened later."""

    def has_object_permission(self, request, view, obj):
        return obj.owner_id == request.user.id
