"""``safemaker doctor``: is the profile's VPC really a closed network that SageMaker can work in?

:func:`run` reads the VPC, its DHCP options, the profile's subnets and their
route tables, the VPC endpoints, the security groups and the network ACLs with a fixed number
of batched EC2 Describe calls (filters, never one call per subnet or
endpoint), and reports one :class:`Check` per line: ``ok``, ``problem`` (with
the fix) or ``unknown`` (a Describe call failed: never taken as ok).

What is checked (field reports F06-F13 of ``shared/cases/field-reports.md``):

- the VPC exists; ``enableDnsSupport`` and ``enableDnsHostnames`` are on;
  its DHCP options set carries ``domain-name`` and ``domain-name-servers`` (F12);
- each profile subnet belongs to the VPC; its route table (explicit
  association, else the VPC's main table) has no way out: no route to an
  internet gateway, egress-only internet gateway, NAT gateway or carrier
  gateway, and no default route (``0.0.0.0/0``, ``::/0``) to a NAT instance
  (instance or network interface target), a peering connection or a transit
  gateway (F08); and it has a route to an S3 gateway endpoint (F07,
  "no path to S3");
- the subnets span two Availability Zones when ``hosting`` is a feature;
- every endpoint the features need exists, matched by exact service name
  (F06, F10, F11); each interface endpoint is ``available``, has private DNS
  on, has a network interface in every Availability Zone of the profile's
  subnets, and tcp/443 is open both ways between the profile's security
  groups and the endpoint's (F10); the S3 gateway endpoint is associated
  with every profile subnet's route table;
- each profile security group: a rule allowing all traffic from and to
  itself when distributed training is possible (``training``,
  ``pipelines``); no egress other than to the endpoints' security groups,
  the S3 prefix list and itself;
- network ACLs (stateless; evaluated as AWS does by :func:`evaluate_network_acl`):
  each profile subnet's lets tcp/443 out to the subnets of the interface
  endpoints the features need and tcp 1024-65535 back in, and the same to and
  from the CIDRs of the S3 prefix list (a network ACL cannot name a prefix
  list); each subnet hosting those endpoints lets tcp/443 in from the profile's
  subnets and tcp 1024-65535 back out. Traffic within one subnet is not
  filtered by its network ACL and is not checked;
- the profile's ``vpc_endpoint_ids`` are endpoints of the VPC;
- with an IAM client: the execution role may create and manage the
  network interfaces SageMaker puts in the VPC (F13; IAM
  ``SimulatePrincipalPolicy``). IAM has no VPC endpoint (F09): pass an IAM
  client only where IAM is reachable.

The library creates no client: pass them in. :func:`assert_closed` is the
strict variant of the F08 check that raises :class:`~safemaker.errors.ProfileError`.

One file per concern: ``report`` (:class:`Check`, :class:`Report`), ``runner``
(:func:`run`, :data:`EC2_CALLS`), ``dns``, ``routes``, ``endpoints``,
``security_groups``, ``nacls`` (:func:`evaluate_network_acl`), ``role``,
``strict`` (:func:`assert_closed`, :func:`load_closed`), and ``_reading``
(the batched Describe calls, through botocore's paginators). This module
re-exports the public names: ``from safemaker.network.doctor import run``.
"""

from safemaker.network.doctor.nacls import EPHEMERAL_PORTS, NaclPart, NaclVerdict, evaluate_network_acl
from safemaker.network.doctor.report import OK, PROBLEM, UNKNOWN, Check, Report, Status
from safemaker.network.doctor.role import ENI_ACTIONS
from safemaker.network.doctor.runner import EC2_CALLS, run
from safemaker.network.doctor.strict import assert_closed, load_closed

__all__ = [
    "Check",
    "Report",
    "run",
    "assert_closed",
    "load_closed",
    "ENI_ACTIONS",
    "EC2_CALLS",
    "EPHEMERAL_PORTS",
    "NaclPart",
    "NaclVerdict",
    "evaluate_network_acl",
    "Status",
    "OK",
    "PROBLEM",
    "UNKNOWN",
]
