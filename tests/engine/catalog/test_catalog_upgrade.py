"""A catalog written before URL modifiers, scheduled jobs and leases existed opens and
upgrades, on both backends."""

from __future__ import annotations

from catalog_kit import image_bytes
from kits.catalog import CHEAP_SCRYPT_N, PASSWORD

from engine.catalog import Catalog, postgres, sql
from engine.catalog.home import DB_NAME


def test_a_version_1_catalog_upgrades_keeping_its_data(tmp_path, database_url):
    home = tmp_path / "home"
    home.mkdir()
    conn = postgres.connect(database_url) if database_url else sql.connect(home / DB_NAME)
    for statement in sql._statements(sql.MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version (version) VALUES (1)")
    conn.execute("INSERT INTO companies (name, created) VALUES ('Acme', '2025-01-01T00:00:00')")
    conn.close()
    with Catalog.open(home, scrypt_n=CHEAP_SCRYPT_N, database_url=database_url) as catalog:
        assert sql.schema_version(catalog.connection()) == sql.SCHEMA_VERSION == 5
        user = catalog.create_user("ann@acme.test", PASSWORD)
        catalog.add_membership(user.handle, "Acme", "IpsUser")
        session = catalog.authenticate("ann@acme.test", PASSWORD)
        asset = session.upload(image_bytes(), name="a.png")
        assert (asset.url_modifier, asset.url_post_modifier) == ("", "")
        changed = session.set_url_modifier(asset.handle, "?wid=10", "&fmt=png")
        assert (changed.url_modifier, changed.url_post_modifier) == ("wid=10", "fmt=png")
        assert catalog.list_scheduled_jobs() == []
        assert session.list_templates() == {}  # migration 4
        job = catalog.create_job(
            company="Acme",
            user=user.handle,
            name="old-style",
            job_type="ExportJob",
            spec={},
            email_setting="None",
            owner="host:1:x",
        )
        assert catalog.get_job(job).lease_expires is None  # migration 5
