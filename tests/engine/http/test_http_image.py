"""``/is/image/{company}/{name}`` over real HTTP: names, requests, every req= and format."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

import httpx
import numpy as np
import pytest
from kits.server import PASSWORD, raw_get
from kits.waiting import wait_for
from PIL import Image

import engine
from engine.catalog import Catalog
from engine.syntax import encode_value

IMAGE = "/is/image/Demo/photo"


def _image(response: httpx.Response) -> Image.Image:
    return Image.open(io.BytesIO(response.content))


def _original(served, key: str) -> bytes:
    with Catalog.open(served.home) as catalog:
        return catalog.blobs.path(served.assets[key].blob).read_bytes()


def test_an_image_is_the_engines_render_of_the_same_request(served):
    response = served.get(f"{IMAGE}?wid=400&fmt=webp&qlt=70")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/webp"
    assert int(response.headers["content-length"]) == len(response.content)
    expected = engine.render(_original(served, "photo"), "wid=400&fmt=webp&qlt=70")
    assert response.content == expected.data
    assert _image(response).size == (400, 267)


def test_the_default_request_is_a_jpeg_and_cacheable(served):
    response = served.get(IMAGE)
    assert response.headers["content-type"] == "image/jpeg"
    assert re.fullmatch(r'"[0-9a-f]{40}"', response.headers["etag"])
    assert response.headers["cache-control"] == "public, max-age=36000"
    assert response.headers["last-modified"].endswith(" GMT")


@pytest.mark.parametrize("name", ["photo", "photo.jpg"])
def test_an_asset_is_named_with_or_without_its_extension(served, name):
    assert served.get(f"/is/image/Demo/{name}?wid=10").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/is/image/Demo/Photo",  # IS catalog IDs are case-sensitive
        "/is/image/Demo/phot",
        "/is/image/Demo/photo.jpg.jpg",
        "/is/image/Demo/..%2F..%2Fcatalog.sqlite3",
        "/is/image/Demo/%2E%2E",
        "/is/image/Nobody/photo",
    ],
)
def test_unknown_names_are_404_and_never_touch_the_file_system(served, path):
    response = served.get(path)
    assert response.status_code == 404
    assert "Traceback" not in response.text


def test_the_company_name_is_case_insensitive_like_the_catalog(served):
    assert served.get("/is/image/demo/photo?wid=10").status_code == 200


def test_two_uploads_with_one_stem_serve_the_newer(served):
    assert _image(served.get("/is/image/Demo/twice")).size == (200, 100)
    assert _image(served.get("/is/image/Demo/twice.jpg")).size == (300, 200)


def test_presets_are_the_companys_macros_and_object_is_the_asset_id(served):
    assert served.get(f"{IMAGE}?$thumb$").headers["content-type"] == "image/png"
    resolved = served.get(f"{IMAGE}?req=resolve&$thumb$&wid=99")
    assert resolved.text.strip() == "req=resolve&wid=99&fmt=png"
    assert served.get(f"{IMAGE}?req=resolve&id=$object$").text.strip().endswith("id=photo")


def test_url_modifiers_wrap_the_request(served):
    # catalog::Modifier wid=50&qlt=20 loses to the request; PostModifier fmt=png beats it.
    response = served.get("/is/image/Demo/framed?wid=80&fmt=jpeg")
    assert response.headers["content-type"] == "image/png"
    assert _image(response).size == (80, 60)
    resolved = served.get("/is/image/Demo/framed?req=resolve").text.strip()
    assert resolved == engine.resolve("wid=50&qlt=20&req=resolve&fmt=png")


def test_the_raw_query_is_parsed_once_by_the_is_language(served):
    # %2C is a comma inside a value only after IS splits at commas: the same as engine.parse.
    response = served.get(f"{IMAGE}?req=resolve&bgc=ff0000&$v=wid%3D7&op_blur=1%2E5")
    assert response.text.strip() == engine.resolve(
        "req=resolve&bgc=ff0000&$v=wid%3D7&op_blur=1%2E5"
    )


def test_props_in_every_format(served):
    text = served.get(f"{IMAGE}?wid=100&fmt=png&req=props")
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    lines = text.text.splitlines()
    assert lines[0] == "#S7Z OK" and lines[1].startswith("#")
    fields = dict(line.split("=", 1) for line in lines[2:])
    assert (fields["image.width"], fields["image.type"]) == ("100", "image/png")
    image = served.get(f"{IMAGE}?wid=100&fmt=png")
    assert fields["image.length"] == str(len(image.content))

    jsonp = served.get(f"{IMAGE}?wid=100&req=props,json&id=r42&handler=onProps")
    assert jsonp.headers["content-type"] == "text/javascript; charset=utf-8"
    match = re.fullmatch(r"/\*jsonp\*/onProps\((\{.*\}),\"r42\"\);\n", jsonp.text, re.DOTALL)
    assert match and json.loads(match.group(1))["image.width"] == "100"
    default_handler = served.get(f"{IMAGE}?wid=100&req=props,json").text
    assert default_handler.startswith("/*jsonp*/s7jsonResponse({")

    xml = served.get(f"{IMAGE}?wid=100&req=props,xml")
    assert xml.headers["content-type"] == "text/xml; charset=utf-8"
    group = ET.fromstring(xml.content).find("prop-group[@name='image']")
    assert group.find("property[@name='width']").get("value") == "100"

    script = served.get(f"{IMAGE}?wid=100&req=props,javascript")
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "image.width='100';" in script.text.splitlines()


def test_a_bad_jsonp_handler_or_format_is_400(served):
    assert served.get(f"{IMAGE}?req=props,json&handler=alert(1)").status_code == 400
    assert served.get(f"{IMAGE}?req=props,yaml").status_code == 400


def test_imageprops_describe_the_source_and_its_modifiers(served):
    response = served.get("/is/image/Demo/framed?req=imageprops")
    fields = dict(line.split("=", 1) for line in response.text.splitlines()[2:])
    assert (fields["image.width"], fields["image.height"]) == ("400", "300")
    assert fields["image.modifier"] == "wid=50&qlt=20"
    assert fields["image.postModifier"] == "fmt=png"
    assert fields["image.pixTyp"] == "RGB" and fields["image.mask"] == "0"


def test_exists_answers_200_either_way(served):
    yes = served.get(f"{IMAGE}?req=exists")
    no = served.get("/is/image/Demo/missing?req=exists,json")
    assert (yes.status_code, no.status_code) == (200, 200)
    assert yes.text.splitlines()[-1] == "catalogRecord.exists=1"
    assert '"catalogRecord.exists":"0"' in no.text.replace(" ", "")
    with_id = served.get("/is/image/Demo/missing?req=exists,json&id=r7&handler=cb").text
    assert with_id.startswith("/*jsonp*/cb(") and with_id.endswith(',"r7");\n')
    valid = served.get("/is/image/Demo/x?req=validate,json&id=v1").text
    assert valid == '/*jsonp*/s7jsonResponse({"request.isValid": "1"},"v1");\n'


def test_resolve_and_validate_are_not_cacheable(served):
    resolve = served.get(f"{IMAGE}?req=resolve&wid=10")
    assert resolve.headers["content-type"].startswith("text/plain")
    assert resolve.headers["cache-control"] == "no-store"
    validate = served.get("/is/image/Demo/anything?req=validate&wid=10")
    assert validate.text.splitlines()[-1] == "request.isValid=1"
    assert validate.headers["cache-control"] == "no-store"
    invalid = served.get("/is/image/Demo/anything?req=validate&wid=x")
    assert invalid.status_code == 400 and "command 'wid'" in invalid.text


def test_other_request_types_are_400_naming_what_is_supported(served):
    response = served.get(f"{IMAGE}?req=tmb")
    assert response.status_code == 400
    assert "req=tmb is not supported" in response.text and "imageprops" in response.text


def test_conditional_requests_get_304_without_a_body(served):
    first = served.get(f"{IMAGE}?wid=33")
    again = served.get(f"{IMAGE}?wid=33", headers={"If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]
    since = served.get(
        f"{IMAGE}?wid=33", headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert since.status_code == 304
    other = served.get(f"{IMAGE}?wid=34", headers={"If-None-Match": first.headers["etag"]})
    assert other.status_code == 200 and other.headers["etag"] != first.headers["etag"]
    old = served.get(
        f"{IMAGE}?wid=33", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    )
    assert old.status_code == 200


def test_the_etag_follows_the_resolved_request_not_its_spelling(served):
    one = served.get(f"{IMAGE}?wid=120&fmt=png").headers["etag"]
    assert served.get(f"{IMAGE}?$thumb$").headers["etag"] == one
    assert served.get(f"{IMAGE}?WID=120&fmt=PNG").headers["etag"] == one
    assert served.get(f"{IMAGE}?req=img&wid=120&fmt=png&id=v2&cache=on").headers["etag"] == one
    assert served.get(f"{IMAGE}?wid=120&fmt=png&qlt=50").headers["etag"] != one


def test_head_renders_nothing_and_sends_the_headers(served):
    response = httpx.head(served.url + f"{IMAGE}?wid=500&fmt=png", timeout=30)
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"] == "image/png"
    assert response.headers["etag"] == served.get(f"{IMAGE}?wid=500&fmt=png").headers["etag"]


def test_cache_modifier(served):
    assert served.get(f"{IMAGE}?wid=9&cache=off").headers["cache-control"] == "no-store"
    assert served.get(f"{IMAGE}?wid=9&cache=off,on").headers["cache-control"] == "no-store"
    on = served.get(f"{IMAGE}?wid=9&cache=on,off").headers["cache-control"]
    assert on == "public, max-age=36000"
    assert served.get(f"{IMAGE}?wid=9&cache=validate").headers["cache-control"] == on
    bad = served.get(f"{IMAGE}?wid=9&cache=sometimes")
    assert bad.status_code == 400 and "command 'cache'" in bad.text


def test_a_companys_expiration_sets_max_age(served):
    response = served.get("/is/image/Strict/only?wid=10")
    assert response.headers["cache-control"] == "public, max-age=3600"


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ("wid=abc", 400, "command 'wid', argument 1; text 'abc'; at offset 0; expected"),
        ("wid=10&$nope$", 400, "undefined macro $nope$"),
        ("wid=9000&hei=9000", 400, "MaxPix"),
        ("icc=sRGB", 501, "not supported"),
        ("src=other&layer=1", 422, "no image asset named 'other'"),
        # r-font-handling.md: a font the server's font map lacks is an error, not a fallback
        (r"layer=1&text=%7B%5Cfonttbl%7B%5Cf0%20NoSuchFont;%7D%7D%5Cf0%20hi", 422, "NoSuchFont"),
        ("wid=10&.comment" + "x" * 70000, 414, "too long"),
    ],
)
def test_errors_have_their_status_and_a_specific_message(served, query, status, text):
    response = raw_get(served, f"{IMAGE}?{query}")
    assert response.status_code == status
    assert text in response.text and "Traceback" not in response.text
    assert response.headers["cache-control"] == "no-store"


def test_requests_up_to_64_kib_are_read(served):
    # uvicorn's own limit (16 KiB) would refuse this before the IS language sees it.
    response = raw_get(served, f"{IMAGE}?wid=10&.comment" + "x" * 60000)
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"


def test_post_is_not_allowed(served):
    assert httpx.post(served.url + IMAGE, timeout=30).status_code == 405


def test_an_error_image_answers_200_at_the_requests_size(served):
    response = served.get("/is/image/Strict/missing?wid=32&fmt=png&op_blur=1")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert _image(response).size == (32, 24)
    assert response.headers["x-error-status"] == "404"
    assert "missing" in response.headers["x-error-message"]
    assert response.headers["cache-control"] == "no-store"
    broken = served.get("/is/image/Strict/only?wid=zz&fmt=gif")  # the request itself is bad
    assert broken.status_code == 200 and broken.headers["content-type"] == "image/jpeg"
    props = served.get("/is/image/Strict/missing?req=props")  # not an image request
    assert props.status_code == 404


def test_an_error_template_renders_the_error_message(served):
    """r-errorimage.md's example: ErrorImage names a template whose catalog::Modifier is
    size=300,300&bgc=ffffff&text=$error.message$; status 200 with the message drawn."""
    response = served.get("/is/image/Spoken/missing?fmt=png")
    assert (response.status_code, response.headers["content-type"]) == (200, "image/png")
    message = response.headers["x-error-message"]
    assert "missing" in message
    expected = engine.render(None, f"size=300,300&bgc=ffffff&text={encode_value(message)}&fmt=png")
    assert response.content == expected.data
    image = np.asarray(_image(response).convert("L"))
    assert image.shape == (300, 300) and (image < 128).sum() > 100  # text, not a blank page
    other = served.get("/is/image/Spoken/only?wid=zz&fmt=png")  # another error, other text
    assert other.status_code == 200 and other.content != response.content
    assert "wid" in other.headers["x-error-message"]


def test_an_error_image_with_url_modifiers_renders_the_error_title(served):
    """r-errorimage.md: $error.title is the short description, here in the ErrorImage's own
    catalog::Modifier (set with setUrlModifier)."""
    response = served.get("/is/image/Titled/missing?fmt=png")
    assert (response.status_code, response.headers["x-error-status"]) == (200, "404")
    with Catalog.open(served.home) as catalog:
        company = catalog.company("Titled")
        sign = catalog.find_image(company, "sign")
        original = catalog.blobs.path(sign.blob).read_bytes()
    expected = engine.render(original, "layer=1&size=100,30&text=Not+Found&fmt=png")
    assert response.content == expected.data
    assert response.content != engine.render(original, "fmt=png").data


def test_scene7_status_and_title_only_detail(served):
    response = served.get("/is/image/Quiet/missing")
    assert (response.status_code, response.text.strip()) == (403, "Not Found")
    response = served.get("/is/image/Quiet/only?wid=abc")
    assert (response.status_code, response.text.strip()) == (403, "Bad Request")


def test_a_company_reads_only_its_own_images_and_presets(served):
    assert served.get("/is/image/Strict/only?wid=10").status_code == 200
    assert served.get("/is/image/Demo/only?wid=10").status_code == 404
    refused = served.get("/is/image/Strict/only?$thumb$")  # Demo's preset; Strict has an
    assert refused.headers["x-error-status"] == "400"  # ErrorImage, so the status is 200
    assert "undefined macro $thumb$" in refused.headers["x-error-message"]


def _logged(served, text: str) -> str:
    """The server's log once it holds ``text``: the server writes an access-log line after
    sending the reply, so the client may read the log before the line is there."""
    return wait_for(lambda: text in (log := served.output()) and log, text)


def test_the_access_log_masks_password_like_fields(served):
    served.get(f"{IMAGE}?wid=10&password=hunter2&.token=abc123")
    log = _logged(served, "/is/image/Demo/photo?wid=10&password=***&.token=***")
    assert "hunter2" not in log and "abc123" not in log


def test_layers_take_their_objects_from_the_company(served):
    """Issue 11: src= names the company's images, as /is/image/{company}/{name} finds them."""
    query = "wid=320&layer=1&src=twice&opac=50&fmt=png"
    response = served.get(f"{IMAGE}?{query}")
    assert response.status_code == 200
    objects = {"twice": _original(served, "new")}  # the newest image named twice
    expected = engine.render(_original(served, "photo"), query, resolver=objects.__getitem__)
    assert response.content == expected.data


