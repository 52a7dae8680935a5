"""op_growMask, effectMask, perspective, map= and textAngle, with pixel assertions; each test
cites the Adobe page it checks (help/aem-is-ir-api/is-api/http-ref/image-serving-api-ref/
c-http-protocol-reference/c-command-reference/... unless another folder is named)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from test_layers import BLUE, CANVAS, RED, WHITE, box_of, png, render, resolver

import engine

#: a 20×10 mask (the logo's size): black left half, white right half
RIGHT_HALF = png(Image.fromarray(np.repeat(np.repeat([[0, 255]], 10, 0), 10, 1).astype(np.uint8)))


def served(name: str) -> bytes:
    return RIGHT_HALF if name == "right" else resolver(name)


def render_own(modifiers: str) -> Image.Image:
    rendition = engine.render(CANVAS, f"{modifiers}&fmt=png", resolver=served)
    return Image.open(io.BytesIO(rendition.data))


def jpeg(size: tuple[int, int], color) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=95)
    return out.getvalue()


def alpha_edge(image: Image.Image) -> int:
    """The first column of the middle row whose alpha is more than half opaque."""
    row = np.asarray(image.getchannel("A"))[image.height // 2]
    return int(np.argmax(row > 127))


# --- op_growMask, op_growMaskR: r-op-growmask.md, r-op-growmaskr.md ------------------------


def test_op_growmaskr_dilates_and_erodes_the_layer_mask():
    """r-op-growmaskr.md: a radius > 0 dilates the mask, < 0 erodes it. The red 20×10 logo at
    (40, 35) is masked to its right half (x ≥ 50)."""
    plain = render_own("layer=1&src=logo&mask=right").convert("RGB")
    assert box_of(plain, RED) == (50, 35, 60, 45)
    grown = render_own("layer=1&src=logo&mask=right&op_growMaskR=3").convert("RGB")
    assert box_of(grown, RED) == (47, 35, 60, 45)
    eroded = render_own("layer=1&src=logo&mask=right&op_growMaskR=-3").convert("RGB")
    assert box_of(eroded, RED) == (53, 35, 60, 45)  # the image's own edges are not eroded


def test_op_growmask_counts_full_resolution_pixels_and_growmaskr_decoded_ones():
    """r-op-growmask.md: the radius applies to the full-resolution mask and is scaled down for
    a downsampled one; r-op-growmaskr.md: applied as is. An 800×400 JPEG decoded reduced for
    wid=200 (a quarter), masked to its right half: op_growMask=-40 erodes 40 source pixels,
    10 of the reply's."""
    source = jpeg((800, 400), (0, 128, 0))
    modifiers = "mask=right&wid=200&fmt=png-alpha"
    plain = engine.render(source, modifiers, resolver=served)
    assert alpha_edge(Image.open(io.BytesIO(plain.data))) == 100
    scaled = engine.render(source, f"{modifiers}&op_growMask=-40", resolver=served)
    assert alpha_edge(Image.open(io.BytesIO(scaled.data))) == 110
    as_is = engine.render(source, f"{modifiers}&op_growMaskR=-40", resolver=served)
    assert alpha_edge(Image.open(io.BytesIO(as_is.data))) > 110  # 40 pixels of a larger decode


def test_op_growmask_of_an_opaque_layer_changes_nothing():
    assert box_of(render("layer=1&src=logo&op_growMask=5").convert("RGB"), RED) == (40, 35, 60, 45)


# --- effectMask: r-effectmask.md; attribute ApplyEffectMask: image-catalog/.../r-applyeffectmask.md


def test_the_effect_mask_cuts_an_outer_effect_away_under_its_parent():
    """r-applyeffectmask.md: the effect mask masks out where an effect and its layer overlap
    (on by default): a blue outer effect under the 50 % red logo does not show through it.
    r-effectmask.md: effectMask=0 turns it off for the request."""
    modifiers = "layer=1&src=logo&opac=50&effect=-1&color=0,0,255"
    masked = render(modifiers).convert("RGB")
    assert masked.getpixel((50, 40)) == pytest.approx((255, 128, 128), abs=1)  # red over white
    unmasked = render(f"{modifiers}&effectMask=0").convert("RGB")
    # the effect (at the parent's 50 %) over white, then the 50 % red over that
    assert unmasked.getpixel((50, 40)) == pytest.approx((191, 64, 128), abs=2)
    assert render(f"effectMask=1&{modifiers}").convert("RGB").getpixel((50, 40)) == (
        masked.getpixel((50, 40))
    )


def test_without_the_effect_mask_an_inner_effect_covers_its_parents_rect():
    """r-layer-effects.md: an inner effect is visible only in opaque areas of the parent (the
    effect mask, r-effectmask.md); with effectMask=0 it is bounded by the parent's rect only.
    The 'half' layer is transparent on its left half (x 40..50)."""
    modifiers = "layer=1&src=half&effect=1&color=0,0,255"
    assert box_of(render(modifiers).convert("RGB"), BLUE) is None
    unmasked = render(f"{modifiers}&effectMask=0").convert("RGB")
    assert box_of(unmasked, BLUE) == (40, 35, 50, 45)
    assert box_of(unmasked, RED) == (50, 35, 60, 45)
    assert unmasked.getpixel((39, 40)) == WHITE


def test_effect_mask_is_a_global_command():
    """r-effectmask.md: effectMask is a global modifier, applied to all effect layers."""
    plan = engine.parse("layer=1&src=a&effectMask=0&layer=2&src=b")
    assert plan.get("effectMask").layer is None
    assert plan.to_modifiers().startswith("effectMask=0&")
