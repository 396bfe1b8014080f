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
import tempfile
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


ARTICLES = re.compile(r"\b(a|an|the)\b")
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def norm(s):
    """WorldEval.normalize: lower case, punctuation removed, articles removed, whitespace collapsed."""
    s = "".join(c for c in s.lower() if c not in PUNCTUATION)
    return " ".join(ARTICLES.sub(" ", s).split())


def correct(q, answer):
    """Exact match for lookup, contains for needle; a multiple-choice answer is right only when its option is: the gold
    letter first and, when the answer has text after the letter, that text is the gold option's (a right letter before
    another option's text is wrong; the offline evaluator's own accuracy scores the first letter only).

    >>> q = {"task": "choice", "gold": "D", "answer": "D. black"}
    >>> [correct(q, a) for a in ("D. black", "D", "D) Black", "A. black", "D. white", "")]
    [True, True, True, False, False, False]
    >>> correct({"task": "choice", "gold": "D. black"}, "D. black")
    True
    >>> correct({"task": "lookup", "gold": "the weaver"}, "Weaver"), correct({"task": "needle", "gold": "fox"}, "a fox.")
    (True, True)
    """
    answer = answer.strip()
    gold = str(q["gold"])
    if q["task"] == "choice":
        # the world's questions carry the letter as gold and "D. black" as answer; the evaluator's lines "D. black"
        gold = str(q.get("answer") or gold)
        if not answer or answer[0] != gold[0]:
            return False
        rest = answer[1:].lstrip(".):").strip()
        option = gold[1:].lstrip(".):").strip()
        return rest == "" or norm(rest) == norm(option)
    if q["task"] == "needle":
        return gold.lower() in answer.lower()
    return norm(answer) == norm(gold)


def plain_figures(lines):
    """The held-out plain-path accuracies of the shipped pair (with its adapter, lloco mode) from eval-plain's JSON lines,
    one per task and choice scoring (labelled as the summary table labels them), the last line of each winning.

    >>> rows = [{"task": "lookup", "mode": "lloco", "adapter": True, "n": 200, "accuracy": 0.65, "compression_per_segment": 3.66},
    ...         {"task": "lookup", "mode": "lloco", "adapter": False, "n": 200, "accuracy": 0.0},
    ...         {"task": "choice", "mode": "lloco", "adapter": True, "choice_mode": "cloze", "n": 200, "accuracy": 0.93},
    ...         {"task": "needle", "mode": "lloco", "adapter": True, "n": 220, "accuracy": 0.8409, "compression_per_segment": 3.661}]
    >>> plain_figures([json.dumps(r) for r in rows] + [""])
    'lookup 0.65 (n = 200), choice+ 0.93 (n = 200), needle 0.84 (n = 220); 3.66x per segment'
    """
    best = {}
    for line in lines:
        if line.strip():
            r = json.loads(line)
            if r.get("mode") == "lloco" and r.get("adapter"):
                label = {"cloze": "choice+", "rank": "choice*"}.get(r.get("choice_mode"), r["task"])
                best[label] = r
    parts = [f"{t} {r['accuracy']:.2f} (n = {r['n']})" for t, r in best.items()]
    ratio = next((r["compression_per_segment"] for r in best.values() if "compression_per_segment" in r), None)
    return ", ".join(parts) + (f"; {ratio:.2f}x per segment" if ratio else "")


