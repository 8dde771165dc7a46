"""Take uv's program out of its wheel, on the host (stdlib only).

    python3 unpack_uv.py WHEEL TARGET

The wheel is one the release artifact carries (deploy/release.py); TARGET
appears whole or not at all.
"""

import os
import shutil
import sys
import zipfile

wheel, target = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    (program,) = [n for n in archive.namelist() if n.endswith(".data/scripts/uv")]
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    with archive.open(program) as source, open(target + ".part", "wb") as copy:
        shutil.copyfileobj(source, copy)
# Root's program: only the deploy runs it.
os.chmod(target + ".part", 0o700)
os.replace(target + ".part", target)
