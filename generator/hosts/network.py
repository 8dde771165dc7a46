"""A private network for test hosts: a bridge with a free 10.x.0.0/24 on this
machine, and for each host a network namespace joined to it by a veth pair.

Names carry a per-run id and the subnet is chosen under a lock, so two runs
can coexist. Nothing is routed or NATed: a host reaches this machine's end
of the bridge (and other hosts on it), nothing beyond.
"""

import fcntl
import ipaddress
import json
import random
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator.checking import StepFailed

SUBNET_LOCK = Path("/run/prodstack-subnets.lock")
PREFIX = "ps"  # every link and namespace name a run makes starts with this


class NetworkError(StepFailed):
    pass


def ip(*args, check=True):
    result = subprocess.run(
        ["ip", *map(str, args)], capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        raise NetworkError(f"ip {' '.join(map(str, args))}: {result.stderr.strip()}")
    return result


def used_networks():
    addresses = json.loads(ip("-j", "-4", "addr").stdout or "[]")
    return [
        ipaddress.ip_interface(f"{a['local']}/{a['prefixlen']}").network
        for link in addresses
        for a in link.get("addr_info", [])
    ]


def free_subnet():
    """A 10.x.0.0/24 that no address on this machine overlaps."""
    used = used_networks()
    candidates = list(range(64, 250))
    random.shuffle(candidates)
    for second in candidates:
        subnet = ipaddress.ip_network(f"10.{second}.0.0/24")
        if not any(subnet.overlaps(network) for network in used):
            return subnet
    raise NetworkError("no free 10.x.0.0/24 subnet on this machine")


@dataclass(frozen=True)
class Network:
    bridge: str
    subnet: ipaddress.IPv4Network

    def address(self, index):
        return str(self.subnet.network_address + index)

    @property
    def gateway(self):
        """This machine's address on the bridge."""
        return self.address(1)

    def add_address(self, index):
        """One more address of this machine's on the bridge (gone with it)."""
        address = self.address(index)
        ip("addr", "add", f"{address}/24", "dev", self.bridge)
        return address


@contextmanager
def bridge(run_id):
    """A bridge with a free subnet; removed on exit, whatever happened."""
    name = f"{PREFIX}br{run_id}"
    with SUBNET_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subnet = free_subnet()
        ip("link", "add", name, "type", "bridge")
        try:
            network = Network(name, subnet)
            ip("addr", "add", f"{network.gateway}/24", "dev", name)
            ip("link", "set", name, "up")
        except BaseException:
            ip("link", "del", name, check=False)
            raise
    try:
        yield network
    finally:
        ip("link", "del", name, check=False)


@dataclass(frozen=True)
class Namespace:
    name: str
    address: str

    @property
    def path(self):
        return f"/run/netns/{self.name}"


@contextmanager
def namespace(network, run_id, index):
    """A network namespace whose eth0 is on the bridge at subnet address
    `index`; removed on exit (which removes its veth pair too)."""
    name, veth = f"{PREFIX}ns{run_id}h{index}", f"{PREFIX}v{run_id}h{index}"
    address = network.address(index)
    ip("netns", "add", name)
    try:
        ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", name)
        ip("link", "set", veth, "master", network.bridge, "up")
        ip("-n", name, "addr", "add", f"{address}/24", "dev", "eth0")
        ip("-n", name, "link", "set", "eth0", "up")
        ip("-n", name, "link", "set", "lo", "up")
        yield Namespace(name, address)
    finally:
        ip("netns", "del", name, check=False)
        ip("link", "del", veth, check=False)


def leftovers(run_id):
    """Links and namespaces of this run that still exist."""
    mark = f"{run_id}"
    links = [
        link["ifname"]
        for link in json.loads(ip("-j", "link").stdout or "[]")
        if link["ifname"].startswith(PREFIX) and mark in link["ifname"]
    ]
    namespaces = [
        entry.split()[0]
        for entry in ip("netns", "list").stdout.splitlines()
        if entry.startswith(PREFIX) and mark in entry
    ]
    return links + namespaces
