"""The supported matrix, read from variants.yaml: the one source tests, CI and
the CLI share."""

from dataclasses import dataclass
from pathlib import Path

import yaml

VARIANTS_FILE = Path(__file__).with_name("variants.yaml")


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    answers: dict

    @property
    def slug(self):
        return self.answers["project_slug"]

    def answers_for_test_stack(self, deploy_root, slug=None):
        """These answers with a throwaway deploy_root and free high ports, so
        the deploy files can run as rendered without touching /srv or ports
        80 and 443; a slug of its own keeps its socket apart from others."""
        from generator.loopback import free_port

        return {
            **self.answers,
            "project_slug": slug or self.slug,
            "deploy_root": str(deploy_root),
            "http_port": free_port(),
            "https_port": free_port(),
        }

    @property
    def test_id(self):
        """Reads like the answers that set this variant apart, e.g.
        `default-database:sqlite-jwt:HS256`."""
        return (
            f"{self.name}-database:{self.answers['database']}"
            f"-jwt:{self.answers['jwt_algorithm']}"
        )


def load_variants(path=VARIANTS_FILE):
    data = yaml.safe_load(Path(path).read_text())
    return {
        name: Variant(name, entry["description"], entry["answers"])
        for name, entry in data.items()
    }


def get_variant(name):
    variants = load_variants()
    if name not in variants:
        known = ", ".join(variants)
        raise KeyError(f"unknown variant {name!r}; known variants: {known}")
    return variants[name]
