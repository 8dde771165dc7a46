"""The machinery under the host stacks: rootfs.py (the cached Debian 12
image), network.py (bridge, namespaces), machine.py (systemd-nspawn),
host.py (one host of a run, and a run's teardown), acme.py (pebble),
offsite.py (the rsync target for backups), make.py (the project's own
`make` and its output), clients.py (the certificate a host serves). What
is proven on them is generator/proofs/."""
