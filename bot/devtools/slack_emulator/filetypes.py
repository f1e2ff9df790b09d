"""What Slack makes of an uploaded file: its filetype, mimetype and mode.

Slack types an upload from its bytes and name: a PNG is `filetype: png`, `mimetype: image/png`,
shown as an image; text (with or without a `snippet_type`) stays a text snippet. The emulator
keeps the bytes exactly as they came and only derives the type, so a chart downloads unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

# (filetype, mimetype, pretty_type) by leading bytes: what the content itself says wins.
_SIGNATURES: tuple[tuple[bytes, tuple[str, str, str]], ...] = (
    (b"\x89PNG\r\n\x1a\n", ("png", "image/png", "PNG")),
    (b"\xff\xd8\xff", ("jpg", "image/jpeg", "JPEG")),
    (b"GIF87a", ("gif", "image/gif", "GIF")),
    (b"GIF89a", ("gif", "image/gif", "GIF")),
    (b"%PDF-", ("pdf", "application/pdf", "PDF")),
)
_EXTENSIONS: dict[str, tuple[str, str, str]] = {
    ".png": ("png", "image/png", "PNG"),
    ".jpg": ("jpg", "image/jpeg", "JPEG"),
    ".jpeg": ("jpg", "image/jpeg", "JPEG"),
    ".gif": ("gif", "image/gif", "GIF"),
    ".svg": ("svg", "image/svg+xml", "SVG"),
    ".pdf": ("pdf", "application/pdf", "PDF"),
}


@dataclass(frozen=True)
class FileType:
    filetype: str
    mimetype: str
    pretty_type: str
    # "snippet" for text with a snippet_type, else "hosted" (what Slack reports).
    mode: str

    @property
    def is_image(self) -> bool:
        return self.mimetype.startswith("image/")

    @property
    def is_text(self) -> bool:
        return self.mimetype.startswith("text/")


def file_type(name: str, content: bytes | None, snippet_type: str | None = None) -> FileType:
    head = content or b""
    for signature, (filetype, mimetype, pretty) in _SIGNATURES:
        if head.startswith(signature):
            return FileType(filetype, mimetype, pretty, "hosted")
    known = _EXTENSIONS.get(PurePosixPath(name).suffix.lower())
    if known is not None:
        return FileType(*known, "hosted")
    if snippet_type:
        return FileType(snippet_type, "text/plain", snippet_type.capitalize(), "snippet")
    if not _is_text(head):
        return FileType("binary", "application/octet-stream", "Binary", "hosted")
    return FileType("text", "text/plain", "Plain Text", "hosted")


def _is_text(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in content