def print_plain_figures(path):
    with open(path) as f:
        figures = plain_figures(f)
    print(f"  the shipped pair on 4,096-token held-out documents, plain path ({path.split('/lloco-tiny/')[-1]}): {figures}")


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
    ap.add_argument("--retrieve", type=int, default=0,
                    help="0: every segment of the document (accumulated summaries); K > 0: the segment-retrieval path — "
                         "documents compressed with mode independent, each question reads the K segments that best match "
                         "it (granularity segment, top_segments K)")
    ap.add_argument("--answer-candidates", type=int, default=1,
                    help="with --retrieve, free-form questions: read each of the K best segments alone and keep the answer its "
                         "segment supports best (_lloco_qa answer_candidates)")
    ap.add_argument("--answer-candidates-max", type=int, default=0,
                    help="with --answer-candidates: while no answer read is stated by its segment, read the next ones, up to "
                         "this many segments (_lloco_qa answer_candidates_max; 0: as many as --answer-candidates)")
    ap.add_argument("--answer-beams", type=int, default=1,
                    help="with --retrieve, free-form questions in lloco mode: read each candidate segment with a beam search of "
                         "B answers and keep the one its segment supports best (_lloco_qa answer_beams)")
    ap.add_argument("--segment-boundary", choices=["tokens", "sentence"], default="sentence",
                    help="with --retrieve: cut segments every segment_tokens tokens, or pack whole sentences "
                         "(lloco_compress segment_boundary)")
    ap.add_argument("--plain-figures", metavar="JSONL",
                    help="the shipped pair's held-out plain-path evaluation lines (tools/train/run.sh eval-plain), printed "
                         "in the summary beside this run's own plain column")
    ap.add_argument("--compare-offline", metavar="MODEL_DIR",
                    help="also run the offline evaluator (bin/lloco eval) on the same documents and questions with this "
                         "checkpoint and its adapters/default, and print its accuracy beside the plugin's")
    a = ap.parse_args()

    out = subprocess.run(
        [a.java, "-cp", a.classpath, "io.lloco.train.world.WorldDump", "--seed", str(a.seed), "--split", "test",
         "--count", str(a.docs), "--tokens", str(a.tokens), "--questions", str(a.questions)],
        check=True, capture_output=True, text=True).stdout
    docs = [json.loads(l) for l in out.splitlines() if l.strip()]

    compress = {"field": "body", "model": a.model}
    if a.retrieve:
        compress["mode"] = "independent"
        compress["segment_boundary"] = a.segment_boundary
    print(f"### ingest: {len(docs)} documents of ~{a.tokens} tokens through the lloco_compress pipeline (model {a.model}"
          f"{', mode independent, segment_boundary ' + a.segment_boundary if a.retrieve else ''})")
    call(a.url, "PUT", "/_ingest/pipeline/lloco-demo",
         {"description": "compress long text", "processors": [{"lloco_compress": compress}]})
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

    # "lloco, plain" asks the same question the plain LLoCO way: greedy, the best segments read once, no answer checked
    # against the segments' sentences (answer_candidates 1, answer_beams 1); "lloco" adds the heuristics asked for above
    heuristics = bool(a.retrieve) and (a.answer_candidates > 1 or a.answer_beams > 1)
    modes = ["lloco"] + (["lloco, plain"] if heuristics else []) + ["full_context", "no_context"]
    stats = {m: {"n": 0, "ok": 0, "positions": 0, "ms": 0.0} for m in modes}
    compression = [0, 0, 0.0, 0.0]  # full-context tokens, summary vectors, and per segment: tokens, vectors
    per_task = {}
    plugin_answers = {}  # (doc id, task, question) -> the lloco answer, for the answer-by-answer comparison
    print("\n### questions (held-out documents)")
    for d in docs:
        for q in d["questions"]:
            # the offline evaluator's budgets: 24 new tokens for choice, 16 otherwise
            body = {"question": q["question"], "doc_ids": [d["id"]], "template": q["task"],
                    "max_new_tokens": 24 if q["task"] == "choice" else 16}
            if q["task"] == "choice":
                body["choices"] = q["options"]
            if a.retrieve:
                body.update(granularity="segment", top_segments=a.retrieve)
                if a.answer_candidates > 1 and q["task"] != "choice":
                    body.update(answer_candidates=a.answer_candidates)
                    if a.answer_candidates_max > a.answer_candidates:
                        body.update(answer_candidates_max=a.answer_candidates_max)
            line = []
            for m in modes:
                mb = dict(body, mode=m)
                if m == "lloco, plain":
                    mb = {k: v for k, v in body.items() if k not in ("answer_candidates", "answer_candidates_max")}
                    mb["mode"] = "lloco"
                if a.retrieve and a.answer_beams > 1 and m == "lloco" and q["task"] != "choice":
                    mb["answer_beams"] = a.answer_beams
                # multiple choice uses no heuristics: its plain request is the lloco one, answered once
                r = line[0][1] if m == "lloco, plain" and q["task"] == "choice" else call(a.url, "POST", "/lloco-demo/_lloco_qa", mb)
                ok = correct(q, r["answer"])
                s = stats[m]
                s["n"] += 1
                s["ok"] += ok
                s["positions"] += r["usage"]["decoder_positions"]
                s["ms"] += r["timings"]["total_ms"]
                t = per_task.setdefault((m, q["task"]), [0, 0])
                t[0] += ok
                t[1] += 1
                line.append((m, r, ok))
            lr = line[0][1]
            plugin_answers[(d["id"], q["task"], q["question"])] = lr["answer"].strip()
            print(f"  [{q['task']}] {q['question']}")
            print(f"      gold: {q['answer']!r}")
            for m, r, ok in line:
                print(f"      {m:12s} {'OK ' if ok else '-- '} {r['answer']!r:40s} positions={r['usage']['decoder_positions']:5d} "
                      f"{r['timings']['total_ms']:7.1f} ms")
            if q["task"] == "choice":
                # the same question answered by ranking the four options' likelihood (choice_mode: rank), and by scoring
                # each option's text as the answer to the question alone under the short-answer template (cloze)
                for cm, label, extra in (("rank", "choice, ranked", {}), ("cloze", "choice, cloze", {"template": "lookup"})):
                    cells = []
                    for m in modes:
                        if m == "lloco, plain":
                            continue  # multiple choice reads the best segment once either way: the same as lloco
                        r = call(a.url, "POST", "/lloco-demo/_lloco_qa", dict(body, mode=m, choice_mode=cm, **extra))
                        ok = correct(q, r["answer"])
                        t = per_task.setdefault((m, label), [0, 0])
                        t[0] += ok
                        t[1] += 1
                        if m == "lloco":
                            plugin_answers[(d["id"], label, q["question"])] = r["answer"].strip()
                        best = max(r["choice_scores"], key=lambda c: c["logprob"])
                        cells.append(f"{m} {'OK' if ok else '--'} {r['answer']!r} (p={best['probability']:.2f})")
                    print(f"      {cm + ':':12s} " + "; ".join(cells))
            if lr["usage"].get("summary_positions"):
                segs = sum(len(src["segments"]) for src in lr["sources"]) or 1
                compression[0] += lr["usage"]["full_context_tokens"]
                compression[1] += lr["usage"]["summary_positions"]
                compression[2] = compression[0] / max(1, compression[1]) * stored["summary_length"]
                compression[3] = stored["summary_length"]
            if lr["usage"].get("compression_ratio"):
                print(f"      compression: {lr['usage']['full_context_tokens']} document tokens -> {lr['usage']['summary_positions']} "
                      f"summary vectors ({lr['usage']['compression_ratio']}x)")

    print("\n### summary (same questions, same node, one run)")
    print("  accuracy per task (each scored its own way; no overall figure: generated choices sit at chance for this model)")
    print(f"  {'task':8s} " + " ".join(f"{m:>15s}" for m in modes))
    for task in sorted({k[1] for k in per_task}):
        cells = []
        task_label = {"choice, ranked": "choice*", "choice, cloze": "choice+"}.get(task, task)
        for m in modes:
            ok, n = per_task.get((m, task), per_task.get(("lloco", task), [0, 0]) if m == "lloco, plain" else [0, 0])
            cells.append(f"{ok:>6d}/{n:<3d}{ok / max(n, 1):5.0%}")
        print(f"  {task_label:8s} " + " ".join(f"{c:>15s}" for c in cells))
    print(f"\n  {'mode':12s} {'decoder positions':>18s} {'ms/question':>12s}   (means over every question read)")
    for m in modes:
        s = stats[m]
        n = max(1, s["n"])
        print(f"  {m:12s} {s['positions'] / n:18.0f} {s['ms'] / n:12.1f}")
    if stats["lloco"]["n"]:
        seg = compression[0] / max(1, compression[1])
        print(f"  per segment: {compression[2]:.0f} document tokens -> {compression[3]:.0f} summary vectors "
              f"({seg:.2f}x); LLoCO's 7B AutoCompressor: 1,536 -> 50 (30.72x)")
    if heuristics:
        reads = f"answer_candidates {a.answer_candidates}" + (
            f" (up to {a.answer_candidates_max})" if a.answer_candidates > 1 and a.answer_candidates_max > a.answer_candidates else "")
        print(f"  lloco: {reads}, answer_beams {a.answer_beams}, answers checked against the segments' sentences; lloco, plain: "
              f"greedy, the {a.retrieve} best segment(s) read once, nothing checked (multiple choice is read the same way in both)")
    if a.plain_figures and heuristics:
        print_plain_figures(a.plain_figures)
    if any(k[1] == "choice, ranked" for k in per_task):
        print("  choice*: the same choice questions with choice_mode: rank (the options ranked by likelihood, not generated)")
        print("  choice+: choice_mode: cloze (each option's text scored as the answer to the question alone, short-answer template)")
    if a.compare_offline:
        print("\n### the same questions through the offline evaluator (bin/lloco eval, lloco mode, default adapter)")
        root = sys.path[0] + "/../.."
        for task in sorted({k[1] for k in per_task}):
            n = per_task[("lloco", task)][1]
            base_task, choice_mode = {"choice, ranked": ("choice", "rank"), "choice, cloze": ("choice", "cloze")}.get(task, (task, "generate"))
            with tempfile.NamedTemporaryFile(suffix=".jsonl") as preds:
                res = subprocess.run(
                    [root + "/bin/lloco", "eval", "--model", a.compare_offline, "--adapter", a.compare_offline + "/adapters/default",
                     "--task", base_task, "--choice-mode", choice_mode, "--n", str(n), "--seed", str(a.seed), "--doc-tokens", str(a.tokens),
                     "--questions-per-doc", str(a.questions), "--mode", "lloco", "--predictions", preds.name,
                     "--retrieve", str(a.retrieve)]
                    + (["--segment-boundary", a.segment_boundary, "--answer-candidates", str(a.answer_candidates if base_task != "choice" else 1),
                        "--answer-beams", str(a.answer_beams if base_task != "choice" else 1),
                        "--answer-candidates-max", str(max(a.answer_candidates, a.answer_candidates_max) if base_task != "choice" else 1)]
                       if a.retrieve else []),
                    check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
                offline = [json.loads(l) for l in open(preds.name) if l.strip()]
            differ = [p for p in offline if plugin_answers.get((p["doc_id"], task, p["question"])) != p["prediction"]]
            same = len(offline) - len(differ)
            ok, n = per_task[("lloco", task)]
            # the offline answers scored the demo's way (an option right, not just its letter)
            off_ok = sum(correct({"task": base_task, "gold": p["gold"]}, p["prediction"]) for p in offline)
            print(f"  {task:8s} plugin {ok / max(n, 1):6.1%} (n={n})   offline {off_ok / max(1, len(offline)):6.1%} (n={len(offline)})   "
                  f"identical answers {same}/{len(offline)}")
            for p in differ:
                print(f"    differs: {p['doc_id']} {p['question']!r}: plugin "
                      f"{plugin_answers.get((p['doc_id'], task, p['question']))!r}, offline {p['prediction']!r}")
    L, F = stats["lloco"], stats["full_context"]
    if L["positions"]:
        what = f"the text of the same {a.retrieve} retrieved segments" if a.retrieve else "the whole document"
        print(f"\n  lloco reads {F['positions'] / L['positions']:.1f}x fewer decoder positions than full_context ({what}) and "
              f"answers in {L['ms'] / max(F['ms'], 1e-9):.2f}x its time")
        if a.retrieve:
            whole = sum(d.get("tokens", 0) for d in docs) / max(1, len(docs))
            lloco_avg = L["positions"] / max(1, L["n"])
            with_whole = whole + lloco_avg - a.retrieve * stored["summary_length"]  # the prompt after the whole document
            print(f"  against the whole {whole:.0f}-token document in the prompt (~{with_whole:.0f} positions with the question): "
                  f"{with_whole / lloco_avg:.1f}x fewer")
            print("  (the offline evaluator ranks a document's segments by BM25 over that document alone, OpenSearch with the "
                  "index's statistics, so the two can retrieve different segments; the decoding itself is identical)")


if __name__ == "__main__":
    main()