def test_objects_inside_nested_requests_come_from_the_company(served):
    """Issue 11: the objects that is(...) nested requests name, at any nesting level, are the
    company's images too, and their originals are part of the ETag as top-level ones are."""
    query = "wid=320&layer=1&src=is(?layer=0&src=is(twice?wid=50))&opac=50&fmt=png"
    response = served.get(f"{IMAGE}?{query}")
    assert response.status_code == 200, response.text
    objects = {"twice": _original(served, "new")}
    expected = engine.render(_original(served, "photo"), query, resolver=objects.__getitem__)
    assert response.content == expected.data
    other = served.get(f"{IMAGE}?{query.replace('twice', 'photo')}")
    assert other.status_code == 200
    assert other.headers["ETag"] != response.headers["ETag"]
    missing = served.get(f"{IMAGE}?{query.replace('twice', 'nothing')}")
    assert missing.status_code != 200 and "nothing" in missing.text


def _outside_js_strings(line: str) -> str:
    """What a JavaScript parser reads as code in ``line``: everything outside its
    single-quoted string literals (with their backslash escapes)."""
    code, in_string, escaped = [], False, False
    for char in line:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "'":
                in_string = False
        elif char == "'":
            in_string = True
        else:
            code.append(char)
    assert not in_string, f"unterminated string in {line!r}"
    return "".join(code)


