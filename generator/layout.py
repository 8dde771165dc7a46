"""What the local stack writes before anything runs: the production env file
with its secrets, the RS256 key pair and a self-signed certificate (made with
openssl, as the runbook makes them), and Nginx's main file around the site,
listening on the stack's one address."""

import re
import secrets
from pathlib import Path

from generator.checking import StepFailed, check

# Every address: the site's listen lines as rendered.
EVERY_ADDRESS = "0.0.0.0"
LISTEN = re.compile(
    r"^(?P<indent>[ \t]*)listen[ \t]+(?P<v6>\[::\]:)?(?P<rest>\d+.*\n)", re.M
)


def fill_secrets(env):
    """Fresh values for the secrets deploy/env.example leaves blank."""
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    if "JWT_SIGNING_KEY" in env:
        env["JWT_SIGNING_KEY"] = secrets.token_urlsafe(48)


def lay_out_deploy_root(deploy_root, project_path):
    """deploy_root/current and next -> the project, and shared/'s folders,
    as the runbook has them (`next` is the release a deploy proves before
    the switch, in the gate unit; here both are the project). Returns
    current."""
    current = deploy_root / "current"
    if current.exists() and not current.is_symlink():
        raise StepFailed(
            f"{current} exists and is not a symlink: pick another deploy_root"
        )
    shared = deploy_root / "shared"
    for folder in ("static", "acme", "tls", "keys"):
        (shared / folder).mkdir(parents=True, exist_ok=True)
    for path in (deploy_root, shared):
        path.chmod(0o755)
    for link in (current, deploy_root / "next"):
        if link.is_symlink():
            link.unlink()
        link.symlink_to(project_path)
    return current


def production_env(project, run, mailbox=None):
    """deploy/env.example's variables, each blank filled as the runbook
    fills it; the mail server is `mailbox` where the project sends mail."""
    env = project.env_template()
    fill_secrets(env)
    if "JWT_PRIVATE_KEY_FILE" in env:
        make_key_pair(run, env["JWT_PRIVATE_KEY_FILE"], env["JWT_PUBLIC_KEY_FILE"])
    if mailbox is not None:
        env["DJANGO_EMAIL_HOST"] = mailbox.host
        env["DJANGO_EMAIL_PORT"] = str(mailbox.port)
        env["DJANGO_EMAIL_USE_TLS"] = "false"
    missing = [key for key, value in env.items() if not value]
    check(not missing, f"deploy/env.example leaves {missing} without a value")
    return env


def write_env_file(path, env):
    """The service's env file, readable by its owner only."""
    path.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    path.chmod(0o600)
    return path


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


def listening_on(site, address):
    """The site's text with each listen on `address` only: an IPv4 listen
    bound to it, an IPv6 one left out. EVERY_ADDRESS keeps them as they are."""
    if address == EVERY_ADDRESS:
        return site

    def bind(match):
        if match["v6"]:
            return ""
        return f"{match['indent']}listen {address}:{match['rest']}"

    return LISTEN.sub(bind, site)


def write_nginx_conf(prefix, site, group, logs, listen=EVERY_ADDRESS):
    """A main file as Debian's nginx.conf would be, with paths under prefix;
    the site is included as rendered, but for the address it listens on."""
    listening = prefix / "site.conf"
    prefix.mkdir(parents=True, exist_ok=True)
    listening.write_text(listening_on(site.read_text(), listen))
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
        f"    include {listening};\n"
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
