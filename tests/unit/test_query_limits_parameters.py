"""The per-region limits on lookups of one person and on batch checks are stack parameters,
fed to every function as the settings the app reads, as the anonymous queries' limit is."""

from __future__ import annotations

import pytest

from chalicelib.settings import Settings
from infra.package import merge_template

LIMITS = {
    "CG_ANONYMOUS_QUERIES_PER_MINUTE": (
        "AnonymousQueriesPerMinute",
        "anonymous_queries_per_minute",
    ),
    "CG_PERSONAL_LOOKUPS_PER_MINUTE": ("PersonalLookupsPerMinute", "personal_lookups_per_minute"),
    "CG_CHECKS_PER_MINUTE": ("ChecksPerMinute", "checks_per_minute"),
    "CG_TRIES_PER_MASKED_NUMBER_PER_DAY": (
        "TriesPerMaskedNumberPerDay",
        "tries_per_masked_number_per_day",
    ),
}


@pytest.mark.parametrize("variable", LIMITS)
def test_each_limit_is_a_parameter_with_the_apps_default(variable: str) -> None:
    template = merge_template()
    parameter, setting = LIMITS[variable]

    variables = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert variables[variable] == {"Ref": parameter}
    assert template["Parameters"][parameter]["Default"] == Settings.model_fields[setting].default
