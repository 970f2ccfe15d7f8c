#!/usr/bin/env python3
"""Interleaves the trainer's `bench peer` and the peer's peer.py, a fresh process per cell, and prints
trainer / peer ratios: the median of the rounds' ratios with their range. Standard library only.

Writes once under --work: a random checkpoint per size (the trainer's `bench checkpoint`, Llama config,
32k vocabulary, tied head) and the data files, so both sides read the same weights and the same rows.
Raw results go to --work/results.jsonl, one line a cell.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB = 32000
FIRST_WORD = 4  # ids 0-3 are <pad>, <s>, </s>, <unk> in the checkpoint's tokenizer

# Rows of each task's data file: (file, rows, {field: words}). Answers get an EOS on both sides.
DATA = {
    "generate": ("generate.jsonl", 32, {"prompt": 16}),
    "score": ("score.jsonl", 256, {"prompt": 32, "response": 95}),
    "dpo": ("dpo.jsonl", 32, {"prompt": 64, "chosen": 63, "rejected": 63}),
    "round": ("round.jsonl", 64, {"prompt": 16}),
}
# Task options, the same for both sides.
OPTIONS = {
    "generate": ["--batch-size", "32", "--new-tokens", "48"],
    "score": ["--batch-size", "32"],
    "dpo": ["--batch-size", "16", "--micro-batch", "16", "--epochs", "2"],
    "round": ["--batch-size", "32", "--micro-batch", "16", "--samples", "4", "--new-tokens", "48"],
}
# What each task reports beside tokens/s and peak RSS.
METRICS = {"generate": ["tokens_per_s", "tokens_per_cpu_s"], "score": ["tokens_per_s", "tokens_per_cpu_s"],
           "round": ["seconds", "gen_tokens_per_s", "judge_tokens_per_s", "train_tokens_per_s"]}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jar", default=os.path.join(HERE, "../../trainer-image/target/selfalign-trainer.jar"),
                   help="the trainer jar (./mvnw -B -o package -pl trainer-image -am -DskipTests builds it)")
    p.add_argument("--python", default=os.environ.get("PEER_PYTHON", "python3"),
                   help="the Python with requirements.txt installed (default: $PEER_PYTHON or python3)")
    p.add_argument("--work", default="/tmp/selfalign-peer", help="checkpoints, data and results (default: %(default)s)")
    p.add_argument("--sizes", default="3M,25M", help="bench configs (default: %(default)s)")
    p.add_argument("--tasks", default="score,generate,dpo,round", help="tasks (default: %(default)s)")
    p.add_argument("--score-rows", type=int, default=256, help="rows of the score data (default: %(default)s)")
    p.add_argument("--round-prompts", type=int, default=64, help="prompts of the round task (default: %(default)s)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds, each one cell per side (default: %(default)s)")
    p.add_argument("--repeats", type=int, default=3, help="timed passes of generate and score in a cell (default: %(default)s)")
    p.add_argument("--java-option", action="append", default=[], help="extra JVM option for the trainer's cells, repeatable")
    a = p.parse_args()
    tasks = a.tasks.split(",")
    sizes = a.sizes.split(",")
    unknown = [t for t in tasks if t not in DATA]
    if unknown or a.rounds < 2:
        p.error(f"--tasks: {', '.join(DATA)} (got unknown {unknown}); --rounds must be >= 2 for a range")
    if not os.path.isfile(a.jar):
        p.error(f"--jar: {a.jar} does not exist; build it with ./mvnw -B -o package -pl trainer-image -am -DskipTests")
    os.makedirs(os.path.join(a.work, "data"), exist_ok=True)
    for size in sizes:
        model = os.path.join(a.work, "models", size)
        if not os.path.isfile(os.path.join(model, "model.safetensors")):
            run(["java", "-jar", a.jar, "bench", "checkpoint", "--size", size, "--vocab", str(VOCAB), "--dir", model])
    for task in tasks:
        rows = {"score": a.score_rows, "round": a.round_prompts}.get(task, DATA[task][1])
        write_data(os.path.join(a.work, "data", DATA[task][0]), rows, DATA[task][2])

    results = []
    log = open(os.path.join(a.work, "results.jsonl"), "a", encoding="utf-8")
    print(f"start {time.strftime('%Y-%m-%d %H:%M:%S')} UTC, {load()}", file=sys.stderr)
    for r in range(a.rounds):
        for task in tasks:
            for size in sizes:
                # Alternate which side goes first, so that neither always runs after the other's cache warm-up.
                sides = ["trainer", "peer"] if r % 2 == 0 else ["peer", "trainer"]
                for side in sides:
                    cell = run_cell(a, side, task, size)
                    cell.update({"round": r, "size": size, "load": load()})
                    results.append(cell)
                    log.write(json.dumps(cell) + "\n")
                    log.flush()
                    print(f"round {r + 1}/{a.rounds} {task} {size} {side}: {summary(cell)}", file=sys.stderr)
    print(f"end {time.strftime('%Y-%m-%d %H:%M:%S')} UTC, {load()}", file=sys.stderr)
    print(table(results, tasks, sizes, a.rounds))


def write_data(path, rows, fields):
    rng = random.Random(0)
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(rows):
            f.write(json.dumps({k: " ".join(f"w{rng.randrange(FIRST_WORD, VOCAB)}" for _ in range(n)) for k, n in fields.items()}) + "\n")


def run_cell(a, side, task, size):
    model = os.path.join(a.work, "models", size)
    data = os.path.join(a.work, "data", DATA[task][0])
    if side == "trainer":
        cmd = ["java", *a.java_option, "-Dai.djl.offline=true", "-jar", a.jar, "bench", "peer", task]
    else:
        cmd = [a.python, os.path.join(HERE, "peer.py"), task]
    repeats = ["--repeats", str(a.repeats)] if task in ("generate", "score") else []
    out = run(cmd + ["--model", model, "--data", data] + OPTIONS[task] + repeats)
    return json.loads(out.strip().splitlines()[-1])


def run(cmd):
    env = dict(os.environ, DJL_OFFLINE="true", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-4000:]}")
    return done.stdout


def load():
    with open("/proc/loadavg") as f:
        return "load " + " ".join(f.read().split()[:3])


def summary(cell):
    keys = METRICS.get(cell["task"], ["tokens_per_s"]) + ["peak_rss_mib"]
    return ", ".join(f"{k} {cell[k]:.0f}" if cell.get(k, 0) >= 100 else f"{k} {cell.get(k, 0):.2f}" for k in keys if k in cell)


def table(results, tasks, sizes, rounds):
    """One row per task and metric: each side's median over the rounds and the median (range) of the per-round ratios."""
    lines = ["| task | metric | size | trainer | peer | trainer ÷ peer (range) |", "|---|---|---|---:|---:|---|"]
    for task in tasks:
        for metric in (METRICS.get(task) or ["tokens_per_s"]) + ["peak_rss_mib"]:
            for size in sizes:
                cells = {(c["round"], c["side"]): c[metric] for c in results if c["task"] == task and c["size"] == size and metric in c}
                pairs = [(cells[(r, "trainer")], cells[(r, "peer")]) for r in range(rounds) if (r, "trainer") in cells and (r, "peer") in cells]
                if not pairs:
                    continue
                ratios = sorted(t / p for t, p in pairs)
                lines.append(f"| {task} | {metric} | {size} | {fmt(statistics.median(t for t, _ in pairs))} | "
                             f"{fmt(statistics.median(p for _, p in pairs))} | {statistics.median(ratios):.2f} "
                             f"({ratios[0]:.2f}–{ratios[-1]:.2f}) |")
    return "\n".join(lines)


def fmt(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.2f}"


if __name__ == "__main__":
    main()
