"""Quality guard: every fast path's output against the straightforward full-decode rendition
of the same request (no draft, no reducing_gap). A speed trick may never quietly cost
quality: SSIM must stay ≥ 0.98 (peers shipped visible draft artefacts, thumbor#858)."""

from __future__ import annotations

import pytest
from conftest import megapixel_sizes
from quality import luma, psnr, smoothed, ssim
from test_render import CASES, with_region

import engine

MIN_SSIM = 0.98


@pytest.mark.parametrize("megapixels", megapixel_sizes())
@pytest.mark.parametrize("case", sorted(CASES))
def test_fast_path_keeps_quality(image_path, case, megapixels, record_property):
    kind, modifiers, straightforward, _ = CASES[case]
    path = image_path(kind, megapixels)
    modifiers = with_region(modifiers, megapixels)
    rendition = engine.render(path, modifiers)
    reference = straightforward(path, (rendition.width, rendition.height), fast=False)
    fast, slow = luma(rendition.data), luma(reference)
    if "quantize" in modifiers:  # dithered palette
        fast, slow = smoothed(fast), smoothed(slow)
    score = ssim(fast, slow)
    record_property("ssim", round(score, 4))
    record_property("psnr", round(psnr(fast, slow), 2))
    assert score >= MIN_SSIM, f"{case} at {megapixels} MP: SSIM {score:.4f} < {MIN_SSIM}"
