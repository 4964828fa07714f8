"""National sources (国家部委/行业平台) list only in the catalogue domains they were registered
for: the courts' defaulter list is no authority on tax violations (seed 003 (十一): the court's
执行信息公开网 is one sector's source among several)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gateway_client.contract import ForbiddenError, SchemaError, is_national_source, quoted_key

DOMAIN_NOT_PERMITTED = "domain_not_permitted"


class DomainNotPermitted(ForbiddenError):
    """A national source asked to act in a domain it was not registered for."""

    code = DOMAIN_NOT_PERMITTED


def domain_problem(domain: str, region: str, permitted: Sequence[str]) -> tuple[str, str] | None:
    """(code, message) when ``region`` is limited to ``permitted`` domains (a national source)
    and ``domain`` is not one of them; ``permitted`` empty: any domain."""
    if not permitted or domain in permitted:
        return None
    return (
        DOMAIN_NOT_PERMITTED,
        f"{region} lists in {', '.join(permitted)} only, not {quoted_key(domain)}",
    )


def refuse_outside(domain: str, region: str, permitted: Sequence[str], path: str) -> None:
    """Raise ``DomainNotPermitted`` (at ``path``) where ``domain_problem`` finds one."""
    refused = domain_problem(domain, region, permitted)
    if refused is not None:
        raise DomainNotPermitted(refused[1], path=path)


def unregistered_source(code: str | None, get_region: Callable[[str], object | None]) -> bool:
    """Whether ``code`` is a national source's (``1000NN``) that is not registered: its form
    alone (100099) proves nothing, where a division's is on the GB/T 2260 list
    (``jurisdiction_exists``), so it stands for no jurisdiction — a check's, a query's,
    statistics'."""
    return code is not None and is_national_source(code) and get_region(code) is None


def refuse_unregistered(
    code: str | None, get_region: Callable[[str], object | None], path: str
) -> None:
    """400 at ``path`` for an ``unregistered_source``."""
    if unregistered_source(code, get_region):
        raise SchemaError(f"{path}: no national source {code} is registered", path=path)
