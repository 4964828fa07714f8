"""The live local stack keeps the contract it publishes at ``GET /v1/openapi.json``.

Schemathesis generates requests from the served document, valid and invalid ones, and sends
them over HTTP, once anonymously and once as the operator (past the bearer check). No reply may
be a 5xx, and each must have a documented status, Content-Type, headers and body. Signed-platform
routes answer 401 to both callers: that is documented, so it passes.

Schemathesis is driven through Hypothesis directly: its pytest loader for a schema that exists
only once a fixture has run (``schemathesis.pytest.from_fixture``) does not work with pytest 9.
Each request opens its own connection: on a kept-alive one, the local server's separate writes
of headers and body wait out the client's delayed ACK, 40 ms a request.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.openapi import OPERATIONS, Operation
from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Every example is sent twice; shrinking is off to bound the time (a failure prints the request
# as a curl command, which is reproduction enough). 9 a run per operation (44 of them),
# positive and negative: new ones every run.
EXAMPLES = settings(
    max_examples=9,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def contract(stack: LocalStack) -> schemathesis.BaseSchema:
    """The document as the stack serves it, not as this process would build it."""
    schema = schemathesis.openapi.from_url(f"{stack.url}/v1/openapi.json", timeout=10)
    schema.config.update(base_url=stack.url)
    return schema


@pytest.mark.parametrize("described", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_each_operation_keeps_the_published_contract(
    described: Operation,
    contract: schemathesis.BaseSchema,
    stack: LocalStack,
) -> None:
    operation = contract[described.path][described.method]
    callers = ({}, {"Authorization": f"Bearer {stack.operator_token}"})
    requests_for = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @EXAMPLES
    @given(case=requests_for)
    def each_caller_gets_a_documented_reply(case: schemathesis.Case) -> None:
        for headers in callers:  # a connection each: see the module's docstring
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=10)

    each_caller_gets_a_documented_reply()
