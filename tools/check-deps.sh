#!/bin/sh
# check-deps.sh [--install] PKG... -- make sure the Debian packages cvsearch
# builds with are present. Missing ones are installed when run as root with
# apt-get available (always with --install), else the exact command is printed.
install=0
if [ "$1" = "--install" ]; then install=1; shift; fi
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
	echo "cvsearch: installing missing Debian packages:$missing"
	if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; }; then
		echo "cvsearch: could not install:$missing" >&2
		echo "  run: sudo apt-get install$missing" >&2
		exit 1
	fi
	exit 0
fi
echo "cvsearch: missing Debian packages:$missing" >&2
echo "  run: sudo apt-get install$missing" >&2
[ $install = 1 ] && exit 1
# no root: let the build go on, the compiler will say what it lacks
exit 1
