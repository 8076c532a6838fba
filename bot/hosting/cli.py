"""python -m bot tenant add | list | export | remove: the SAOs of a hosted install.

    python -m bot tenant add khonchim --name "อบต.คอนฉิม" --district แวงใหญ่ --province ขอนแก่น --channel-secret … --channel-token …
    python -m bot tenant add nonsaat --name "อบต.โนนสะอาด" --content-from DIR --channel-secret … --channel-token …
    python -m bot tenant list
    python -m bot tenant export khonchim [--to khonchim.zip]
    python -m bot tenant import khonchim.zip --channel-secret … --channel-token … [--slug S] [--name N]
    python -m bot tenant remove khonchim            (asks to type the slug; --yes for scripts)
    python -m bot tenant summary --fy 2570 --round 12 [--json]   every SAO's figures side by side

Any other command runs for one tenant with --tenant: `python -m bot --tenant khonchim create-admin …`.
"""
from __future__ import annotations

import json
import shutil
import sys
import zipfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from bot.config import Settings
from bot.hosting.registry import Tenant, TenantError, TenantRegistry, check_slug, settings_for

# What an export leaves out of the tenant's folder: the live database (a consistent copy goes in
# instead), the keys that sign its sessions, files made from the installed packages, and the
# content's links to the shipped defaults (only the SAO's own edits are its data).
_NOT_EXPORTED = {"sao-bot.sqlite3", "sao-bot.sqlite3-wal", "sao-bot.sqlite3-shm", "secret-key",
                 "simulator-channel-secret"}
_NOT_EXPORTED_DIRS = {"cache", "backups", "content-last-good"}


def tenant_settings(host: Settings, slug: str) -> Settings:
    """The settings of one tenant, for `python -m bot --tenant <slug> <command>`."""
    registry = TenantRegistry.for_settings(host)
    return settings_for(host, _existing(registry, slug))


def _existing(registry: TenantRegistry, slug: str) -> Tenant:
    tenant = registry.get(check_slug(slug))
    if tenant is None:
        raise TenantError(f"ไม่พบ {slug} (ดู python -m bot tenant list) / no tenant {slug!r}: see python -m bot tenant list")
    return tenant


@contextmanager
def _all_or_nothing(registry: TenantRegistry, slug: str, doing: str, thai: str, host: Settings | None = None):
    """A tenant being made: if any step fails, it is forgotten and its folder (and on
    PostgreSQL, its schema) removed."""
    try:
        yield
    except Exception as exc:
        registry.remove(slug)
        shutil.rmtree(registry.data_dir(slug), ignore_errors=True)
        # add_tenant checked that no schema of this slug existed: whatever is there is this attempt's.
        if host is not None and on_postgres(host):
            _postgres().drop_tenant(admin_url(host), slug)
        if isinstance(exc, TenantError):
            raise
        raise TenantError(f"{thai} {slug} ไม่สำเร็จ / could not {doing} {slug}: {exc}") from exc


def _check_content(settings: Settings) -> None:
    """The SAO's content over this version's defaults, refused if it does not load."""
    from bot import wiring
    from bot.content import overlay
    from bot.handbook import HandbookStore

    overlay.prepare(settings)
    HandbookStore.for_settings(settings, parts=wiring.CONTENT_PARTS).current()


def cmd_tenant(args, host: Settings) -> int:
    registry = TenantRegistry.for_settings(host)
    try:
        return {"add": _add, "list": _list, "export": _export, "import": _import, "remove": _remove,
                "summary": _summary}[args.tenant_command](args, host, registry)
    except TenantError as exc:
        print(exc, file=sys.stderr)
        return 2


def _add(args, host: Settings, registry: TenantRegistry) -> int:
    tenant = add_tenant(host, registry, Tenant(args.slug, args.name, args.channel_secret or "", args.channel_token or ""),
                        args.content_from, district=args.district, province=args.province)
    slug = tenant.slug
    settings = settings_for(host, tenant)
    print(f"เพิ่ม {tenant.name} ({slug}) แล้ว / added")
    if args.content_from is None:
        print(f"  ข้อมูล อบต. (ใส่เบอร์โทร อีเมล ที่อยู่) / the SAO's details, to complete: {host.public_url}/t/{slug}/admin/profile")
    print(f"  webhook (LINE Developers): {settings.line_webhook_url}")
    print(f"  หรือตั้งให้อัตโนมัติ / or set it: python -m bot --tenant {slug} setup-line")
    print(f"  หน้าจัดการ / console:       {host.public_url}/t/{slug}/admin")
    print(f"  ผู้ดูแลคนแรก / first admin:  python -m bot --tenant {slug} create-admin <username>")
    return 0


