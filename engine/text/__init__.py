"""Text layers (``text=``/``textPs=``): the IS RTF subset, font maps, layout and fitting.

Public API::

    from engine.text import FontMap, TextLimits, render_text

    image = render_text(r"{\\colortbl;\\red255\\green0\\blue0;}\\cf1\\fs48 Sale",
                        command="text", size=(300, 60), text_attr=None,
                        font_map=FontMap.default())

This package depends only on :mod:`engine.errors`, :mod:`engine.colors`, :mod:`engine.paths`
(text on and in paths: :mod:`engine.text.onpath`, :mod:`engine.text.flow`), Pillow, numpy and
the standard library; the renderer calls it for text layers.
"""

from engine.text.fonts import STYLES, FontFace, FontMap, default_font_map
from engine.text.render import DEFAULT_LIMITS, TextLimits, render_text

__all__ = [
    "DEFAULT_LIMITS",
    "STYLES",
    "FontFace",
    "FontMap",
    "TextLimits",
    "default_font_map",
    "render_text",
]
