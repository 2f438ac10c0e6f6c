"""Encryption at rest and keyed hashes for personal data (身份证号, 手机号).

Ciphertext is Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from
FIELD_ENCRYPTION_KEY; exact-match lookup goes through an HMAC-SHA256 of the
normalized value under FIELD_HASH_KEY, so the plaintext is never stored.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(key_material: str) -> Fernet:
    key = base64.urlsafe_b64encode(hashlib.sha256(key_material.encode()).digest())
    return Fernet(key)


def encrypt(plaintext: str) -> str:
    if plaintext in (None, ""):
        return ""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


@lru_cache(maxsize=4)
def _hmac_base(key_material: str):
    return hmac.new(key_material.encode(), digestmod=hashlib.sha256)


def keyed_hash(value: str) -> str:
    if not value:
        return ""
    # A copy of an HMAC already keyed: the same digest as hmac.new(key, value), without keying it again per value
    # (an import hashes 63,000 ID numbers and as many phones).
    mac = _hmac_base(settings.FIELD_HASH_KEY).copy()
    mac.update(value.encode())
    return mac.hexdigest()


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python side sees plaintext."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""
