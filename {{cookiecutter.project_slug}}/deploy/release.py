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
# What a build reads: the files in these at the top, and below it every
# folder but these and the hidden ones (.venv, .git, the tools' caches);
# the development database and .env at the top are left out.
SOURCE_AT_TOP = ("pyproject.toml", "README.md", "MANIFEST.in", "LICENSE")
NOT_SOURCE = {"build", "__pycache__", "staticfiles", "node_modules"}
# What Debian 12's Python 3.11 on x86_64 accepts; pip needs each named.
PLATFORMS = (
    "manylinux_2_36_x86_64",
    "manylinux_2_34_x86_64",
    "manylinux_2_28_x86_64",
    "manylinux2014_x86_64",
)


def run(*command, env=None):
    subprocess.run(command, check=True, cwd=PROJECT, env=env)


def source_digest():
    """A hash of every file a build could read, so an unchanged project is
    not built again."""
    digest = hashlib.sha256()
    for folder, subfolders, files in os.walk(PROJECT):
        subfolders[:] = sorted(
            d for d in subfolders if d not in NOT_SOURCE and not d.startswith(".")
        )
        top = Path(folder) == PROJECT
        for name in sorted(files):
            path = Path(folder) / name
            if name in SOURCE_AT_TOP if top else path.suffix != ".pyc":
                digest.update(f"{path.relative_to(PROJECT)}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_wheel(into, cache):
    """The project's wheel, built from its sdist so nothing stale gets in;
    kept in the cache under the source's hash and taken from there while
    no file changes."""
    built = cache / f"project-{source_digest()}"
    if not built.is_dir():
        with tempfile.TemporaryDirectory() as scratch:
            uv = Path(sys.executable).with_name("uv")
            # Fixed timestamps in the zip: the same code gives the same bytes,
            # so a deploy of it uploads nothing.
            env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}
            run(
                str(uv), "build", "--quiet", "--out-dir", scratch, str(PROJECT), env=env
            )
            (wheel,) = Path(scratch).glob("*.whl")
            built.mkdir(parents=True)
            shutil.copy2(wheel, built)
    (wheel,) = built.glob("*.whl")
    return Path(shutil.copy2(wheel, into))


def locked_wheels():
    """The lock's requirements: name==version and the hashes it accepts."""
    text = LOCK.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, *hashes = line.split()
            yield name, {h.removeprefix("--hash=sha256:") for h in hashes}


def take_from_cache(into, cache):
    """Copy the lock's wheels and uv's from the cache into `into`; False
    when the cache lacks one. A wheel counts by the hash the lock names."""
    found = {}
    for path in cache.glob("*.whl"):
        found.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), path)
    uv = sorted(cache.glob(f"uv-{version('uv')}-*.whl"))
    wanted = [next((found[h] for h in hashes if h in found), None)
              for _, hashes in locked_wheels()]  # fmt: skip
    if None in wanted or not uv:
        return False
    for path in [*wanted, uv[0]]:
        shutil.copy2(path, into)
    return True


def download_dependencies(into, cache):
    """The locked wheels, and uv's (the hosts install with it, the version
    `make deploy-tools` pinned here), for the hosts: from the cache, or from
    the package index into the cache first."""
    if take_from_cache(into, cache):
        return
    platforms = [f"--platform={platform}" for platform in PLATFORMS]
    pip_download = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--only-binary=:all:", "--python-version=3.11", "--implementation=cp",
        *platforms, f"--dest={cache}",
    ]  # fmt: skip
    run(*pip_download, "--require-hashes", f"--requirement={LOCK}")
    run(*pip_download, f"uv=={version('uv')}")
    if not take_from_cache(into, cache):
        sys.exit(f"the wheel cache {cache} lacks a wheel the lock names")


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
    cache = output.parent / "wheel-cache"
    wheel = build_wheel(wheels, cache)
    download_dependencies(wheels, cache)
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
