#!/bin/sh
# Prints the Debian mirror this machine's apt already uses for SUITE (default: the machine's own
# codename), so that debootstrap and the backports line go where apt goes: a node behind a local
# mirror or a proxy works, and no mirror address is written into the repository.
#   VMFLEX_DEBIAN_MIRROR (or the older DEBIAN_MIRROR) overrides it.
# Usage: debian-mirror.sh [SUITE]
# Reads one-line entries (/etc/apt/sources.list, *.list) and deb822 entries (*.sources); takes the
# first "deb" entry whose suites include SUITE itself (not SUITE-security, -updates, ...).
# Exit 1 with a one-line reason when nothing fits.
set -eu

if [ -n "${VMFLEX_DEBIAN_MIRROR:-}" ]; then echo "${VMFLEX_DEBIAN_MIRROR%/}"; exit 0; fi
if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "${DEBIAN_MIRROR%/}"; exit 0; fi

SUITE=${1:-}
if [ -z "$SUITE" ]; then
    # shellcheck disable=SC1091
    SUITE=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
fi
[ -n "$SUITE" ] || { echo "debian-mirror: cannot tell this machine's Debian suite; set VMFLEX_DEBIAN_MIRROR" >&2; exit 1; }

APT_DIR=${APT_SOURCES_DIR:-/etc/apt}
files=
[ -f "$APT_DIR/sources.list" ] && files="$APT_DIR/sources.list"
for f in "$APT_DIR"/sources.list.d/*.list "$APT_DIR"/sources.list.d/*.sources; do
    [ -f "$f" ] && files="$files $f"
done

# Plain POSIX awk (Debian's default is mawk): one program per format.
one_line() {
    awk -v suite="$SUITE" '
        /^[ \t]*#/ { next }
        $1 == "deb" {
            i = 2
            if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            if ($(i + 1) == suite) { print $i; exit }
        }' "$1"
}
deb822() {
    # Stanzas of "Key: value" separated by blank lines; a blank line is appended to end the last.
    { cat "$1"; echo; } | awk -v suite="$SUITE" '
        /^[ \t]*#/ { next }
        /^[ \t]*$/ {
            if (types ~ /(^|[ \t])deb([ \t]|$)/ && uris != "") {
                n = split(suites, s, /[ \t]+/)
                for (i = 1; i <= n; i++) if (s[i] == suite) { split(uris, u, /[ \t]+/); print u[1]; exit }
            }
            types = ""; uris = ""; suites = ""; next
        }
        {
            line = $0; key = tolower(line); sub(/:.*/, "", key); sub(/^[^:]*:[ \t]*/, "", line)
            if (key == "types") types = line; else if (key == "uris") uris = line; else if (key == "suites") suites = line
        }'
}
mirror=
for f in $files; do
    case "$f" in
        *.sources) mirror=$(deb822 "$f") ;;
        *) mirror=$(one_line "$f") ;;
    esac
    [ -n "$mirror" ] && break
done

[ -n "$mirror" ] || { echo "debian-mirror: no 'deb' source for suite $SUITE in $APT_DIR/sources.list{,.d}; set VMFLEX_DEBIAN_MIRROR=URL" >&2; exit 1; }
echo "${mirror%/}"
