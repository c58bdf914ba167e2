#!/bin/sh
# Install careDesk for every user of this Linux workstation (run as root from the unpacked
# folder), or remove it again with --uninstall. The clinic's data is never touched: each user's
# vault lives in ~/.local/share/careDesk and stays there after an uninstall.
set -eu

PREFIX=${PREFIX:-/opt/caredesk}
BIN=${BIN:-/usr/local/bin}
SHARE=${SHARE:-/usr/share}
HERE=$(cd "$(dirname "$0")" && pwd)
case "$PREFIX" in
    /|/usr|/usr/local|/opt|"") echo "install.sh: PREFIX must be careDesk's own folder" >&2; exit 2 ;;
esac

remove() {
    rm -f "$BIN/caredesk" "$SHARE/applications/caredesk.desktop"
    rm -f "$SHARE/icons/hicolor/256x256/apps/caredesk.png"
    rm -f "$SHARE/icons/hicolor/scalable/apps/caredesk.svg"
    rm -rf "$PREFIX"
}

if [ "${1:-}" = "--uninstall" ]; then
    remove
    echo "careDesk removed (each user's data in ~/.local/share/careDesk is kept)."
    exit 0
fi

# Qt's desktop plugin needs X11 libraries that minimal systems and some Ubuntu desktops lack
# (libxcb-cursor0 …): the app names the packages; nothing is installed until they are there.
if ! "$HERE/caredesk" --check-system; then
    echo "install.sh: install the packages named above, then run install.sh again" >&2
    exit 1
fi

if [ "$HERE" != "$PREFIX" ]; then
    rm -rf "$PREFIX"
    mkdir -p "$PREFIX"
    cp -a "$HERE/." "$PREFIX/"
fi
mkdir -p "$BIN" "$SHARE/applications" "$SHARE/icons/hicolor/256x256/apps" \
    "$SHARE/icons/hicolor/scalable/apps"
ln -sf "$PREFIX/caredesk" "$BIN/caredesk"
install -m 0644 "$PREFIX/caredesk.desktop" "$SHARE/applications/caredesk.desktop"
install -m 0644 "$PREFIX/caredesk.png" "$SHARE/icons/hicolor/256x256/apps/caredesk.png"
install -m 0644 "$PREFIX/caredesk.svg" "$SHARE/icons/hicolor/scalable/apps/caredesk.svg"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$SHARE/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q "$SHARE/icons/hicolor" || true
"$PREFIX/caredesk" --version
echo "careDesk installed in $PREFIX; start it from the applications menu or with: caredesk"
