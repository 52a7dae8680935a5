"""Catalog operations over SOAP: companies, memberships, asset lookups and search, field
filters, URL modifiers and image formats (the company's presets)."""

from __future__ import annotations

import pytest
import zeep
from soap_kit import jpeg_bytes

from engine.templates import Template

ANN = "ann@acme.test"


@pytest.fixture
def assets(server, world) -> dict[str, str]:
    session = server.service.catalog.session_for(ANN, world.acme)
    made = {}
    for n, (name, folder) in enumerate(
        [("shoe-red.jpg", "/shoes"), ("shoe-blue.jpg", "/shoes/sale"), ("hat.jpg", "/")]
    ):
        made[name] = session.upload(jpeg_bytes(color=(n, 0, 0)), name=name, folder=folder).handle
    return made


def fault_code(call) -> int:
    with pytest.raises(zeep.exceptions.Fault) as caught:
        call()
    (detail,) = list(caught.value.detail)
    return int(next(child.text for child in detail if child.tag.endswith("code")))


def test_company_info_and_memberships(server, world):
    client = server.client(ANN)
    assert client.service.getCompanyInfo(companyName="acme").companyHandle == world.acme
    (membership,) = client.service.getCompanyMembership()
    assert (membership.company.name, membership.role, membership.isActive) == (
        "Acme",
        "IpsUser",
        True,
    )
    assert fault_code(lambda: client.service.getCompanyInfo()) == 30002
    assert fault_code(lambda: client.service.getCompanyMembership(userHandle="u|4")) == 20002


def test_assets_by_name_and_by_handle(server, world, assets):
    client = server.client(ANN)
    found = client.service.getAssetsByName(
        companyHandle=world.acme, nameArray={"items": ["HAT.jpg", "shoe-red.jpg", "none.jpg"]}
    )
    assert sorted(a.name for a in found) == ["hat.jpg", "shoe-red.jpg"]
    (asset,) = client.service.getAssets(
        companyHandle=world.acme, assetHandleArray={"items": [assets["hat.jpg"]]}
    )
    assert (asset.folder, asset.imageInfo.width, asset.imageInfo.height) == ("/", 64, 48)
    assert (
        fault_code(
            lambda: client.service.getAssets(
                companyHandle=world.acme, assetHandleArray={"items": ["a|2|1"]}
            )
        )
        == 20005
    )


def test_search_by_folder_name_and_pages(server, world, assets):
    client = server.client(ANN)
    top = client.service.searchAssets(companyHandle=world.acme, folder="/shoes")
    assert [a.name for a in top.assetArray["items"]] == ["shoe-red.jpg"]
    deep = client.service.searchAssets(
        companyHandle=world.acme, folder="/shoes", includeSubfolders=True
    )
    assert deep.totalRows == 2
    named = client.service.searchAssets(
        companyHandle=world.acme,
        includeSubfolders=True,
        systemFieldConditionArray={
            "items": [{"field": "Name", "op": "StartsWith", "value": "SHOE"}]
        },
        recordsPerPage=1,
        resultsPage=2,
        publishState="Published",  # accepted and ignored
    )
    assert named.totalRows == 2 and [a.name for a in named.assetArray["items"]] == ["shoe-blue.jpg"]
    assert (
        fault_code(
            lambda: client.service.searchAssets(
                companyHandle=world.acme,
                systemFieldConditionArray={"items": [{"field": "LastModified", "op": "Equals"}]},
            )
        )
        == 30001
    )


def test_response_and_exclude_field_arrays(server, world, assets):
    client = server.client(ANN)
    only = client.service.searchAssets(
        companyHandle=world.acme,
        includeSubfolders=True,
        responseFieldArray={"items": ["assetArray/items/name"]},
    )
    assert only.totalRows is None
    assert {(a.name, a.assetHandle, a.type) for a in only.assetArray["items"]} == {
        ("hat.jpg", None, None),
        ("shoe-red.jpg", None, None),
        ("shoe-blue.jpg", None, None),
    }
    without = client.service.getAssetsByName(
        companyHandle=world.acme,
        nameArray={"items": ["hat.jpg"]},
        excludeFieldArray={"items": ["assetArray/items/imageInfo"]},
    )
    assert without[0].imageInfo is None and without[0].name == "hat.jpg"


