#!/usr/bin/env bash
# อัปเกรดบอทเป็นโค้ดรุ่นใหม่ — upgrade an installed bot to this folder's code (run install.sh first, once).
#
#   cd sao-bot && git pull && sudo deploy/upgrade.sh
#   sudo /opt/sao-bot/app/deploy/upgrade.sh --rollback     back to the code before the last upgrade
#
# 1. copies the code to a new folder /opt/sao-bot/releases/<time>-<commit>, compiled;
# 2. pip install -r requirements.txt into /opt/sao-bot/venv (pinned);
# 3. backs up the database: <data>/backups/pre-upgrade-<release>.sqlite3 (python -m db backup);
# 4. stops web and clock, points /opt/sao-bot/app at the new folder (/opt/sao-bot/previous at the old);
# 5. migrates the database (python -m bot init-db), refreshes the units and the `sao-bot` command,
#    starts what was running and waits for /healthz.
# Never touches the data (/var/lib/sao-bot, apart from adding the backup) or /etc/sao-bot.
# Keeps the 3 newest releases. --rollback swaps app and previous back (the database stays as it is).
#
# For tests: --root DIR, --skip-system, --venv-from DIR (as install.sh).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

ROLLBACK=0
while [ $# -gt 0 ]; do
  common_option "$@"
  if [ "$USED" -gt 0 ]; then shift "$USED"; continue; fi
  case "$1" in
    --rollback) ROLLBACK=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    *) die "ไม่รู้จักตัวเลือก $1" "unknown option $1 (--help)" ;;
  esac
done
require_root

if ! { [ -L "$ROOT$APP" ] && [ -d "$ROOT$APP/" ] && [ -e "$ROOT$ENV_FILE" ]; }; then
  die "ยังไม่ได้ติดตั้ง: รัน deploy/install.sh ก่อน" "no installation here ($APP, $ENV_FILE): run deploy/install.sh first"
fi

SERVICES=(sao-bot-web.service sao-bot-clock.service)
RUNNING=()

