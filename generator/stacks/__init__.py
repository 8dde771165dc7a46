"""The stacks checks and proofs run against, behind one declared contract
(contract.py): local.py (the rendered deploy on this machine), host.py (a
fresh Debian 12 host deployed by the project's own make), cluster.py (a
load balancer and two app hosts); deployed.py is what the last two share,
users.py the users every stack signs in."""
