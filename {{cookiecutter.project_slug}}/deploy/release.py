"""Build the release artifact that `make deploy` uploads.

    python deploy/release.py build/release

The folder it fills holds everything a host needs to run this release with
no package index and no compiler: the project's wheel and every locked
dependency as a wheel for Debian 12 (x86_64, Python 3.11), requirements.txt
with a hash for each, uv's wheel (the host installs with it), and the files
the units and the Nginx site read from the release (manage.py, deploy/).
Wheels are kept in a cache beside it, so a build downloads only what the
lock adds. RELEASE names the release after its content, so building
unchanged code again gives the same name and a deploy of it changes nothing.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib.metadata import version
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
LOCK = PROJECT / "requirements.lock"
# Files the release serves from its own folder: the unit's ExecStart names
# the Gunicorn config, and the Nginx site includes its snippets, under current/.
SHIPPED = (
    "manage.py",
    "deploy/gunicorn.conf.py",
    *sorted(str(p.relative_to(PROJECT)) for p in PROJECT.glob("deploy/nginx/*.conf")),
    # The units, installed from the release (roles/app/tasks/units.yml).
    *sorted(str(p.relative_to(PROJECT)) for p in PROJECT.glob("deploy/systemd/*")),
)
# What Debian 12's Python 3.11 on x86_64 accepts; pip needs each named.
PLATFORMS = (
    "manylinux_2_36_x86_64",
    "manylinux_2_34_x86_64",
    "manylinux_2_28_x86_64",
    "manylinux2014_x86_64",
)


def run(*command, env=None):
    subprocess.run(command, check=True, cwd=PROJECT, env=env)


def build_wheel(into):
    """The project's wheel, built from its sdist so nothing stale gets in."""
    with tempfile.TemporaryDirectory() as scratch:
        uv = Path(sys.executable).with_name("uv")
        # Fixed timestamps in the zip: the same code gives the same bytes,
        # so a deploy of it uploads nothing.
        env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}
        run(str(uv), "build", "--quiet", "--out-dir", scratch, str(PROJECT), env=env)
        (wheel,) = Path(scratch).glob("*.whl")
        return Path(shutil.copy2(wheel, into))


def download(requirements, into, cache):
    """Wheels for the hosts into `into`, from `cache` when it has them all,
    else from the package index into `cache` first (kept between builds)."""
    platforms = [f"--platform={platform}" for platform in PLATFORMS]
    pip_download = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--only-binary=:all:", "--python-version=3.11", "--implementation=cp",
        *platforms, *requirements,
    ]  # fmt: skip
    offline = [*pip_download, "--no-index", f"--find-links={cache}", f"--dest={into}"]
    if subprocess.run(offline, cwd=PROJECT, capture_output=True).returncode != 0:
        run(*pip_download, f"--dest={cache}")
        run(*offline)


def download_dependencies(into, cache):
    download(["--require-hashes", f"--requirement={LOCK}"], into, cache)
    # uv installs the release on the host (deploy/ansible/roles/app): the
    # version `make deploy-tools` pinned here.
    download([f"uv=={version('uv')}"], into, cache)


def wheel_content(wheel):
    """The wheel's RECORD (every file's hash), which unlike the zip itself
    does not change when the same code is built again."""
    with zipfile.ZipFile(wheel) as archive:
        (record,) = (n for n in archive.namelist() if n.endswith(".dist-info/RECORD"))
        return "\n".join(sorted(archive.read(record).decode().splitlines()))


def requirement_line(wheel):
    name, version = wheel.name.split("-")[:2]
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    return f"{name}=={version} --hash=sha256:{digest}\n"


def release_id(wheel):
    digest = hashlib.sha256(wheel_content(wheel).encode())
    for path in (LOCK, *(PROJECT / name for name in SHIPPED)):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def main(output):
    if output.exists():
        shutil.rmtree(output)
    wheels = output / "wheels"
    wheels.mkdir(parents=True)
    wheel = build_wheel(wheels)
    download_dependencies(wheels, output.parent / "wheel-cache")
    (output / "requirements.txt").write_text(LOCK.read_text() + requirement_line(wheel))
    for name in SHIPPED:
        target = output / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT / name, target)
    identifier = release_id(wheel)
    (output / "RELEASE").write_text(identifier + "\n")
    print(f"release {identifier}: {len(list(wheels.iterdir()))} wheels in {output}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python deploy/release.py OUTPUT_FOLDER")
    main(Path(sys.argv[1]).resolve())
