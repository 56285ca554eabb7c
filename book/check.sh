#!/usr/bin/env bash
# Builds the book with MDBOOK (default `mdbook`) and fails on anything mdbook only warns about:
# a broken `{{#include}}` (missing file or anchor), a relative link or image that points
# nowhere, or any ERROR/WARN line from the build.
set -euo pipefail
cd "$(dirname "$0")"
mdbook="${MDBOOK:-mdbook}"
status=0
for page in src/*.md; do
    # {{#include path}} and {{#include path:anchor}}
    while IFS= read -r include; do
        spec="${include#\{\{#include }"
        spec="${spec%\}\}}"
        file="${spec%%:*}"
        anchor=""
        [[ "$spec" == *:* ]] && anchor="${spec#*:}"
        if [[ ! -f "src/$file" ]]; then
            echo "$page: include of a missing file: $file"
            status=1
        elif [[ -n "$anchor" ]] && ! grep -q "ANCHOR: $anchor\$" "src/$file"; then
            echo "$page: include of a missing anchor: $file:$anchor"
            status=1
        fi
    done < <(grep -o '{{#include [^}]*}}' "$page" || true)
    # relative links and images: ](target) not starting with http, #, or mailto
    while IFS= read -r link; do
        target="${link#](}"
        target="${target%)}"
        target="${target%%#*}"
        [[ -z "$target" || "$target" == http* || "$target" == mailto:* ]] && continue
        if [[ ! -e "src/$target" ]]; then
            echo "$page: broken link: $target"
            status=1
        fi
    done < <(grep -o '](\([^)]*\))' "$page" || true)
done
log="$("$mdbook" build 2>&1)" || { echo "$log"; exit 1; }
if grep -E '(ERROR|WARN)' <<<"$log"; then
    status=1
fi
exit $status
