"""Uploads identified by content, refusal of undecodable images, dedup, handles and sets."""

from __future__ import annotations

import io
import stat
import zipfile
from datetime import UTC

import pytest
from catalog_kit import image_bytes
from kits.catalog import member

from engine.errors import ApiFault, AuthorizationFault, CatalogError

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SVG = (
    b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<!-- drawn by hand -->\n'
    b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/svg11.dtd">\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>\n'
)
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 64
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 32
AVI = b"RIFF\x00\x10\x00\x00AVI LIST" + b"\x00" * 32
POSTSCRIPT = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


def blob_files(catalog) -> list:
    return [path for path in (catalog.home / "blobs").rglob("*") if path.is_file()]


@pytest.mark.parametrize(
    ("content", "name", "asset_type", "size"),
    [
        (image_bytes("PNG", (40, 30)), "red.png", "Image", (40, 30)),
        (image_bytes("JPEG", (17, 9)), "red.jpg", "Image", (17, 9)),
        (image_bytes("GIF", (5, 6)), "red.gif", "Image", (5, 6)),
        (image_bytes("TIFF", (8, 3)), "red.tif", "Image", (8, 3)),
        (image_bytes("PNG", (4, 4)), "not-a.pdf", "Image", (4, 4)),  # content, not name
        (PDF, "doc.pdf", "Pdf", None),
        (PDF, "fake.png", "Pdf", None),
        (SVG, "logo.svg", "Svg", None),
        (b'<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>', "ns.svg", "Svg", None),
        (b'<?xml version="1.0"?><catalog><item/></catalog>', "data.xml", "Xml", None),
        (zip_bytes(), "bundle.zip", "Zip", None),
        (MP4, "clip.mp4", "Video", None),
        (MOV, "clip.mov", "Video", None),
        (WEBM, "clip.webm", "Video", None),
        (AVI, "clip.avi", "Video", None),
        (POSTSCRIPT, "art.eps", "PostScript", None),
        (b"just some notes\n", "notes.txt", "Asset", None),
        (b"<html><body>hi</body></html>", "page.html", "Asset", None),
    ],
)
def test_upload_identifies_the_type_by_content(session, content, name, asset_type, size):
    asset = session.upload(content, name=name)
    assert asset.asset_type == asset_type
    assert (asset.width, asset.height) == (size or (None, None))
    assert asset.name == name
    assert asset.size == len(content)
    assert asset.company == session.company.handle
    assert asset.handle.startswith("a|") and asset.members == () and not asset.is_set
    assert asset.uploaded.tzinfo is UTC
    with session.open_original(asset.handle) as original:
        assert original.read() == content


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20, "broken.png"),  # PNG magic, no image
        (image_bytes("JPEG", (64, 64))[:200], "truncated.jpg"),  # decodes only partly
        (b"hello, not a picture at all", "photo.jpg"),  # image extension, text content
        (b"GIF89a\x01\x00", "tiny.bin"),  # GIF magic under another name
    ],
)
def test_an_image_that_does_not_decode_is_refused_and_nothing_is_written(
    session, catalog, content, name
):
    with pytest.raises(CatalogError, match="cannot be decoded") as refused:
        session.upload(content, name=name)
    assert name in str(refused.value)
    assert "upload-" not in str(refused.value)  # the staging file's path is internal
    assert session.list_assets() == []
    assert blob_files(catalog) == []


def test_identical_content_is_stored_once(session, catalog, tmp_path):
    content = image_bytes("PNG", (12, 12))
    path = tmp_path / "on disk.png"
    path.write_bytes(content)
    first = session.upload(content, name="a.png", folder="/one")
    second = session.upload(path, folder="/two")
    assert first.handle != second.handle
    assert first.blob == second.blob == first.checksum
    assert second.name == "on disk.png"
    [blob] = blob_files(catalog)
    assert blob.read_bytes() == content
    assert session.original_path(first.handle) == session.original_path(second.handle) == blob
    assert blob.parent.name == first.checksum[:2] and blob.name == first.checksum[2:]
    assert not blob.stat().st_mode & stat.S_IWUSR  # shared, so read-only


def test_bytes_without_a_name_get_the_checksum_and_a_type_extension(session):
    asset = session.upload(PDF)
    assert asset.name == f"{asset.checksum[:16]}.pdf"
    assert session.upload(image_bytes("JPEG")).name.endswith(".jpg")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a/b\\c.png", "a_b_c.png"), ("  tab\tname.png ", "tab_name.png"), ("ünï.png", "ünï.png")],
)
def test_names_lose_path_separators_and_control_characters(session, name, expected):
    assert session.upload(image_bytes(), name=name).name == expected


