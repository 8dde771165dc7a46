"""DRF's scoped throttle, counted atomically in the database.

DRF's own throttles read a client's history from the cache and write it back:
requests that arrive together all read the same history and all pass (87 got
through a 60 a minute limit in a 5 second burst). Here each request adds one
to its window's count in a single UPDATE, so concurrent requests queue on the
row and exactly `rate` of them pass. The limit slides: the previous window's
count weighs in by how much of it the sliding minute still covers. Refused
requests count too, so a client that keeps hammering stays refused.
"""

import hashlib

from django.db import IntegrityError, transaction
from django.db.models import F
from rest_framework import throttling

from .models import RequestCount


def count_request(key, window, duration):
    """Add one to the key's count in this window; return the new count."""
    counts = RequestCount.objects.filter(key=key, window=window)
    with transaction.atomic():
        if counts.update(hits=F("hits") + 1):
            return counts.values_list("hits", flat=True).get()
        try:
            with transaction.atomic():
                RequestCount.objects.create(
                    key=key, window=window, hits=1, expires=window + 2 * duration
                )
        except IntegrityError:  # another request started the window just now
            counts.update(hits=F("hits") + 1)
            return counts.values_list("hits", flat=True).get()
    RequestCount.objects.filter(expires__lt=window).delete()
    return 1


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    def allow_request(self, request, view):
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        # The client part can be long (X-Forwarded-For without a proxy in front).
        client = hashlib.sha256(self.get_cache_key(request, view).encode())
        key = f"{self.scope}:{client.hexdigest()[:32]}"
        self.now = self.timer()
        window = int(self.now // self.duration) * self.duration
        hits = count_request(key, window, self.duration)
        previous = RequestCount.objects.filter(key=key, window=window - self.duration)
        previous_hits = previous.values_list("hits", flat=True).first() or 0
        still_covered = 1 - (self.now - window) / self.duration
        self.window_end = window + self.duration
        return previous_hits * still_covered + hits <= self.num_requests

    def wait(self):
        return max(1, round(self.window_end - self.now))
