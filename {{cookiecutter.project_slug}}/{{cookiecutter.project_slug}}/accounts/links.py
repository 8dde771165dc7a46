"""How a message tells its reader to use the token it carries."""

from django.urls import reverse


def follow_link_text(request, page, endpoint, *, also=None, **values):
    """The project's own page for it, when one is set (a URL with {token} and
    the like), else the API endpoint to POST the values to, with what else it
    takes."""
    if page:
        return page.format(**values)
    url = request.build_absolute_uri(reverse(endpoint))
    what = "these" if len(values) > 1 else "this"
    with_also = f" with a {also}" if also else ""
    listed = "\n".join(f"    {name}: {value}" for name, value in values.items())
    return f"POST {what}{with_also} to {url}\n\n{listed}"
