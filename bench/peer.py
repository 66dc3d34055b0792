"""The script many users would write instead of robofy: page through the
leads API, flatten each lead, keep every row in memory, then write them all
with csv.DictWriter. Uses `requests` when it is installed, else the standard
library's http.client; one keep-alive connection either way.

    ROBOFY_TOKEN=... ROBOFY_API_URL=http://127.0.0.1:PORT python3 bench/peer.py PROJECT CHATBOT OUT.csv
"""
import csv, json, os, sys, urllib.parse

project, chatbot, out = sys.argv[1:4]
api = os.environ.get("ROBOFY_API_URL", "https://agents.robofy.ai")
path = f"/v1/ai-agent/leads/{project}/{chatbot}"
headers = {"Authorization": f"Bearer {os.environ['ROBOFY_TOKEN']}", "Accept": "application/json"}
try:
    import requests
    session = requests.Session()
    get = lambda query: session.get(api + path + query, headers=headers).json()
except ImportError:
    import http.client
    parts = urllib.parse.urlsplit(api)
    conn = (http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection)(parts.netloc)
    def get(query):
        conn.request("GET", parts.path.rstrip("/") + path + query, headers=headers)
        return json.loads(conn.getresponse().read())

rows, columns, token = [], {}, None
while True:
    report = get("?" + urllib.parse.urlencode({"nextPageToken": token}) if token else "")["data"]["report"]
    for lead in report["rows"]:
        row = {k: lead.get(k) for k in ("id", "created_at", "source", "page_url", "ip_address")}
        row.update((f["field_name"], f["field_value"]) for f in lead.get("lead_data") or [])
        columns.update(dict.fromkeys(row))
        rows.append(row)
    token = report.get("next_page_token")
    if not token:
        break
with open(out, "w", newline="", encoding="utf-8") as f:
    writer = csv.DictWriter(f, fieldnames=list(columns))
    writer.writeheader()
    writer.writerows(rows)
