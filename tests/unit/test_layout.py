"""The house's shape: wings import one way, the client never imports the server, and outside a
wing only its package (its curated ``__all__``) is used — checked on the source, so a wrong-way
import fails here before anyone has to find the cycle it makes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = "gateway_client.contract"
TLOG = "gateway_client.tlog"  # the transparency-log math: below the contract, which signs with it
# Lowest first. A module may import its own wing, and any wing of a lower layer; never a wing of
# its own layer or a higher one.
LAYERS: tuple[tuple[str, ...], ...] = (
    (TLOG,),
    (CONTRACT,),
    ("gateway",),  # the root: what every wing shares
    ("gateway.national",),  # national sources' domains: the lifecycle checks them too
    ("gateway.recognition", "gateway.lifecycle"),
    ("gateway.intake", "gateway.delivery", "gateway.persons"),
    ("gateway.statistics", "gateway.checks"),
)
WINGS = tuple(wing for layer in LAYERS for wing in layer if wing != "gateway")
SERVER_ONLY = ("gateway", "chalicelib", "infra", "app", "boto3", "botocore", "chalice", "moto")
NOT_IN_CORE = ("chalicelib", "infra", "app", "boto3", "botocore", "chalice", "moto")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    parts = parts[1:] if parts[0] == "client" else parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources(folder: str) -> dict[str, str]:
    return {module_name(p): p.read_text("utf-8") for p in (ROOT / folder).rglob("*.py")}


def imports(source: str) -> list[str]:
    """Every module named by an import, wherever it stands (functions included)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def wing_of(module: str) -> str | None:
    """The wing (or ``gateway`` for the root) a module belongs to; ``None`` outside the core."""
    for wing in sorted(WINGS, key=len, reverse=True):
        if module == wing or module.startswith(wing + "."):
            return wing
    if module.startswith("gateway_client."):
        return "gateway_client"
    return "gateway" if module == "gateway" or module.startswith("gateway.") else None


def layer_of(wing: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if wing in layer)


def under(module: str, root: str) -> bool:
    return module == root or module.startswith(root + ".")


def wrong_way(importer: str, imported: str) -> str | None:
    """Why ``importer`` may not import ``imported`` (``None``: it may)."""
    mine, theirs = wing_of(importer), wing_of(imported)
    if mine == "gateway_client":
        return None if under(imported, "gateway_client") or theirs is None else "client → server"
    if mine is None or theirs is None or theirs in (mine, "gateway_client"):
        return None if theirs != "gateway_client" else "server → client outside the contract"
    if layer_of(theirs) >= layer_of(mine):
        return f"{mine} (layer {layer_of(mine)}) → {theirs} (layer {layer_of(theirs)})"
    return None


def reaches_inside(importer: str, imported: str) -> bool:
    """An import of a wing's module from outside that wing (its package is the way in)."""
    wing = wing_of(imported)
    return wing in WINGS and imported != wing and wing_of(importer) != wing


def violations(modules: dict[str, str]) -> list[str]:
    found = []
    for name, source in modules.items():
        for imported in imports(source):
            why = wrong_way(name, imported)
            if why:
                found.append(f"{name} imports {imported}: {why}")
    return found


CLIENT = sources("client/gateway_client")
CORE = sources("gateway")
ADAPTERS = {
    **sources("chalicelib"),
    **sources("infra"),
    **sources("bench"),
    "app": (ROOT / "app.py").read_text("utf-8"),
}


def test_imports_between_wings_run_one_way() -> None:
    assert violations({**CORE, **CLIENT}) == []


# The one module of the client that may use an AWS SDK: the ``iam`` extra's SigV4 signing,
# loaded only for ``--iam``.
OPTIONAL_AWS = {"gateway_client.cli.sigv4": ("botocore",)}


def test_the_client_imports_nothing_of_the_server_nor_of_aws() -> None:
    offending = [
        f"{name} imports {imported}"
        for name, source in CLIENT.items()
        for imported in imports(source)
        if any(under(imported, banned) for banned in SERVER_ONLY)
        and not any(under(imported, allowed) for allowed in OPTIONAL_AWS.get(name, ()))
    ]
    assert offending == []


def test_the_client_names_no_server_module_even_in_a_dynamic_import() -> None:
    """``importlib.import_module("infra…")`` would hide a server import from the AST."""
    offending = [
        name
        for name, source in CLIENT.items()
        if any(f'"{server}.' in source for server in ("gateway", "chalicelib", "infra"))
    ]
    assert offending == []


def test_the_core_imports_no_adapter_nor_aws() -> None:
    offending = [
        f"{name} imports {imported}"
        for name, source in CORE.items()
        for imported in imports(source)
        if any(under(imported, banned) for banned in NOT_IN_CORE)
    ]
    assert offending == []


def test_outside_a_wing_only_its_package_is_imported() -> None:
    offending = [
        f"{name} imports {imported}"
        for name, source in {**CORE, **CLIENT, **ADAPTERS}.items()
        for imported in imports(source)
        if reaches_inside(name, imported)
    ]
    assert offending == []


@pytest.mark.parametrize("wing", WINGS)
def test_each_wing_says_what_it_owns_and_exports_a_curated_list(wing: str) -> None:
    init = (ROOT / ("client/" if wing.startswith("gateway_client") else "")).joinpath(
        *wing.split("."), "__init__.py"
    )
    tree = ast.parse(init.read_text("utf-8"))
    doc = ast.get_docstring(tree)
    assert doc
    assert "\n" not in doc
    exported = [
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]
    declared = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__"
    )
    assert sorted(declared) == sorted(exported)
    assert declared


@pytest.mark.parametrize(
    ("importer", "imported", "allowed"),
    [
        ("gateway.lifecycle.rules", "gateway.intake.push", False),  # a higher wing
        ("gateway.recognition.query", "gateway.lifecycle", False),  # a sibling in its layer
        ("gateway.ports", "gateway.delivery", False),  # the root reaching up
        (CONTRACT + ".listing", "gateway.ownership", False),  # the contract reaching the server
        ("gateway_client.receiver", "gateway.delivery", False),  # the client reaching the server
        ("gateway_client.receiver", "boto3", True),  # (caught by the no-AWS test instead)
        ("gateway.delivery.planning", "gateway.recognition", True),
        ("gateway.statistics.monthly", "gateway.intake", True),
        ("gateway.intake.ingest", "gateway.ports", True),
        ("gateway.intake.ingest", CONTRACT, True),
        ("gateway.intake.ingest", "gateway_client.receiver", False),
    ],
)
def test_the_direction_rule_itself(importer: str, imported: str, allowed: bool) -> None:
    assert (wrong_way(importer, imported) is None) is allowed


def test_a_wrong_way_import_is_reported() -> None:
    planted = {"gateway.lifecycle.rules": "from gateway.intake import PushService\n"}
    assert violations(planted) == [
        "gateway.lifecycle.rules imports gateway.intake: "
        "gateway.lifecycle (layer 4) → gateway.intake (layer 5)"
    ]
    assert reaches_inside("chalicelib.api", "gateway.intake.push")
    assert not reaches_inside("gateway.intake.ingest", "gateway.intake.push")
