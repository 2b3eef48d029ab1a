#!/bin/sh
# Vendor ECharts into the app's static files (issue 16: the dashboard works with the network cut,
# so no page loads a script from a CDN). Fetches the npm package through the configured npm
# registry with `npm pack`, checks its integrity against the pinned value, and copies the minified
# browser build and its licence files into tousu/web/static/vendor/echarts/.
#
#   scripts/vendor-echarts.sh            # the pinned version below
#
# To upgrade: change VERSION and SHA1 (the `shasum` `npm pack` prints), run it, and commit the
# three files it writes.
set -eu

VERSION=6.1.0
SHA1=ae0f68590f5ebbd728d900907c27acde7c5456d1
HERE=$(cd "$(dirname "$0")/.." && pwd)
DEST="$HERE/tousu/web/static/vendor/echarts"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "echarts@$VERSION" >/dev/null
TARBALL="echarts-$VERSION.tgz"
GOT=$(sha1sum "$TARBALL" | cut -d' ' -f1)
if [ "$GOT" != "$SHA1" ]; then
    echo "echarts-$VERSION.tgz: sha1 $GOT, expected $SHA1" >&2
    exit 1
fi
tar -xzf "$TARBALL" package/dist/echarts.min.js package/LICENSE package/NOTICE
mkdir -p "$DEST"
cp package/dist/echarts.min.js "$DEST/echarts.min.js"
cp package/LICENSE "$DEST/LICENSE"
cp package/NOTICE "$DEST/NOTICE"
printf 'echarts %s (npm package "echarts", dist/echarts.min.js), sha1 of the package tarball %s\n' \
    "$VERSION" "$SHA1" >"$DEST/VERSION"
echo "vendored echarts $VERSION into $DEST"
