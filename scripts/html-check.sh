#!/usr/bin/env bash
# Renders the example bundle's HTML report in headless Chromium and checks that it rendered:
# desktop and phone-width screenshots, and the DOM as the browser built it, which must hold
# every finding of the report. The page has no script, so the DOM is the parsed markup: this
# proves the file parses into the sections we wrote, not just that it was written.
#
#   scripts/html-check.sh [OUT_DIR]        (default: target/html-check)
#
# Needs chromium on PATH (Debian: apt-get install -y chromium). The screenshots are for a
# person to look at; docs/report.png is the desktop one, refreshed by hand when the page changes:
#   cp target/html-check/desktop.png docs/report.png
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-target/html-check}"
mkdir -p "$out"
report="$(realpath "$out")/report.html"

# Exit code 1 means findings, which the example bundle has on purpose.
set +e
cargo run --locked --quiet -- scan examples/cce-host-bundle --format html --output "$report"
code=$?
set -e
if [ "$code" -ne 1 ]; then
  echo "html-check: scan exited with $code, expected 1 (findings)" >&2
  exit 1
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
# Flags that keep a headless Chromium from reaching out (sync, updates, QUIC probes) and from
# needing a GPU or a sandbox (CI runs as root in a container).
chrome() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" "$@" 2>/dev/null
}

chrome --window-size=1200,2000 --screenshot="$(realpath "$out")/desktop.png" "file://$report" >/dev/null
chrome --dump-dom "file://$report" > "$out/dom.html"

# A phone: headless Chromium will not make its window narrower than 500 pixels, so the report
# is framed 375 pixels wide (an iPhone's width) in a page that reports the frame's scroll width
# in its title, which --dump-dom shows. The report itself has no script; only this frame does.
frame="$(realpath "$out")/phone-frame.html"
cat > "$frame" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>no measurement</title></head>
<body style="margin:0;background:#3a3f4b">
<iframe id="f" src="report.html" style="display:block;margin:0 auto;width:375px;height:2400px;border:0;background:#fff"></iframe>
<script>
document.getElementById("f").onload = function () {
  document.title = "width " + this.contentDocument.documentElement.scrollWidth + " of " + this.contentWindow.innerWidth;
};
</script></body></html>
HTML
chrome --allow-file-access-from-files --window-size=500,2400 --screenshot="$(realpath "$out")/phone.png" "file://$frame" >/dev/null
widths="$(chrome --allow-file-access-from-files --window-size=500,900 --dump-dom "file://$frame" | grep -o 'width [0-9]* of [0-9]*' || true)"

fail=0
if [[ ! "$widths" =~ width\ ([0-9]+)\ of\ ([0-9]+) ]] || [ "${BASH_REMATCH[1]}" -gt "${BASH_REMATCH[2]}" ]; then
  echo "html-check: the page scrolls sideways at phone width (${widths:-no measurement})" >&2
  fail=1
fi
for id in CCE201 CCE213 CCE215 SFB008; do
  if ! grep -q "id=\"rule-$id\"" "$out/dom.html"; then
    echo "html-check: finding $id is missing from the rendered DOM" >&2
    fail=1
  fi
done
for section in 'id="findings"' 'id="coverage"' 'class="stack inputs"' 'class="stack rules"' 'class="fields"'; do
  if ! grep -q "$section" "$out/dom.html"; then
    echo "html-check: $section is missing from the rendered DOM" >&2
    fail=1
  fi
done
# Self-contained: nothing the browser would fetch.
if grep -Eq '<(script|link|img|iframe)|@import|url\(' "$report"; then
  echo "html-check: the page refers to something outside itself" >&2
  fail=1
fi
for png in desktop phone; do
  if [ ! -s "$out/$png.png" ]; then
    echo "html-check: no $png screenshot" >&2
    fail=1
  fi
done

# A fleet: the example and the collected bundle as two hosts. The matrix must be in the DOM with
# a row per host and a cell linking to each host's own finding, and the page must not scroll
# sideways at phone width (a wide matrix scrolls inside its own box).
fleet="$(realpath "$out")/fleet.html"
set +e
cargo run --locked --quiet -- scan examples/cce-host-bundle fixtures/bundles/collected --no-config \
  --format html --output "$fleet"
code=$?
set -e
if [ "$code" -ne 1 ]; then
  echo "html-check: fleet scan exited with $code, expected 1 (findings)" >&2
  fail=1
fi
chrome --window-size=1200,2000 --screenshot="$(realpath "$out")/fleet.png" "file://$fleet" >/dev/null
chrome --dump-dom "file://$fleet" > "$out/fleet-dom.html"
sed 's/src="report.html"/src="fleet.html"/' "$frame" > "$out/fleet-frame.html"
widths="$(chrome --allow-file-access-from-files --window-size=500,900 --dump-dom "file://$(realpath "$out")/fleet-frame.html" | grep -o 'width [0-9]* of [0-9]*' || true)"
if [[ ! "$widths" =~ width\ ([0-9]+)\ of\ ([0-9]+) ]] || [ "${BASH_REMATCH[1]}" -gt "${BASH_REMATCH[2]}" ]; then
  echo "html-check: the fleet page scrolls sideways at phone width (${widths:-no measurement})" >&2
  fail=1
fi
rows="$(grep -o '<tr><th scope="row">' "$out/fleet-dom.html" | wc -l)"
if [ "$rows" -ne 2 ]; then
  echo "html-check: the fleet matrix has $rows host rows, expected 2" >&2
  fail=1
fi
for target in host-1-rule-CCE201 host-2-rule-CCE222; do
  if ! grep -q "href=\"#$target\"" "$out/fleet-dom.html" || ! grep -q "id=\"$target\"" "$out/fleet-dom.html"; then
    echo "html-check: the fleet matrix does not link to $target" >&2
    fail=1
  fi
done
if grep -Eq '<(script|link|img|iframe)|@import|url\(' "$fleet"; then
  echo "html-check: the fleet page refers to something outside itself" >&2
  fail=1
fi

[ "$fail" -eq 0 ] || exit 1
echo "html-check: ok ($(wc -c < "$report") bytes; screenshots in $out)"
