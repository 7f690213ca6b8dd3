# shellcheck shell=bash
# Shared helpers for scripts/test and scripts/run-demo. Source it, do not run it.
#
# Provides: REPO_ROOT, VENV_DIR, log, die, ensure_apt_packages, ensure_venv, ensure_node_modules.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV_DIR="${REPO_ROOT}/.venv"
export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_PROGRESS_BAR=off

_APT_UPDATED=0

# log MESSAGE...: print a progress line to stderr.
log() {
    printf '==> %s\n' "$*" >&2
}

# die MESSAGE...: print an error and exit 1.
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# _as_root COMMAND...: run COMMAND as root, through sudo when not root already.
_as_root() {
    if [[ ${EUID} -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# _apt_installed PACKAGE: succeed when the Debian package is installed.
_apt_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# ensure_apt_packages PACKAGE...: install the Debian packages that are missing.
# Runs 'apt-get update' at most once per script run, and only when needed.
ensure_apt_packages() {
    local missing=() package
    for package in "$@"; do
        _apt_installed "${package}" || missing+=("${package}")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    command -v apt-get >/dev/null 2>&1 \
        || die "missing system packages and no apt-get: ${missing[*]}"
    log "installing system packages: ${missing[*]}"
    if [[ ${_APT_UPDATED} -eq 0 ]]; then
        _as_root apt-get update -q
        _APT_UPDATED=1
    fi
    _as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# ensure_venv TARGET: create .venv with Python 3.11 and install the project
# editable as TARGET ("." or with extras, e.g. ".[test]"). Reinstalls only when
# pyproject.toml or TARGET changed since the last install. Set PYTHON to
# choose the interpreter (default: python3.11 on PATH).
ensure_venv() {
    local target="$1" python="${PYTHON:-python3.11}" stamp wanted
    [[ -f "${REPO_ROOT}/pyproject.toml" ]] || die "no pyproject.toml in ${REPO_ROOT}"
    if ! "${VENV_DIR}/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
        command -v "${python}" >/dev/null 2>&1 || die "${python} not found; set PYTHON to a Python 3.11"
        log "creating virtualenv ${VENV_DIR} with ${python}"
        rm -rf "${VENV_DIR}"
        "${python}" -m venv "${VENV_DIR}"
    fi
    stamp="${VENV_DIR}/.aktenfluss-installed"
    wanted="${target} $(sha256sum "${REPO_ROOT}/pyproject.toml" | cut -d' ' -f1)"
    if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${wanted}" ]]; then
        log "virtualenv up to date (${target})"
        return 0
    fi
    log "installing ${target} into ${VENV_DIR}"
    (cd "${REPO_ROOT}" && "${VENV_DIR}/bin/python" -m pip install --quiet -e "${target}")
    printf '%s\n' "${wanted}" >"${stamp}"
}

# ensure_node_modules: install the UI's npm packages (bpmn-js, form-js, dmn-js, bpmnlint, axe-core) from
# package-lock.json, then bundle the BPMN editor's bpmnlint integration (npm run build; output in node_modules).
ensure_node_modules() {
    command -v node >/dev/null 2>&1 || ensure_apt_packages nodejs
    command -v npm >/dev/null 2>&1 || ensure_apt_packages npm
    [[ -f package.json ]] || return 0
    if [[ -f package-lock.json ]]; then
        log "npm ci"
        npm ci --no-audit --no-fund
    else
        log "npm install"
        npm install --no-audit --no-fund
    fi
    log "npm run build"
    npm run build --silent
}
