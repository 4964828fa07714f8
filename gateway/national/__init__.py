"""The national tier: national sources' domain limits, upward reporting (向上报送) rules."""

from gateway.national.sources import (
    DOMAIN_NOT_PERMITTED,
    DomainNotPermitted,
    domain_problem,
    refuse_outside,
    refuse_unregistered,
    unregistered_source,
)
from gateway.national.upward import UpwardReporting, UpwardRule

__all__ = [
    "DOMAIN_NOT_PERMITTED",
    "DomainNotPermitted",
    "UpwardReporting",
    "UpwardRule",
    "domain_problem",
    "refuse_outside",
    "refuse_unregistered",
    "unregistered_source",
]
