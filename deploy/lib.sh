# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables below are used by the scripts that source this file
# deploy/lib.sh — what install.sh and upgrade.sh share (sourced by them, not run).
#
# Paths are those of the server. Every file operation prefixes them with $ROOT: empty on a server,
# a temporary folder with --root (the tests), so a test install never touches the machine.

APP_USER=sao-bot
OPT=/opt/sao-bot
APP=$OPT/app                 # → releases/<id>, the code running now (swapped by renaming a link)
PREVIOUS=$OPT/previous       # → releases/<id>, the code before the last upgrade (rollback)
RELEASES=$OPT/releases
VENV=$OPT/venv
DATA=/var/lib/sao-bot
ETC=/etc/sao-bot
ENV_FILE=$ETC/sao-bot.env
UNIT_DIR=/etc/systemd/system
WRAPPER=/usr/local/bin/sao-bot
CADDYFILE=/etc/caddy/Caddyfile
CADDY_MARKER="# sao-bot: rendered by deploy/install.sh"
UNITS=(sao-bot-web.service sao-bot-clock.service sao-bot-backup.service sao-bot-backup.timer)
KEEP_RELEASES=3

DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_DIR=$(cd "$DEPLOY_DIR/.." && pwd)

ROOT=""
SKIP_SYSTEM=0
VENV_FROM=""
PYTHON=""

# Each message in Thai, then in English.
say() { printf '• %s\n  %s\n' "$1" "$2"; }
warn() { printf '! %s\n  %s\n' "$1" "$2" >&2; }
die() {
  printf 'ผิดพลาด: %s\nerror: %s\n' "$1" "$2" >&2
  exit 1
}

# Options both scripts take: sets USED to how many arguments it took (0: not one of these).
common_option() {
  USED=0
  case "$1" in
    --root)
      [ -n "${2-}" ] || die "--root ต้องมีชื่อโฟลเดอร์" "--root needs a folder"
      [ -d "$2" ] || die "ไม่มีโฟลเดอร์ $2" "no folder $2"
      ROOT=$(cd "$2" && pwd)
      [ "$ROOT" != / ] || ROOT=""
      USED=2 ;;
    --skip-system) SKIP_SYSTEM=1; USED=1 ;;
    --venv-from)
      [ -x "${2-}/bin/python" ] || die "--venv-from: ไม่มี ${2-}/bin/python" "--venv-from: no ${2-}/bin/python"
      VENV_FROM=$(cd "$2" && pwd)
      USED=2 ;;
    --python)
      [ -x "${2-}" ] || die "--python: ไม่มี ${2-}" "--python: ${2-} is not an executable"
      PYTHON=$2
      USED=2 ;;
  esac
}

# Root only; a temporary root (--root, with --skip-system) is the one exception.
require_root() {
  if [ -n "$ROOT" ] && [ "$SKIP_SYSTEM" != 1 ]; then
    die "--root ใช้กับ --skip-system เท่านั้น (สำหรับการทดสอบ)" "--root is for tests and needs --skip-system"
  fi
  if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
    die "ต้องรันด้วยสิทธิ์ root: sudo $0" "run as root: sudo $0"
  fi
}

# chown, except with --skip-system (the user may not exist).
own() {
  [ "$SKIP_SYSTEM" = 1 ] || chown "$@"
}

systemctl_() {
  [ "$SKIP_SYSTEM" = 1 ] || systemctl "$@"
}

git_() {
  git -c safe.directory="$SOURCE_DIR" -C "$SOURCE_DIR" "$@"
}

is_checkout() {
  command -v git >/dev/null 2>&1 && [ -e "$SOURCE_DIR/.git" ] && git_ rev-parse --verify -q HEAD >/dev/null
}

# A new release's name: UTC time, and the commit when installing from a git checkout.
release_id() {
  local id
  id=$(date -u +%Y%m%d-%H%M%S)
  if is_checkout; then
    id="$id-$(git_ rev-parse --short=10 HEAD)"
    # GIT_OPTIONAL_LOCKS=0: status never rewrites the checkout's index (it may belong to another user).
    if [ -n "$(GIT_OPTIONAL_LOCKS=0 git_ status --porcelain --untracked-files=no 2>/dev/null)" ]; then
      id="$id-modified"
    fi
  fi
  local n=2 candidate=$id
  while [ -e "$ROOT$RELEASES/$candidate" ]; do
    candidate="$id-$n"
    n=$((n + 1))
  done
  echo "$candidate"
}

# Copies the code to $1: from a git checkout its tracked files as they are in the working tree;
# from an unpacked folder everything but what a checkout ignores (venv, data, caches, .env).
copy_source() {
  local dest=$1
  mkdir -p "$dest"
  if is_checkout; then
    git_ ls-files -z --cached |
      while IFS= read -r -d '' file; do
        if [ -e "$SOURCE_DIR/$file" ] || [ -L "$SOURCE_DIR/$file" ]; then printf '%s\0' "$file"; fi
      done |
      tar -C "$SOURCE_DIR" --null --no-recursion -T - -cf - | tar -C "$dest" --no-same-owner -xf -
  else
    tar -C "$SOURCE_DIR" --exclude=./.git --exclude=./.venv --exclude=./var --exclude=./.env \
      --exclude=./.pytest_cache --exclude=./.hypothesis --exclude=./test-output \
      --exclude=__pycache__ --exclude='*.pyc' -cf - . | tar -C "$dest" --no-same-owner -xf -
  fi
  # Owned by root, readable by everyone, writable by nobody else: the services cannot change their code.
  chmod -R u=rwX,go=rX "$dest"
  if [ ! -f "$dest/requirements.txt" ] || [ ! -f "$dest/bot/__init__.py" ]; then
    die "$SOURCE_DIR ไม่ใช่โฟลเดอร์ของบอท" "$SOURCE_DIR does not hold the bot's code"
  fi
}

