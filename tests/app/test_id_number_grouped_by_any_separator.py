"""A resident ID number written into a reason with commas, colons, enumeration commas or a plus
between its groups is refused as any other spelling (reviews 306, 308): only spaces, dashes,
slashes, underscores, dots and middle dots counted as separators, so such a number passed, and
a company's listing naming nobody, never purged, kept it for ever, shown in full to anyone,
anonymous callers included."""

from __future__ import annotations

import pytest
from app_support import CITY, OTHER_CREDIT_CODE, black_entry

NUMBER = "11010519491231002X"  # a valid resident ID number (GB 11643 check holds)


@pytest.mark.parametrize(
    "written",
    [
        "110105,19491231,002X",
        "110105，19491231，002X",  # full-width comma (NFKC: ",")
        "110105、19491231、002X",  # enumeration comma
        "110105:19491231:002X",
        "110105+19491231+002X",
    ],
)
def test_an_id_number_in_grouped_text_is_refused(gateway, written):
    signer = gateway.register_platform(CITY)
    reason = f"法定代表人王某（公民身份号码：{written}）拒不履行生效法律文书确定的义务"
    quoting = black_entry(credit_code=OTHER_CREDIT_CODE, reason=reason)

    reply = gateway.push(signer, CITY, [quoting]).json_body

    public = gateway.client.http.get(f"/v1/subjects/{OTHER_CREDIT_CODE}")
    assert written not in public.body.decode(), "the number is shown to an anonymous caller"
    assert [(e["field"], e["code"]) for e in reply["errors"]] == [("reason", "id_number_in_text")]
