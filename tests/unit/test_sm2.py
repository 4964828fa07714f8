"""SM2 with SM3 (``contract.sm2``) against the standards' own examples: SM3's (GM/T 0004 /
GB/T 32905 Appendix A), SM2's on the recommended curve (GM/T 0003.5 / GB/T 32918.5 Annex A)
and on the test curve of GM/T 0003.2 Annex A, then key text forms and round trips."""

from __future__ import annotations

import pytest
from gmalg import ellipticcurve
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway_client.contract import sm2
from gateway_client.contract.sm2 import DEFAULT_USER_ID, Sm2PrivateKey, Sm2PublicKey

# GM/T 0003.5 Annex A: the recommended curve, ID 1234567812345678, M = "message digest".
D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
PUBLIC = (
    "04"
    "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13"
)
K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
Z_A = "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3"
E = "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640"
R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA
SIGNATURE = R.to_bytes(32, "big") + S.to_bytes(32, "big")
MESSAGE = b"message digest"

# GM/T 0003.2 Annex A (and draft-shen-sm2-ecdsa): a 256-bit test curve, ID ALICE123@YAHOO.COM.
TEST_CURVE = ellipticcurve.ECDLP(
    0x8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3,
    0x787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498,
    0x63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A,
    (
        0x421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D,
        0x0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2,
    ),
    0x8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7,
)
ALICE = b"ALICE123@YAHOO.COM"
ALICE_D = 0x128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263
ALICE_P = (
    0x0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A,
    0x7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857,
)
ALICE_K = 0x6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F
ALICE_R = 0x40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1
ALICE_S = 0x6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7


@pytest.mark.parametrize(
    ("message", "digest"),
    [
        (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
        (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    ],
    ids=["abc", "abcd*16"],
)
def test_sm3_gives_the_standards_example_digests(message: bytes, digest: str) -> None:
    assert sm2.sm3(message).hex() == digest


def test_the_recommended_curves_example_key_has_the_published_public_key() -> None:
    assert Sm2PrivateKey(D).public_key.text() == PUBLIC


def test_z_a_and_e_of_the_recommended_curve_example_are_the_published_ones() -> None:
    core = sm2._core()
    public = Sm2PublicKey.from_text(PUBLIC)
    z_a = core.entity_info(DEFAULT_USER_ID.encode(), (public.x, public.y))
    assert z_a.hex() == Z_A
    assert sm2.sm3(z_a + MESSAGE).hex() == E


def test_signing_the_recommended_curve_example_with_its_k_gives_the_published_signature() -> None:
    core = sm2._core(random_bits=lambda _bits: K)
    public = Sm2PublicKey.from_text(PUBLIC)
    assert core.sign(MESSAGE, D, DEFAULT_USER_ID.encode(), (public.x, public.y)) == (R, S)


def test_the_published_signature_verifies_and_nothing_near_it_does() -> None:
    public = Sm2PublicKey.from_text(PUBLIC)
    assert public.verify(SIGNATURE, MESSAGE)
    assert not public.verify(SIGNATURE, b"message digesT")
    assert not public.verify(SIGNATURE, MESSAGE, user_id="1234567812345679")
    assert not public.verify(SIGNATURE[:-1] + bytes([SIGNATURE[-1] ^ 1]), MESSAGE)
    assert not public.verify(SIGNATURE[:63], MESSAGE)


def test_the_test_curve_example_signs_and_verifies_as_published() -> None:
    assert TEST_CURVE.kG(ALICE_D) == ALICE_P
    signing = sm2._core(TEST_CURVE, random_bits=lambda _bits: ALICE_K)
    assert signing.sign(MESSAGE, ALICE_D, ALICE, ALICE_P) == (ALICE_R, ALICE_S)
    assert sm2._core(TEST_CURVE).verify(MESSAGE, ALICE_R, ALICE_S, ALICE, ALICE_P)


@pytest.mark.parametrize(
    "text",
    [
        PUBLIC[2:],  # no 04 prefix
        "02" + PUBLIC[2:66],  # compressed
        PUBLIC[:-2] + "00",  # a point off the curve
        "04" + "ff" * 64,  # coordinates beyond the field prime
        PUBLIC + "00",
        "whpk_" + "A" * 43 + "=",
        " " + PUBLIC,
    ],
    ids=["no-prefix", "compressed", "off-curve", "beyond-p", "too-long", "ed25519", "space"],
)
def test_a_public_key_that_is_not_an_uncompressed_point_on_the_curve_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="SM2"):
        Sm2PublicKey.from_text(text)


def test_a_public_key_in_upper_case_reads_as_the_same_key() -> None:
    assert Sm2PublicKey.from_text(PUBLIC.upper()).text() == PUBLIC


@pytest.mark.parametrize("d", [0, sm2.RECOMMENDED_CURVE.fpn.p - 1, sm2.RECOMMENDED_CURVE.fpn.p])
def test_a_private_key_outside_one_to_n_minus_two_is_refused(d: int) -> None:
    with pytest.raises(ValueError, match=r"\[1, n − 2\]"):
        Sm2PrivateKey(d)


@pytest.mark.parametrize(
    "text", ["sm2sk_" + "0" * 63, "whsk_" + "0" * 64, "sm2sk_" + "g" * 64, f"sm2sk_{D:064x}\n"]
)
def test_a_private_key_text_that_is_not_sm2sk_and_64_hex_digits_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="sm2sk_"):
        Sm2PrivateKey.from_text(text)


