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
from encodings.idna import nameprep
from typing import Literal
from urllib.parse import unquote, urlsplit

__all__ = [
    "CONSOLE_URL",
    "FEDERATION_PATH",
    "SAML_AUDIENCE",
    "SAML_RECIPIENT",
    "STS_HOST_PATTERN",
    "Destination",
    "console_home",
    "console_partition_of_url",
    "destination",
    "federation_endpoint",
    "is_console_url",
    "normal_host",
    "partition_of",
    "region_of_host",
    "signin_partition_of_host",
    "signing_region_of_host",
    "url_host",
]

#: STS in every partition and endpoint variant: regional, global, FIPS, dual-stack (``region`` absent: global).
STS_HOST_PATTERN = (
    r"sts(?:-fips)?\.(?:dualstack\.)?(?:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.)?"
    r"(?:amazonaws\.com(?:\.cn)?|api\.aws|api\.amazonwebservices\.com\.cn)"
)
_STS_HOST = re.compile(f"^{STS_HOST_PATTERN}$")
#: STS through an interface VPC endpoint: ``[vpce-ID.]sts.REGION.vpce.amazonaws.com`` (PrivateLink DNS names).
_STS_VPCE_HOST = re.compile(r"(?:vpce-[a-z0-9-]+\.)?sts\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.vpce\.amazonaws\.com")
#: Every AWS endpoint's domain (the hosts a request must not reach unmocked).
_AWS_DOMAINS = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".amazonwebservices.com.cn")


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


#: A URL on an AWS console host (where the federation endpoint's login redirects to).
CONSOLE_URL = _url_on(*_CONSOLE_HOSTS.values())
_CONSOLE_HOST = re.compile("|".join(_CONSOLE_HOSTS.values()), re.IGNORECASE)
_SIGNIN_OR_CONSOLE_HOST = re.compile("|".join((*_SIGNIN_HOSTS.values(), *_CONSOLE_HOSTS.values())), re.IGNORECASE)
_SIGNIN_BY_PARTITION = _by_partition(_SIGNIN_HOSTS)
_CONSOLE_BY_PARTITION = _by_partition(_CONSOLE_HOSTS)


def normal_host(host: str) -> str:
    """A host name as DNS reads it: percent-escapes decoded, mapped as the socket layer maps a name beyond ASCII
    (IDNA: a soft hyphen or a zero-width space dropped, full-width letters made ASCII), lower case, without trailing
    dots.

    Example::

        >>> normal_host("STS.AmazonAWS.com."), normal_host("sts.amazonaws.com%2e"), normal_host("sts.amazon\xadaws.com")
        ('sts.amazonaws.com', 'sts.amazonaws.com', 'sts.amazonaws.com')
    """
    if "%" in host:
        host = unquote(host)
    if not host.isascii():
        host = _idna_mapped(host)
    return host.lower().rstrip(".")


#: The dots IDNA separates labels with (RFC 3490 section 3.1), as Python's codec does.
_IDNA_DOTS = re.compile("[\u002e\u3002\uff0e\uff61]")


def _idna_mapped(host: str) -> str:
    """``host`` as the socket layer's IDNA codec maps it, where that makes it ASCII: each label's nameprep (a soft
    hyphen or a zero-width space dropped, full-width letters made ASCII), in time linear in the name. A label still
    beyond ASCII after it becomes an ``xn--`` name, which is no AWS host: the name is then left as it is, as it is
    when the codec refuses a label."""
    labels = []
    for label in _IDNA_DOTS.split(host):
        if not label.isascii():
            try:
                label = nameprep(label)
            except UnicodeError:
                return host
            if not label.isascii():
                return host
        labels.append(label)
    return ".".join(labels)


def url_host(url: str) -> str | None:
    """The host an ``http``/``https`` URL reaches, as DNS reads it (:func:`normal_host`; no user information, no
    port); None for any other URL, or one that cannot be read.

    Example::

        >>> url_host("https://user@STS.amazonaws.com.:443/?Action=x"), url_host("ftp://sts.amazonaws.com/")
        ('sts.amazonaws.com', None)
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:  # an unreadable URL or port
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return normal_host(host)


Destination = Literal["sts", "console", "aws"]


def destination(url: str) -> Destination | None:
    """Where a URL goes, however its host is spelled: ``"sts"`` (an STS host, its VPC endpoints included),
    ``"console"`` (a sign-in or console host), ``"aws"`` (another AWS endpoint), or None (elsewhere). The one
    place every door asks.

    Example::

        >>> destination("https://sts.amazonaws.com./"), destination("https://SIGNIN.aws.amazon.com/federation")
        ('sts', 'console')
        >>> destination("https://s3.amazonaws.com/b"), destination("http://localhost:4566/")
        ('aws', None)
    """
    host = url_host(url)
    if host is None:
        return None
    if signing_region_of_host(host) is not None:
        return "sts"
    if _SIGNIN_OR_CONSOLE_HOST.fullmatch(host):
        return "console"
    if host.endswith(_AWS_DOMAINS) or f".{host}".endswith(_AWS_DOMAINS):
        return "aws"
    return None


def is_console_url(url: str) -> bool:
    """Whether ``url`` is on an AWS console host (not a sign-in host), however its host is spelled.

    Example::

        >>> is_console_url("https://Console.AWS.amazon.com./s3/"), is_console_url("https://signin.aws.amazon.com/")
        (True, False)
    """
    host = url_host(url)
    return host is not None and _CONSOLE_HOST.fullmatch(host) is not None


def signing_region_of_host(host: str) -> str | None:
    """The region a request to ``host`` must be signed for; None for a host that is not STS's (a local server).

    Example::

        >>> signing_region_of_host("sts.eu-west-1.amazonaws.com")
        'eu-west-1'
        >>> signing_region_of_host("vpce-0a1-b2.sts.eu-west-1.vpce.amazonaws.com"), signing_region_of_host("localhost")
        ('eu-west-1', None)
    """
    host = normal_host(host)
    match = _STS_HOST.match(host) or _STS_VPCE_HOST.fullmatch(host)
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
    return _partition_by_host(_SIGNIN_BY_PARTITION, normal_host(host))


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
