"""IAM policies: the grammar STS enforces, how AWS evaluates them, the shipped AWS-managed ones, packing.

Nothing here knows about HTTP, accounts or sessions: documents and requests in, decisions out.

Example::

    >>> from mockfed.iam import parse_policy
    >>> parse_policy('{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", '
    ...              '"Resource": "*"}}').evaluate("s3:GetObject")
    'Allow'
"""

from mockfed.iam.grammar import parse_policy
from mockfed.iam.managed import aws_managed_policy_arns, managed_policy_document
from mockfed.iam.policy import Condition, Policy, Statement, is_allowed

__all__ = [
    "Condition",
    "Policy",
    "Statement",
    "aws_managed_policy_arns",
    "is_allowed",
    "managed_policy_document",
    "parse_policy",
]
