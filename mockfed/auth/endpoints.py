"""Where AWS answers: STS host names in every partition and variant, regions and partitions. One place.

Example::

    >>> region_of_host("sts-fips.us-east-2.amazonaws.com"), region_of_host("sts.amazonaws.com")
    ('us-east-2', 'us-east-1')
    >>> partition_of("cn-north-1"), partition_of("us-gov-west-1"), partition_of("eu-west-1")
    ('aws-cn', 'aws-us-gov', 'aws')
"""

from __future__ import annotations

import functools
import re

__all__ = [
    "AWS_URL",
    "SAML_AUDIENCE",
    "SAML_RECIPIENT",
    "STS_HOST_PATTERN",
    "STS_URL",
    "partition_of",
    "region_of_host",
    "signing_region_of_host",
]

#: STS in every partition and endpoint variant: regional, global, FIPS, dual-stack (``region`` absent: global).
STS_HOST_PATTERN = (
    r"sts(?:-fips)?\.(?:dualstack\.)?(?:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.)?"
    r"(?:amazonaws\.com(?:\.cn)?|api\.aws|api\.amazonwebservices\.com\.cn)"
)
_STS_HOST = re.compile(f"^{STS_HOST_PATTERN}$")

#: A URL on an STS host.
STS_URL = re.compile(rf"^https?://{STS_HOST_PATTERN}(?::\d+)?(?:/|\?|$)")

#: A URL on any AWS endpoint (the hosts a request must not reach unmocked).
AWS_URL = re.compile(
    r"^https?://(?:[^/?#]*\.)?(?:amazonaws\.com(?:\.cn)?|api\.aws|amazonwebservices\.com\.cn)(?::\d+)?(?:[/?#]|$)"
)

GLOBAL_REGION = "us-east-1"


@functools.lru_cache(maxsize=256)
def signing_region_of_host(host: str) -> str | None:
    """The region a request to ``host`` must be signed for; None for a host that is not STS's (a local server)."""
    match = _STS_HOST.match(host)
    if match is None:
        return None
    return match.group("region") or GLOBAL_REGION


def region_of_host(host: str) -> str:
    """The region an STS host name serves; the global endpoint (and any other host) serves us-east-1."""
    return signing_region_of_host(host) or GLOBAL_REGION


def partition_of(region: str) -> str:
    """The ARN partition of a region: ``aws``, ``aws-cn`` or ``aws-us-gov``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


#: Where AWS takes SAML responses, as an assertion's ``Recipient`` names it: the sign-in endpoint, global or
#: regional, in every partition (IAM User Guide, "Configure SAML assertions for the authentication response").
SAML_RECIPIENT = re.compile(
    r"https://(?:[a-z]{2}(?:-[a-z]+)+-\d+\.)?signin\.(?:aws\.amazon\.com|amazonaws\.cn|amazonaws-us-gov\.com)"
    r"/(?:static/)?saml"
)
#: What an assertion's ``Audience`` may name: the sign-in endpoint, or AWS's service-provider entity id
#: (``urn:amazon:webservices``, regional ``urn:amazon:webservices:REGION``, ``urn:amazon:webservices:govcloud``).
SAML_AUDIENCE = re.compile(rf"{SAML_RECIPIENT.pattern}|urn:amazon:webservices(?::[a-z0-9-]+)?")
