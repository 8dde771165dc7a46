"""prodstack: bake, list and prove the variants of the Django REST API template."""

from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
