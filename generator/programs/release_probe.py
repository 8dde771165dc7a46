"""Added to the copy of a project that a host proof releases: the health
view's answers then carry a header naming the release, so the code that
answers can be told apart from the outside. The view keeps what its
decorators set (csrf_exempt, say)."""

import functools

HEADER = "X-Release-Probe"
# What a release without this module answers as.
FIRST, SECOND = "first", "second"


def probed(view):
    @functools.wraps(view)
    def health(request):
        response = view(request)
        response[HEADER] = SECOND
        return response

    return health
