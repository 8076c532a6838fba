#!/usr/bin/env bash
# ติดตั้งบอท LINE อบต. บนเซิร์ฟเวอร์ใหม่ (Debian 12 / Ubuntu 24.04) — install the SAO LINE bot on a fresh server.
#
#   sudo deploy/install.sh --domain bot.example.go.th [--email admin@example.go.th]
#
# Sets up the user sao-bot, the code (/opt/sao-bot/app) and its venv (/opt/sao-bot/venv), the data
# folder (/var/lib/sao-bot), the settings (/etc/sao-bot/sao-bot.env, written once), the systemd units
# (sao-bot-web, sao-bot-clock, sao-bot-backup.timer), the `sao-bot` command and Caddy with HTTPS.
# Running it again changes nothing that is already right: it never rewrites the env file or the data,
# and keeps the installed code (deploy/upgrade.sh installs new code). deploy/README.md: the whole recipe.
#
# Options:
#   --domain NAME      the bot's domain (a DNS A record pointing at this server); needed the first time
#   --email ADDRESS    for the certificate authority's expiry notices (optional)
#   --python PATH      the Python that builds the venv (default python3.11, else python3; 3.11 or newer)
# For tests:
#   --root DIR         install under DIR instead of / (needs --skip-system)
#   --skip-system      no apt-get, useradd, chown or systemctl
#   --venv-from DIR    link this existing venv instead of building one (no download)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

DOMAIN=""
EMAIL=""
while [ $# -gt 0 ]; do
  common_option "$@"
  if [ "$USED" -gt 0 ]; then shift "$USED"; continue; fi
  case "$1" in
    --domain) DOMAIN=${2-}; shift 2 || die "--domain ต้องมีชื่อโดเมน" "--domain needs a name" ;;
    --email) EMAIL=${2-}; shift 2 || die "--email ต้องมีอีเมล" "--email needs an address" ;;
    -h | --help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    *) die "ไม่รู้จักตัวเลือก $1" "unknown option $1 (--help)" ;;
  esac
done
require_root

if [ -n "$DOMAIN" ] && ! [[ $DOMAIN =~ ^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$ ]]; then
  die "โดเมนไม่ถูกต้อง: $DOMAIN" "not a domain name: $DOMAIN (e.g. bot.example.go.th)"
