#!/usr/bin/env python3
"""The README's main job, against a running node: ingest long documents through the lloco_compress pipeline, then
answer their questions through _lloco_qa, side by side with the full-context and no-context baselines.

Documents and questions come from the project's synthetic world (held-out test split), so answers can be scored.
Only the standard library is used.
"""
import argparse
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request


def call(url, method, path, body=None, ndjson=False):
    data = None
    headers = {}
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        headers["Content-Type"] = "application/x-ndjson" if ndjson else "application/json"
    req = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return json.loads(r.read().decode() or "{}")
    except urllib.error.HTTPError as e:
        raise SystemExit(f"{method} {path} -> {e.code}: {e.read().decode()[:600]}")


def norm(s):
    return " ".join(re.sub(r"[^0-9a-z ]", " ", s.lower()).split())


def correct(q, answer):
    if q["task"] == "choice":
        return answer.strip()[:1].upper() == str(q["gold"]).strip()[:1].upper()
    if q["task"] == "needle":
        return norm(str(q["answer"])) in norm(answer)
    return norm(answer) == norm(str(q["answer"])) or norm(answer).startswith(norm(str(q["answer"])) + " ")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:9200")
    ap.add_argument("--classpath", required=True, help="classpath of the built project, for the world generator")
    ap.add_argument("--java", default="java")
    ap.add_argument("--docs", type=int, default=4)
    ap.add_argument("--tokens", type=int, default=2048)
    ap.add_argument("--questions", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--model", default="lloco-tiny")
    a = ap.parse_args()

    out = subprocess.run(
        [a.java, "-cp", a.classpath, "io.lloco.train.world.WorldDump", "--seed", str(a.seed), "--split", "test",
         "--count", str(a.docs), "--tokens", str(a.tokens), "--questions", str(a.questions)],
        check=True, capture_output=True, text=True).stdout
    docs = [json.loads(l) for l in out.splitlines() if l.strip()]

    print(f"### ingest: {len(docs)} documents of ~{a.tokens} tokens through the lloco_compress pipeline (model {a.model})")
    call(a.url, "PUT", "/_ingest/pipeline/lloco-demo",
         {"description": "compress long text", "processors": [{"lloco_compress": {"field": "body", "model": a.model}}]})
    call(a.url, "DELETE", "/lloco-demo?ignore_unavailable=true")
    mapping = json.load(open(sys.path[0] + "/../../docs/lloco-mapping.json"))
    mapping.setdefault("settings", {})["index"] = {"number_of_replicas": 0}
    call(a.url, "PUT", "/lloco-demo", mapping)
    bulk = "".join(json.dumps({"index": {"_id": d["id"]}}) + "\n" + json.dumps({"body": d["text"]}) + "\n" for d in docs)
    t0 = time.time()
    r = call(a.url, "POST", "/lloco-demo/_bulk?pipeline=lloco-demo&refresh=true", bulk, ndjson=True)
    dt = time.time() - t0
    if r.get("errors"):
        raise SystemExit("bulk failed: " + json.dumps([i for i in r["items"] if "error" in i["index"]])[:800])
    stored = call(a.url, "GET", f"/lloco-demo/_doc/{docs[0]['id']}")["_source"]["lloco"]
    total_tokens = sum(d.get("tokens", 0) for d in docs)
    print(f"    {len(docs)} docs in {dt:.1f} s ({total_tokens / max(dt, 1e-9):.0f} tokens/s); each {stored['tokens']}-token doc -> "
          f"{stored['segment_count']} segments x {stored['summary_length']} summary vectors of {stored['hidden']} dims")

    modes = ["lloco", "full_context", "no_context"]
    stats = {m: {"n": 0, "ok": 0, "positions": 0, "ms": 0.0} for m in modes}
    print("\n### questions (held-out documents)")
    for d in docs:
        for q in d["questions"]:
            body = {"question": q["question"], "doc_ids": [d["id"]], "template": q["task"], "max_new_tokens": 12}
            if q["task"] == "choice":
                body["choices"] = q["options"]
            line = []
            for m in modes:
                r = call(a.url, "POST", "/lloco-demo/_lloco_qa", dict(body, mode=m))
                ok = correct(q, r["answer"])
                s = stats[m]
                s["n"] += 1
                s["ok"] += ok
                s["positions"] += r["usage"]["decoder_positions"]
                s["ms"] += r["timings"]["total_ms"]
                line.append((m, r, ok))
            lr = line[0][1]
            print(f"  [{q['task']}] {q['question']}")
            print(f"      gold: {q['answer']!r}")
            for m, r, ok in line:
                print(f"      {m:12s} {'OK ' if ok else '-- '} {r['answer']!r:40s} positions={r['usage']['decoder_positions']:5d} "
                      f"{r['timings']['total_ms']:7.1f} ms")
            if lr["usage"].get("compression_ratio"):
                print(f"      compression: {lr['usage']['full_context_tokens']} document tokens -> {lr['usage']['summary_positions']} "
                      f"summary vectors ({lr['usage']['compression_ratio']}x)")

    print("\n### summary (same questions, same node, one run)")
    print(f"  {'mode':12s} {'accuracy':>9s} {'decoder positions':>18s} {'ms/question':>12s}")
    for m in modes:
        s = stats[m]
        n = max(1, s["n"])
        print(f"  {m:12s} {s['ok'] / n:9.0%} {s['positions'] / n:18.0f} {s['ms'] / n:12.1f}")
    L, F = stats["lloco"], stats["full_context"]
    if L["positions"]:
        print(f"\n  lloco reads {F['positions'] / L['positions']:.1f}x fewer decoder positions than full_context and answers in "
              f"{L['ms'] / max(F['ms'], 1e-9):.2f}x its time")


if __name__ == "__main__":
    main()
