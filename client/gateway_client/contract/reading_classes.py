"""Characters the quick test for resident ID numbers in text must read as a reader does
(``model.may_hold_id``, ``model._text_check``), derived from the reading form
(``reading.reading_form``) of every code point: ``tests/unit/test_ids_spelt_otherwise.py``
derives them again from this Python's ``unicodedata`` (review 364: ⼀ ⼆, the Kangxi radicals
NFKC makes 一 二, and ﾞ, which NFKC makes a mark the reading form drops, passed it)."""

READ_AS_DIGITS = (
    r"\u00b2-\u00b3\u00b9\u00bc-\u00be\u0c78-\u0c7e\u1369-\u1371\u17f0-\u17f9\u19da\u2070"
    r"\u2074-\u2079\u2080-\u2089\u2150-\u2168\u2170-\u2178\u2185\u2189\u2460-\u249b\u24ea"
    r"\u24f5-\u24fd\u24ff\u25cb\u25ef\u2776-\u277e\u2780-\u2788\u278a-\u2792\u2f00\u2f06"
    r"\u2f0b\u2f33\u2f36\u3007\u3021-\u3029\u3192-\u3195\u3220-\u3228\u3251-\u325f"
    r"\u3280-\u3288\u32b1-\u32cb\u3358-\u3370\u3378-\u3379\u339f-\u33a6\u33a8\u33af"
    r"\u33e0-\u33fe\u3405\u3483\u382a\u3b4d\u4e00\u4e03\u4e09\u4e5d\u4e8c\u4e94\u4e96\u4ee8"
    r"\u4f0d\u5169\u516b\u516d\u53c1-\u53c4\u56db\u58f1\u58f9\u5e7a\u5efe\u5f0c-\u5f0e\u5f10"
    r"\u634c\u67d2\u6f06\u7396\u8086\u8cae\u8cb3\u8d30\u9646\u9678\u96f6\ua6e6-\ua6ef\uf96b"
    r"\uf978\uf9b2\uf9d1\uf9d3\uffee\U00010107-\U0001010f\U00010142-\U00010143\U00010148"
    r"\U0001014f\U00010158-\U0001015f\U00010173\U0001018a\U000102e1-\U000102e9"
    r"\U00010320-\U00010321\U000103d1-\U000103d2\U00010858-\U0001085a\U00010879-\U0001087d"
    r"\U000108a7-\U000108ac\U000108fb-\U000108fc\U00010916\U0001091a-\U0001091b"
    r"\U000109c0-\U000109c8\U00010a40-\U00010a43\U00010a7d\U00010a9d\U00010aeb-\U00010aec"
    r"\U00010b58-\U00010b5b\U00010b78-\U00010b7b\U00010ba9-\U00010bac\U00010cfa-\U00010cfb"
    r"\U00010e60-\U00010e68\U00010f1d-\U00010f21\U00010f51\U00010fc5-\U00010fc8"
    r"\U00011052-\U0001105a\U000111e1-\U000111e9\U00011c5a-\U00011c62\U00012400-\U00012431"
    r"\U00012434-\U00012459\U00012469-\U0001246e\U00016e80-\U00016e89\U00016e94-\U00016e96"
    r"\U0001d2e0-\U0001d2e9\U0001d360-\U0001d368\U0001d372-\U0001d378\U0001e8c7-\U0001e8cf"
    r"\U0001ec71-\U0001ec79\U0001eca3-\U0001ecab\U0001ecb1-\U0001ecb2\U0001ed01-\U0001ed09"
    r"\U0001ed2f-\U0001ed36\U0001f100-\U0001f10c\U0001f214\U0001f229-\U0001f22a"
    r"\U0001f241-\U0001f242\U00020001\U00020064\U000200e2\U00020121\U0002092a\U00020aea"
    r"\U00020afd\U00020b19\U00022390\U00022998\U00023b1b\U0002626d\U0002f890"
)
"""Every character but ``\\d``'s whose reading form holds a digit: ① ❶ 〇 一 壹 〡 ⼀ ㊀ Ⅳ ○."""

READ_AS_NOTHING = (
    r"\u037a\u115f-\u1160\u3164\ufc5e-\ufc63\ufe70\ufe72\ufe74\ufe76\ufe78\ufe7a\ufe7c\ufe7e"
    r"\uff9e-\uffa0"
)
"""Letters (``\\w``) whose reading form holds no letter or digit: Hangul fillers, ﾞ ﾟ, ͺ."""

X_LOOKS = "\u03a7\u03c7\u0425\u0445\u00d7\u2715\u2716\u2717\u2718\u2573\u2a2f"
"""What a reader takes for a check character X: Greek Χ χ, Cyrillic Х х, × ✕ ✖ ✗ ✘ ╳ ⨯
(reviews 364, 366). Written by hand, as ``ZERO_LOOKS``: no Unicode property says so."""

ZERO_LOOKS = "OoＯｏ\u041e\u043e\u039f\u03bf\u1d3c\u1d52\u00ba\u2092"
"""Letters a reader takes for a zero among digits (二O二四年, the way it is very often typed):
O, full-width, Cyrillic and Greek, raised and lowered (reviews 366, 368); read so only in a run
of digits (``number_forms``), never in words."""
