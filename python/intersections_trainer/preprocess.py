"""Pictures resized to the model's input size before its image processor, exactly as the
processor would resize them.

SiglipImageProcessorPil turns the whole picture into arrays before it resizes it with Pillow
(its `resample`, bicubic); resizing the RGB picture with Pillow first gives bit-identical pixel
values (python/tests/test_preprocess.py) in about 40 % less time, most of it on BlindTest's
1152 px pictures, which dominate preloading a mixed dataset (15,000 images: about 25 s less on
2 cores). src/core/onnxInference.ts does the same before transformers.js (resizeLikePil).
"""
from __future__ import annotations

# The picture formats the tool decodes (src/core/datasetImage.ts sniffs the same four). Without
# this list Pillow picks a decoder by the file's content, and for EPS/PostScript (whatever the
# file's name) it runs Ghostscript on the bytes of a shared dataset or image.
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "BMP")


def resized(images, image_processor) -> list:
    """`images` (PIL) at the processor's size; pictures it would not resize, or not in RGB
    (the processor converts those first), are passed on untouched."""
    from PIL import Image

    size = getattr(image_processor, "size", None) or {}
    w, h = size.get("width"), size.get("height")
    if not getattr(image_processor, "do_resize", True) or not w or not h:
        return list(images)
    resample = Image.Resampling(image_processor.resample)
    return [im.resize((w, h), resample) if im.mode == "RGB" and im.size != (w, h) else im for im in images]
