"""The integrators' JSON API under /api/v1/, authenticated by bearer tokens only."""