@pytest.mark.parametrize("name", ["", "  ", ".", ".."])
def test_a_name_must_name_a_file(session, name):
    with pytest.raises(CatalogError, match="invalid asset name"):
        session.upload(PDF, name=name)


@pytest.mark.parametrize(
    ("folder", "expected"),
    [("/", "/"), ("", "/"), ("a", "/a/"), ("/a//b/", "/a/b/"), ("a\\b", "/a/b/"), ("./a/.", "/a/")],
)
def test_folders_are_normalised(session, folder, expected):
    assert session.upload(PDF, name="x.pdf", folder=folder).folder == expected


def test_folder_may_not_climb(session, catalog):
    with pytest.raises(CatalogError, match=r"'\.\.'"):
        session.upload(PDF, name="x.pdf", folder="/a/../../etc")
    assert blob_files(catalog) == []


def test_missing_file_is_refused(session, tmp_path):
    with pytest.raises(CatalogError, match="not a readable file"):
        session.upload(tmp_path / "absent.png")


def test_list_assets_by_folder(session):
    session.upload(PDF, name="root.pdf")
    session.upload(SVG, name="b.svg", folder="/art/")
    session.upload(MP4, name="a.mp4", folder="art")
    session.upload(zip_bytes(), name="deep.zip", folder="/art/old/")
    assert [a.name for a in session.list_assets(folder="/art")] == ["a.mp4", "b.svg"]
    assert len(session.list_assets()) == 4
    assert session.list_assets(folder="/none/") == []


def test_unknown_and_foreign_handles_give_the_same_fault(catalog, session):
    mine = session.upload(PDF, name="mine.pdf")
    catalog.create_company("Rival")
    rival = member(catalog, "Rival", "rex@rival.test")
    theirs = rival.upload(PDF, name="theirs.pdf")
    messages = []
    for handle in (theirs.handle, "a|1|999", "a|x|1", "c|1", "", "j|1|x|1"):
        with pytest.raises(AuthorizationFault) as fault:
            session.get_asset(handle)
        assert fault.value.code == AuthorizationFault.ILLEGAL_PARAMETER_VALUE == 20005
        messages.append(str(fault.value).replace(repr(handle), "<handle>"))
    assert len(set(messages)) == 1
    with pytest.raises(AuthorizationFault):
        session.original_path(theirs.handle)
    assert session.get_asset(mine.handle) == mine


def test_sets_hold_members_in_order(session):
    red = session.upload(image_bytes("PNG", (3, 3)), name="red.png")
    blue = session.upload(image_bytes("JPEG", (5, 5)), name="blue.jpg")
    clip = session.upload(MP4, name="clip.mp4")
    spin = session.create_set("spinset", "spin", [blue.handle, red.handle], folder="sets")
    assert spin.asset_type == "SpinSet" and spin.is_set
    assert spin.members == (blue.handle, red.handle)
    assert (spin.blob, spin.checksum, spin.size, spin.width) == (None, None, 0, None)
    assert spin.folder == "/sets/"
    media = session.create_set("MediaSet", "media", [spin.handle, clip.handle])
    assert media.asset_type == "MediaSet" and media.members == (spin.handle, clip.handle)
    assert session.get_asset(media.handle) == media
    with pytest.raises(CatalogError, match="not a file"):
        session.original_path(media.handle)


@pytest.mark.parametrize(
    "set_type",
    [
        "ImageSet",
        "SpinSet",
        "RenderSet",
        "MediaSet",
        "VideoSet",
        "eCatalog",
        "OfferSet",
        "MultiBitrateVideoSet",
    ],
)
def test_every_set_type_is_its_own_asset_type(session, set_type):
    source = MP4 if "Video" in set_type else image_bytes()
    item = session.upload(source, name="item")
    assert session.create_set(set_type.upper(), "s", [item.handle]).asset_type == set_type


def test_set_rules(catalog, session):
    pdf = session.upload(PDF, name="doc.pdf")
    with pytest.raises(ApiFault, match="ImageSet holds Image") as wrong_member:
        session.create_set("ImageSet", "s", [pdf.handle])
    assert wrong_member.value.code == ApiFault.INVALID_PARAMETER
    with pytest.raises(ApiFault, match="unknown set type"):
        session.create_set("Slideshow", "s", [pdf.handle])
    catalog.create_company("Rival")
    theirs = member(catalog, "Rival", "rex@rival.test").upload(PDF, name="x.pdf")
    with pytest.raises(AuthorizationFault):
        session.create_set("MediaSet", "s", [pdf.handle, theirs.handle])
    assert [a.handle for a in session.list_assets()] == [pdf.handle]
