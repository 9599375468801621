#!/bin/sh
# GOV.UK Frontend for this service, built where Django collects static files from. One script for
# `make static` and the Dockerfile, so development and the image build alike.
#
#   scripts/build-static.sh node_modules static/scss/govuk-frontend.scss static/govuk
#
# - The CSS is built from GOV.UK Frontend's Sass with its documented font override (the SCSS file:
#   Arial, not GDS Transport, as this service is not on GOV.UK) and asset paths relative to it.
# - Its JS and images are copied; the font files are not (nothing declares them).
# - No source maps: production's ManifestStaticFilesStorage follows sourceMappingURL comments, and
#   .map files are not shipped (sass writes none; the JS's comment is removed).
set -eu

if [ "$#" -ne 3 ]; then
    echo "usage: $0 NODE_MODULES_DIR SCSS_FILE DEST_DIR" >&2
    exit 2
fi
modules="$1"
scss="$2"
dest="$3"
dist="$modules/govuk-frontend/dist/govuk"
for file in "$dist/govuk-frontend.min.js" "$dist/assets/images" "$modules/.bin/sass" "$scss"; do
    if [ ! -e "$file" ]; then
        echo "$0: $file not found (run npm ci first)" >&2
        exit 1
    fi
done

rm -rf "$dest"
mkdir -p "$dest/assets"
cp -R "$dist/assets/images" "$dist/assets/manifest.json" "$dest/assets/"
sed -e 's#//\# sourceMappingURL=.*$##' "$dist/govuk-frontend.min.js" >"$dest/govuk-frontend.min.js"
"$modules/.bin/sass" --no-source-map --style=compressed --quiet-deps --silence-deprecation=import \
    --load-path="$modules" "$scss" "$dest/govuk-frontend.min.css"
if grep -q sourceMappingURL "$dest/govuk-frontend.min.css" "$dest/govuk-frontend.min.js"; then
    echo "$0: a sourceMappingURL comment is left in $dest" >&2
    exit 1
fi
