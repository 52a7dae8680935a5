"""Compositing templates over real HTTP (``isrender serve``, httpx): ``template=`` and
templates named in the path, Adobe's Examples A, B and C adapted to small solid images, the
rules that are errors, and caching that follows template edits.

Adobe's pages: ``c-templates/c-templates.md``, ``r-example-a.md``, ``r-example-b.md``,
``r-example-c.md``, ``c-command-reference/r-template.md`` and
``c-syntax-and-features/r-is-http-substitution-variables.md``.
"""

from __future__ import annotations

import contextlib
import io
import time

import pytest
from kits.server import PASSWORD, make_catalog, running_server
from PIL import Image

from engine.catalog import Catalog

BLUE, RED, GREEN, WHITE = (0, 0, 255), (255, 0, 0), (0, 160, 0), (255, 255, 255)
#: r-example-a.md's template, adapted: a 100×100 background, the path's image fitted into
#: 80×80 at the left centre, a vertical caption at the right centre with a default text.
EXAMPLE_A = (
    "src=backdrop&size=100,100&originN=0,0"
    "&layer=1&src=$object$&size=80,80&originN=-0.5,0&posN=-0.5,0"
    "&layer=2&$text=layer+2+text&text=%5Cfs14+$text$&rotate=-90&originN=0.5,0&posN=0.5,0"
)
#: r-example-b.md's template, adapted: the image 80 wide in layer 0, any height, extended by
#: 10 above and below and 20 to the right, the caption at the right centre.
EXAMPLE_B = (
    "$text=layer+1+text&layer=0&size=80,0&extend=0,10,20,10&src=$object$&originN=.5,0"
    "&layer=1&text=%5Cfs10+$text$&rotate=-90&originN=.5,0&posN=0.5,0"
)
#: r-example-c.md's paper doll as a template: the mannequin is $object$, every item names
#: its root id (the company), as the page asks of every src=.
DRESS_UP = "src=$object$&layer=1&src=Tpl/top&layer=2&src=Tpl/hat&op_colorize=ff0000"

#: $object$ inside a nested request of the template (r-is-http-substitution-variables.md:
#: src=is{…&src=$object$}): a white 50×50 with the object 20×40 in its centre.
NESTED = "src=backdrop&size=100,100&layer=1&src=is{?color=ffffff&size=50,50&layer=1&src=$object$}"


def png(size: tuple[int, int], color: tuple[int, ...], mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("templates") / "home"
    session = make_catalog(home, company="Tpl")
    with contextlib.closing(session.catalog):
        session.upload(png((100, 100), BLUE), name="backdrop.png")
        session.upload(png((40, 80), RED), name="tall.png")
        session.upload(png((80, 40), GREEN), name="wide.png")
        session.upload(png((60, 90), (200, 200, 200)), name="mannequin.png")
        session.upload(png((60, 20), (40, 40, 40)), name="top.png")
        session.upload(png((20, 10), (90, 90, 90)), name="hat.png")
        session.upload(png((30, 30), GREEN), name="clash.png")
        framed = session.upload(png((40, 80), RED), name="framed.png")
        # Applied only where a template substitutes $object$ (r-template.md): a layer-sized
        # modifier, which would shrink the whole reply if it wrapped the request.
        session.set_url_modifier(framed.handle, "wid=20&op_invert=1", "fmt=gif")
        # template= reaches a PostModifier and a template only through a preset changed after
        # they were saved (saving refuses it): the server checks what they expand to.
        session.set_preset("later", "wid=10")
        poisoned = session.upload(png((10, 10), RED), name="poisoned.png")
        session.set_url_modifier(poisoned.handle, "", "$later$")
        session.create_template("loop", "size=5,5&$later$")
        session.set_preset("later", "template=exampleA")
        session.create_template("exampleA", EXAMPLE_A)
        session.create_template("exampleB", EXAMPLE_B)
        session.create_template("dressUp", DRESS_UP)
        session.create_template("clash", "size=50,50&color=ff0000")
        session.create_template("defaulted", "$object=tall&" + EXAMPLE_A, "fmt=png")
        session.create_template("pointsAtTemplate", "src=exampleA&size=10,10")
        session.create_template("nested", NESTED)
        session.set_preset("promo", "template=exampleA&$text=promo")
    with running_server(home, "--workers", "1", "--cache-dir", str(home.parent / "cache")) as s:
        s.home = home
        yield s


def image_of(response) -> Image.Image:
    assert response.status_code == 200, response.text
    return Image.open(io.BytesIO(response.content)).convert("RGB")


def get_png(served, path: str) -> Image.Image:
    return image_of(served.get(path + ("&" if "?" in path else "?") + "fmt=png"))


def close(pixel, color, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color, strict=True))