def test_javascript_properties_keep_every_value_inside_its_string(served):
    # The asset's URL modifier holds a backslash, a quote and a JavaScript line terminator:
    # a value must never end its string literal early (a script include would run the rest).
    response = served.get("/is/image/Demo/quoted?req=imageprops,javascript")
    lines = response.content.decode("utf-8").split("\n")
    assert lines[-1] == ""
    for line in lines[:-1]:
        name = line.split("=", 1)[0]
        assert _outside_js_strings(line) == f"{name}=;", line
    assert any(line.startswith("image.modifier=") for line in lines)


def test_the_access_log_cannot_be_forged_or_read_through_encodings(served):
    served.get("/is/image/Demo/x%0a127.0.0.1%20%22GET%20/forged%22%20200%200%201.0ms")
    served.get(f"{IMAGE}?wid=10&pass%77ord=hunter5&%70wd=hunter6")
    log = _logged(served, f"{IMAGE}?wid=10&pass%77ord=")  # the later of the two lines
    assert not any(line.startswith('127.0.0.1 "GET /forged') for line in log.splitlines())
    assert "hunter5" not in log and "hunter6" not in log


def _admin(catalog):
    return catalog.authenticate("admin@demo.test", PASSWORD, "Demo")


def _after_a_close_in_this_process(served) -> None:
    """Another process's catalog closing (this test process's, as earlier tests' do): once
    the server had lost its locks on the database (a job thread reopened the catalog at
    start-up), this close took the file over, and what was written after it stayed unseen by
    the server's connections."""
    Catalog.open(served.home).close()


