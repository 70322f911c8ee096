"""Small PNG previews of images (Pillow) and of a PDF's first page (pypdfium2), made once at
upload. A file that cannot be read as an image or PDF simply has no thumbnail."""

import io
import logging

from PIL import Image

logger = logging.getLogger(__name__)

SIZE = (160, 160)
# Refuse decompression bombs early: a thumbnail never needs more than this many pixels read.
Image.MAX_IMAGE_PIXELS = 80_000_000


def make_thumbnail(source, content_type: str) -> bytes | None:
    """PNG bytes of a preview of `source` (a binary file object), or None."""
    try:
        if content_type == "application/pdf":
            image = _pdf_first_page(source)
        elif content_type.startswith("image/"):
            image = Image.open(source)
            image.draft("RGB", SIZE)  # JPEG: decode at a fraction of the size
        else:
            return None
        image.thumbnail(SIZE)
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA")
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
        return out.getvalue()
    except Exception:  # any unreadable or hostile file: no preview, never a failed upload
        logger.info("No thumbnail for a %s file", content_type, exc_info=True)
        return None


def _pdf_first_page(source) -> Image.Image:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(source)
    try:
        page = pdf[0]
        width, height = page.get_size()
        scale = min(SIZE[0] / width, SIZE[1] / height) * 2  # a little over, then downscaled
        return page.render(scale=scale).to_pil()
    finally:
        pdf.close()