def test_a_private_key_round_trips_through_its_text_and_never_shows_in_repr() -> None:
    key = Sm2PrivateKey.from_text(sm2.generate_sm2_key())
    assert Sm2PrivateKey.from_text(key.text()) == key
    assert f"{key.d:x}" not in repr(key)


def test_a_key_derived_from_a_secret_is_stable_and_differs_per_secret() -> None:
    secret = "s" * 40
    assert Sm2PrivateKey.derive(secret) == Sm2PrivateKey.derive(secret)
    assert Sm2PrivateKey.derive(secret) != Sm2PrivateKey.derive(secret + "x")
    assert Sm2PrivateKey.derive(f"sm2sk_{D:064x}").d == D
    with pytest.raises(ValueError, match="32 characters"):
        Sm2PrivateKey.derive("short")


@pytest.mark.parametrize("user_id", ["", "x" * 1025])
def test_a_user_id_of_no_bytes_or_more_than_a_kibibyte_is_refused(user_id: str) -> None:
    with pytest.raises(ValueError, match="user ID"):
        Sm2PrivateKey(D).sign(MESSAGE, user_id)


KEY = Sm2PrivateKey.generate()


@settings(max_examples=8, deadline=None)
@given(
    message=st.binary(max_size=300),
    user_id=st.text(min_size=1, max_size=20).filter(lambda u: len(u.encode()) <= 1024),
    flip=st.integers(min_value=0),
)
def test_a_signature_verifies_under_its_message_and_user_id_and_not_after_a_bit_flips(
    message: bytes, user_id: str, flip: int
) -> None:
    signature = KEY.sign(message, user_id)
    assert len(signature) == sm2.SIGNATURE_BYTES
    assert KEY.public_key.verify(signature, message, user_id)
    signed = bytearray(message + signature)
    signed[flip % len(signed)] ^= 1 << (flip % 8)
    changed, forged = bytes(signed[: len(message)]), bytes(signed[len(message) :])
    assert not KEY.public_key.verify(forged, changed, user_id)


@settings(max_examples=50, deadline=None)
@given(k=st.integers(min_value=1, max_value=sm2.RECOMMENDED_CURVE.fpn.p - 1))
def test_the_fixed_base_table_gives_the_points_gmalgs_ladder_gives(k: int) -> None:
    curve = sm2.RECOMMENDED_CURVE
    assert curve.kG(k) == curve.ec.mul(k, curve.G)


@pytest.mark.parametrize("k", [1, 2, 3, 2**255, 2**256 - 1], ids=["1", "2", "3", "2^255", "max"])
def test_the_fixed_base_table_agrees_at_its_edges(k: int) -> None:
    curve = sm2.RECOMMENDED_CURVE
    assert curve.kG(k) == curve.ec.mul(k, curve.G)