def test_a_changed_preset_is_never_answered_not_modified(served):
    # A preset changes the reply but not the asset: If-Modified-Since, which knows only
    # dates, must not keep a client on the old reply (If-None-Match compares the ETag).
    _after_a_close_in_this_process(served)
    with Catalog.open(served.home) as catalog:
        admin = _admin(catalog)
        admin.set_preset("changing", "wid=40&fmt=jpeg")
        first = served.get(f"{IMAGE}?$changing$")
        assert first.status_code == 200, first.text
        admin.set_preset("changing", "wid=40&fmt=png")
    since = first.headers.get("last-modified") or "Mon, 01 Jan 2100 00:00:00 GMT"
    again = served.get(f"{IMAGE}?$changing$", headers={"If-Modified-Since": since})
    assert (again.status_code, again.headers["content-type"]) == (200, "image/png"), again.text
    matched = served.get(f"{IMAGE}?$changing$", headers={"If-None-Match": first.headers["etag"]})
    assert matched.status_code == 200
    plain = served.get(f"{IMAGE}?wid=40")
    assert "last-modified" in plain.headers  # a request without presets keeps its date


def test_imageprops_of_one_file_under_two_names_have_two_etags(served):
    # The same bytes uploaded twice: the source properties name the asset, so a strong
    # ETag must tell them apart (or one name's If-None-Match gets a 304 for the other).
    _after_a_close_in_this_process(served)
    with Catalog.open(served.home) as catalog:
        _admin(catalog).upload(_original(served, "photo"), name="photocopy.jpg")
        first = served.get(f"{IMAGE}?req=imageprops")
        copy = served.get("/is/image/Demo/photocopy?req=imageprops")
    assert "translatedId=Demo/photocopy.jpg" in copy.text, copy.text
    assert copy.headers["etag"] != first.headers["etag"]
    crossed = served.get(
        "/is/image/Demo/photocopy?req=imageprops", headers={"If-None-Match": first.headers["etag"]}
    )
    assert crossed.status_code == 200
    # The rendered image itself is the same bytes, so it keeps one tag.
    assert (
        served.get(f"{IMAGE}?wid=20").headers["etag"]
        == served.get("/is/image/Demo/photocopy?wid=20").headers["etag"]
    )