def add_tenant(host: Settings, registry: TenantRegistry, tenant: Tenant, content_from: Path | None = None, *,
               district: str = "", province: str = "", own_profile: bool = True) -> Tenant:
    """Register the SAO and make its folder: its content (its own files over the shipped
    defaults, or without them a profile of its own: starting_profile), checked to load, and its
    database. Nothing is left behind when a step fails. own_profile=False: the content comes
    afterwards (an import)."""
    from db import open_for

    slug = check_slug(tenant.slug)
    new_profile = own_profile and content_from is None
    if new_profile and not (district.strip() and province.strip()):
        raise TenantError("ไม่มี --content-from จึงต้องบอกอำเภอและจังหวัดของ อบต. เช่น --district แวงใหญ่ --province ขอนแก่น "
                          "(ไม่เช่นนั้นบอทจะตอบประชาชนด้วยข้อมูลของ อบต. ตัวอย่าง) / without --content-from, give the SAO's "
                          "--district and --province: otherwise the bot would tell citizens the example SAO's details")
    if registry.get(slug) is not None:
        raise TenantError(f"มี {slug} อยู่แล้ว / a tenant {slug!r} already exists")
    folder = registry.data_dir(slug)
    if folder.exists() and any(folder.iterdir()):
        raise TenantError(f"{folder}: มีข้อมูลอยู่แล้ว / already holds data (a removed tenant's?): move it away first")
    if on_postgres(host) and slug in _postgres().tenants(host.database_url):
        raise TenantError(f"PostgreSQL มีข้อมูลของ {slug} อยู่แล้ว / PostgreSQL already holds a schema for {slug!r} "
                          "(a removed tenant's?): drop or rename it first")
    if content_from is not None and not (content_from / "profile.yaml").is_file():
        raise TenantError(f"{content_from}: ไม่ใช่โฟลเดอร์เนื้อหา (ไม่มี profile.yaml) / not a content folder (no profile.yaml)")
    tenant = registry.add(_with_bot(host, tenant))
    settings = settings_for(host, tenant)
    with _all_or_nothing(registry, slug, "add", "เพิ่ม", host):
        if content_from is not None:  # the SAO's own files: edits over the shipped defaults
            shutil.copytree(content_from, settings.content_dir, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".*", "__pycache__"))
        elif new_profile:
            starting_profile(settings, tenant, district.strip(), province.strip())
        if on_postgres(host):  # its own role and schema (db/postgres.py), which its content goes to
            _postgres().create_tenant(admin_url(host), host.database_url, slug)
        _check_content(settings)
        open_for(settings).close()
    return tenant


def on_postgres(host: Settings) -> bool:
    """A hosted install whose SAOs keep their data in PostgreSQL (DATABASE_URL), not in files."""
    from db import is_postgres_url

    return is_postgres_url(host.database_url)


def _postgres():
    from db import postgres  # psycopg: loaded only by a hosted install on PostgreSQL

    return postgres


def admin_url(host: Settings) -> str:
    return host.database_admin_url or host.database_url


def starting_profile(settings: Settings, tenant: Tenant, district: str, province: str) -> None:
    """The SAO's own profile.yaml, from the shipped one (its comments kept): its name, place and
    LINE id, and none of the example SAO's contact details, which its admins fill in."""
    from bot.handbook.editing import ContentEditor, atomic_write, round_trip_yaml

    data = round_trip_yaml().load((settings.default_content_dir / "profile.yaml").read_text(encoding="utf-8"))
    name = tenant.name.strip()
    place = name.removeprefix("อบต.").removeprefix("องค์การบริหารส่วนตำบล").strip()
    if place != name:  # "อบต.โนนสะอาด" or the full form: both names, and the subdistrict it is named after
        full, short, subdistrict = f"องค์การบริหารส่วนตำบล{place}", f"อบต.{place}", place
    else:
        full = short = name
        subdistrict = ""
    data.update(name=full, short_name=short, subdistrict=subdistrict, district=district, province=province,
                line_basic_id=tenant.bot_basic_id)
    for example_only in ("bot_name", "address", "phone", "email", "website", "map_url", "ticket_prefix"):
        if example_only in data:
            data[example_only] = ""
    settings.content_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(settings.content_dir / "profile.yaml", ContentEditor.dump(data))


