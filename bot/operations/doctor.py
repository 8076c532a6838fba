"""python -m bot doctor: what is wrong with this installation, in Thai and English.

Each check is a small function of the settings that returns findings, each
(level, thai, english) with level ok | warning | error. The command prints them all and
exits 0 when all is well, 1 with warnings, 2 with errors. `startup_problems` is the part the
web process refuses to start on (bot.create_app): what would lose or leak data.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable, NamedTuple

from bot.config import ConfigError, Settings, inside_code

OK, WARNING, ERROR = "ok", "warning", "error"
MIN_SECRET_KEY_LENGTH = 32
QUOTA_WARNING_SHARE = 0.10  # warn when less than this share of the month's pushes is left
FONT_WEIGHTS = ("Regular", "SemiBold", "Bold")  # what the rich menu, posters and reports draw with


class Finding(NamedTuple):
    level: str
    thai: str
    english: str
    refuse_start: bool = False  # the web process does not start with this (startup_problems)


def _ok(thai: str, english: str) -> Finding:
    return Finding(OK, thai, english)


def _warning(thai: str, english: str) -> Finding:
    return Finding(WARNING, thai, english)


def _error(thai: str, english: str, refuse_start: bool = False) -> Finding:
    return Finding(ERROR, thai, english, refuse_start)


def _channel_set(settings: Settings) -> bool:
    return bool(settings.channel_secret or settings.channel_access_token)


# --- configuration -----------------------------------------------------------------------

def check_channel(settings: Settings) -> list[Finding]:
    try:
        settings.check_line_channel()
    except ConfigError as exc:
        thai, _, english = str(exc).partition(" / ")
        return [_error(thai, english or thai)]
    if not settings.has_channel:
        return [_ok("ยังไม่ได้ตั้งค่าช่องทาง LINE (ใช้ตัวจำลองได้)",
                    "no LINE channel configured (the simulator works without one)")]
    return [_ok("ตั้งค่าช่องทาง LINE ครบ", "LINE channel secret and access token are set")]


def check_public_url(settings: Settings) -> list[Finding]:
    url = settings.public_base_url
    if not _channel_set(settings):
        return [_ok(f"ที่อยู่เว็บ: {settings.public_url}", f"public address: {settings.public_url}")]
    if not url:
        return [_error("ยังไม่ได้ตั้ง PUBLIC_BASE_URL: ลิงก์ในข้อความถึงประชาชนจะชี้ไปที่ 127.0.0.1 ซึ่งเปิดไม่ได้ "
                       "ให้ตั้งเป็น https://<โดเมนของบอท>",
                       "PUBLIC_BASE_URL is empty: links in citizens' messages would point at 127.0.0.1. "
                       "Set it to https://<the bot's domain>")]
    if not url.startswith("https://"):
        return [_error(f"PUBLIC_BASE_URL ({url}) ไม่ใช่ https: LINE แสดงรูปภาพและรับ webhook จาก https เท่านั้น",
                       f"PUBLIC_BASE_URL ({url}) is not https: LINE shows images and calls webhooks only over https")]
    return [_ok(f"ที่อยู่เว็บ: {url}", f"public address: {url}")]


def check_secret_key(settings: Settings) -> list[Finding]:
    key = settings.secret_key
    level = ERROR if _channel_set(settings) else WARNING
    if not key:
        if level == WARNING:
            return [_ok("ไม่ได้ตั้ง SECRET_KEY: ใช้คีย์ที่สร้างไว้ข้างฐานข้อมูล (พอสำหรับทดลอง)",
                        "SECRET_KEY not set: a key generated beside the database is used (fine for a trial)")]
        # The app then uses a random key it keeps beside the database (var/secret-key): safe as long
        # as that folder persists, so a warning, not a refusal; on a host whose disk is wiped at
        # each restart every sign-in would end with it.
        return [Finding(WARNING, "ยังไม่ได้ตั้ง SECRET_KEY ทั้งที่ตั้งช่องทาง LINE แล้ว: ระบบใช้คีย์สุ่มที่เก็บไว้ข้างฐานข้อมูล "
                                 "ต้องเก็บโฟลเดอร์นั้นไว้ถาวร หรือตั้งค่าสุ่มยาวอย่างน้อย "
                                 f"{MIN_SECRET_KEY_LENGTH} ตัวอักษร เช่นจาก python -c \"import secrets; print(secrets.token_hex(32))\"",
                        "SECRET_KEY is empty while a LINE channel is set: a random key kept beside the database is used, "
                        f"so that folder must persist; or set a random value of at least {MIN_SECRET_KEY_LENGTH} characters, "
                        "e.g. python -c \"import secrets; print(secrets.token_hex(32))\"")]
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return [Finding(level, f"SECRET_KEY สั้นเกินไป ({len(key)} ตัวอักษร ต้องการอย่างน้อย {MIN_SECRET_KEY_LENGTH}): "
                               "ผู้อื่นอาจเดาและปลอมการเข้าระบบหน้าจัดการได้",
                        f"SECRET_KEY is too short ({len(key)} characters, at least {MIN_SECRET_KEY_LENGTH} needed): "
                        "console sign-ins could be guessed and forged")]
    return [_ok("SECRET_KEY ตั้งไว้แล้ว", "SECRET_KEY is set")]


# --- content -----------------------------------------------------------------------------

def _load_content(settings: Settings):
    """The content as the app loads it (bot/__init__.py build_worker), without the search index."""
    from bot import wiring
    from bot.handbook import HandbookStore

    wiring.load_features()
    return HandbookStore.for_settings(settings, build_index=None, last_good_dir=None, parts=wiring.CONTENT_PARTS).current()


def check_content(settings: Settings) -> list[Finding]:
    from bot.content.profile import ContentError

    try:
        loaded = _load_content(settings)
    except ContentError as exc:
        return [_error(f"เนื้อหาใน {settings.content_dir} มีข้อผิดพลาด (ไฟล์ ฟิลด์ บรรทัด):\n{exc}",
                       f"the content in {settings.content_dir} has mistakes (file, field, line) — see above")]
    return [_ok(f"เนื้อหาถูกต้อง: คู่มือ {len(loaded.handbook)} งานบริการ",
                f"content is valid: {len(loaded.handbook)} procedures in the handbook")]


def check_edited_content(settings: Settings) -> list[Finding]:
    """What the console changed over the shipped defaults, and edits an upgrade's new default
    went unseen behind (an edit wins over the default until it is deleted)."""
    from bot.content import overlay

    if settings.default_content_dir is None:
        return []
    from db.backup import edited_paths

    edited = edited_paths(settings.content_dir)
    findings = [_ok(f"เนื้อหาที่แก้ไขในหน้าจัดการ {len(edited)} ไฟล์ (ใน {settings.content_dir})"
                    + (f": {', '.join(edited)}" if edited else ""),
                    f"{len(edited)} content files edited over the defaults in {settings.content_dir}"
                    + (f": {', '.join(edited)}" if edited else ""))]
    for relative in overlay.behind_defaults(settings.default_content_dir, settings.content_dir):
        default, mine = settings.default_content_dir / relative, settings.content_dir / relative
        findings.append(_warning(
            f"ไฟล์ตั้งต้น {relative} ของรุ่นนี้เปลี่ยนไปหลังจากแก้ไขในหน้าจัดการ ฉบับที่แก้ไขยังใช้อยู่: "
            f"เทียบด้วย diff {default} {mine} แล้วปรับฉบับที่แก้ไข หรือลบทิ้งเพื่อใช้ไฟล์ตั้งต้น",
            f"the shipped {relative} changed since it was edited here, and the edit still hides it: compare with "
            f"diff {default} {mine}, then update the edit, or delete it to use the new default"))
    return findings


def check_profile(settings: Settings) -> list[Finding]:
    from bot.content.profile import ContentError, load_profile

    try:
        profile = load_profile(settings.content_dir / "profile.yaml")
    except (ContentError, OSError):
        return []  # check_content says what is wrong with it
    names = {"phone": "เบอร์โทรศัพท์", "email": "อีเมล", "address": "ที่อยู่"}
    missing = [field for field in names if not getattr(profile, field).strip()]
    if missing:
        thai_missing = ", ".join(names[f] for f in missing)
        return [_warning(f"ข้อมูล อบต. ใน profile.yaml ยังไม่มี {thai_missing}: "
                         "บอทจะตอบประชาชนเรื่องการติดต่อได้ไม่ครบ",
                         f"the SAO's profile (profile.yaml) has no {', '.join(missing)}: "
                         "the bot cannot tell citizens how to reach the office")]
    return [_ok("ข้อมูลติดต่อ อบต. ครบ", "the SAO's phone, email and address are set")]


# --- fonts and system libraries --------------------------------------------------------

def check_fonts(settings: Settings) -> list[Finding]:
    from bot.common.fonts import font_path

    missing = []
    for weight in FONT_WEIGHTS:
        try:
            if not font_path(weight).is_file():
                missing.append(weight)
        except (ValueError, OSError, ModuleNotFoundError):
            missing.append(weight)
    if missing:
        return [_error(f"ไม่พบฟอนต์ Sarabun ({', '.join(missing)}): ติดตั้งใหม่ด้วย pip install -r requirements.txt",
                       f"Sarabun font files missing ({', '.join(missing)}): reinstall with pip install -r requirements.txt")]
    return [_ok("ฟอนต์ Sarabun ครบ", "Sarabun font files found")]


def check_text_layout(settings: Settings, check: Callable[[str], bool] | None = None) -> list[Finding]:
    """Pillow's raqm (with libfribidi) shapes Thai: without it vowels and tone marks land wrong."""
    from PIL import features

    check = check or (lambda name: bool(features.check(name)))
    missing = [name for name in ("raqm", "fribidi") if not check(name)]
    if missing:
        return [_warning(f"Pillow ไม่มี {', '.join(missing)}: ภาพริชเมนูและโปสเตอร์ QR จะวางสระและวรรณยุกต์ไทยผิดที่ "
                         "ติดตั้ง libraqm0 และ libfribidi0 (เช่น apt-get install libraqm0 libfribidi0)",
                         f"Pillow lacks {', '.join(missing)}: Thai vowels and tone marks in the rich-menu image and "
                         "QR posters would be misplaced. Install libraqm0 and libfribidi0")]
    return [_ok("Pillow จัดวางอักษรไทยได้ (raqm)", "Pillow shapes Thai text (raqm, fribidi)")]


