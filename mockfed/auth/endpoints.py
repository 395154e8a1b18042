"""Where AWS answers: STS, sign-in and console host names in every partition and variant. One place.

Example::

    >>> region_of_host("sts-fips.us-east-2.amazonaws.com"), region_of_host("sts.amazonaws.com")
    ('us-east-2', 'us-east-1')
    >>> partition_of("cn-north-1"), partition_of("us-gov-west-1"), partition_of("eu-west-1")
    ('aws-cn', 'aws-us-gov', 'aws')
    >>> signin_partition_of_host("eu-west-1.signin.aws.amazon.com"), console_partition_of_url("https://console.amazonaws.cn/")
    ('aws', 'aws-cn')
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = [
    "AWS_URL",
    "CONSOLE_URL",
    "FEDERATION_PATH",
    "SAML_AUDIENCE",
    "SAML_RECIPIENT",
    "SIGNIN_OR_CONSOLE_URL",
    "SIGNIN_URL",
    "STS_HOST_PATTERN",
    "STS_URL",
    "console_home",
    "console_partition_of_url",
    "federation_endpoint",
    "partition_of",
    "region_of_host",
    "signin_partition_of_host",
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

# ---- the console federation endpoint (AWS Sign-In) and the console it signs people in to ----------------------

#: The path of the federation endpoint on a sign-in host (and on ``mockfed serve``).
FEDERATION_PATH = "/federation"

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
#: The domain of AWS Sign-In and of the console in each partition (AWS's and third-party brokers' code).
_CONSOLE_DOMAINS = {"aws": "aws.amazon.com", "aws-cn": "amazonaws.cn", "aws-us-gov": "amazonaws-us-gov.com"}
#: Sign-in hosts: ``signin.DOMAIN``, and ``REGION.signin.aws.amazon.com`` (the AWS Sign-In endpoints page).
_SIGNIN_HOSTS = {
    partition: (rf"(?:(?!cn-|us-gov-){_REGION}\.)?" if partition == "aws" else "") + "signin." + re.escape(domain)
    for partition, domain in _CONSOLE_DOMAINS.items()
}
#: Console hosts: the console itself, its regional hosts and its services' hosts.
_CONSOLE_HOSTS = {
    partition: r"(?:[a-z0-9-]+\.)*console\." + re.escape(domain) for partition, domain in _CONSOLE_DOMAINS.items()
}


def _url_on(*hosts: str) -> re.Pattern[str]:
    return re.compile(rf"^https?://(?:{'|'.join(hosts)})(?::\d+)?(?:[/?#]|$)", re.IGNORECASE)


def _by_partition(hosts: dict[str, str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((partition, re.compile(host, re.IGNORECASE)) for partition, host in hosts.items())


#: A URL on a sign-in host (any path: only ``/federation`` is simulated, the rest is answered 404).
SIGNIN_URL = _url_on(*_SIGNIN_HOSTS.values())
#: A URL on an AWS console host (where the federation endpoint's login redirects to).
CONSOLE_URL = _url_on(*_CONSOLE_HOSTS.values())
#: Either: what the console federation endpoint's handler answers.
SIGNIN_OR_CONSOLE_URL = _url_on(*_SIGNIN_HOSTS.values(), *_CONSOLE_HOSTS.values())
_SIGNIN_BY_PARTITION = _by_partition(_SIGNIN_HOSTS)
_CONSOLE_BY_PARTITION = _by_partition(_CONSOLE_HOSTS)


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


def signin_partition_of_host(host: str) -> str | None:
    """The partition a sign-in host serves; None for a host that is not one (``mockfed serve``'s own).

    Example::

        >>> signin_partition_of_host("signin.amazonaws-us-gov.com"), signin_partition_of_host("127.0.0.1")
        ('aws-us-gov', None)
    """
    return _partition_by_host(_SIGNIN_BY_PARTITION, host)


def console_partition_of_url(url: str) -> str | None:
    """The partition of an AWS console URL (``https`` on a console host, no user or foreign port); None otherwise.

    Example::

        >>> console_partition_of_url("https://us-east-2.console.aws.amazon.com/console/home?region=us-east-2")
        'aws'
        >>> console_partition_of_url("https://evil.example.com/"), console_partition_of_url("http://console.aws.amazon.com/")
        (None, None)
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # an unreadable URL or port
        return None
    if parts.scheme.lower() != "https" or parts.username is not None or port not in (None, 443):
        return None
    return _partition_by_host(_CONSOLE_BY_PARTITION, parts.hostname or "")


def _partition_by_host(hosts: tuple[tuple[str, re.Pattern[str]], ...], host: str) -> str | None:
    for partition, pattern in hosts:
        if pattern.fullmatch(host):
            return partition
    return None


def federation_endpoint(partition: str = "aws") -> str:
    """The global federation endpoint of a partition, as AWS's broker examples write it.

    Example::

        >>> federation_endpoint(), federation_endpoint("aws-cn")
        ('https://signin.aws.amazon.com/federation', 'https://signin.amazonaws.cn/federation')
    """
    return f"https://signin.{_CONSOLE_DOMAINS.get(partition, _CONSOLE_DOMAINS['aws'])}{FEDERATION_PATH}"


def console_home(partition: str = "aws") -> str:
    """The console's home page in a partition (a sign-in's default destination).

    Example::

        >>> console_home("aws-us-gov")
        'https://console.amazonaws-us-gov.com/'
    """
    return f"https://console.{_CONSOLE_DOMAINS.get(partition, _CONSOLE_DOMAINS['aws'])}/"


#: Where AWS takes SAML responses, as an assertion's ``Recipient`` names it: the sign-in endpoint, global or
#: regional, in every partition (IAM User Guide, "Configure SAML assertions for the authentication response").
SAML_RECIPIENT = re.compile(
    r"https://(?:[a-z]{2}(?:-[a-z]+)+-\d+\.)?signin\.(?:aws\.amazon\.com|amazonaws\.cn|amazonaws-us-gov\.com)"
    r"/(?:static/)?saml"
)
#: What an assertion's ``Audience`` may name: the sign-in endpoint, or AWS's service-provider entity id
#: (``urn:amazon:webservices``, regional ``urn:amazon:webservices:REGION``, ``urn:amazon:webservices:govcloud``).
SAML_AUDIENCE = re.compile(rf"{SAML_RECIPIENT.pattern}|urn:amazon:webservices(?::[a-z0-9-]+)?")