def _with_bot(host: Settings, tenant: Tenant) -> Tenant:
    """The tenant with its channel's bot, asked of LINE: a token LINE refuses is refused here,
    not at the first citizen's message. Without an answer (no network) it is added without."""
    if not tenant.channel_access_token:
        return tenant
    from linebot.v3.messaging.exceptions import ApiException

    from bot.line.sender import LineSender

    try:
        user_id, basic_id = LineSender(host.with_(channel_access_token=tenant.channel_access_token)).bot_info()
    except ApiException as exc:
        if exc.status in (401, 403):
            raise TenantError(f"LINE ไม่รับ channel access token นี้ ({exc.status}) ตรวจใน LINE Developers Console "
                              f"(Messaging API → Channel access token) / LINE refused this channel access token") from None
        print(f"ถาม LINE ไม่สำเร็จ ({exc.status}) จึงเพิ่มโดยยังไม่ตรวจ token / LINE answered {exc.status}: "
              "added without checking the token", file=sys.stderr)
        return tenant
    except Exception as exc:  # no answer at all (network, proxy, timeout): the operator is told
        print(f"ติดต่อ LINE ไม่ได้ จึงเพิ่มโดยยังไม่ตรวจ token / LINE unreachable, added without checking the token: "
              f"{type(exc).__name__}", file=sys.stderr)
        return tenant
    return replace(tenant, bot_user_id=user_id, bot_basic_id=basic_id)


def _list(args, host: Settings, registry: TenantRegistry) -> int:
    from bot.common.thaidate import thai_date

    tenants = registry.all()
    if not tenants:
        print("ยังไม่มี อบต. ในระบบ / no tenants yet (python -m bot tenant add)")
        return 0
    for t in tenants:
        channel = f"LINE {t.bot_basic_id or '✓'}" if t.channel_secret else "ยังไม่มีช่องทาง LINE / no channel"
        print(f"{t.slug}\t{t.name}\t{channel}\tเพิ่มเมื่อ {thai_date(t.created_at)}\t{settings_for(host, t).line_webhook_url}")
    return 0


def _export(args, host: Settings, registry: TenantRegistry) -> int:
    tenant = _existing(registry, args.slug)
    done = export(host, registry, tenant, args.to or Path(f"{tenant.slug}-export.zip"))
    print(json.dumps(done, ensure_ascii=False))
    return 0


def export(host: Settings, registry: TenantRegistry, tenant: Tenant, target: Path) -> dict:
    """All of one SAO's data in one zip: a consistent copy of its database (with its edited
    content inside, as a backup has it: db/backup.py), its files (ticket photos, documents, the
    edited content) and a tenant.json. Not its channel's secret and token: an export is also what
    a PDPA request or an auditor receives; the new host is given the channel again."""
    from db import connect_storage
    from db.backup import backup, backup_postgres

    target = Path(target)
    if target.exists():
        raise TenantError(f"{target}: มีไฟล์นี้อยู่แล้ว / already exists; choose a new file name")
    settings = settings_for(host, tenant)
    folder = settings.data_path
    staging = target.with_name(f".{target.name}.db")
    staging.unlink(missing_ok=True)
    if on_postgres(host):  # the same SQLite file, copied from its schema (db/engine_copy.py)
        db = connect_storage(settings.database_path, settings.database_url, settings.tenant)
        try:
            copied = backup_postgres(db, staging, settings.edited_content_dir)
        finally:
            db.close()
    else:
        copied = backup(settings.database_path, staging, settings.edited_content_dir)
    files = 0
    try:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("tenant.json", json.dumps({"slug": tenant.slug, "name": tenant.name, "created_at": tenant.created_at,
                                                  "schema_version": copied["schema_version"]}, ensure_ascii=False, indent=1))
            z.write(staging, "sao-bot.sqlite3")
            for path in sorted(folder.rglob("*")):
                relative = path.relative_to(folder)
                if path.is_symlink() or not path.is_file() or relative.parts[0] in _NOT_EXPORTED_DIRS \
                        or str(relative) in _NOT_EXPORTED:
                    continue
                z.write(path, f"files/{relative}")
                files += 1
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        staging.unlink(missing_ok=True)
    return {"file": str(target), "tenant": tenant.slug, "events": copied["events"], "files": files,
            "bytes": target.stat().st_size}


