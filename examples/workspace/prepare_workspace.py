#!/usr/bin/env python3
"""Fills a Selfalign workspace volume: one base model and the SPA split of UltraFeedback.

Writes, relative to --workspace (the PVC's root, mounted at /workspace in every round):

  models/<name>/                              the base model in Hugging Face layout (safetensors only)
  data/ultrafeedback/seed.jsonl               rows 0..1,999 of the shuffled set, gold-labelled:
                                              {"prompt": str, "chosen": str, "rejected": str}
  data/ultrafeedback/prompts.jsonl            rows 2,000..59,999, prompts only (labels discarded):
                                              {"messages": [{"role": "system", "content": ""},
                                                            {"role": "user", "content": str}, ...]}
  data/ultrafeedback/eval.jsonl               rows 60,000.. (held out, for your own evaluation)

The split follows the SPA reference code (make_data_split.py): argilla/ultrafeedback-binarized-
preferences-cleaned shuffled with seed 42; the first 2K rows are the seed pairs, the next 8K / 20K /
30K rows the prompts of iterations 1 / 2 / 3 (an AlignmentRun takes consecutive slices of
prompts.jsonl, so promptsPerIteration [8000, 20000, 30000] reproduces it). Prompts keep the
conversation before the last assistant turn with an empty system message prepended, as SPA's
generation script does.

Needs network access to huggingface.co and: pip install "datasets>=2.19" "huggingface_hub>=0.23"
Gated models need HF_TOKEN in the environment. Files are written to a temporary name and renamed,
so a re-run after an interruption never leaves a truncated JSONL behind.
"""
import argparse
import json
import os
import pathlib
import sys

DATASET = "argilla/ultrafeedback-binarized-preferences-cleaned"
SEED_ROWS = 2_000
PROMPT_ROWS = 58_000  # 8K + 20K + 30K
MODEL_FILES = ["*.json", "*.safetensors", "*.jinja", "tokenizer.model"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspace", default="/workspace", help="root of the workspace volume (default /workspace)")
    ap.add_argument("--model", required=True, help="Hugging Face model id, e.g. Qwen/Qwen2.5-0.5B-Instruct")
    ap.add_argument("--model-dir", required=True, help="directory under the workspace, e.g. models/qwen2.5-0.5b-instruct")
    ap.add_argument("--revision", default=None, help="model revision (commit) to pin; default: main")
    ap.add_argument("--skip-data", action="store_true", help="only download the model")
    args = ap.parse_args()

    workspace = pathlib.Path(args.workspace)
    if pathlib.Path(args.model_dir).is_absolute() or ".." in pathlib.Path(args.model_dir).parts:
        ap.error("--model-dir must be relative to the workspace, without '..'")
    download_model(args.model, args.revision, workspace / args.model_dir)
    if not args.skip_data:
        write_split(workspace / "data" / "ultrafeedback")
    return 0


def download_model(repo_id: str, revision, target: pathlib.Path) -> None:
    from huggingface_hub import snapshot_download

    snapshot_download(repo_id=repo_id, revision=revision, local_dir=target, allow_patterns=MODEL_FILES)
    if not list(target.glob("*.safetensors")):
        sys.exit(f"{repo_id} has no *.safetensors weights; the trainer reads safetensors only")
    print(f"model {repo_id} -> {target}", file=sys.stderr)


def write_split(out: pathlib.Path) -> None:
    from datasets import load_dataset

    rows = load_dataset(DATASET, split="train").shuffle(seed=42)
    if len(rows) < SEED_ROWS + PROMPT_ROWS:
        sys.exit(f"{DATASET} has {len(rows)} rows, expected at least {SEED_ROWS + PROMPT_ROWS}")
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "seed.jsonl", (seed_pair(r) for r in rows.select(range(SEED_ROWS))))
    write_jsonl(out / "prompts.jsonl",
                (prompt_only(r) for r in rows.select(range(SEED_ROWS, SEED_ROWS + PROMPT_ROWS))))
    write_jsonl(out / "eval.jsonl",
                (seed_pair(r) for r in rows.select(range(SEED_ROWS + PROMPT_ROWS, len(rows)))))


def seed_pair(row) -> dict:
    return {"prompt": row["prompt"],
            "chosen": last_assistant(row["chosen"]),
            "rejected": last_assistant(row["rejected"])}


def prompt_only(row) -> dict:
    history = row["chosen"][:-1]
    return {"messages": [{"role": "system", "content": ""}]
            + [{"role": m["role"], "content": m["content"]} for m in history]}


def last_assistant(conversation) -> str:
    if not conversation or conversation[-1]["role"] != "assistant":
        raise ValueError(f"conversation does not end with an assistant turn: {conversation!r:.200}")
    return conversation[-1]["content"]


def write_jsonl(path: pathlib.Path, records) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    os.replace(tmp, path)
    print(f"{n} rows -> {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