def test_example_a_the_paths_image_is_only_object(served):
    """r-example-a.md: the background is the template's layer 0, the path's image is the
    $object$ of layer 1, fitted into 80 % of the background and aligned left-centre whatever
    its aspect ratio (r-template.md: the path's object is not layer 0)."""
    tall = get_png(served, "/is/image/Tpl/tall?template=exampleA")
    assert tall.size == (100, 100)  # the template's canvas, not the 40×80 image
    assert close(tall.getpixel((5, 50)), RED) and close(tall.getpixel((35, 50)), RED)
    assert close(tall.getpixel((20, 5)), BLUE)  # above the 80-high image
    assert close(tall.getpixel((55, 50)), BLUE)  # right of the 40-wide image
    wide = get_png(served, "/is/image/Tpl/wide?template=exampleA")
    assert close(wide.getpixel((5, 50)), GREEN) and close(wide.getpixel((75, 50)), GREEN)
    assert close(wide.getpixel((40, 25)), BLUE) and close(wide.getpixel((40, 75)), BLUE)


def caption(image: Image.Image) -> bytes:
    """The right-edge strip where Example A's vertical text sits."""
    return image.crop((85, 0, 100, 100)).tobytes()


def test_example_a_request_variables_override_the_template_defaults(served):
    """r-example-a.md: ?template=myTemplate1&$text=about+the+image replaces the template's
    own $text=; without it the default text shows (c-templates.md recommends defaults)."""
    default = get_png(served, "/is/image/Tpl/tall?template=exampleA")
    about = get_png(served, "/is/image/Tpl/tall?template=exampleA&$text=about+the+image")
    plain = get_png(served, "/is/image/Tpl/tall?template=exampleA&$text=")
    assert caption(plain) == Image.new("RGB", (15, 100), BLUE).tobytes()  # no ink at all
    assert len({caption(default), caption(about), caption(plain)}) == 3
    assert about.crop((0, 0, 85, 100)).tobytes() == default.crop((0, 0, 85, 100)).tobytes()


def test_example_b_the_height_follows_the_image(served):
    """r-example-b.md: size=800,0 scales the image to 800 wide (here 80) with the height it
    needs, and extend= adds 100 above and below and 200 right (here 10 and 20)."""
    tall = get_png(served, "/is/image/Tpl/tall?template=exampleB&$text=B")
    wide = get_png(served, "/is/image/Tpl/wide?template=exampleB&$text=B")
    assert tall.size == (100, 180) and wide.size == (100, 60)
    assert close(tall.getpixel((40, 90)), RED) and close(wide.getpixel((40, 30)), GREEN)
    assert close(wide.getpixel((40, 5)), WHITE)  # the extended margin, the default bgColor


def test_example_c_a_paper_doll_as_a_request_and_as_a_template(served):
    """r-example-c.md: items layered over the mannequin, each src= with its root id; the same
    layers in a template with the mannequin as $object$ render the same pixels."""
    layers = "layer=1&src=Tpl/top&layer=2&src=Tpl/hat&op_colorize=ff0000"
    direct = get_png(served, f"/is/image/Tpl/mannequin?{layers}")
    templated = get_png(served, "/is/image/Tpl/mannequin?template=dressUp")
    assert direct.size == templated.size == (60, 90)
    assert direct.tobytes() == templated.tobytes()
    assert close(direct.getpixel((45, 5)), (200, 200, 200))  # the mannequin around them
    assert close(direct.getpixel((5, 45)), (40, 40, 40))  # the top, centred, full width
    hat = direct.getpixel((30, 45))  # the colourised hat over the top's centre
    assert hat[0] > hat[1] + 40 and hat[0] > hat[2] + 40