# --- the database ------------------------------------------------------------------------

def database_problems(path: Path) -> tuple[list[Finding], int | None]:
    """The database file: (findings, its schema version or None). Never migrates or creates it."""
    from db import connect
    from db.migrations import MIGRATIONS, current_version

    latest = MIGRATIONS[-1][0]
    if not path.exists():
        return [_warning(f"ยังไม่มีฐานข้อมูล {path}: จะถูกสร้างเมื่อเริ่มแอป (หรือ python -m bot init-db)",
                         f"no database at {path} yet: starting the app (or python -m bot init-db) creates it")], None
    try:
        db = connect(path, busy_timeout_ms=5000)
    except sqlite3.Error as exc:
        return [_error(f"เปิดฐานข้อมูล {path} ไม่ได้: {exc}", f"cannot open the database {path}: {exc}", refuse_start=True)], None
    findings = []
    version = None
    try:
        version = current_version(db)
        conn = db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:  # a write that is rolled back: nothing changes
            conn.execute("CREATE TABLE doctor_write_probe (x)")
            conn.execute("INSERT INTO doctor_write_probe VALUES (1)")
        finally:
            conn.execute("ROLLBACK")
        findings.append(_ok(f"ฐานข้อมูลเขียนได้: {path}", f"the database is writable: {path}"))
    except sqlite3.Error as exc:
        findings.append(_error(f"เขียนฐานข้อมูล {path} ไม่ได้ ข้อมูลที่ประชาชนส่งมาจะสูญหาย: {exc}",
                               f"the database {path} is not writable; what citizens send would be lost: {exc}",
                               refuse_start=True))
    finally:
        db.close()
    if version is None:
        return findings, None
    return findings + _schema_version(version, latest), version


