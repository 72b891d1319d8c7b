"""The polite HTTP client every web source fetches through: caching, per-host limits, robots.txt, back-off."""
