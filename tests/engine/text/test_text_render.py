"""Text layers to pixels. Each test cites the Adobe page whose example or rule it checks
(help/aem-is-ir-api/is-api/http-ref/image-serving-api-ref/c-http-protocol-reference/...)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import FontError, IsRenderError, LimitError, ParseError
from engine.text import FontMap, TextLimits, render_text

FONTS = FontMap.default()
DEJAVU = r"{\fonttbl{\f0 DejaVu Sans;}}\f0"
pytestmark = pytest.mark.skipif("DejaVu Sans" not in FONTS, reason="DejaVu is not installed")


def render(rtf: str, size=(300, 50), command="text", attr=None, font_map=FONTS, **kw):
    return render_text(rtf, command=command, size=size, text_attr=attr, font_map=font_map, **kw)


def alpha(image) -> np.ndarray:
    return np.asarray(image)[:, :, 3]


def ink_box(image, threshold: int = 0) -> tuple[int, int, int, int]:
    """left, top, right, bottom (exclusive) of the pixels with alpha above ``threshold``."""
    ys, xs = np.nonzero(alpha(image) > threshold)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def centre_x(image) -> float:
    a = alpha(image).astype(float)
    return float((a.sum(axis=0) * np.arange(a.shape[1])).sum() / a.sum())


def test_rgba_transparent_background_exact_size():
    # r-text.md: a text layer with size= is that rectangle
    image = render(DEJAVU + r"\fs40 Hello", size=(230, 50))
    assert image.mode == "RGBA" and image.size == (230, 50)
    assert alpha(image)[:, -20:].max() == 0  # background stays transparent
    assert alpha(image).max() == 255


def test_text_keeps_raised_glyphs_inside_textps_clips_them():
    # r-text-positioning.md examples three and four: text= "shifts rendered text down to avoid
    # clipping"; textPs= "does not move text containing raised portions"
    rtf = DEJAVU + r"\fs40Normal {\up20Raised }Normal"
    whole = ink_box(render(rtf, size=None))
    shifted = ink_box(render(rtf, size=(400, 50), command="text"))
    clipped = render(rtf, size=(400, 50), command="textPs")
    height = lambda box: box[3] - box[1]  # noqa: E731
    assert height(shifted) == height(whole)  # nothing cut
    assert alpha(clipped)[0].max() > 0 and height(ink_box(clipped)) < height(whole)


def test_text_always_leaves_a_margin_at_the_top_textps_aligns_the_cell():
    # r-text-positioning.md examples one and two (same string, both commands)
    rtf = DEJAVU + r"\fs40Normal Normal Normal"
    text_top = ink_box(render(rtf, size=(230, 50)))[1]
    ps_top = ink_box(render(rtf, size=(230, 50), command="textPs"))[1]
    assert text_top >= 1 and ps_top >= 1


def test_colour_table_colours_the_words():
    # r-rtf-encoding-examples.md example four: \cf1red, \cf2green, \cf3blue
    image = render(
        DEJAVU + r"{\colortbl ;\red255\green0\blue0;\red0\green128\blue0;\red0\green0\blue255;}"
        r"\fs48\cf1red, \cf2green, \cf3blue",
        size=(400, 60),
    )
    pixels = np.asarray(image)
    solid = pixels[:, :, 3] == 255
    colours = {tuple(int(v) for v in p[:3]) for p in pixels[solid]}
    assert colours == {(255, 0, 0), (0, 128, 0), (0, 0, 255)}
    red_columns = np.nonzero((pixels[:, :, 0] == 255) & solid)[1]
    blue_columns = np.nonzero((pixels[:, :, 2] == 255) & solid)[1]
    assert red_columns.max() < blue_columns.min()  # red first, blue last


def test_edges_keep_the_text_colour_with_partial_alpha():
    # straight alpha: an antialiased edge is the colour at partial opacity, not darker
    image = render(DEJAVU + r"{\colortbl;\red255\green255\blue255;}\cf1\fs48 Wave")
    pixels = np.asarray(image)
    edge = (pixels[:, :, 3] > 0) & (pixels[:, :, 3] < 255)
    assert edge.any() and (pixels[edge][:, :3] == 255).all()


def test_bold_and_italic_differ_from_regular():
    # r-rtf-encoding-examples.md example two: \b1Bold\b0, \i1italic\i0
    regular = alpha(render(DEJAVU + r"\fs48 Bold")) > 0
    bold = alpha(render(DEJAVU + r"\fs48\b1 Bold\b0")) > 0
    italic = alpha(render(DEJAVU + r"\fs48\i1 Bold\i0")) > 0
    assert bold.sum() > regular.sum() * 1.2
    assert (italic != regular).sum() > 100


def test_underline_draws_below_the_baseline():
    # r-basic-character-formatting.md: \ul underline, \ul0 off
    plain = render(DEJAVU + r"\fs40 ace", size=(200, 60))
    underlined = render(DEJAVU + r"\fs40\ul ace\ul0", size=(200, 60))
    assert ink_box(underlined)[3] > ink_box(plain)[3]


@pytest.mark.parametrize(("word", "where"), [("ql", 0.0), ("qc", 0.5), ("qr", 1.0)])
def test_alignment_moves_the_ink(word, where):
    # r-paragraph-formatting.md: \ql left (default), \qr right, \qc centre
    image = render(DEJAVU + rf"\{word}\fs24 Sale", size=(300, 50))
    left, _, right, _ = ink_box(image)
    assert abs((left + right) / 2 - where * 300) < 40


def test_vertical_alignment_in_the_box():
    # r-rtf-encoding-examples.md example five and r-document-text-box-properties.md (\vertal*)
    top = ink_box(render(DEJAVU + r"top", size=(300, 50)))
    middle = ink_box(render(DEJAVU + r"\vertalc\qc center", size=(300, 50)))
    bottom = ink_box(render(DEJAVU + r"\vertalb\qr bottom-right", size=(300, 50)))
    assert top[1] < middle[1] < bottom[1] and bottom[3] <= 50
    assert bottom[2] > 290


def test_font_sizes_in_half_points():
    # r-rtf-encoding-examples.md example one and r-basic-character-formatting.md (\fs, default 24)
    small = ink_box(render(DEJAVU + r"\fs24 H", size=None))
    large = ink_box(render(DEJAVU + r"\fs48 H", size=None))
    default = ink_box(render(DEJAVU + "H", size=None))
    assert default == small
    height = lambda box: box[3] - box[1]  # noqa: E731
    assert abs(height(large) - 2 * height(small)) <= 2


def test_rtlch_reverses_the_character_flow():
    # r-rtf-encoding-examples.md last example: {\rtlch desrever} renders "reversed"
    fonts = r"{\fonttbl{\f0\fmodern\fprq1\fcharset0 DejaVu Sans Mono;}}\f0\fs72"
    reversed_ = np.asarray(render(fonts + r"{\rtlch desrever}"))
    plain = np.asarray(render(fonts + "reversed"))
    assert (reversed_ == plain).all()
    assert not (np.asarray(render(fonts + "desrever")) == plain).all()


def test_hebrew_runs_right_to_left_and_marks_combine():
    # c-text-formatting.md: right-to-left character flow (text=) and international text;
    # the first letter of a Hebrew word is its rightmost
    # (U+202D LEFT-TO-RIGHT OVERRIDE draws characters in the given order: a visual reference)
    word = np.asarray(render(DEJAVU + r"\fs48\u1488?\u1489?", size=None))
    bet_alef = np.asarray(render(DEJAVU + r"\fs48\u8237?\u1489?\u1488?\u8236?", size=None))
    alef_bet = np.asarray(render(DEJAVU + r"\fs48\u8237?\u1488?\u1489?\u8236?", size=None))
    assert (word == bet_alef).all() and not (word == alef_bet).all()
    e = render(DEJAVU + r"\fs48 e", size=None)
    accented = render(DEJAVU + r"\fs48 e\u769?", size=None)  # e + COMBINING ACUTE ACCENT
    assert abs(accented.width - e.width) <= 2 and accented.height >= e.height


def test_unicode_escapes_draw_glyphs_not_boxes():
    # r-is-http-character-encoding.md: \uN; a glyph the font lacks would draw a .notdef box
    missing = alpha(render(DEJAVU + r"\fs48\u57344?", size=(80, 60)))  # U+E000: not in DejaVu
    for escape in (r"\u8364?", r"\u1513?", r"\u1046?", r"\'e9"):  # € ש Ж é
        drawn = alpha(render(DEJAVU + r"\fs48" + escape, size=(80, 60)))
        assert drawn.max() == 255 and (drawn != missing).sum() > 50, escape


def test_self_sizing_layer_fits_the_text():
    # r-text.md: text= sizes the layer to the text when size= is not specified
    image = render(DEJAVU + r"\fs40 Hello world", size=None)
    left, _, right, bottom = ink_box(image)
    assert left <= 3 and image.width - right <= 3 and bottom <= image.height
    assert 80 < image.width < 200 and 15 < image.height < 40  # \fs40 is 20 pt: 20 px at 72 dpi


def test_width_only_wraps_and_takes_the_text_height():
    # r-textattr.md / r-text.md: "when only the width is specified" the layer height follows
    one_line = render(DEJAVU + r"\fs24 word", size=(120, 0))
    wrapped = render(DEJAVU + r"\fs24 word " * 12, size=(120, 0))
    assert wrapped.width == one_line.width == 120
    assert wrapped.height > 3 * one_line.height


def test_self_sizing_text_with_two_alignments_is_an_error():
    # r-text.md: "only one of the RTF alignment commands \ql, \qr, and \qc may be applied;
    # an error is returned otherwise"
    rtf = r"\ql left\par\qc centre"
    with pytest.raises(ParseError) as caught:
        render(rtf, size=None)
    assert caught.value.command == "text" and caught.value.offset == rtf.index(r"\qc")
    render(rtf, size=(300, 60))  # with a full size= it is fine
    render(rtf, size=None, command="textPs")  # and textPs= point text may mix them
    render(r"\qc one\par\qc two", size=None)  # one alignment used twice


def test_auto_res_fills_the_box_max_res_only_shrinks():
    # r-textattr.md: autoRes "best fill the layer rect"; maxRes "decrease it if necessary"
    auto = ink_box(render(DEJAVU + "Hi", size=(300, 200), attr="72,norm,autoRes"))
    fixed = ink_box(render(DEJAVU + "Hi", size=(300, 200)))
    kept = ink_box(render(DEJAVU + "Hi", size=(300, 200), attr="72,norm,maxRes"))
    assert kept == fixed
    assert auto[3] - auto[1] > 5 * (fixed[3] - fixed[1]) and auto[3] <= 200 and auto[2] <= 300
    line = DEJAVU + r"\fs48 one long caption line"
    cropped = render(line, size=(200, 60), attr="72,,fixedRes,noWrap")
    shrunk = ink_box(render(line, size=(200, 60), attr="72,,maxRes,noWrap"))
    whole = ink_box(render(line, size=None))
    assert alpha(cropped)[:, -1].max() > 0  # fixedRes crops what does not fit
    assert shrunk[2] <= 200 and shrunk[2] - shrunk[0] > 180  # all of it, as large as fits
    aspect = lambda box: (box[2] - box[0]) / (box[3] - box[1])  # noqa: E731
    assert abs(aspect(shrunk) - aspect(whole)) < 0.1 * aspect(whole)


def test_textattr_res_scales_the_text():
    # r-textattr.md: "Higher resolution values increase the size of the rendered text"
    normal = render(DEJAVU + "Hi", size=None)
    double = render(DEJAVU + "Hi", size=None, attr="144")
    assert abs(double.height - 2 * normal.height) <= 2
    assert render(DEJAVU + "Hi", size=None, resolution=144).size == double.size


def test_antialiasing_off_draws_only_opaque_pixels():
    # r-textattr.md: antiAliasing off
    values = set(np.unique(alpha(render(DEJAVU + r"\fs40 Soft", attr="72,off"))))
    assert values == {0, 255}
    assert len(np.unique(alpha(render(DEJAVU + r"\fs40 Soft")))) > 2


@pytest.mark.parametrize(("attr", "argument"), [("0", 0), ("72,blurry", 1), ("72,norm,big", 2)])
def test_bad_textattr_is_a_parse_error(attr, argument):
    with pytest.raises(ParseError) as caught:
        render("x", attr=attr)
    assert caught.value.command == "textAttr" and caught.value.argument == argument


def test_word_wrap_modes():
    # r-textattr.md: wrap breaks long words, nbWrap never breaks a word, noWrap disables
    word = DEJAVU + r"\fs24 Supercalifragilisticexpialidocious"
    wrapped = render(word, size=(120, 100), attr="72,norm,fixedRes,wrap")
    unbroken = render(word, size=(120, 100), attr="72,norm,fixedRes,nbWrap")
    assert ink_box(wrapped)[3] > 2 * ink_box(unbroken)[3] * 0.9
    assert ink_box(unbroken)[3] < 40
    two = DEJAVU + r"\fs24 one two three four five six"
    assert ink_box(render(two, size=(120, 100), attr="72,,,noWrap"))[3] < 40


def test_copyfit_grows_little_text_and_shrinks_much_text():
    # r-copy-fitting.md: "Specify the minimum font size with \fs and the maximum with \copyfit"
    box = (300, 120)
    short = DEJAVU + r"\fs20\copyfit200 Sale"
    plain = DEJAVU + r"\fs20 Sale"
    grown, fixed = (
        render(short, size=box, command="textPs"),
        render(plain, size=box, command="textPs"),
    )
    assert ink_box(grown)[3] - ink_box(grown)[1] > 3 * (ink_box(fixed)[3] - ink_box(fixed)[1])
    assert ink_box(grown)[3] <= 120 and ink_box(grown)[2] <= 300
    long = DEJAVU + r"\fs20\copyfit200 " + "many words to fit here " * 6
    fitted = render(long, size=box, command="textPs")
    assert ink_box(fitted)[3] <= 120
    assert ink_box(fitted)[3] - ink_box(fitted)[1] > 60  # fills the box rather than staying tiny


def test_copyfit_is_text_ps_only():
    # r-advanced-text-formatting.md: \copyfit "textPs= only"
    rtf = DEJAVU + r"\fs20\copyfit200 Sale"
    assert ink_box(render(rtf, size=(300, 120))) == ink_box(
        render(DEJAVU + r"\fs20 Sale", size=(300, 120))
    )


def test_copyfitmaxlines_truncates():
    # r-copy-fitting.md: \copyfitmaxlines "always truncates extra output lines"
    rtf = DEJAVU + r"\fs20\copyfit40\copyfitmaxlines1 " + "word " * 40
    image = render(rtf, size=(200, 200), command="textPs")
    assert ink_box(image)[3] < 40


def test_textps_renders_only_complete_lines():
    # c-text-formatting.md: "textPs= only renders complete lines"
    rtf = DEJAVU + r"\fs40 one\par two"
    image = render(rtf, size=(200, 35), command="textPs")
    assert ink_box(image)[3] < 25  # \fs40 lines are 23 px: the second (23..46) is not drawn
    assert alpha(render(rtf, size=(200, 35)))[-1].max() > 0  # text= crops the last line


def test_missing_font_is_an_error_naming_it():
    # r-font-handling.md: "All fonts referenced in the RTF string must be available in the font
    # map ... otherwise an error is returned"
    rtf = r"{\fonttbl{\f0 FluffyFont;}}\f0 fluffy"
    with pytest.raises(FontError, match="FluffyFont"):
        render(rtf)
    with pytest.raises(FontError, match=r"\\f3"):
        render(r"{\fonttbl{\f0 DejaVu Sans;}}\f3 x")
    image = render(rtf, font_map=FontMap.default(fallback="DejaVu Sans"))  # opt-in fallback
    assert alpha(image).max() == 255


def test_font_names_are_case_insensitive():
    # r-name-font.md: the name "exactly as specified in the RTF \fonttbl"; IS names are
    # case-insensitive (README decision)
    a = render(r"{\fonttbl{\f0 dejavu sans;}}\f0 x")
    b = render(DEJAVU + " x")
    assert (np.asarray(a) == np.asarray(b)).all()


@pytest.mark.skipif("Arial" not in FONTS, reason="fonts-liberation2 is not installed")
def test_scene7_font_names_map_to_liberation():
    # r-rtf-encoding-examples.md example three names Arial and Courier New
    rtf = r"{\fonttbl{\f0\fcharset0 Arial;}{\f1\fcharset0 Courier New;}}\f0\fs50 Arial, \f1 Courier"
    assert alpha(render(rtf, size=(400, 60))).max() == 255
    assert "Liberation" in str(FONTS.face("Arial").path)
    assert "LiberationMono-Bold" in str(FONTS.face("courier new", bold=True).path)


def test_hostile_sizes_are_bounded():
    # bounded work: a 10,000-pt font, 1 MB of text, huge layers and many paragraphs
    with pytest.raises(LimitError, match="pixel font"):
        render(r"\fs20000 big")
    with pytest.raises(LimitError, match="characters long"):
        render("x" * 1_000_000)
    with pytest.raises(LimitError, match="exceeds"):
        render("x", size=(100_000, 100_000))
    with pytest.raises(LimitError, match="breaks"):
        render("\\par " * 5000)
    with pytest.raises(LimitError, match="laid-out text"):
        render(r"\fs4000 " + "W" * 9000, size=None)
    limits = TextLimits(max_characters=10)
    with pytest.raises(LimitError, match="at most 10"):
        render("eleven char", limits=limits)


def test_auto_res_in_a_huge_box_stops_at_the_font_limit():
    # autoRes can only grow the font up to TextLimits.max_font_pixels
    limits = TextLimits(max_font_pixels=200)
    image = render(DEJAVU + "Hi", size=(2000, 2000), attr="72,,autoRes", limits=limits)
    assert ink_box(image)[3] - ink_box(image)[1] < 200


def test_empty_text_is_an_empty_layer():
    assert alpha(render("", size=(50, 20))).max() == 0
    image = render("", size=None)
    assert image.width >= 1 and image.height >= 1 and alpha(image).max() == 0


def test_textps_top_margin_keeps_raised_text():
    # r-text-positioning.md example five: "A 10 pt (200 twips) margin at the top renders this
    # text without clipping" (\margt is textPs= only: r-document-text-box-properties.md)
    rtf = DEJAVU + r"\margt200\fs40Normal {\up20Raised} Normal"
    clipped = render(DEJAVU + r"\fs40Normal {\up20Raised} Normal", size=(230, 50), command="textPs")
    margin = render(rtf, size=(230, 50), command="textPs")
    assert alpha(clipped)[0].max() > 0 and alpha(margin)[0].max() == 0
    unmarked = render(DEJAVU + r"\fs40Normal {\up20Raised} Normal", size=(230, 50))
    assert ink_box(render(rtf, size=(230, 50))) == ink_box(unmarked)  # text= ignores \marg*
    left = render(DEJAVU + r"\margl400 x", size=(200, 40), command="textPs")
    assert ink_box(left)[0] >= 20  # 400 twips = 20 pt = 20 px at 72 dpi


def test_line_spacing_and_paragraph_spacing():
    # r-paragraph-formatting.md: \sl (negative: exactly), \slmult1 (multiples), \sb before the
    # first paragraph "text= applies \sb to the first paragraph in the text box, textPs= does not"
    auto = render(DEJAVU + r"a\line b", size=None)
    exact = render(DEJAVU + r"\sl-600 a\line b", size=None)  # exactly 30 pt per line
    double = render(DEJAVU + r"\sl480\slmult1 a\line b", size=None)
    assert exact.height == 60
    assert abs(double.height - 2 * auto.height) <= 2
    text_top = ink_box(render(DEJAVU + r"\sb400 x", size=(100, 80)))[1]
    ps_top = ink_box(render(DEJAVU + r"\sb400 x", size=(100, 80), command="textPs"))[1]
    assert text_top - ink_box(render(DEJAVU + "x", size=(100, 80)))[1] == 20
    assert ps_top == ink_box(render(DEJAVU + "x", size=(100, 80), command="textPs"))[1]


def test_indents_are_textps_only():
    # r-paragraph-formatting.md: \li, \fi "Twips; textPs= only"
    plain = ink_box(render(DEJAVU + "x", size=(200, 40), command="textPs"))
    indented = ink_box(render(DEJAVU + r"\li600 x", size=(200, 40), command="textPs"))
    assert indented[0] - plain[0] == 30
    assert (
        ink_box(render(DEJAVU + r"\li600 x", size=(200, 40)))[0]
        == ink_box(render(DEJAVU + "x", size=(200, 40)))[0]
    )


def test_justified_paragraph_fills_the_width():
    # r-paragraph-formatting.md: \qj "Justify text horizontally", textPs= only
    words = DEJAVU + r"\qj " + "wonderful " * 5 + "end"
    justified = render(words, size=(170, 100), command="textPs")
    ragged = render(words.replace(r"\qj ", ""), size=(170, 100), command="textPs")
    first_line = (0, 0, 170, 14)
    assert ink_box(justified.crop(first_line))[2] > 165
    assert ink_box(ragged.crop(first_line))[2] < 160
    assert ink_box(render(words, size=(170, 100)).crop(first_line))[2] < 160  # text=: left


@settings(max_examples=120, deadline=None)
@given(
    rtf=st.lists(
        st.sampled_from(
            [
                "a",
                " ",
                "word ",
                "{",
                "}",
                r"\b ",
                r"\i0 ",
                r"\fs8 ",
                r"\fs60 ",
                r"\qc ",
                r"\qr ",
                r"\par ",
                r"\line ",
                r"\rtlch ",
                r"\up9 ",
                r"\u1488?",
                r"\copyfit90 ",
                r"\ul ",
                r"\sl-200 ",
                r"\li300 ",
                r"\fi-400 ",
                r"\margl900 ",
                r"\qj ",
                "\u0301",
                "-",
            ]
        ),
        max_size=25,
    ).map("".join),
    command=st.sampled_from(["text", "textPs"]),
    size=st.sampled_from([None, (0, 0), (60, 0), (90, 40), (3, 3)]),
    attr=st.sampled_from([None, "72,off", "96,norm,autoRes,nbWrap", "50,,maxRes,noWrap"]),
)
def test_any_text_layer_renders_or_fails_clearly(rtf, command, size, attr):
    # every input gives an RGBA image of the requested size or an isrender error
    try:
        image = render(DEJAVU + rtf, size=size, command=command, attr=attr)
    except IsRenderError:
        return
    assert image.mode == "RGBA"
    if size and all(size):
        assert image.size == size
    elif size and size[0]:
        assert image.width == size[0]


def test_a_word_of_stacked_marks_wider_than_the_box_wraps():
    # regression: splitting a word made of one letter and two combining marks in a box too
    # narrow for it looped forever; a character keeps its marks and always makes progress
    image = render(DEJAVU + r"\fs40 a\u769?\u769?b", size=(3, 30), command="textPs")
    assert image.size == (3, 30)
    image = render(DEJAVU + r"\fs40 a\u769?\u769?b", size=(3, 0))
    assert image.width == 3 and image.height > 40  # two lines: "á́" and "b"


def test_a_repeated_layout_is_reused_but_every_call_draws_its_own_image():
    """The layout of the same arguments is kept (a preset's caption on every image); each
    call still returns a new image, so a caller changing one never changes the next."""
    rtf = DEJAVU + r"\fs40 Summer sale"
    first = render(rtf)
    first.paste((255, 0, 0, 255), (0, 0, *first.size))
    second = render(rtf)
    assert second is not first and alpha(second).max() == 255 and alpha(second).min() == 0
    # every argument takes part: another box, map or scale lays the text out again
    assert render(rtf, size=(200, 80)).size == (200, 80)
    bigger = render(rtf, size=None)
    assert render(rtf, size=None, scale=0.5).width < bigger.width
    fallback = FONTS.with_fallback("DejaVu Sans")
    assert render(r"{\fonttbl{\f0 Nowhere;}}\f0 x", font_map=fallback).size == (300, 50)
    with pytest.raises(FontError):
        render(r"{\fonttbl{\f0 Nowhere;}}\f0 x")