def _schema_version(version: int, latest: int) -> list[Finding]:
    """The schema against this code's, on either engine: older (starting the app, or init-db,
    upgrades it), newer (a downgrade: refused), or current."""
    if version < latest:
        return [_error(f"ฐานข้อมูลเป็นรุ่น {version} ยังไม่อัปเกรดเป็น {latest}: เริ่มแอปใหม่ "
                       "(หรือ python -m bot init-db) เพื่ออัปเกรด",
                       f"the database is at schema version {version}, not {latest}: start the app "
                       "(or run python -m bot init-db) to upgrade it")]
    if version > latest:
        return [_error(f"ฐานข้อมูลเป็นรุ่น {version} ใหม่กว่าโปรแกรมนี้ ({latest}): "
                       "ใช้โปรแกรมรุ่นที่ใหม่กว่า อย่าถอยรุ่นโดยใช้ฐานข้อมูลนี้",
                       f"the database is at schema version {version}, newer than this code knows ({latest}): "
                       "this is a downgrade; run the newer code again", refuse_start=True)]
    return [_ok(f"ฐานข้อมูลเป็นรุ่นล่าสุด ({version})", f"database schema is current (version {version})")]


def postgres_problems(database_url: str, tenant: str) -> tuple[list[Finding], int | None]:
    """One SAO's schema on PostgreSQL: (findings, its version or None). Never migrates or creates it."""
    from db import is_storage_error, postgres, write_probe
    from db.postgres_schema import MIGRATIONS, current_version

    latest = MIGRATIONS[-1][0]
    where = f"PostgreSQL ({tenant or 'SAO_TENANT ไม่ได้ตั้ง / SAO_TENANT not set'})"
    db = None
    try:
        db = postgres.connect(database_url, tenant)
        version = current_version(db)
        write_probe(db)
    except Exception as exc:
        if not is_storage_error(exc):
            raise
        if isinstance(exc, postgres.psycopg.OperationalError):  # no server, or it refused the login
            return [_error(f"ต่อฐานข้อมูล {where} ไม่ได้: {exc}", f"cannot reach the database {where}: {exc}",
                           refuse_start=True)], None
        return [_error(f"ใช้ฐานข้อมูล {where} ไม่ได้ (ยังไม่ได้เพิ่ม อบต. นี้? python -m bot tenant add): {exc}",
                       f"cannot use the database {where} (this SAO not added yet? python -m bot tenant add): {exc}",
                       refuse_start=True)], None
    finally:
        if db is not None:
            db.close()
    findings = [_ok(f"ฐานข้อมูลเขียนได้: {where}", f"the database is writable: {where}")]
    return findings + _schema_version(version, latest), version