def _import(args, host: Settings, registry: TenantRegistry) -> int:
    done = import_tenant(host, registry, args.file, args.channel_secret or "", args.channel_token or "",
                         slug=args.slug, name=args.name)
    print(json.dumps(done, ensure_ascii=False))
    return 0


def import_tenant(host: Settings, registry: TenantRegistry, file: Path, secret: str, token: str,
                  slug: str | None = None, name: str | None = None) -> dict:
    """An SAO moved from another host: its export (export above) becomes a tenant here, with the
    channel given again. Its database is brought up to this version's schema, and on PostgreSQL
    copied into the SAO's new schema (db/engine_copy.py): an SAO moves from a single install on
    SQLite to a hosted one, or back."""
    import tempfile

    from db import connect_storage
    from db.backup import restore
    from db.engine_copy import from_sqlite

    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(file) as z:
        if "tenant.json" not in z.namelist() or "sao-bot.sqlite3" not in z.namelist():
            raise TenantError(f"{file}: ไม่ใช่ไฟล์ส่งออกของ อบต. / not a tenant export (tenant.json, sao-bot.sqlite3)")
        about = json.loads(z.read("tenant.json"))
        tenant = add_tenant(host, registry, Tenant(slug or about["slug"], name or about["name"], secret, token),
                            own_profile=False)  # its content is in the export
        settings = settings_for(host, tenant)
        folder = settings.data_path.resolve()
        with _all_or_nothing(registry, tenant.slug, "import", "นำเข้า", host):
            for member in z.infolist():
                if not member.filename.startswith("files/") or member.is_dir():
                    continue
                target = folder / member.filename[len("files/"):]
                # Checked by its folder, not by itself: the file may be a link to a shipped default
                # (outside), which the SAO's own file replaces.
                parent = target.parent.resolve()
                if not parent.is_relative_to(folder) or target.name in ("", ".", ".."):
                    raise TenantError(f"{member.filename}: อยู่นอกโฟลเดอร์ / a path outside the tenant's folder")
                target = parent / target.name
                if target.is_symlink():
                    target.unlink()
                parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(z.read(member))
            z.extract("sao-bot.sqlite3", tmp)
            if on_postgres(host):
                restored = restore(Path(tmp) / "sao-bot.sqlite3", Path(tmp) / "migrated.sqlite3")
                db = connect_storage(settings.database_path, settings.database_url, settings.tenant)
                try:
                    from_sqlite(Path(tmp) / "migrated.sqlite3", db)
                finally:
                    db.close()
            else:
                restored = restore(Path(tmp) / "sao-bot.sqlite3", settings.database_path)
            _check_content(settings)
    return {"tenant": tenant.slug, "name": tenant.name, "schema_version": restored["schema_version"],
            "migrated": restored["migrated"], "webhook": settings.line_webhook_url}


def _summary(args, host: Settings, registry: TenantRegistry) -> int:
    from bot.common.thaidate import now
    from bot.hosting import summary
    from bot.reports import PeriodError, ReportPeriod

    at = now()
    try:
        period = ReportPeriod.parse(args.fy, args.round, None, None, at.date())
    except PeriodError as exc:
        raise TenantError(f"{exc} / {exc.english}") from exc
    rows = summary.province(host, registry, period, at)
    if args.json:
        print(json.dumps({"period": period.heading, "saos": summary.as_json(rows)}, ensure_ascii=False))
    else:
        print(f"สรุปทุก อบต. {period.heading}")
        print(summary.as_table(rows) if rows else "ยังไม่มี อบต. ในระบบ / no tenants yet")
    return 0


