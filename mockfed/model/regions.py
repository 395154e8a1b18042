"""Regions as botocore knows them: which names are AWS regions (its ``partitions.json``, read at run time).

Example::

    >>> valid_region("eu-west-1"), valid_region("cn-north-1"), valid_region("EU-WEST-1"), valid_region("mars-north-9")
    (True, True, False, False)
"""

from __future__ import annotations

import re
from typing import Any

from botocore.loaders import Loader

from mockfed.model import derived

__all__ = ["valid_region"]


def _region_patterns() -> tuple[re.Pattern[str], ...]:
    """Each partition's region pattern, from botocore's installed ``partitions.json``."""
    data: dict[str, Any] = Loader().load_data("partitions")
    return tuple(re.compile(partition["regionRegex"], re.ASCII) for partition in data["partitions"])


def valid_region(region: object) -> bool:
    """Whether ``region`` is the name of an AWS region in one of botocore's partitions (lower case, as AWS spells it).

    Example::

        >>> valid_region("us-gov-west-1"), valid_region("us-east-1 "), valid_region(None)
        (True, False, False)
    """
    return isinstance(region, str) and any(pattern.fullmatch(region) for pattern in derived(_region_patterns))