def test_url_modifiers(server, world, assets):
    client = server.client(ANN)
    client.service.setUrlModifier(
        companyHandle=world.acme,
        assetHandle=assets["hat.jpg"],
        urlModifier="wid=200",
        urlPostApplyModifier="&fmt=png",
    )
    (asset,) = client.service.getAssets(
        companyHandle=world.acme, assetHandleArray={"items": [assets["hat.jpg"]]}
    )
    assert (asset.urlModifier, asset.urlPostApplyModifier) == ("wid=200", "fmt=png")
    stored = server.service.catalog.session_for(ANN, world.acme).get_asset(assets["hat.jpg"])
    assert (stored.url_modifier, stored.url_post_modifier) == ("wid=200", "fmt=png")
    assert (
        fault_code(
            lambda: client.service.setUrlModifier(
                companyHandle=world.acme, assetHandle=assets["hat.jpg"], urlModifier="wid=abc"
            )
        )
        == 30001
    )


def test_image_formats_are_the_presets(server, world):
    client = server.client(ANN)
    handle = client.service.saveImageFormat(
        companyHandle=world.acme, name="thumb", urlModifier="wid=100&amp;fmt=png"
    )
    (saved,) = client.service.getImageFormats(companyHandle=world.acme)
    assert (saved.imageFormatHandle, saved.name) == (handle, "thumb")
    assert server.service.catalog.session_for(ANN, world.acme).list_presets() == {
        "thumb": saved.urlModifier
    }
    renamed = client.service.saveImageFormat(
        companyHandle=world.acme, imageFormatHandle=handle, name="small", urlModifier="wid=50"
    )
    assert [f.name for f in client.service.getImageFormats(companyHandle=world.acme)] == ["small"]
    client.service.deleteImageFormat(companyHandle=world.acme, imageFormatHandle=renamed)
    assert not client.service.getImageFormats(companyHandle=world.acme)
    assert (
        fault_code(
            lambda: client.service.deleteImageFormat(
                companyHandle=world.acme, imageFormatHandle=renamed
            )
        )
        == 20005
    )
    assert (
        fault_code(
            lambda: client.service.saveImageFormat(
                companyHandle=world.acme, name="x", urlModifier="wid="
            )
        )
        == 30001
    )


def test_create_template_stores_a_compositing_template(server, world):
    """r-create-template.md: name, type, urlModifier and urlPostApplyModifier; the request
    Adobe's page shows, with a real body."""
    client = server.client(ANN)
    body = "$w=20&amp;layer=0&amp;color=0,0,255&amp;size=100,50&amp;layer=1&amp;src=$object$"
    handle = client.service.createTemplate(
        companyHandle=world.acme,
        folderHandle="ApiTestCo/",
        name="APIcreateTemplate",
        type="Template",
        urlModifier=body,
        urlPostApplyModifier="fmt=png",
    )
    assert handle.startswith("t|") and handle.endswith("|APIcreateTemplate")
    session = server.service.catalog.session_for(ANN, world.acme)
    assert session.get_template("apicreatetemplate")[1] == Template(
        body.replace("&amp;", "&"), "fmt=png"
    )
    viewer = server.client("pat@acme.test")  # an ImagePortalUser, as for image formats
    call = lambda: viewer.service.createTemplate(  # noqa: E731
        companyHandle=world.acme, folderHandle="/", name="x", type="Template", urlModifier="wid=1"
    )
    assert fault_code(call) == 20003


@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        ({"urlModifier": "layer=1&size=huge"}, 30001, "command 'size'"),
        ({"urlModifier": "layer=1&src=is(a?$m$"}, 30001, "never closed"),
        ({"urlPostApplyModifier": "wid=1&=2"}, 30001, "postModifier of template"),
        ({"type": "Fxg"}, 30001, "template type 'Fxg' is not supported"),
        ({"folderHandle": ""}, 30002, "folderHandle"),
        ({"name": "a&b"}, 30001, "invalid template name"),
    ],
)
def test_create_template_refuses_what_cannot_parse(server, world, changes, code, message):
    client = server.client(ANN)
    params = {
        "companyHandle": world.acme,
        "folderHandle": "Acme/",
        "name": "t",
        "type": "Template",
        "urlModifier": "layer=0&color=ff0000&size=10,10",
        **changes,
    }
    with pytest.raises(zeep.exceptions.Fault, match=message):
        client.service.createTemplate(**params)
    assert fault_code(lambda: client.service.createTemplate(**params)) == code
    assert server.service.catalog.session_for(ANN, world.acme).list_templates() == {}
