"""The wire format, byte for byte where STS defines it: the pipeline straight from HTTP requests."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockfed import FederationBackend
from mockfed.dispatch import handle
from mockfed.errors import StsError
from mockfed.http import HttpRequest, form_unquote
from mockfed.model import operation, service_model
from mockfed.protocol import form_fields, parse_call, parse_response, render_result

NS = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/"}


def post(
    body: str, url: str = "https://sts.amazonaws.com/", *, strict_auth: bool = False
) -> tuple[int, dict[str, str], ET.Element]:
    response = handle(
        HttpRequest.build("POST", url, {"Content-Type": "application/x-www-form-urlencoded"}, body),
        FederationBackend(),
        strict_auth=strict_auth,
    )
    return response.status, response.headers, ET.fromstring(response.body)


def test_success_document_shape() -> None:
    status, headers, root = post("Action=GetFederationToken&Version=2011-06-15&Name=Bob&DurationSeconds=900")
    assert status == 200
    assert root.tag == "{https://sts.amazonaws.com/doc/2011-06-15/}GetFederationTokenResponse"
    result = root.find("sts:GetFederationTokenResult", NS)
    assert result is not None
    assert [child.tag.split("}")[1] for child in result] == [
        "Credentials",
        "FederatedUser",
        "PackedPolicySize",
        "SessionTokenUtilization",
        "SessionTokenSize",
    ]
    credentials = result.find("sts:Credentials", NS)
    assert credentials is not None
    assert [c.tag.split("}")[1] for c in credentials] == [
        "SessionToken",
        "SecretAccessKey",
        "Expiration",
        "AccessKeyId",
    ]
    expiration = credentials.findtext("sts:Expiration", namespaces=NS)
    assert expiration is not None
    assert len(expiration) == 20
    assert expiration.endswith("Z")
    request_id = root.findtext("sts:ResponseMetadata/sts:RequestId", namespaces=NS)
    assert request_id == headers["x-amzn-RequestId"]
    assert headers["Content-Type"] == "text/xml"


def test_error_document_shape() -> None:
    status, headers, root = post("Action=GetFederationToken&Version=2011-06-15&Name=B%20b")
    assert status == 400
    assert root.tag == "{https://sts.amazonaws.com/doc/2011-06-15/}ErrorResponse"
    assert [child.tag.split("}")[1] for child in root] == ["Error", "RequestId"]
    assert root.findtext("sts:Error/sts:Type", namespaces=NS) == "Sender"
    assert root.findtext("sts:Error/sts:Code", namespaces=NS) == "ValidationError"
    assert root.findtext("sts:RequestId", namespaces=NS) == headers["x-amzn-RequestId"]
    assert root.find("sts:ResponseMetadata", NS) is None


def test_unknown_action() -> None:
    status, _, root = post("Action=GetFederationTokens&Version=2011-06-15")
    assert status == 400
    assert root.findtext("sts:Error/sts:Code", namespaces=NS) == "InvalidAction"
    assert root.findtext("sts:Error/sts:Message", namespaces=NS) == (
        "Could not find operation GetFederationTokens for version 2011-06-15"
    )


ROLE = "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FDeploy"


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        (
            "AssumeRoleWithWebIdentity",
            f"RoleArn={ROLE}&RoleSessionName=ci&WebIdentityToken=not-a-jwt",
            "The web identity token is not a JSON Web Token (Not enough segments)",
        ),
        (
            "AssumeRoleWithSAML",
            f"RoleArn={ROLE}&PrincipalArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2FOkta&SAMLAssertion=eA%3D%3D",
            "Specified provider doesn't exist.",
        ),
    ],
)
def test_federation_actions_need_no_signature_even_under_strict_auth(action: str, fields: str, message: str) -> None:
    status, _, root = post(f"Action={action}&Version=2011-06-15&{fields}", strict_auth=True)
    assert status == 400
    assert root.findtext("sts:Error/sts:Code", namespaces=NS) == "InvalidIdentityToken"
    assert root.findtext("sts:Error/sts:Message", namespaces=NS) == message


def test_other_actions_still_need_a_signature_under_strict_auth() -> None:
    status, _, root = post("Action=GetCallerIdentity&Version=2011-06-15", strict_auth=True)
    assert status == 403
    assert root.findtext("sts:Error/sts:Code", namespaces=NS) == "MissingAuthenticationToken"


@pytest.mark.parametrize(
    ("action", "order"),
    [
        (
            "AssumeRoleWithWebIdentity",
            ["Audience", "AssumedRoleUser", "Provider", "Credentials", "SubjectFromWebIdentityToken"],
        ),
        (
            "AssumeRoleWithSAML",
            ["Issuer", "AssumedRoleUser", "Credentials", "Audience", "SubjectType", "NameQualifier", "Subject"],
        ),
    ],
)
def test_federation_results_keep_the_services_element_order(action: str, order: list[str]) -> None:
    result = {name: sample(operation(action).output_shape.members[name]) for name in order}  # type: ignore[union-attr]
    root = ET.fromstring(render_result(action, result, "rid").body)
    written = root.find(f"sts:{action}Result", NS)
    assert written is not None
    assert [child.tag.split("}")[1] for child in written] == order


def test_message_with_markup_and_control_characters_stays_well_formed() -> None:
    status, _, root = post("Action=GetFederationToken&Version=2011-06-15&Name=%3Cb%3E%00%26")
    assert status == 400
    message = root.findtext("sts:Error/sts:Message", namespaces=NS) or ""
    assert "Value '<b>\ufffd&' at 'name'" in message


def test_parameters_from_a_query_string() -> None:
    response = handle(
        HttpRequest.build("GET", "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", {}, b""),
        FederationBackend(),
    )
    assert response.status == 200
    assert b"<Arn>arn:aws:iam::123456789012:user/mockfed-default</Arn>" in response.body


# ---- the protocol layer against botocore's own reading of it ----------------------------------------------


def sample(shape: Any, depth: int = 0) -> Any:
    """A value of every member of ``shape``, with characters XML must escape in the strings."""
    kind = shape.type_name
    if kind == "structure":
        return {name: sample(member, depth + 1) for name, member in shape.members.items()}
    if kind == "list":
        return [sample(shape.member, depth + 1), sample(shape.member, depth + 1)]
    if kind == "map":
        return {"k<1>": sample(shape.value, depth + 1), "k2": sample(shape.value, depth + 1)}
    if kind in ("integer", "long"):
        return 42 + depth
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return datetime(2026, 11, 25, 10, 30, 5, tzinfo=UTC)
    return f"a<b>&c'd\"e {shape.name} é"


@pytest.mark.parametrize("action", sorted(service_model().operation_names))
def test_every_result_renders_as_botocore_reads_it(action: str) -> None:
    shape = operation(action).output_shape  # type: ignore[union-attr]
    value = sample(shape) if shape is not None else {}
    parsed, error = parse_response(action, render_result(action, value, "rid"))
    assert error is None
    assert parsed == value


form_pieces = st.sampled_from([*"ab=&%+2F0-_.~é ", "%41", "%zz", "%C3%A9", "%2"])
form_texts = st.lists(form_pieces, max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(form_texts)
def test_form_fields_read_as_parse_qsl_reads(text: str) -> None:
    request = HttpRequest.build("POST", "https://sts.amazonaws.com/", {}, text.encode("utf-8"))
    assert form_fields(request) == dict(parse_qsl(text, keep_blank_values=True))


def test_a_request_read_again_gets_its_own_parameters() -> None:
    """Reading a request again answers from the first reading, and a change to one reading's parameters
    reaches no other."""

    body = (
        b"Action=GetFederationToken&Version=2011-06-15&Name=Bob&Tags.member.1.Key=a&Tags.member.1.Value=b"
        b"&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess"
    )
    request = HttpRequest.build("POST", "https://sts.amazonaws.com/", {}, body)
    first = parse_call(request)
    first.params["Tags"][0]["Key"] = "changed"
    first.params["PolicyArns"].clear()
    first.params["Name"] = "Eve"
    again = parse_call(HttpRequest.build("POST", "https://sts.amazonaws.com/", {}, body))
    assert again.params == {
        "Name": "Bob",
        "Tags": [{"Key": "a", "Value": "b"}],
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    }
    with pytest.raises(StsError) as info:  # the content type is part of what a reading depends on
        parse_call(HttpRequest.build("POST", "https://sts.amazonaws.com/", {"Content-Type": "text/plain"}, body))
    assert info.value.code == "MissingAction"


@settings(max_examples=1000)
@given(st.text(alphabet=st.sampled_from(list("%+\\xab09AFz -é\x00")) | st.characters(), max_size=40))
def test_form_fields_decode_as_unquote_plus_decodes(text: str) -> None:
    assert form_unquote(text) == unquote_plus(text)
