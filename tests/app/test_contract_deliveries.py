"""The contract beyond the routes: the deliveries (OpenAPI ``webhooks``, with an example of each
event that the sending code made), schema titles a client generator can keep apart, the
``servers`` entry, and the documentation page served from the repository's own assets."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, get_args

from app_support import Gateway
from jsonschema import Draft202012Validator

from chalicelib import docs_page, openapi, openapi_webhooks
from gateway_client.contract import BATCH_EVENT, VERIFICATION_EVENT, NoticeType
from gateway_client.contract.events import EventType

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "chalicelib" / "assets"


def document() -> dict[str, Any]:
    return openapi.build_document()


def test_every_event_an_endpoint_receives_is_a_webhook_with_a_valid_example() -> None:
    spec = document()
    hooks, schemas = spec["webhooks"], spec["components"]["schemas"]
    kinds = {*get_args(EventType), *get_args(NoticeType), VERIFICATION_EVENT, BATCH_EVENT}

    assert set(hooks) == kinds
    for event in openapi_webhooks.EVENTS:
        body = hooks[event.name]["post"]["requestBody"]["content"]["application/json"]
        example = body["example"]
        assert example["type"] == event.name
        event.model.model_validate(example)  # the example is what the code sends
        named = body["schema"]["$ref"].rpartition("/")[2]
        assert named.startswith(event.model.__name__)
        assert named in schemas


def test_each_webhook_names_the_signature_headers_and_what_to_answer() -> None:
    for name, hook in document()["webhooks"].items():
        post = hook["post"]
        headers = {p["name"] for p in post["parameters"] if p["in"] == "header"}
        assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= headers, name
        assert "2XX" in post["responses"], name


def test_no_two_schemas_share_a_title() -> None:
    schemas = document()["components"]["schemas"]
    titles = [schema.get("title", name) for name, schema in schemas.items()]

    assert len(set(titles)) == len(titles)


def test_servers_name_the_api_root_the_document_came_through(gateway: Gateway) -> None:
    behind_a_stage = SimpleNamespace(context={"path": "/api/v1/openapi.json"})

    local = json.loads(gateway.client.http.get("/v1/openapi.json").body)["servers"]
    deployed = json.loads(openapi.document_response(behind_a_stage).body)["servers"]

    assert [s["url"] for s in local] == ["/"]
    assert [s["url"] for s in deployed] == ["/api"]


def test_the_documentation_page_is_served_from_the_repository_with_nothing_from_elsewhere(
    gateway: Gateway,
) -> None:
    page = gateway.client.http.get("/v1/docs")
    script = gateway.client.http.get("/v1/docs/redoc.standalone.js")

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.body.decode()
    assert not re.search(r"(src|href|spec-url)=\"(https?:)?//", html)
    assert 'spec-url="/v1/openapi.json"' in html
    assert 'src="/v1/docs/redoc.standalone.js"' in html
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert script.body == (ASSETS / "redoc.standalone.js").read_bytes()


def test_a_generated_client_keeps_every_operations_reply_model(tmp_path: Path) -> None:
    """openapi-python-client, a standard generator, warns about and drops what it cannot type;
    here it drops nothing, and each route's success replies are parsed into their models."""
    (tmp_path / "openapi.json").write_text(json.dumps(document(), ensure_ascii=False))
    (tmp_path / "config.yaml").write_text("post_hooks: []\n")
    generator = Path(sys.executable).with_name("openapi-python-client")

    run = subprocess.run(  # noqa: S603 - the pinned dev tool
        [
            *(str(generator), "generate", "--path", str(tmp_path / "openapi.json")),
            *("--meta", "none", "--output-path", str(tmp_path / "client")),
            *("--config", str(tmp_path / "config.yaml")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    said = run.stdout + run.stderr
    assert run.returncode == 0, said
    assert not re.search(r"warning|unable|error", said, re.IGNORECASE), said
    for op in openapi.OPERATIONS:
        module = (
            tmp_path / "client" / "api" / op.tag.value.replace(" ", "_") / (op.operation_id + ".py")
        )
        code = module.read_text()
        for status, reply in op.replies.items():
            if isinstance(reply.model, dict):
                continue
            parsed = re.search(
                rf"status_code == {status}:\s+response_{status} = (\w+)\.from_dict", code
            )
            assert parsed, f"{op.method} {op.path}: no {status} model in {module.name}"


def test_each_webhook_example_is_valid_against_its_own_published_schema() -> None:
    """What a schema-checking receiver would do: the bodies the code sends fit the document
    (a field the model leaves out when empty is not required)."""
    spec = document()
    for name, hook in spec["webhooks"].items():
        body = hook["post"]["requestBody"]["content"]["application/json"]
        schema = {**body["schema"], "components": spec["components"]}
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(body["example"])]
        assert errors == [], name


def test_the_page_links_from_the_api_root_it_was_served_under(gateway: Gateway) -> None:
    with_slash = gateway.client.http.get("/v1/docs/").body.decode()
    behind_a_stage = docs_page.docs(SimpleNamespace(context={"path": "/api/v1/docs"})).body

    assert 'src="/v1/docs/redoc.standalone.js"' in with_slash
    assert 'spec-url="/api/v1/openapi.json"' in behind_a_stage
