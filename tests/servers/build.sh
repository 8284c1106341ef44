#!/usr/bin/env bash
# Build the real servers used by hoso's server test tier, once, into a cache outside the repo.
#
#   tests/servers/build.sh [minio] [ferretdb]     (no argument: both)
#
# Binaries land in ${HOSO_SERVERS_DIR:-$HOME/.cache/hoso/servers}/bin/{minio,ferretdb}, each with a
# <name>.version stamp next to it. A binary whose stamp matches the pinned version is reused; a
# changed pin (or, for FerretDB, a changed tests/servers/ferretdb source) rebuilds it.
#
# Exit codes:
#   0  both binaries present (built or cached)
#   2  usage error
#   3  the Go toolchain is missing or the Go module proxy could not be reached
#   4  a build failed for another reason (see the output above)
set -euo pipefail

# Pinned versions. The module proxy refuses MinIO's RELEASE.* tags; it serves this pseudo-version
# (the last commit before the upstream repository was archived).
MINIO_MODULE="github.com/minio/minio"
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
# FerretDB's version is pinned in tests/servers/ferretdb/go.mod; it is read from there.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${HOSO_SERVERS_DIR:-$HOME/.cache/hoso/servers}"
BIN_DIR="$CACHE_DIR/bin"

EXIT_NO_GO=3
EXIT_BUILD=4

say() { printf '[servers] %s\n' "$*"; }
loud() { printf '\n!!! [servers] %s !!!\n\n' "$*" >&2; }

want_minio=0
want_ferretdb=0
if [[ $# -eq 0 ]]; then
    want_minio=1
    want_ferretdb=1
fi
for arg in "$@"; do
    case "$arg" in
        minio) want_minio=1 ;;
        ferretdb) want_ferretdb=1 ;;
        -h | --help)
            sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "unknown argument: $arg (expected: minio, ferretdb)" >&2
            exit 2
            ;;
    esac
done

if ! command -v go >/dev/null 2>&1; then
    loud "Go toolchain not found on PATH: cannot build the real servers (minio, ferretdb)"
    exit "$EXIT_NO_GO"
fi

mkdir -p "$BIN_DIR"

# One build at a time per cache directory (parallel CI jobs, or a second shell).
if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE_DIR/.build.lock"
    flock 9
fi

# Static binaries: no C compiler needed, and they run on any machine of the same OS/arch.
export CGO_ENABLED=0

# Is this go output a download problem (proxy unreachable, module refused) rather than a compile error?
is_fetch_failure() {
    grep -Eqi 'module lookup disabled|GOPROXY|dial tcp|no such host|no route to host|connection refused|network is unreachable|name resolution|i/o timeout|TLS handshake|Get "https?://|reading https?://|unrecognized import path|403 Forbidden|404 Not Found|410 Gone|50[234] [A-Z]|not available|verifying module|unexpected EOF' "$1"
}

# build_one NAME STAMP COMMAND...: run COMMAND (which must produce $tmp_bin/NAME) unless the cached
# binary's stamp equals STAMP; install atomically and write the stamp.
build_one() {
    local name="$1" stamp="$2"
    shift 2
    local target="$BIN_DIR/$name" stamp_file="$BIN_DIR/$name.version"

    if [[ -x "$target" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
        say "$name: cached $target ($stamp)"
        return 0
    fi

    say "$name: building $stamp ..."
    local start log
    start=$(date +%s)
    tmp_bin="$(mktemp -d "$CACHE_DIR/.build-$name.XXXXXX")"
    export tmp_bin
    log="$tmp_bin/build.log"
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        if is_fetch_failure "$log"; then
            loud "$name: could not download Go modules (module proxy unreachable or refused?): not built"
            rm -rf "$tmp_bin"
            exit "$EXIT_NO_GO"
        fi
        loud "$name: build FAILED (see the go output above)"
        rm -rf "$tmp_bin"
        exit "$EXIT_BUILD"
    fi
    if [[ ! -x "$tmp_bin/$name" ]]; then
        cat "$log" >&2
        loud "$name: build produced no binary at $tmp_bin/$name"
        rm -rf "$tmp_bin"
        exit "$EXIT_BUILD"
    fi
    mv -f "$tmp_bin/$name" "$target"
    printf '%s\n' "$stamp" >"$stamp_file"
    rm -rf "$tmp_bin"
    say "$name: built $target ($stamp) in $(($(date +%s) - start)) s"
}

if [[ $want_minio -eq 1 ]]; then
    # shellcheck disable=SC2016  # $tmp_bin is expanded inside build_one
    build_one minio "$MINIO_MODULE@$MINIO_VERSION" \
        bash -c 'GOBIN="$tmp_bin" go install "$0"' "$MINIO_MODULE@$MINIO_VERSION"
fi

if [[ $want_ferretdb -eq 1 ]]; then
    src="$HERE/ferretdb"
    ferret_version="$(awk '$1 == "github.com/FerretDB/FerretDB" {print $2; exit}' "$src/go.mod")"
    if [[ -z "$ferret_version" ]]; then
        ferret_version="$(awk '$1 == "require" && $2 == "github.com/FerretDB/FerretDB" {print $3}' "$src/go.mod")"
    fi
    src_hash="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-12)"
    # shellcheck disable=SC2016
    build_one ferretdb "github.com/FerretDB/FerretDB@$ferret_version (src $src_hash)" \
        bash -c 'cd "$0" && go build -trimpath -o "$tmp_bin/ferretdb" .' "$src"
fi

say "binaries in $BIN_DIR"