fi
if [ -n "$EMAIL" ] && ! [[ $EMAIL =~ ^[^@[:space:]{}\"]+@[A-Za-z0-9.-]+$ ]]; then
  die "อีเมลไม่ถูกต้อง: $EMAIL" "not an email address: $EMAIL"
fi
if [ -z "$DOMAIN" ] && ! grep -qF "$CADDY_MARKER" "$ROOT$CADDYFILE" 2>/dev/null; then
  die "ครั้งแรกต้องระบุ --domain (เช่น --domain bot.example.go.th)" \
    "the first install needs --domain (e.g. --domain bot.example.go.th): Caddy serves HTTPS for it"
fi

echo "ติดตั้งบอท LINE อบต. / installing the SAO LINE bot${ROOT:+ under $ROOT}"

# --- packages, user -------------------------------------------------------------------------------
if [ "$SKIP_SYSTEM" = 1 ]; then
  say "ข้ามการติดตั้งแพ็กเกจ การสร้างผู้ใช้ และ systemctl (--skip-system)" "skipping apt-get, useradd, chown and systemctl (--skip-system)"
else
  say "ติดตั้งแพ็กเกจ: python3 python3-venv caddy libraqm0 libfribidi0 sqlite3" "apt-get install python3 python3-venv caddy libraqm0 libfribidi0 sqlite3"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends \
    python3 python3-venv ca-certificates caddy libraqm0 libfribidi0 sqlite3 >/dev/null
  if ! getent passwd "$APP_USER" >/dev/null; then
    useradd --system --user-group --home-dir "$DATA" --no-create-home \
      --shell /usr/sbin/nologin --comment "SAO LINE bot" "$APP_USER"
    say "สร้างผู้ใช้ระบบ $APP_USER (เข้าระบบไม่ได้)" "created the system user $APP_USER (no login shell)"
  fi
fi

# --- folders: code (root's), data (sao-bot's only), settings -----------------------------------------
install -d -m 0755 "$ROOT$OPT" "$ROOT$RELEASES"
install -d -m 0750 "$ROOT$DATA" "$ROOT$DATA/backups"
own "$APP_USER:$APP_USER" "$ROOT$DATA" "$ROOT$DATA/backups"
chmod 0750 "$ROOT$DATA" "$ROOT$DATA/backups"
install -d -m 0750 "$ROOT$ETC"
own "root:$APP_USER" "$ROOT$ETC"
say "ข้อมูลอยู่ที่ $DATA (เฉพาะ $APP_USER, 0750)" "data: $DATA (owned by $APP_USER, mode 0750)"

# --- venv and code --------------------------------------------------------------------------------
if [ -L "$ROOT$APP" ] && [ -d "$ROOT$APP/" ]; then
  current=$(target_of "$APP")
  ensure_venv "$ROOT$APP/requirements.txt"
  say "มีโค้ดติดตั้งอยู่แล้ว ($current) ไม่เปลี่ยน ใช้ deploy/upgrade.sh เพื่อติดตั้งรุ่นใหม่" \
    "the code is installed already ($current) and was left as it is; deploy/upgrade.sh installs new code"
else
  [ ! -e "$ROOT$APP" ] || die "$APP มีอยู่แล้วแต่ไม่ใช่ลิงก์ไปยัง releases/" "$APP exists but is not a link into releases/: move it away first"
  ensure_venv "$SOURCE_DIR/requirements.txt"
  new_release
  point "$APP" "$RELEASE_ID"
  say "ติดตั้งโค้ดที่ $APP" "installed the code: $APP -> releases/$RELEASE_ID"
fi

# --- settings: written once, never overwritten ------------------------------------------------------
if [ -e "$ROOT$ENV_FILE" ]; then
  say "คงไฟล์ค่าตั้ง $ENV_FILE ไว้ตามเดิม" "kept $ENV_FILE as it is"
  mode=$(stat -c %a "$ROOT$ENV_FILE")
  if [ "$mode" != 640 ] && [ "$mode" != 600 ]; then
    warn "$ENV_FILE มีสิทธิ์ $mode ควรเป็น 640: chmod 640 $ENV_FILE" "$ENV_FILE has mode $mode; it holds secrets: chmod 640 $ENV_FILE"
  fi
  if [ -n "$DOMAIN" ] && [ "$(env_value PUBLIC_BASE_URL)" != "https://$DOMAIN" ]; then
    warn "PUBLIC_BASE_URL ใน $ENV_FILE ไม่ใช่ https://$DOMAIN แก้เองถ้าต้องการ" "PUBLIC_BASE_URL in $ENV_FILE is not https://$DOMAIN: edit it if the domain changed"
  fi
else
  secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  [ ${#secret} -eq 64 ] || die "สร้าง SECRET_KEY ไม่ได้" "could not make a SECRET_KEY"
  tmp=$(mktemp "$ROOT$ETC/.sao-bot.env.XXXXXX")
  sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$secret|" -e "s|^PUBLIC_BASE_URL=.*|PUBLIC_BASE_URL=https://$DOMAIN|" \
    "$DEPLOY_DIR/sao-bot.env.example" >"$tmp"
  chmod 0640 "$tmp"
  own "root:$APP_USER" "$tmp"
  mv -T "$tmp" "$ROOT$ENV_FILE"
  say "เขียนไฟล์ค่าตั้ง $ENV_FILE (0640) พร้อม SECRET_KEY แบบสุ่ม" "wrote $ENV_FILE (mode 0640, root:$APP_USER) with a random SECRET_KEY"
fi

# --- systemd units, the `sao-bot` command -----------------------------------------------------------
install_units_and_wrapper

# --- Caddy: HTTPS for the domain --------------------------------------------------------------------
if [ -n "$DOMAIN" ]; then
  mkdir -p "$ROOT$(dirname "$CADDYFILE")"
  tmp=$(mktemp "$ROOT$CADDYFILE.XXXXXX")
  sed -e "s|@DOMAIN@|$DOMAIN|g" -e "s|@UPSTREAM@|127.0.0.1:8000|g" "$DEPLOY_DIR/Caddyfile.template" >"$tmp"
  if [ -n "$EMAIL" ]; then sed -i "s|@EMAIL@|$EMAIL|" "$tmp"; else sed -i '/@EMAIL@/d' "$tmp"; fi
  chmod 0644 "$tmp"
  if [ "$SKIP_SYSTEM" != 1 ]; then
    if ! caddy validate --config "$tmp" --adapter caddyfile >/dev/null 2>&1; then
      mv -T "$tmp" "$ROOT$CADDYFILE.invalid"
      die "Caddyfile ที่สร้างใช้ไม่ได้ ดู $CADDYFILE.invalid" "the rendered Caddyfile is invalid: caddy validate --config $CADDYFILE.invalid"
    fi
  fi
  if cmp -s "$tmp" "$ROOT$CADDYFILE"; then
    rm -f "$tmp"
    say "Caddyfile สำหรับ $DOMAIN เหมือนเดิม" "$CADDYFILE for $DOMAIN unchanged"
  else
    if [ -e "$ROOT$CADDYFILE" ]; then
      kept=$CADDYFILE.before-sao-bot-$(date +%Y%m%d-%H%M%S)
      cp -p "$ROOT$CADDYFILE" "$ROOT$kept"
      say "เก็บ Caddyfile เดิมไว้ที่ $kept" "kept the previous Caddyfile as $kept"
    fi
    mv -T "$tmp" "$ROOT$CADDYFILE"
    say "ตั้ง Caddy ให้บริการ https://$DOMAIN" "wrote $CADDYFILE: https://$DOMAIN -> 127.0.0.1:8000"
  fi
fi

# --- services -------------------------------------------------------------------------------------------
started=""
if [ "$SKIP_SYSTEM" != 1 ]; then
  systemctl enable --quiet sao-bot-web.service sao-bot-clock.service sao-bot-backup.timer
  systemctl start sao-bot-backup.timer
  systemctl enable --quiet caddy.service
  systemctl reload-or-restart caddy.service
  if systemctl is-active --quiet sao-bot-web.service || systemctl is-active --quiet sao-bot-clock.service; then
    systemctl try-restart sao-bot-web.service sao-bot-clock.service
    started=yes
  elif channel_configured; then
    systemctl start sao-bot-web.service sao-bot-clock.service
    started=yes
  fi
  say "เปิดใช้ sao-bot-web sao-bot-clock sao-bot-backup.timer และ caddy" "enabled sao-bot-web, sao-bot-clock, sao-bot-backup.timer and caddy"
fi

cat <<EOF

เสร็จแล้ว สิ่งที่ต้องทำต่อ / done; what is left to do:
  1. ใส่ค่าช่องทาง LINE ในไฟล์ค่าตั้ง / put the LINE channel's secret and token in the settings:
       sudo nano $ENV_FILE        (LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN, PUBLIC_BASE_URL)
  2. เริ่มบอท / start the bot:
       sudo systemctl ${started:+re}start sao-bot-web sao-bot-clock
  3. สร้างผู้ดูแลคนแรกของหน้าจัดการ / the admin console's first admin:
       sudo sao-bot create-admin
  4. ตั้ง webhook และเมนูใน LINE / set LINE's webhook and rich menu (then auto-reply off in OA Manager):
       sudo sao-bot setup-line
  5. ตรวจการติดตั้ง / check the installation (0 ok, 1 warnings, 2 errors):
       sudo sao-bot doctor
  (sao-bot runs python -m bot ... as the user $APP_USER with $ENV_FILE, e.g.
   sudo -u $APP_USER sh -c 'cd $APP && $VENV/bin/python -m dotenv -f $ENV_FILE run -- $VENV/bin/python -m bot doctor')
  Logs: journalctl -u sao-bot-web -u sao-bot-clock    Recipe: $APP/deploy/README.md
EOF