def check_database(settings: Settings) -> list[Finding]:
    from db import is_postgres_url

    if is_postgres_url(settings.database_url):
        return postgres_problems(settings.database_url, settings.tenant)[0]
    return database_problems(settings.database_path)[0]


def check_data_location(settings: Settings) -> list[Finding]:
    """Data inside the code folder is lost at the next deploy (a PaaS's fresh disk, an upgrade's
    new folder): with a real channel that is citizens' complaints lost, so the bot refuses."""
    inside = [(name, path) for name, path in (("DATABASE_PATH", settings.database_path), ("DATA_DIR", settings.data_path))
              if inside_code(path)]
    if not inside:
        return [_ok(f"ข้อมูลอยู่นอกโฟลเดอร์โปรแกรม: {settings.data_path}",
                    f"the data lives outside the code folder: {settings.data_path}")]
    names = ", ".join(f"{name}={path}" for name, path in inside)
    if settings.production:
        return [_error(f"ข้อมูลอยู่ในโฟลเดอร์โปรแกรม ({names}) จะหายเมื่ออัปเกรดหรือ deploy ใหม่: "
                       "ตั้ง DATA_DIR เป็นโฟลเดอร์ถาวร เช่น /var/lib/sao-bot หรือ volume ของโฮสต์",
                       f"the data sits inside the code folder ({names}) and would be lost at the next upgrade or "
                       "deploy: set DATA_DIR to a persistent folder, e.g. /var/lib/sao-bot or the host's volume",
                       refuse_start=True)]
    return [_warning(f"ข้อมูลอยู่ในโฟลเดอร์โปรแกรม ({names}): ใช้ทดลองได้ ก่อนใช้งานจริงให้ตั้ง DATA_DIR",
                     f"the data sits inside the code folder ({names}): fine for a trial; set DATA_DIR before going live")]