def test_the_company_attribute_apply_effect_mask_is_the_default_of_effect_mask(served):
    """image-catalog/.../r-applyeffectmask.md: ApplyEffectMask=0 leaves effect layers unmasked
    (company Quiet); r-effectmask.md: a request's effectMask= overrides it."""
    with Catalog.open(served.home) as catalog:
        company = catalog.company("Quiet")
        original = catalog.blobs.path(catalog.find_image(company, "only").blob).read_bytes()
    request = "layer=1&color=255,0,0&size=40,30&opac=50&effect=-1&color=0,0,255&fmt=png"
    unmasked = engine.render(original, f"effectMask=0&{request}").data
    masked = engine.render(original, request).data
    assert unmasked != masked
    assert served.get(f"/is/image/Quiet/only?{request}").content == unmasked
    assert served.get(f"/is/image/Quiet/only?{request}&effectMask=1").content == masked
    assert served.get(f"/is/image/Demo/photo?req=resolve&{request}").text.count("effectMask") == 0


def test_req_map_answers_the_composite_image_map_as_text(served):
    """r-req/r-map-req.md: req=map returns the request's image maps as <AREA> elements,
    text/plain, scaled like the image; r-map.md: map= gives a layer's map."""
    request = "wid=300&layer=1&color=ff0000&size=40,30&map=%3Carea%20href=sale.html%3E"
    response = served.get(f"{IMAGE}?req=map&{request}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=36000"
    expected = engine.image_map(_original(served, "photo"), request)
    assert response.text == expected and expected.startswith('<AREA SHAPE="RECT" COORDS="')
    head = httpx.head(served.url + f"{IMAGE}?req=map&{request}", timeout=30)
    assert head.status_code == 200 and head.headers["content-type"].startswith("text/plain")
    assert served.get(f"{IMAGE}?req=map").text == ""  # no map data: an empty reply
    refused = served.get(f"{IMAGE}?req=map,xml")
    assert refused.status_code == 400 and "req=map is served as text only" in refused.text
