"""Finish the generated project: prune unused options and write its secrets.

Standard library only: this runs in whatever Python runs cookiecutter, offline.
"""

import base64
import json
import math
import os
import secrets
import shutil
from pathlib import Path

# The answers arrive as JSON inside a string literal, so this file is valid
# Python before rendering and its functions can be imported by the tests.
ANSWERS_JSON = r"""{{ cookiecutter | jsonify }}"""

# What each option leaves unused when it is off (or set to another value).
# Paths are relative to the generated project; "{slug}" is the package folder.
PRUNE = {
    "example_api": ["{slug}/notes", "tests/test_notes.py"],
    "allow_registration": [
        "{slug}/accounts/registration.py",
        "tests/test_registration.py",
    ],
    "api_docs": ["tests/test_api_docs.py", "fuzz"],
    "jwt_algorithm:RS256": ["tests/test_rs256.py"],
    "ci:github": [".github"],
}

PRIVATE_KEY_FILE = "keys/jwt_private.pem"
PUBLIC_KEY_FILE = "keys/jwt_public.pem"


def paths_to_prune(answers):
    """The paths PRUNE names for every option that is off."""
    unused = []
    for option, paths in PRUNE.items():
        name, _, wanted = option.partition(":")
        enabled = answers[name] == wanted if wanted else answers[name]
        if not enabled:
            unused.extend(path.format(slug=answers["project_slug"]) for path in paths)
    return unused


def prune(project, paths):
    for relative in paths:
        path = project / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def write_private(path, text):
    """Write a file only its owner can read, whatever the umask."""
    path.parent.mkdir(mode=0o700, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    path.chmod(0o600)


def answers_record(answers):
    """The answers as cruft keeps them, without this machine's paths."""
    context = {
        key: value
        for key, value in answers.items()
        if key not in ("_output_dir", "_repo_dir")
    }
    record = {
        "template": answers["_template"],
        "commit": None,
        "checkout": answers.get("_checkout"),
        "context": {"cookiecutter": context},
        "directory": None,
    }
    return json.dumps(record, indent=2) + "\n"


def env_file_text(answers):
    # token_urlsafe keeps to [A-Za-z0-9_-]: safe in .env, systemd and make.
    lines = [
        "DJANGO_SECRET_KEY=" + secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS=localhost,127.0.0.1",
    ]
    if answers["jwt_algorithm"] == "HS256":
        lines.append("JWT_SIGNING_KEY=" + secrets.token_urlsafe(48))
    else:
        lines.append("JWT_PRIVATE_KEY_FILE=" + PRIVATE_KEY_FILE)
        lines.append("JWT_PUBLIC_KEY_FILE=" + PUBLIC_KEY_FILE)
    if answers["database"] == "postgresql":
        lines.append(f"DATABASE_URL=postgres:///{answers['project_slug']}")
    return "\n".join(lines) + "\n"


# RSA with the standard library only. cryptography is not available to the
# hook; the project reads these PEM files with it at run time.

SMALL_PRIMES = [n for n in range(3, 2000, 2) if all(n % d for d in range(3, n, 2))]


def is_probable_prime(candidate, rounds=40):
    if any(candidate % p == 0 for p in SMALL_PRIMES):
        return candidate in SMALL_PRIMES
    odd_part, twos = candidate - 1, 0
    while odd_part % 2 == 0:
        odd_part, twos = odd_part // 2, twos + 1
    for _ in range(rounds):
        witness = 2 + secrets.randbelow(candidate - 3)
        value = pow(witness, odd_part, candidate)
        if value in (1, candidate - 1):
            continue
        for _ in range(twos - 1):
            value = pow(value, 2, candidate)
            if value == candidate - 1:
                break
        else:
            return False
    return True


def random_prime(bits, exponent):
    while True:
        # Top two bits set so that p * q has exactly 2 * bits bits.
        candidate = secrets.randbits(bits) | (0b11 << (bits - 2)) | 1
        if math.gcd(exponent, candidate - 1) == 1 and is_probable_prime(candidate):
            return candidate


def der_length(length):
    if length < 0x80:
        return bytes([length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def der(tag, content):
    return bytes([tag]) + der_length(len(content)) + content


def der_integer(value):
    return der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def der_sequence(*parts):
    return der(0x30, b"".join(parts))


def pem(label, data):
    body = base64.encodebytes(data).decode().replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""])


def rsa_key_pair(bits=2048, exponent=65537):
    """A PKCS#1 private key and a SubjectPublicKeyInfo public key, as PEM."""
    while True:
        p, q = random_prime(bits // 2, exponent), random_prime(bits // 2, exponent)
        if p != q:
            break
    p, q = max(p, q), min(p, q)
    modulus = p * q
    private_exponent = pow(exponent, -1, math.lcm(p - 1, q - 1))
    private_key = der_sequence(
        der_integer(0),
        der_integer(modulus),
        der_integer(exponent),
        der_integer(private_exponent),
        der_integer(p),
        der_integer(q),
        der_integer(private_exponent % (p - 1)),
        der_integer(private_exponent % (q - 1)),
        der_integer(pow(q, -1, p)),
    )
    rsa_encryption = bytes.fromhex("06092a864886f70d0101010500")  # OID + NULL
    public_key = der_sequence(
        der(0x30, rsa_encryption),
        der(0x03, b"\x00" + der_sequence(der_integer(modulus), der_integer(exponent))),
    )
    return pem("RSA PRIVATE KEY", private_key), pem("PUBLIC KEY", public_key)


def main():
    answers = json.loads(ANSWERS_JSON)
    project = Path.cwd()
    prune(project, paths_to_prune(answers))
    (project / ".cruft.json").write_text(answers_record(answers))
    write_private(project / ".env", env_file_text(answers))
    if answers["jwt_algorithm"] == "RS256":
        private_pem, public_pem = rsa_key_pair()
        write_private(project / PRIVATE_KEY_FILE, private_pem)
        write_private(project / PUBLIC_KEY_FILE, public_pem)


if __name__ == "__main__":
    main()