# The venv at $VENV with the pinned requirements $1 (pip install -r: a no-op when all are there).
# --venv-from links an existing venv instead (the tests: no download).
ensure_venv() {
  local requirements=$1
  if [ -n "$VENV_FROM" ]; then
    if [ -e "$ROOT$VENV" ] && [ ! -L "$ROOT$VENV" ]; then
      die "มี venv อยู่แล้วที่ $ROOT$VENV" "$ROOT$VENV is a real venv; --venv-from would replace it"
    fi
    mkdir -p "$ROOT$OPT"
    ln -sfn "$VENV_FROM" "$ROOT$VENV"
    say "ใช้ venv ที่มีอยู่ $VENV_FROM" "venv: linked to $VENV_FROM"
    return
  fi
  local python=${PYTHON:-$(command -v python3.11 || command -v python3 || true)}
  [ -n "$python" ] || die "ไม่พบ python3" "python3 not found (apt-get install python3 python3-venv)"
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "ต้องใช้ Python 3.11 ขึ้นไป ($python)" "Python 3.11 or newer is needed ($python)"
  # A venv whose interpreter is gone (an OS upgrade replaced Python) is built again.
  if ! "$ROOT$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    say "สร้าง venv ที่ $VENV" "creating the venv at $VENV ($("$python" -V))"
    "$python" -m venv --clear "$ROOT$VENV"
  fi
  say "ติดตั้งไลบรารีตาม requirements.txt (ครั้งแรกใช้เวลาหลายนาที)" "pip install -r requirements.txt (pinned; minutes the first time)"
  "$ROOT$VENV/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
    --root-user-action=ignore -r "$requirements"
}

# A new folder under releases/ with the code from $SOURCE_DIR, compiled (the services cannot write
# __pycache__ into it); its id in RELEASE_ID. Built under a hidden name, renamed when complete.
new_release() {
  local id partial
  id=$(release_id)
  RELEASE_ID=$id
  mkdir -p "$ROOT$RELEASES"
  chmod 0755 "$ROOT$OPT" "$ROOT$RELEASES"
  partial=$ROOT$RELEASES/.$id.partial
  rm -rf "$partial"
  copy_source "$partial"
  "$ROOT$VENV/bin/python" -m compileall -q -j 0 "$partial" >/dev/null ||
    die "คอมไพล์โค้ดไม่ผ่าน" "the code does not compile (python -m compileall $partial)"
  chmod -R u=rwX,go=rX "$partial"
  mv -T "$partial" "$ROOT$RELEASES/$id"
  say "โค้ดรุ่นใหม่อยู่ที่ $RELEASES/$id" "new release: $RELEASES/$id"
}

# Points the link $1 at releases/$2, atomically (a new link renamed over the old one).
point() {
  local link=$ROOT$1 id=$2
  ln -sfn "releases/$id" "$link.new"
  mv -T "$link.new" "$link"
}

# The release id a link points at (empty when there is no link).
target_of() {
  if [ -L "$ROOT$1" ]; then basename "$(readlink "$ROOT$1")"; fi
}

# Units and the `sao-bot` command from deploy/ (upgrade.sh refreshes them with the new code).
install_units_and_wrapper() {
  local unit
  mkdir -p "$ROOT$UNIT_DIR" "$ROOT$(dirname "$WRAPPER")"
  for unit in "${UNITS[@]}"; do
    install -m 0644 "$DEPLOY_DIR/systemd/$unit" "$ROOT$UNIT_DIR/$unit"
  done
  install -m 0755 "$DEPLOY_DIR/sao-bot" "$ROOT$WRAPPER"
  say "ติดตั้ง systemd units และคำสั่ง sao-bot แล้ว" "installed ${UNITS[*]} and $WRAPPER"
  systemctl_ daemon-reload
}

# The value of KEY in the env file (the last one set; quotes removed).
env_value() {
  local key=$1 value
  value=$(sed -n "s/^[[:space:]]*\(export[[:space:]]\+\)\?${key}[[:space:]]*=[[:space:]]*//p" "$ROOT$ENV_FILE" | tail -n 1)
  value=${value%\"}
  value=${value#\"}
  value=${value%\'}
  value=${value#\'}
  printf '%s' "$value"
}

channel_configured() {
  [ -n "$(env_value LINE_CHANNEL_SECRET)" ] && [ -n "$(env_value LINE_CHANNEL_ACCESS_TOKEN)" ]
}

# Runs the bot's command line as the service user with the env file (the installed `sao-bot`).
sao_bot() {
  if [ "$SKIP_SYSTEM" = 1 ]; then
    SAO_BOT_USER=$(id -un) "$ROOT$WRAPPER" "$@"
  else
    "$ROOT$WRAPPER" "$@"
  fi
}

# Keeps the newest $KEEP_RELEASES releases (their names start with the time), and always the
# current and previous ones.
prune_releases() {
  local current previous release name
  current=$(target_of "$APP")
  previous=$(target_of "$PREVIOUS")
  local -a all=()
  while IFS= read -r release; do all+=("$release"); done < <(
    find "$ROOT$RELEASES" -mindepth 1 -maxdepth 1 -type d -not -name '.*' -printf '%f\n' | sort -r
  )
  local kept=0
  for name in "${all[@]}"; do
    if [ "$name" = "$current" ] || [ "$name" = "$previous" ] || [ "$kept" -lt "$KEEP_RELEASES" ]; then
      kept=$((kept + 1))
      continue
    fi
    rm -rf "${ROOT:?}$RELEASES/${name:?}"
    say "ลบรุ่นเก่า $name" "removed the old release $name"
  done
}
