"""Which of the ten IPS roles may do what (reference §4.2, §4.5; catalog operations: auth.py).

The expected lists are written out here from the IPS pages, not derived from the code.
"""

from __future__ import annotations

import pytest
from catalog_kit import image_bytes
from kits.catalog import CHEAP_SCRYPT_N, member

from engine.catalog import PERMISSIONS, ROLES, Catalog
from engine.errors import AuthorizationFault

EVERY_JOB_ROLE = {
    "IpsUser",
    "IpsAdmin",
    "IpsCompanyAdmin",
    "TrialSiteAdmin",
    "TrialSiteUser",
    "ImagePortalAdmin",
    "ImagePortalContrib",
    "ImagePortalContribUser",
}
EXPECTED = {
    "submitJob": {
        "IpsUser",
        "IpsAdmin",
        "TrialSiteAdmin",
        "TrialSiteUser",
        "ImagePortalAdmin",
        "ImagePortalContrib",
        "ImagePortalContribUser",
    },
    "getActiveJobs": EVERY_JOB_ROLE,
    "getJobLogs": EVERY_JOB_ROLE | {"ImagePortalUser"},
    "getJobLogDetails": {
        "IpsUser",
        "IpsAdmin",
        "IpsCompanyAdmin",
        "TrialSiteUser",
        "ImagePortalAdmin",
        "ImagePortalUser",
        "ImagePortalContrib",
        "ImagePortalContribUser",
    },
    "stopJob": EVERY_JOB_ROLE,
    "pauseJob": EVERY_JOB_ROLE,
    "resumeJob": EVERY_JOB_ROLE,
    "upload": EVERY_JOB_ROLE,
    "createSet": EVERY_JOB_ROLE,
    # saveImageFormat, deleteImageFormat
    "setPreset": {"IpsUser", "IpsAdmin", "IpsCompanyAdmin", "ImagePortalAdmin"},
    "deletePreset": {"IpsUser", "IpsAdmin", "IpsCompanyAdmin", "ImagePortalAdmin"},
    "getAssets": EVERY_JOB_ROLE | {"ImagePortalUser"},
    "getPresets": EVERY_JOB_ROLE | {"ImagePortalUser"},
    "addCompany": {"IpsAdmin", "TrialSiteAdmin", "ImagePortalAdmin"},
    # addUser, addCompanyMembership, setCompanyMembership
    "addUser": {"IpsAdmin", "IpsCompanyAdmin", "TrialSiteAdmin", "ImagePortalAdmin"},
    "setCompanyMembership": {"IpsAdmin", "IpsCompanyAdmin", "TrialSiteAdmin", "ImagePortalAdmin"},
}


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    """One signed-in session per role, all in company Acme."""
    with Catalog.open(tmp_path_factory.mktemp("home"), scrypt_n=CHEAP_SCRYPT_N) as catalog:
        catalog.create_company("Acme")
        yield {role: member(catalog, "Acme", f"{role.lower()}@acme.test", role) for role in ROLES}


def test_there_are_ten_roles():
    assert len(ROLES) == len(set(ROLES)) == 10


@pytest.mark.parametrize("operation", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_role_permission(sessions, role, operation):
    session = sessions[role]
    if role in EXPECTED[operation]:
        session.require(operation)
        return
    with pytest.raises(AuthorizationFault) as fault:
        session.require(operation)
    assert fault.value.code == AuthorizationFault.NO_OPERATION_PERMISSION == 20003
    assert operation in str(fault.value) and role in str(fault.value)


def test_web_service_user_may_do_none_of_them():
    assert not any("WebServiceUser" in roles for roles in PERMISSIONS.values())


def test_unknown_operation_is_a_programming_error(sessions):
    with pytest.raises(ValueError, match="unknown operation"):
        sessions["IpsAdmin"].require("uploadd")


def test_image_portal_user_reads_but_cannot_write(sessions):
    editor, reader = sessions["ImagePortalAdmin"], sessions["ImagePortalUser"]
    asset = editor.upload(image_bytes(), name="red.png")
    editor.set_preset("thumb", "wid=50")
    assert reader.get_asset(asset.handle) == asset
    assert reader.list_presets()["thumb"] == "wid=50"
    for attempt in (
        lambda: reader.upload(image_bytes(), name="x.png"),
        lambda: reader.create_set("ImageSet", "s", [asset.handle]),
        lambda: reader.set_preset("big", "wid=900"),
        lambda: reader.delete_preset("thumb"),
    ):
        with pytest.raises(AuthorizationFault) as fault:
            attempt()
        assert fault.value.code == 20003


def test_web_service_user_cannot_even_list(sessions):
    with pytest.raises(AuthorizationFault) as fault:
        sessions["WebServiceUser"].list_assets()
    assert fault.value.code == 20003
