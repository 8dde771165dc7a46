"""Real Debian 12 hosts for the deploy proof: rootfs.py (the cached image),
network.py (bridge, namespaces), machine.py (systemd-nspawn), acme.py
(pebble), stack.py (a project deployed to a host, with the checks' handles),
make.py (its own `make deploy`), proofs.py and load.py (what verify-host
proves), runbook.py (the runbook followed by hand)."""
