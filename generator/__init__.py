"""prodstack: bake, list and prove the variants of the Django REST API template."""

from pathlib import Path

# Installed with `pip install .`, the template travels inside the package
# (generator/template); in a checkout, it is the checkout itself.
_PACKAGED = Path(__file__).resolve().parent / "template"
TEMPLATE_DIR = (
    _PACKAGED
    if (_PACKAGED / "cookiecutter.json").is_file()
    else Path(__file__).resolve().parents[1]
)
