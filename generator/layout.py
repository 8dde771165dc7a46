"""What the local stack writes before anything runs: the production env file's
secrets, the RS256 key pair and a self-signed certificate (made with openssl,
as the runbook makes them), and Nginx's main file around the rendered site."""

import secrets
from pathlib import Path


def fill_secrets(env):
    """Fresh values for the secrets deploy/env.example leaves blank."""
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    if "JWT_SIGNING_KEY" in env:
        env["JWT_SIGNING_KEY"] = secrets.token_urlsafe(48)


def make_key_pair(run, private, public):
    run(
        "jwt private key",
        ["openssl", "genpkey", "-algorithm", "RSA",
         "-pkeyopt", "rsa_keygen_bits:2048", "-out", private],
    )  # fmt: skip
    run(
        "jwt public key", ["openssl", "pkey", "-in", private, "-pubout", "-out", public]
    )
    for path in (private, public):
        Path(path).chmod(0o600)


def make_certificate(run, domain, key, certificate):
    run(
        "certificate",
        ["openssl", "req", "-x509", "-newkey", "ec",
         "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
         "-subj", f"/CN={domain}", "-addext", f"subjectAltName=DNS:{domain}",
         "-keyout", key, "-out", certificate],
    )  # fmt: skip


def write_nginx_conf(prefix, site, group, logs):
    """A main file as Debian's nginx.conf would be, with paths under prefix;
    the site is included exactly as rendered."""
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "temp" / temp).mkdir(parents=True, exist_ok=True)
    temp_paths = "".join(
        f"    {kind}_temp_path {prefix}/temp/{kind};\n"
        for kind in ("fastcgi", "uwsgi", "scgi", "proxy")
    )
    (prefix / "nginx.conf").write_text(
        f"user www-data {group};\n"
        "worker_processes 1;\n"
        f"pid {prefix}/nginx.pid;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        "    sendfile on;\n"
        f"    access_log {logs}/nginx-access.log;\n"
        f"{temp_paths}"
        f"    client_body_temp_path {prefix}/temp/body;\n"
        f"    include {site};\n"
        "}\n"
    )


def put_file(path, text):
    """Write text to path, making its folders; None removes the file."""
    if text is None:
        path.unlink(missing_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


class DeployRootFiles:
    """Files checks put under a stack's deploy root, wherever that is: the
    stack says where with deploy_path(relative)."""

    def put_acme_challenge(self, name, text):
        """A file where certbot's webroot plugin would put a challenge."""
        acme = self.deploy_path("shared/acme/.well-known/acme-challenge")
        put_file(acme / name, text)

    def put_metrics_allow(self, text):
        """The site's optional metrics-allow.conf; None removes it."""
        put_file(self.deploy_path("nginx/metrics-allow.conf"), text)
