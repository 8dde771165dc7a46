"""A generated project as its files describe it: the answers it was baked with
and the deploy files rendered from them."""

import json
import shlex
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path


def read_assignments(path):
    """KEY=VALUE lines of an env file or a systemd unit, in order, as pairs.
    Comments (# or ;), section headers and other lines are left out."""
    pairs = []
    for line in Path(path).read_text().splitlines():
        key, separator, value = line.partition("=")
        if separator and not line.lstrip().startswith(("#", ";", "[")):
            pairs.append((key.strip(), value.strip()))
    return pairs


def read_unit(path):
    """A systemd unit as {key: [values]}: keys such as ExecStart may repeat."""
    values = {}
    for key, value in read_assignments(path):
        values.setdefault(key, []).append(value)
    return values


@dataclass(frozen=True)
class Project:
    path: Path

    @classmethod
    def load(cls, path):
        project = cls(Path(path).resolve())
        if not (project.path / ".cruft.json").is_file():
            raise SystemExit(
                f"{project.path / '.cruft.json'} is missing: the answers a project "
                "was baked with are read from it. Bake the project with this template."
            )
        return project

    @cached_property
    def answers(self):
        record = json.loads((self.path / ".cruft.json").read_text())
        return record["context"]["cookiecutter"]

    @property
    def slug(self):
        return self.answers["project_slug"]

    @property
    def domain(self):
        return self.answers["domain_name"]

    @property
    def http_port(self):
        return int(self.answers["http_port"])

    @property
    def https_port(self):
        return int(self.answers["https_port"])

    @property
    def deploy_root(self):
        return Path(self.answers["deploy_root"])

    @property
    def deploy(self):
        return self.path / "deploy"

    @property
    def site_url(self):
        port = "" if self.https_port == 443 else f":{self.https_port}"
        return f"https://{self.domain}{port}"

    @cached_property
    def service(self):
        return read_unit(self.deploy / "systemd" / f"{self.slug}.service")

    @cached_property
    def socket_unit(self):
        return read_unit(self.deploy / "systemd" / f"{self.slug}.socket")

    @property
    def exec_start(self):
        """The service's ExecStart, split into arguments."""
        return shlex.split(self.service["ExecStart"][0])

    def env_template(self):
        """deploy/env.example's variables, blank values included."""
        return dict(read_assignments(self.deploy / "env.example"))