def check_clock(settings: Settings, now: float | None = None) -> list[Finding]:
    """The clock's heartbeat (db/heartbeats.py, written around each of its jobs): without a
    running clock no reminder, digest, escalation or backup happens."""
    from bot.observability import STALE_CLOCK_SECONDS, clock_status
    from db import connect_storage, is_postgres_url

    if not is_postgres_url(settings.database_url) and not settings.database_path.exists():
        return []  # check_database has said it
    try:
        db = connect_storage(settings.database_path, settings.database_url, settings.tenant)
    except Exception:  # not a database at all: check_database has said it
        return []
    try:
        status = clock_status(db, now)
    except Exception:  # an older schema without the table: check_database says to upgrade
        return []
    finally:
        db.close()
    if status is None:
        return [_warning("นาฬิกาของบอท (python -m scheduler run) ยังไม่เคยทำงานกับฐานข้อมูลนี้: ยังไม่มีการแจ้งเตือนและสำรองข้อมูล",
                         "the clock (python -m scheduler run) has never run against this database: no reminders or backups yet")]
    minutes = status["age_seconds"] // 60
    if status["stale"]:
        return [_error(f"นาฬิกาของบอทหยุดทำงานมา {minutes} นาที (เกิน {STALE_CLOCK_SECONDS // 60} นาที): เริ่ม python -m scheduler run ใหม่",
                       f"the clock last ran {minutes} minutes ago (more than {STALE_CLOCK_SECONDS // 60}): restart python -m scheduler run")]
    return [_ok(f"นาฬิกาของบอททำงานล่าสุดเมื่อ {minutes} นาทีก่อน", f"the clock last ran {minutes} minutes ago")]


# --- LINE ----------------------------------------------------------------------------------

