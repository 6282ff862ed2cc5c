"""The one China bounding box: where input may lie, and where GCJ-02 shifts apply."""

from typing import NamedTuple


class Box(NamedTuple):
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon, lat):
        """Tell whether a point lies inside the box (edges included)."""
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


# The rough box every public GCJ-02 implementation uses (72.004–137.8347 E, 0.8293–55.8271 N). It is generous
# (it takes in the South China Sea islands and some neighbours' land), which suits both of its uses: deciding
# whether a point is shifted, and refusing input that cannot be in a Chinese community (swapped axes, metres).
CHINA = Box(72.004, 0.8293, 137.8347, 55.8271)