def test_object_reaches_nested_requests_of_the_template(served):
    """r-is-http-substitution-variables.md: $object$ may be the src= of a nested request
    (/is/image/a/b?…&layer=3&src=is{…&src=$object$} is src=is{…&src=a/b}); the object's
    catalog::Modifier comes with it there too."""
    image = get_png(served, "/is/image/Tpl/tall?template=nested")
    assert image.size == (100, 100)
    assert close(image.getpixel((50, 50)), RED) and close(image.getpixel((50, 30)), RED)
    assert close(image.getpixel((27, 50)), WHITE) and close(image.getpixel((10, 50)), BLUE)
    framed = image_of(served.get("/is/image/Tpl/framed?template=nested"))
    assert close(framed.getpixel((50, 50)), (0, 255, 255))  # op_invert=1 of its Modifier
    assert close(framed.getpixel((50, 25)), WHITE)  # wid=20 of its Modifier: 20×40 high


def test_a_template_from_a_preset(served):
    """A company preset may carry template= and its variables, like the request."""
    preset = get_png(served, "/is/image/Tpl/tall?$promo$")
    direct = get_png(served, "/is/image/Tpl/tall?template=exampleA&$text=promo")
    assert preset.tobytes() == direct.tobytes()


def test_the_objects_modifier_applies_only_to_object_and_its_post_modifier_last(served):
    """r-template.md: the path object's catalog::Modifier applies only with the substitution
    of $object$, its catalog::PostModifier always (after the request and the template)."""
    response = served.get("/is/image/Tpl/framed?template=exampleA&fmt=png")
    assert response.headers["content-type"] == "image/gif"  # framed's PostModifier wins
    image = image_of(response)
    assert image.size == (100, 100)  # wid=20 shaped only the $object$ layer
    assert close(image.getpixel((5, 50)), (0, 255, 255))  # op_invert=1 turned red to cyan
    assert close(image.getpixel((15, 5)), BLUE)  # wid=20 made it 20×40: fitted into 80×80
    assert close(image.getpixel((35, 50)), (0, 255, 255))  # ... that is 40×80 again
    plain = image_of(served.get("/is/image/Tpl/framed"))
    assert plain.size == (20, 40)  # without a template, the modifiers wrap the request


def test_a_template_in_the_path(served):
    """c-templates.md: templates may be named in the path; then $object$ is what the request
    (or the template, as a default) defines with $object= (r-is-http-substitution-variables.md)."""
    by_path = get_png(served, "/is/image/Tpl/exampleA?$object=tall&$text=hi")
    by_command = get_png(served, "/is/image/Tpl/tall?template=exampleA&$text=hi")
    assert by_path.tobytes() == by_command.tobytes()
    defaulted = served.get("/is/image/Tpl/defaulted?$text=hi")
    assert defaulted.headers["content-type"] == "image/png"  # the template's post-modifier
    assert image_of(defaulted).tobytes() == by_command.tobytes()
    wide = get_png(served, "/is/image/Tpl/defaulted?$object=wide")
    assert close(wide.getpixel((75, 50)), GREEN)
    assert served.get("/is/image/Tpl/exampleA?req=exists").text.strip().endswith("=1")


def test_an_image_wins_over_a_template_of_the_same_name_in_the_path(served):
    """README: a path names an image first, so a new template never changes a published image
    URL; template= still reaches the template."""
    image = get_png(served, "/is/image/Tpl/clash")
    assert image.size == (30, 30) and close(image.getpixel((15, 15)), GREEN)
    template = get_png(served, "/is/image/Tpl/tall?template=clash")
    assert template.size == (50, 50) and close(template.getpixel((25, 25)), RED)


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/is/image/Tpl/tall?template=missing", 404, "no template named 'missing'"),
        ("/is/image/Tpl/missing?template=exampleA", 404, "no image named 'missing'"),
        ("/is/image/Tpl/missing", 404, "no image named 'missing'"),
        ("/is/image/Tpl/poisoned", 400, "not allowed in catalog::PostModifier of image"),
        ("/is/image/Tpl/poisoned?template=exampleA", 400, "catalog::PostModifier"),
        ("/is/image/Tpl/tall?layer=1&src=exampleA", 400, "may not be referenced in src="),
        ("/is/image/Tpl/tall?layer=1&src=Tpl/clash", 200, ""),  # an image first
        ("/is/image/Tpl/tall?layer=1&color=ff0000&size=9,9&mask=Tpl/exampleA", 400, "or mask="),
        ("/is/image/Tpl/tall?layer=1&src=is{tall?template=exampleA}", 501, "nested request"),
        ("/is/image/Tpl/tall?template=pointsAtTemplate", 400, "template records may not"),
        ("/is/image/Tpl/exampleA", 400, "'exampleA', a template"),  # $object$ unset
        ("/is/image/Tpl/exampleA?req=imageprops", 400, "is a template"),
    ],
)
def test_the_rules_that_are_errors(served, path, status, words):
    """c-templates.md: template= must not occur in catalog::PostModifier, template records may
    not be referenced in src= or mask=; an unknown template is a 404 like an unknown image."""
    response = served.get(path)
    assert response.status_code == status, response.text
    assert words in response.text


