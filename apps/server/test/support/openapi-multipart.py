"""A large upload from the served OpenAPI document only (stdlib Python, as an internal app would).

  openapi-multipart.py start FILE STATE   creates the upload, sends part 1, then dies (a crash)
  openapi-multipart.py resume FILE STATE  lists the parts the store holds, sends the others,
                                          completes, downloads and compares the bytes

Every operation is found in /api/openapi.json by its operationId; nothing else is assumed.
Needs UPLINK_URL and UPLINK_TOKEN.
"""
import base64, hashlib, json, os, sys, urllib.parse, urllib.request

BASE = os.environ["UPLINK_URL"].rstrip("/") + "/"
AUTH = {"Authorization": "Bearer " + os.environ["UPLINK_TOKEN"]}

with urllib.request.urlopen(BASE + "api/openapi.json") as res:
    DOC = json.load(res)
SERVER = urllib.parse.urljoin(BASE, DOC["servers"][0]["url"]).rstrip("/")
OPS = {op["operationId"]: (method.upper(), path)
       for path, item in DOC["paths"].items() for method, op in item.items()}


def call(operation_id, body=None, **params):
    """Calls an operation: path parameters fill its template, `body` is the JSON body."""
    method, path = OPS[operation_id]
    url = SERVER + path.format(**{k: urllib.parse.quote(v) for k, v in params.items()})
    data = None if body is None else json.dumps(body).encode()
    headers = {**AUTH, **({"Content-Type": "application/json"} if data else {})}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req) as res:
        return json.load(res)


def b64sha256(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def send_part(doc_id, part_number, chunk):
    signed = call("multipart-signParts", {"parts": [
        {"partNumber": part_number, "sha256": b64sha256(chunk)}]}, documentId=doc_id)
    part = signed["parts"][0]
    req = urllib.request.Request(part["url"], data=chunk, method="PUT", headers=part["headers"])
    with urllib.request.urlopen(req) as res:
        return res.headers["ETag"]


def chunks(data, part_size):
    return [data[i:i + part_size] for i in range(0, len(data), part_size)]


command, path, state_path = sys.argv[1:4]
data = open(path, "rb").read()

if command == "start":
    up = call("multipart-create", {"purpose": "video", "filename": os.path.basename(path),
              "contentType": "video/mp4", "size": len(data), "sha256": b64sha256(data)})
    json.dump({"documentId": up["documentId"], "partSize": up["partSize"]}, open(state_path, "w"))
    send_part(up["documentId"], 1, chunks(data, up["partSize"])[0])
    os._exit(9)  # the crash: no complete, no clean-up

state = json.load(open(state_path))
doc_id = state["documentId"]
parts = chunks(data, state["partSize"])
held = {p["partNumber"]: p for p in call("multipart-listParts", documentId=doc_id)["parts"]}
etags, sent = {}, []
for number, chunk in enumerate(parts, start=1):
    mine = held.get(number)
    if mine and mine.get("sha256") == b64sha256(chunk) and mine["size"] == len(chunk):
        etags[number] = mine["etag"]
    else:
        etags[number] = send_part(doc_id, number, chunk)
        sent.append(number)
doc = call("multipart-complete", {"parts": [
    {"partNumber": n, "etag": e} for n, e in sorted(etags.items())]}, documentId=doc_id)
link = call("documents-downloadUrl", id=doc_id)
with urllib.request.urlopen(link["url"]) as res:
    same = res.read() == data
print(json.dumps({"id": doc_id, "status": doc["status"], "method": doc["method"],
                  "held": sorted(held), "sent": sent, "partCount": len(parts), "same": same}))