def _line_error(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    status = getattr(exc, "status", None)
    return f"HTTP {status}: {str(body or '')[:200]}" if status else f"{type(exc).__name__}: {exc}"


def check_quota(settings: Settings) -> list[Finding]:
    if not settings.has_channel:
        return []
    from bot.line.sender import LineSender

    try:
        quota = LineSender(settings).quota()
    except Exception as exc:  # any failure to reach LINE is what this check reports
        return [_error(f"ถามโควตาข้อความจาก LINE ไม่ได้ (โทเคนหรือเครือข่าย): {_line_error(exc)}",
                       f"could not ask LINE for the message quota (token or network): {_line_error(exc)}")]
    if quota["type"] != "limited" or not quota["limit"]:
        return [_ok("โควตาข้อความ push ไม่จำกัด", "push message quota: unlimited")]
    left = quota["limit"] - quota["used"]
    text = f"{left} of {quota['limit']}"
    if left < quota["limit"] * QUOTA_WARNING_SHARE:
        return [_warning(f"โควตาข้อความ push เดือนนี้เหลือน้อย: {left} จาก {quota['limit']} "
                         "(แจ้งเตือนเจ้าหน้าที่และผลคำร้องจะส่งไม่ได้เมื่อหมด)",
                         f"little push quota left this month: {text} (staff alerts and answers stop when it runs out)")]
    return [_ok(f"โควตาข้อความ push เหลือ {left} จาก {quota['limit']}", f"push quota left: {text}")]


def check_webhook(settings: Settings) -> list[Finding]:
    if not settings.has_channel or not settings.public_base_url.startswith("https://"):
        return []  # check_public_url has said why
    from bot.line.sender import LineSender

    sender = LineSender(settings)
    expected = settings.line_webhook_url
    try:
        endpoint, active = sender.webhook_endpoint()
    except Exception as exc:  # any failure to reach LINE is what this check reports
        return [_error(f"ถาม URL ของ webhook จาก LINE ไม่ได้: {_line_error(exc)}",
                       f"could not ask LINE for the webhook URL: {_line_error(exc)}")]
    if endpoint != expected:
        return [_error(f"URL ของ webhook ใน LINE คือ '{endpoint}' ไม่ใช่ {expected}: ใช้ python -m bot setup-line",
                       f"LINE's webhook URL is '{endpoint}', not {expected}: run python -m bot setup-line")]
    findings = [_ok(f"URL ของ webhook ตรงกัน: {expected}", f"LINE's webhook URL is {expected}")]
    if not active:
        findings.append(_warning("LINE ยังไม่เปิดใช้ webhook: เปิด Use webhook ใน LINE Developers Console",
                                 "LINE has the webhook turned off: turn on Use webhook in the LINE Developers Console"))
    try:
        result = sender.test_webhook(expected)
    except Exception as exc:
        return findings + [_error(f"ทดสอบ webhook ผ่าน LINE ไม่ได้: {_line_error(exc)}",
                                  f"LINE's webhook test call failed: {_line_error(exc)}")]
    if not result["success"]:
        detail = f"{result['reason']} ({result['status_code']}): {result['detail']}"
        return findings + [_error(f"LINE ส่งข้อความทดสอบถึงบอทไม่สำเร็จ: {detail}",
                                  f"LINE could not reach the bot's webhook: {detail}")]
    return findings + [_ok("LINE ส่งข้อความทดสอบถึงบอทสำเร็จ", "LINE's test call reached the webhook")]


CHECKS: tuple[Callable[[Settings], list[Finding]], ...] = (
    check_channel, check_public_url, check_secret_key, check_content, check_edited_content, check_profile,
    check_fonts, check_text_layout, check_data_location, check_database, check_clock,
    check_quota, check_webhook,
)


def run_checks(settings: Settings, checks=CHECKS) -> list[Finding]:
    findings = []
    for check in checks:
        findings.extend(check(settings))
    return findings


def exit_code(findings: list[Finding]) -> int:
    levels = {f.level for f in findings}
    return 2 if ERROR in levels else 1 if WARNING in levels else 0


_MARKS = {OK: "[ok]     ", WARNING: "[warning]", ERROR: "[ERROR]  "}


def cmd_doctor(args, settings: Settings) -> int:
    findings = run_checks(settings)
    for f in findings:
        print(f"{_MARKS[f.level]} {f.thai}\n          {f.english}")
    code = exit_code(findings)
    errors = sum(f.level == ERROR for f in findings)
    warnings = sum(f.level == WARNING for f in findings)
    print(f"\nสรุป: ข้อผิดพลาด {errors} คำเตือน {warnings} / summary: {errors} errors, {warnings} warnings")
    return code


# --- refusing to start --------------------------------------------------------------------

def startup_problems(settings: Settings) -> list[str]:
    """What the web process must not start with, as it would lose or leak data: a database it
    cannot reach or write, one newer than this code (a downgrade), or with a real channel, data
    inside the code folder."""
    findings = check_secret_key(settings) + check_data_location(settings) + check_database(settings)
    return [f"{f.thai} / {f.english}" for f in findings if f.refuse_start]
