"""The PackedPolicySize model: calibration on AWS's public data points, and the properties AWS's packing shows."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockfed.iam.packing import MAX_SESSION_TOKEN_SIZE, PackedSession, pack, packed_policy_size

# myfile.json of the AWS CLI docs example, pretty-printed exactly as published.
CLI_DOCS_POLICY = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "ec2:Describe*",
            "Resource": "*"
        },
        {
            "Effect": "Allow",
            "Action": "elasticloadbalancing:Describe*",
            "Resource": "*"
        },
        {
            "Effect": "Allow",
            "Action": [
                "cloudwatch:ListMetrics",
                "cloudwatch:GetMetricStatistics",
                "cloudwatch:Describe*"
            ],
            "Resource": "*"
        },
        {
            "Effect": "Allow",
            "Action": "autoscaling:Describe*",
            "Resource": "*"
        }
    ]
}
"""
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
BOTOCORE_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"Stmt1","Effect":"Allow","Action":"s3:ListAllMyBuckets",'
    '"Resource":"*"}]}'
)

ACCOUNT = "111122223333"
ACTIONS_18 = [
    *("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation"),
    *("s3:GetObjectTagging", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
    *("dynamodb:Query", "dynamodb:Scan", "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"),
    *("sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"),
]
ACTIONS_42 = [
    *ACTIONS_18,
    *("lambda:InvokeFunction", "lambda:GetFunction", "lambda:ListFunctions", "lambda:GetFunctionConfiguration"),
    *("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
    *("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "sns:Publish", "sns:ListTopics"),
    *("sns:GetTopicAttributes", "sns:Subscribe", "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
    *("ssm:GetParameter", "ssm:GetParameters", "ecr:GetAuthorizationToken", "ecr:BatchGetImage"),
    *("ecr:GetDownloadUrlForLayer", "cloudwatch:PutMetricData"),
]
RESOURCES = [
    ["arn:aws:s3:::example-bucket", "arn:aws:s3:::example-bucket/*"],
    f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Orders",
    f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders-queue",
    "*",
    f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:orders/*",
    [f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/orders/*", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/orders-key"],
    "*",
]


def compact(document: object) -> str:
    return json.dumps(document, separators=(",", ":"))


def policy_of(statements: Sequence[Mapping[str, object]]) -> str:
    return compact({"Version": "2012-10-17", "Statement": statements})


def grouped_policy(actions: list[str], sizes: list[int]) -> str:
    """A minified policy like the unverified reports describe: actions grouped by service, one resource each."""
    statements: list[dict[str, object]] = []
    start = 0
    for number, size in enumerate(sizes):
        chunk = actions[start : start + size]
        statements.append(
            {"Sid": f"Stmt{number + 1}", "Effect": "Allow", "Action": chunk, "Resource": RESOURCES[number]}
        )
        start += size
    assert start == len(actions)
    return policy_of(statements)


REPORTED_18_ACTIONS = grouped_policy(ACTIONS_18, [6, 6, 6])
REPORTED_42_ACTIONS = grouped_policy(ACTIONS_42, [6, 6, 6, 8, 4, 4, 8])


def distinct_actions_policy(limit: int = 2048) -> tuple[str, int]:
    """The longest one-statement policy within ``limit`` characters whose actions are all different."""
    services = ["ec2", "s3", "iam", "lambda", "dynamodb", "sqs", "sns", "kms", "rds", "ecs", "logs", "glue"]
    verbs = ["Describe", "Get", "List", "Create", "Delete", "Update", "Put", "Modify", "Start", "Stop"]
    nouns = ["Instances", "Buckets", "Roles", "Functions", "Tables", "Queues", "Topics", "Keys", "Clusters"]
    names = (f"{service}:{verb}{noun}" for noun in nouns for verb in verbs for service in services)
    actions: list[str] = []
    for name in names:
        candidate = policy_of([{"Effect": "Allow", "Action": [*actions, name], "Resource": "*"}])
        if len(candidate) > limit:
            break
        actions.append(name)
    return policy_of([{"Effect": "Allow", "Action": actions, "Resource": "*"}]), len(actions)


def unique_tags(count: int, prefix: str = "tag") -> list[tuple[str, str]]:
    """Tags whose values do not compress, like identifiers and e-mail addresses do not."""
    return [(f"{prefix}-{n:02d}", hashlib.sha256(f"{prefix}{n}".encode()).hexdigest()[:24]) for n in range(count)]


# Hypothesis strategies for requests shaped like real ones.
action_names = st.from_regex(r"[a-z][a-z0-9-]{1,14}:[A-Z][A-Za-z]{1,24}\*?", fullmatch=True)
resource_names = st.one_of(
    st.just("*"),
    st.from_regex(r"arn:aws:[a-z0-9]{2,12}:(us-east-1)?:(111122223333)?:[a-z0-9/*._-]{1,40}", fullmatch=True),
)
statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.one_of(action_names, st.lists(action_names, min_size=1, max_size=4)),
        "Resource": st.one_of(resource_names, st.lists(resource_names, min_size=1, max_size=3)),
    },
    optional={
        "Sid": st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True),
        "Condition": st.fixed_dictionaries(
            {"StringEquals": st.dictionaries(st.sampled_from(["aws:RequestedRegion", "s3:prefix"]), resource_names)}
        ),
    },
)
managed_policy_arns = st.from_regex(r"arn:aws:iam::(aws|111122223333):policy/[A-Za-z0-9+=,.@_-]{1,40}", fullmatch=True)
tag_text = st.text(alphabet="abcdefXYZ0129 _.:/=+-@é", max_size=24)
session_tags = st.tuples(tag_text.filter(bool), tag_text)


# -- calibration ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "policy_arns", "tags", "real_value"),
    [
        pytest.param(CLI_DOCS_POLICY, [S3_READ_ONLY], [], 36, id="aws-cli-docs-get-federation-token"),
        pytest.param(
            BOTOCORE_POLICY,
            [],
            [("Project", "Pegasus"), ("Cost-Center", "98765")],
            8,
            id="botocore-get-federation-token",
        ),
        pytest.param(
            BOTOCORE_POLICY,
            [],
            [("Project", "Unicorn"), ("Team", "Automation"), ("Cost-Center", "12345")],
            8,
            id="botocore-assume-role-three-tags",
        ),
    ],
)
def test_public_data_points_are_matched_within_two_points(
    policy: str, policy_arns: list[str], tags: list[tuple[str, str]], real_value: int
) -> None:
    assert abs(packed_policy_size(policy, policy_arns, tags) - real_value) <= 2


def test_the_two_fully_specified_examples_are_matched_exactly() -> None:
    assert packed_policy_size(CLI_DOCS_POLICY, [S3_READ_ONLY]) == 36
    assert packed_policy_size(BOTOCORE_POLICY, tags={"Project": "Pegasus", "Cost-Center": "98765"}) == 8


@pytest.mark.parametrize(
    ("policy", "action_count", "reported"),
    [
        pytest.param(REPORTED_18_ACTIONS, 18, 82, id="736-chars-18-actions"),
        pytest.param(REPORTED_42_ACTIONS, 42, 157, id="1690-chars-42-actions"),
    ],
)
def test_unverified_reports_are_roughly_respected(policy: str, action_count: int, reported: int) -> None:
    assert action_count == sum(len(statement["Action"]) for statement in json.loads(policy)["Statement"])
    assert abs(packed_policy_size(policy) - reported) <= reported // 4


def test_a_2048_character_policy_of_distinct_actions_is_far_over_the_limit() -> None:
    policy, action_count = distinct_actions_policy()
    assert 2000 <= len(policy) <= 2048
    assert action_count > 80

    packed = pack(policy)

    assert packed.percent > 150
    assert packed.too_large


def test_an_empty_request_packs_to_zero_as_aws_reports_it() -> None:
    # A GetFederationToken with no policy, no policy ARNs and no tags was answered PackedPolicySize 0 by AWS.
    packed = pack()
    assert (packed.percent, packed.policy_percent, packed.tags_percent, packed.too_large) == (0, 0, 0, False)


def test_anything_packed_makes_the_size_at_least_one() -> None:
    assert pack(tags=[("a", "b")]).percent >= 1
    assert pack(policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"]).percent >= 1


# -- normalisation and determinism ---------------------------------------------------------------------------------


def test_whitespace_in_the_policy_does_not_matter() -> None:
    document = json.loads(CLI_DOCS_POLICY)
    spellings = [
        CLI_DOCS_POLICY,
        compact(document),
        json.dumps(document, indent="\t").replace("\n", "\r\n"),
        json.dumps(document, indent=1, separators=(" ,  ", " :\n ")),
    ]

    packed = {pack(text, [S3_READ_ONLY]) for text in spellings}

    assert len(packed) == 1
    assert packed.pop().percent == 36


def test_equivalent_spellings_of_a_statement_pack_alike() -> None:
    one = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    listed = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}

    spellings = {
        compact({"Version": "2012-10-17", "Statement": one}),
        compact({"Version": "2012-10-17", "Statement": [one]}),
        compact({"Version": "2012-10-17", "Statement": [listed]}),
        compact({"Version": "2012-10-17", "Statement": [{"Sid": "ReadObjects", **one}]}),
    }

    assert len({pack(text) for text in spellings}) == 1


def test_packing_is_deterministic_across_calls_and_processes() -> None:
    request = (CLI_DOCS_POLICY, [S3_READ_ONLY], [("Project", "Pegasus"), ("Team", "Automation")])
    here = pack(*request)
    script = f"import sys\nfrom mockfed.iam.packing import pack\nsys.stdout.write(pack(*{request!r}).data.hex())\n"
    project = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": project}

    other = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True, cwd=project
    )

    assert pack(*request) == here
    assert other.stdout == here.data.hex()


@given(
    policy=st.one_of(st.none(), st.lists(statements, max_size=3).map(policy_of)),
    arns=st.lists(managed_policy_arns, max_size=2),
    tag_list=st.lists(session_tags, max_size=2),
)
def test_the_percentage_is_zero_only_when_nothing_is_packed(
    policy: str | None, arns: list[str], tag_list: list[tuple[str, str]]
) -> None:
    no_statement = policy is None or json.loads(policy)["Statement"] == []
    nothing = no_statement and not arns and not tag_list
    assert (pack(policy, arns, tag_list).percent == 0) == nothing


def test_mapping_and_sequence_tags_pack_alike() -> None:
    assert packed_policy_size(tags={"Project": "Pegasus", "Cost-Center": "98765"}) == packed_policy_size(
        tags=[("Project", "Pegasus"), ("Cost-Center", "98765")]
    )
    assert pack(tags={"Project": "Pegasus"}) == pack(tags=[("Project", "Pegasus")])
    assert pack(tags=(pair for pair in [("Project", "Pegasus")])) == pack(tags=[("Project", "Pegasus")])


@pytest.mark.parametrize(
    "tags", ["Project=Pegasus", [("Project",)], [1, 2], [("Project", 7)], {"Project": None}, ["ab"], [b"ab"]]
)
def test_tags_that_are_neither_pairs_nor_a_mapping_of_text_are_a_type_error_showing_both(tags: Any) -> None:
    with pytest.raises(TypeError, match=r"tags must be a mapping or a sequence of \(key, value\) pairs of text"):
        pack(tags=tags)


def test_the_largest_accepted_packing_fits_the_largest_session_token() -> None:
    accepted = [packed for n in range(50) if not (packed := pack(tags=unique_tags(n))).too_large]
    largest = max(accepted, key=lambda packed: len(packed.data))

    assert largest.percent >= 95
    assert len(base64.b64encode(largest.data)) < MAX_SESSION_TOKEN_SIZE


# -- too large, and who is to blame --------------------------------------------------------------------------------


def test_a_policy_over_the_limit_is_not_blamed_on_tags() -> None:
    policy, _ = distinct_actions_policy()

    packed = pack(policy, tags=[("Project", "Pegasus")])

    assert packed.too_large
    assert packed.policy_percent > 100
    assert not packed.exceeded_by_tags


def test_tags_that_push_a_fitting_policy_over_the_limit_are_blamed() -> None:
    assert not pack(REPORTED_18_ACTIONS).too_large

    packed = pack(REPORTED_18_ACTIONS, tags=unique_tags(12))

    assert packed.too_large
    assert packed.policy_percent <= 100
    assert packed.exceeded_by_tags


def test_tags_alone_over_the_limit_are_blamed() -> None:
    packed = pack(tags=unique_tags(50))
    assert packed.too_large
    assert packed.exceeded_by_tags


def test_a_request_within_the_limit_is_neither_too_large_nor_blamed() -> None:
    packed = pack(CLI_DOCS_POLICY, [S3_READ_ONLY], [("Project", "Pegasus")])
    assert (packed.too_large, packed.exceeded_by_tags) == (False, False)


def test_tags_and_policies_add_up() -> None:
    tags = unique_tags(10)
    together = pack(REPORTED_18_ACTIONS, [S3_READ_ONLY], tags)
    without_tags = pack(REPORTED_18_ACTIONS, [S3_READ_ONLY])
    tags_alone = pack(tags=tags)

    assert together.policy_percent == without_tags.percent
    assert together.tags_percent == tags_alone.tags_percent
    assert together.policy_percent + together.tags_percent - 1 <= together.percent
    assert together.percent <= together.policy_percent + together.tags_percent


def test_packed_session_properties_follow_its_percentages() -> None:
    assert PackedSession(b"", policy_percent=60, tags_percent=41, percent=101).exceeded_by_tags
    assert not PackedSession(b"", policy_percent=101, tags_percent=0, percent=101).exceeded_by_tags
    assert not PackedSession(b"", policy_percent=90, tags_percent=10, percent=100).too_large


# -- bad input -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["", "not json", "{", "{'Version': '2012-10-17'}", '{"Statement": [}'])
def test_a_policy_that_is_not_json_is_rejected(policy: str) -> None:
    with pytest.raises(ValueError, match="policy is not valid JSON"):
        pack(policy)


def test_a_policy_nested_too_deeply_is_rejected_as_a_value_error() -> None:
    with pytest.raises(ValueError, match="nests too deeply"):
        pack("[" * 5000 + "]" * 5000)


def test_a_single_arn_string_is_rejected_rather_than_packed_character_by_character() -> None:
    with pytest.raises(TypeError, match="policy_arns must be a sequence of ARNs"):
        pack(policy_arns=S3_READ_ONLY)


def test_tags_that_are_not_pairs_are_rejected() -> None:
    with pytest.raises(TypeError, match=r"\(key, value\) pairs"):
        pack(tags=[("Project", "Pegasus", "extra")])  # type: ignore[list-item]


# -- monotonicity --------------------------------------------------------------------------------------------------


@settings(max_examples=150)
@given(
    existing=st.lists(statements, max_size=5),
    added=statements,
    position=st.integers(min_value=0),
    arns=st.lists(managed_policy_arns, max_size=3),
    tag_list=st.lists(session_tags, max_size=3),
)
def test_adding_a_statement_never_lowers_the_percentage(
    existing: list[dict[str, object]],
    added: dict[str, object],
    position: int,
    arns: list[str],
    tag_list: list[tuple[str, str]],
) -> None:
    where = position % (len(existing) + 1)
    before = pack(policy_of(existing), arns, tag_list)

    after = pack(policy_of([*existing[:where], added, *existing[where:]]), arns, tag_list)

    assert after.percent >= before.percent
    assert after.policy_percent >= before.policy_percent
    assert len(after.data) > len(before.data)


@settings(max_examples=150)
@given(
    existing=st.lists(managed_policy_arns, max_size=9),
    added=managed_policy_arns,
    position=st.integers(min_value=0),
    policy=st.one_of(st.none(), st.lists(statements, min_size=1, max_size=3).map(policy_of)),
    tag_list=st.lists(session_tags, max_size=3),
)
def test_adding_a_policy_arn_never_lowers_the_percentage(
    existing: list[str], added: str, position: int, policy: str | None, tag_list: list[tuple[str, str]]
) -> None:
    where = position % (len(existing) + 1)
    before = pack(policy, existing, tag_list)

    after = pack(policy, [*existing[:where], added, *existing[where:]], tag_list)

    assert after.percent >= before.percent
    assert after.policy_percent >= before.policy_percent
    assert len(after.data) > len(before.data)


@settings(max_examples=150)
@given(
    existing=st.lists(session_tags, max_size=12),
    added=session_tags,
    position=st.integers(min_value=0),
    policy=st.one_of(st.none(), st.lists(statements, min_size=1, max_size=3).map(policy_of)),
    arns=st.lists(managed_policy_arns, max_size=2),
)
def test_adding_a_tag_never_lowers_the_percentage(
    existing: list[tuple[str, str]],
    added: tuple[str, str],
    position: int,
    policy: str | None,
    arns: list[str],
) -> None:
    where = position % (len(existing) + 1)
    before = pack(policy, arns, existing)

    after = pack(policy, arns, [*existing[:where], added, *existing[where:]])

    assert after.percent >= before.percent
    assert after.tags_percent >= before.tags_percent
    assert after.policy_percent == before.policy_percent
    assert len(after.data) > len(before.data)
