"""Ed25519 keys (PyNaCl): device keys and the municipality key, stored owner-readable only."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from kiosk.core.errors import HeitjeError

__all__ = [
    "BadSignatureError",
    "KeyFileError",
    "SigningKey",
    "VerifyKey",
    "device_id_for",
    "load_or_create_key",
    "sign",
    "verify",
    "verify_key_from_hex",
]


class KeyFileError(HeitjeError):
    pass


def _refuse_if_others_can_access(path: Path) -> None:
    """A seed that group or others can read is as good as leaked; say how to fix it (as ssh
    does) rather than sign with it. (Windows has no such mode bits.)"""
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        raise KeyFileError(
            "key_file_readable",
            f"Het sleutelbestand {path} is leesbaar voor anderen dan de eigenaar (rechten "
            f"{mode:04o}). Maak het alleen voor de eigenaar toegankelijk met: chmod 600 {path}",
            f"The key file {path} can be read by others than its owner (mode {mode:04o}). "
            f"Make it owner-only with: chmod 600 {path}",
        )


def load_or_create_key(path: Path) -> SigningKey:
    """Load the 32-byte seed at `path`, or make a new key there (mode 0600) on first start.

    An existing key file that group or others can access is refused (KeyFileError
    ``key_file_readable``); a new one's folder is made owner-only (0700)."""
    if path.exists():
        seed = path.read_bytes()
        if len(seed) != 32:
            raise KeyFileError(
                "key_file_corrupt",
                f"Het sleutelbestand {path} is beschadigd ({len(seed)} bytes in plaats van 32).",
                f"The key file {path} is damaged ({len(seed)} bytes instead of 32).",
            )
        _refuse_if_others_can_access(path)
        return SigningKey(seed)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = SigningKey.generate()
    # Write to a temporary name with 0600 from the start, fsync, then rename: a crash never
    # leaves a half-written key file behind, and the seed is never world-readable.
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if os.name == "posix":
            os.fchmod(fd, 0o600)  # a stale .tmp left by a crash keeps its old mode otherwise
        os.write(fd, bytes(key))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return key


def device_id_for(verify_key: VerifyKey) -> str:
    """A device's id is derived from its public key, so it is known before enrolment."""
    return "dev-" + hashlib.sha256(bytes(verify_key)).hexdigest()[:16]


def sign(key: SigningKey, message: bytes) -> str:
    """The detached signature, hex."""
    return key.sign(message).signature.hex()


def verify(verify_key: VerifyKey, message: bytes, signature_hex: str) -> bool:
    try:
        verify_key.verify(message, bytes.fromhex(signature_hex))
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


def verify_key_from_hex(text: str) -> VerifyKey:
    return VerifyKey(bytes.fromhex(text))
