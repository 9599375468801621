#!/bin/sh
# GOV.UK Frontend's compiled CSS, JS and assets, copied where Django collects static files from.
# One script for `make static` and the Dockerfile, so development and the image build alike.
#
#   scripts/build-static.sh node_modules/govuk-frontend/dist/govuk static/govuk
#
# - The CSS points at /assets/...: made relative to the copied CSS, so it works under STATIC_URL.
# - The sourceMappingURL comments are removed: production's ManifestStaticFilesStorage follows
#   them, and the .map files (and the Sass they describe) are not shipped.
set -eu

if [ "$#" -ne 2 ]; then
    echo "usage: $0 GOVUK_FRONTEND_DIST_DIR DEST_DIR" >&2
    exit 2
fi
dist="$1"
dest="$2"
for file in "$dist/govuk-frontend.min.css" "$dist/govuk-frontend.min.js" "$dist/assets"; do
    if [ ! -e "$file" ]; then
        echo "$0: $file not found (run npm ci first)" >&2
        exit 1
    fi
done

rm -rf "$dest"
mkdir -p "$dest"
cp -R "$dist/assets" "$dest/assets"
sed -e 's#url(/assets/#url(assets/#g' -e 's#/\*\# sourceMappingURL=[^*]*\*/##g' \
    "$dist/govuk-frontend.min.css" >"$dest/govuk-frontend.min.css"
sed -e 's#//\# sourceMappingURL=.*$##' "$dist/govuk-frontend.min.js" >"$dest/govuk-frontend.min.js"
if grep -q sourceMappingURL "$dest/govuk-frontend.min.css" "$dest/govuk-frontend.min.js"; then
    echo "$0: a sourceMappingURL comment is left in $dest" >&2
    exit 1
fi
