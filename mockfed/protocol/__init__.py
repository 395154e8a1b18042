"""The AWS query protocol, from botocore's service model: requests parsed, answers rendered as STS's XML.

Example::

    >>> from mockfed.http import HttpRequest
    >>> call = parse_call(HttpRequest.build("POST", "https://sts.amazonaws.com/", {},
    ...                                     b"Action=GetCallerIdentity&Version=2011-06-15"))
    >>> render_result(call.action, {"UserId": "AIDA", "Account": "1", "Arn": "arn"}, "rid").status
    200
"""

from mockfed.protocol.query import StsCall, form_fields, parse_call
from mockfed.protocol.xml import parse_response, render_error, render_result

__all__ = ["StsCall", "form_fields", "parse_call", "parse_response", "render_error", "render_result"]
