"""The key format: recognisable prefix, enough entropy, offline checksum (K4)."""

import math
import re

from apikeys import keys


def test_generated_keys_have_the_prefix_and_a_valid_checksum():
    key = keys.generate_key()
    assert re.fullmatch(r"ak_live_[0-9A-Za-z]{36}", key)
    assert keys.is_well_formed(key)


def test_keys_carry_at_least_160_bits_of_entropy():
    random_part = keys.KEY_LENGTH - len(keys.KEY_PREFIX) - 6
    assert random_part * math.log2(62) >= 160
    assert len({keys.generate_key() for _ in range(1000)}) == 1000


def test_a_typo_breaks_the_checksum():
    key = keys.generate_key()
    position = len(keys.KEY_PREFIX) + 5
    replacement = "A" if key[position] != "A" else "B"
    typo = key[:position] + replacement + key[position + 1 :]
    assert not keys.is_well_formed(typo)
    assert not keys.is_well_formed(key[:-1])
    assert not keys.is_well_formed(key + "0")
    assert not keys.is_well_formed(key.replace("ak_live_", "ak_test_"))
    assert not keys.is_well_formed(key[:-6] + "!!!!!!")


def test_digest_is_sha256_and_the_prefix_is_short():
    key = keys.generate_key()
    assert re.fullmatch(r"[0-9a-f]{64}", keys.digest(key))
    assert keys.display_prefix(key) == key[:12]
    assert keys.display_prefix(key).startswith("ak_live_")
