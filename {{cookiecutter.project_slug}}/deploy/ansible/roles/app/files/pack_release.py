"""Pack the release artifact for one host, on this machine (stdlib only).

    python pack_release.py ARTIFACT OUTPUT.tar RELEASE_ID PROJECT_WHEEL [WHEEL ...]

The archive unpacks into the deploy root: the release's own files under
releases/RELEASE_ID/ (its wheels/ holds the project's wheel only), and the
locked wheels under wheels/, less those named after PROJECT_WHEEL: the
wheels the host has already. A wheel's name says its version and build, and
an index never serves other bytes under a name it served, so a release that
changes only the code sends only the project's wheel.
"""

import sys
import tarfile
from pathlib import Path


def pack(artifact, output, release_id, project_wheel, on_host):
    release = Path("releases") / release_id
    with tarfile.open(output, "w") as archive:
        archive.add(artifact, arcname=str(release), recursive=False)
        for path in sorted(artifact.rglob("*")):
            relative = path.relative_to(artifact)
            if relative.parent.name == "wheels" and path.name != project_wheel:
                if path.name not in on_host:
                    archive.add(path, arcname=str(Path("wheels") / path.name))
                continue
            archive.add(path, arcname=str(release / relative), recursive=False)


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__.split("\n\n")[1])
    artifact, output, release_id, project_wheel, *on_host = sys.argv[1:]
    pack(Path(artifact), Path(output), release_id, project_wheel, set(on_host))
