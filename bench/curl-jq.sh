#!/usr/bin/env bash
# The alternative to robofy a user would write: page through the leads API
# with one curl per page, flatten each page's lead_data with jq's @csv and
# append it to a file.
#
#   ROBOFY_TOKEN=... ROBOFY_API_URL=http://127.0.0.1:PORT bash bench/curl-jq.sh PROJECT CHATBOT OUT.csv
#
# Like most such scripts it takes the header from the first lead's form
# fields and writes each lead's field values in the order they come: it does
# not union columns that appear later, escape formulas, retry, or write
# atomically. robofy does all of that, so this comparison flatters curl+jq.
set -euo pipefail

project=$1
chatbot=$2
out=$3
base="${ROBOFY_API_URL:-https://agents.robofy.ai}/v1/ai-agent/leads/$project/$chatbot"
url=$base
first=1

while :; do
  body=$(curl -sS --fail -H "Authorization: Bearer $ROBOFY_TOKEN" -H 'Accept: application/json' "$url")
  if [ "$first" -eq 1 ]; then
    jq -r '.data.report.rows[0] // empty | ["id", "created_at", "source", "page_url", "ip_address"] + [.lead_data[].field_name] | @csv' <<<"$body" >"$out"
    first=0
  fi
  jq -r '.data.report.rows[] | [.id, .created_at, .source, .page_url, .ip_address] + [.lead_data[].field_value] | @csv' <<<"$body" >>"$out"
  token=$(jq -r '.data.report.next_page_token // empty | @uri' <<<"$body")
  [ -n "$token" ] || break
  url="$base?nextPageToken=$token"
done