def _remove(args, host: Settings, registry: TenantRegistry) -> int:
    tenant = _existing(registry, args.slug)
    if not args.yes:
        if not sys.stdin.isatty():
            raise TenantError("ยืนยันด้วย --yes เมื่อไม่ได้พิมพ์ที่หน้าจอ / not at a terminal: confirm with --yes")
        print(f"ข้อมูลทั้งหมดของ {tenant.name} จะถูกลบและกู้คืนไม่ได้ (ส่งออกก่อนด้วย python -m bot tenant export {tenant.slug}) / "
              f"all of {tenant.slug}'s data will be deleted for good (export it first)")
        if input(f"พิมพ์ {tenant.slug} เพื่อยืนยัน / type {tenant.slug} to confirm: ").strip() != tenant.slug:
            print("ยกเลิก ไม่ได้ลบอะไร / cancelled: nothing was removed")
            return 1
    registry.remove(tenant.slug)  # the web app and the clock stop serving it at their next look
    shutil.rmtree(registry.data_dir(tenant.slug), ignore_errors=True)
    if on_postgres(host):
        _postgres().drop_tenant(admin_url(host), tenant.slug)
    print(f"ลบ {tenant.name} ({tenant.slug}) แล้ว / removed")
    return 0


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="tenant_command", metavar="<add|list|export|remove>", required=True)
    add = sub.add_parser("add", help="เพิ่ม อบต. — add an SAO")
    add.add_argument("slug", help="ชื่อย่อภาษาอังกฤษ เช่น khonchim (ใช้ใน /callback/<slug>) — the SAO's short name")
    add.add_argument("--name", required=True, help="ชื่อ อบต. เช่น อบต.คอนฉิม")
    add.add_argument("--channel-secret", default="", help="Channel secret ของช่องทาง LINE ของ อบต. นี้")
    add.add_argument("--channel-token", default="", help="Channel access token (long-lived) ของช่องทางเดียวกัน")
    add.add_argument("--content-from", type=Path, default=None,
                     help="โฟลเดอร์เนื้อหาของ อบต. นี้ (profile.yaml, handbook/ …) ทับค่าเริ่มต้น — its own content over the defaults")
    add.add_argument("--district", default="", help="อำเภอ (เมื่อไม่มี --content-from) เช่น แวงใหญ่ — the SAO's district")
    add.add_argument("--province", default="", help="จังหวัด (เมื่อไม่มี --content-from) เช่น ขอนแก่น — the SAO's province")
    sub.add_parser("list", help="รายชื่อ อบต. ในระบบ — the tenants")
    export_p = sub.add_parser("export", help="ส่งออกข้อมูลทั้งหมดของ อบต. เป็น zip — all its data, as one zip")
    export_p.add_argument("slug")
    export_p.add_argument("--to", type=Path, default=None, help="ไฟล์ปลายทาง (ค่าเริ่มต้น <slug>-export.zip)")
    import_p = sub.add_parser("import", help="รับ อบต. ที่ส่งออกจากเครื่องอื่น — an SAO exported from another host")
    import_p.add_argument("file", type=Path, help="ไฟล์จาก tenant export")
    import_p.add_argument("--channel-secret", default="", help="Channel secret (การส่งออกไม่มีค่านี้ / the export does not carry it)")
    import_p.add_argument("--channel-token", default="", help="Channel access token")
    import_p.add_argument("--slug", default=None, help="ชื่อย่อใหม่ (ค่าเริ่มต้น: ของเดิม) — a new slug (default: the exported one)")
    import_p.add_argument("--name", default=None, help="ชื่อ อบต. (ค่าเริ่มต้น: ของเดิม)")
    summary_p = sub.add_parser("summary", help="ตัวเลขของทุก อบต. เทียบกัน สำหรับจังหวัด — every SAO's figures side by side")
    summary_p.add_argument("--fy", type=int, help="ปีงบประมาณ พ.ศ. (ค่าเริ่มต้น: ปีปัจจุบัน) — B.E. fiscal year")
    summary_p.add_argument("--round", type=int, choices=(6, 12), default=12, help="รอบ 6 หรือ 12 เดือน — the round")
    summary_p.add_argument("--json", action="store_true", help="พิมพ์เป็น JSON — print JSON")
    remove = sub.add_parser("remove", help="ลบ อบต. และข้อมูลทั้งหมด — remove an SAO and all its data")
    remove.add_argument("slug")
    remove.add_argument("--yes", action="store_true", help="ไม่ต้องถาม (สำหรับสคริปต์) — do not ask")


COMMANDS = {
    "tenant": (cmd_tenant, "อบต. หลายแห่งในการติดตั้งเดียว — the SAOs of a hosted install (add, list, export, import, remove, summary)",
               add_arguments),
}