stop_services() {
  local unit
  [ "$SKIP_SYSTEM" != 1 ] || return 0
  for unit in "${SERVICES[@]}"; do
    if systemctl is-active --quiet "$unit"; then RUNNING+=("$unit"); fi
  done
  if [ ${#RUNNING[@]} -gt 0 ]; then
    systemctl stop "${RUNNING[@]}"
    say "หยุด ${RUNNING[*]}" "stopped ${RUNNING[*]}"
  fi
}

start_services() {
  [ "$SKIP_SYSTEM" != 1 ] || return 0
  if [ ${#RUNNING[@]} -eq 0 ]; then
    say "web และ clock ไม่ได้ทำงานอยู่ก่อน จึงไม่ได้เริ่ม" "web and clock were not running, so they were not started"
    return 0
  fi
  systemctl start "${RUNNING[@]}"
  say "เริ่ม ${RUNNING[*]}" "started ${RUNNING[*]}"
}

# The web answers /healthz 200 within a minute (only when it was started).
wait_healthy() {
  [ "$SKIP_SYSTEM" != 1 ] || return 0
  [[ " ${RUNNING[*]} " == *" sao-bot-web.service "* ]] || return 0
  local bind
  bind=$(env_value BIND)
  bind=${bind:-127.0.0.1:8000}
  if "$ROOT$VENV/bin/python" - "http://${bind/0.0.0.0/127.0.0.1}/healthz" <<'EOF'; then
import sys, time, urllib.request
for _ in range(60):
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=2) as answer:
            if answer.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(1)
sys.exit(1)
EOF
    say "เว็บตอบ /healthz แล้ว" "the web answers /healthz"
  else
    warn "เว็บไม่ตอบ /healthz ดู journalctl -u sao-bot-web" "the web does not answer /healthz: journalctl -u sao-bot-web -n 50"
    return 1
  fi
}

# Whether the database's schema is newer than the installed code's (the web refuses to start on it).
schema_newer_than_code() {
  (cd "$ROOT$APP" && run_as_app "$ROOT$VENV/bin/python" -m dotenv -f "$ROOT$ENV_FILE" run -- "$ROOT$VENV/bin/python" -c '
import sqlite3, sys
from bot.config import load_settings
from db.migrations import MIGRATIONS
path = load_settings().database_path
if path.exists():
    conn = sqlite3.connect(path)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    sys.exit(0 if version > MIGRATIONS[-1][0] else 1)
sys.exit(1)')
}

run_as_app() {
  if [ "$SKIP_SYSTEM" = 1 ]; then "$@"; else runuser -u "$APP_USER" -- "$@"; fi
}

backups_folder() {
  local database folder
  folder=$(env_value BACKUP_DIR)
  if [ -z "$folder" ]; then
    folder=$(env_value DATA_DIR)
    database=$(env_value DATABASE_PATH)
    [ -n "$folder" ] || folder=$(dirname "${database:-$DATA/sao-bot.sqlite3}")
    folder=$folder/backups
  fi
  printf '%s' "$folder"
}

database_file() {
  local database data
  database=$(env_value DATABASE_PATH)
  data=$(env_value DATA_DIR)
  printf '%s' "${database:-${data:-$DATA}/sao-bot.sqlite3}"
}

# --- rollback ---------------------------------------------------------------------------------------
if [ "$ROLLBACK" = 1 ]; then
  current=$(target_of "$APP")
  previous=$(target_of "$PREVIOUS")
  if [ -z "$previous" ] || [ ! -d "$ROOT$RELEASES/$previous" ]; then
    die "ไม่มีรุ่นก่อนหน้าให้ย้อนกลับ" "no previous release to go back to ($PREVIOUS)"
  fi
  ensure_venv "$ROOT$RELEASES/$previous/requirements.txt"
  stop_services
  point "$APP" "$previous"
  point "$PREVIOUS" "$current"
  say "ย้อนกลับเป็น $previous (รุ่น $current อยู่ที่ $PREVIOUS)" "rolled back: $APP -> releases/$previous ($PREVIOUS -> releases/$current)"
  if schema_newer_than_code; then
    backup=$(backups_folder)/pre-upgrade-$current.sqlite3
    [ -e "$backup" ] || backup="$(backups_folder)/<the newest backup from before $current>"
    warn "ฐานข้อมูลถูกอัปเกรดโดยรุ่น $current แล้ว โค้ดรุ่นนี้จะไม่ยอมเริ่ม กู้คืนสำรองก่อนอัปเกรด (ข้อมูลหลังอัปเกรดจะหาย): sudo sao-bot restore $backup" \
      "the database was migrated by $current and this code refuses it. Restore the backup made before that upgrade (losing what came in since): sudo sao-bot restore $backup; then: sudo systemctl start sao-bot-web sao-bot-clock"
    exit 1
  fi
  start_services
  wait_healthy
  exit 0
fi

# --- upgrade --------------------------------------------------------------------------------------------
[ "$(cd "$SOURCE_DIR" && pwd -P)" != "$(cd "$ROOT$APP/" && pwd -P)" ] ||
  die "รันจากโฟลเดอร์โค้ดรุ่นใหม่ (เช่น git clone) ไม่ใช่จาก $APP" "run the new code's upgrade.sh (e.g. in a git checkout), not the installed one ($APP)"
old=$(target_of "$APP")
echo "อัปเกรดบอท LINE อบต. / upgrading the SAO LINE bot${ROOT:+ under $ROOT} (now: $old)"

ensure_venv "$SOURCE_DIR/requirements.txt"
new_release

database=$(database_file)
if [ -f "$database" ]; then
  backup=$(backups_folder)/pre-upgrade-$RELEASE_ID.sqlite3
  sao_bot db backup "$backup"
  say "สำรองฐานข้อมูลก่อนอัปเกรดที่ $backup" "backed up the database before the upgrade: $backup"
else
  say "ยังไม่มีฐานข้อมูล ($database) จึงไม่ต้องสำรอง" "no database yet ($database): nothing to back up"
fi

stop_services
[ -z "$old" ] || point "$PREVIOUS" "$old"
point "$APP" "$RELEASE_ID"
say "ใช้โค้ดรุ่น $RELEASE_ID (รุ่นก่อนอยู่ที่ $PREVIOUS)" "$APP -> releases/$RELEASE_ID ($PREVIOUS -> releases/$old)"
install_units_and_wrapper

if ! sao_bot init-db; then
  point "$APP" "$old"
  start_services
  die "อัปเกรดฐานข้อมูลไม่สำเร็จ กลับไปใช้รุ่น $old แล้ว ถ้าเว็บไม่เริ่ม กู้คืน: sudo sao-bot restore ${backup:-<backup>}" \
    "migrating the database failed; back on $old. If the web does not start: sudo sao-bot restore ${backup:-<backup>}"
fi
start_services
prune_releases
wait_healthy
say "อัปเกรดเสร็จ ย้อนกลับได้ด้วย: sudo $APP/deploy/upgrade.sh --rollback" \
  "upgraded to $RELEASE_ID; to go back: sudo $APP/deploy/upgrade.sh --rollback"
