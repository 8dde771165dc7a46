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
import math

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
        self.hits = count_request(key, window, self.duration)
        previous = RequestCount.objects.filter(key=key, window=window - self.duration)
        self.previous_hits = previous.values_list("hits", flat=True).first() or 0
        self.window = window
        still_covered = 1 - (self.now - window) / self.duration
        return self.previous_hits * still_covered + self.hits <= self.num_requests

    def wait(self):
        """Seconds until one more request would pass, if none is sent
        meanwhile: when the previous window's weight has shrunk enough, or,
        if this window is already full, once the next one has begun and this
        one's weight has shrunk."""
        duration, room = self.duration, self.num_requests - self.hits - 1
        if room >= 0:
            # previous_hits * (1 - (t - window) / duration) <= room
            passes_at = self.window + duration * (1 - room / self.previous_hits)
        else:
            # hits * (1 - (t - next window) / duration) <= num_requests - 1
            next_window = self.window + duration
            passes_at = next_window + duration * (
                1 - (self.num_requests - 1) / self.hits
            )
        return max(1, math.ceil(passes_at - self.now))