def test_template_command_in_a_template_is_refused(served):
    response = served.get("/is/image/Tpl/tall?template=loop")
    assert response.status_code == 400
    assert "not allowed in the body of template 'loop'" in response.text
    assert "macro $later$" in response.text


def test_props_imageprops_resolve_and_validate(served):
    """req= types answer for the templated request: props describe the template's reply,
    imageprops the path's image, resolve prints the template body with the request in it."""
    props = served.get("/is/image/Tpl/tall?template=exampleA&req=props")
    assert "image.width=100" in props.text and "image.height=100" in props.text
    image = served.get("/is/image/Tpl/tall?template=exampleA&req=imageprops")
    assert "image.width=40" in image.text and "image.height=80" in image.text
    resolved = served.get("/is/image/Tpl/tall?template=exampleA&$text=x&req=resolve").text
    assert "src=tall" in resolved and "template" not in resolved and "src=backdrop" in resolved
    valid = served.get("/is/image/Tpl/tall?template=exampleA&req=validate")
    assert "request.isValid=1" in valid.text
    by_path = served.get("/is/image/Tpl/exampleA?$object=tall&req=props")
    assert "image.width=100" in by_path.text


def _wait_for_cache(served, path, tries=100):
    for _ in range(tries):
        response = served.get(path)
        if response.headers.get("x-cache") == "HIT":
            return response
        time.sleep(0.05)
    raise AssertionError(f"{path} never came from the result cache")


def test_editing_a_template_changes_the_etag_and_the_cached_reply(served):
    """A template has no date: a templated reply has no Last-Modified, and its ETag (the
    result cache's key) covers the template's text, so an edit is never answered 304 nor
    served from the cache (as for presets)."""
    path = "/is/image/Tpl/tall?template=edited&fmt=png"
    with Catalog.open(served.home) as catalog:
        admin = catalog.authenticate("admin@tpl.test", PASSWORD, "Tpl")
        admin.create_template("edited", "size=20,20&color=ff0000")
        first = served.get(path)
        assert "last-modified" not in first.headers
        unchanged = served.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert unchanged.status_code == 304
        cached = _wait_for_cache(served, path)
        assert cached.content == first.content
        admin.create_template("edited", "size=20,20&color=00ff00")
    again = served.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200 and again.headers["x-cache"] == "MISS"
    assert close(image_of(again).getpixel((10, 10)), (0, 255, 0))


def test_the_etag_covers_every_object_the_template_names(served):
    """The template's background is no object of the path, yet a new upload of it changes the
    reply: the ETag keys on the files of every src=/mask= object (and of $object$)."""
    path = "/is/image/Tpl/tall?template=exampleA"
    first = served.get(path)
    with Catalog.open(served.home) as catalog:
        admin = catalog.authenticate("admin@tpl.test", PASSWORD, "Tpl")
        admin.upload(png((100, 100), WHITE), name="backdrop.png")
        again = served.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 200
        assert close(image_of(again).getpixel((60, 50)), WHITE)
        admin.upload(png((40, 80), GREEN), name="tall.png")
        third = served.get(path, headers={"If-None-Match": again.headers["etag"]})
        assert third.status_code == 200 and close(image_of(third).getpixel((5, 50)), GREEN)
        admin.upload(png((100, 100), BLUE), name="backdrop.png")
        admin.upload(png((40, 80), RED), name="tall.png")
