#!/usr/bin/env python3
"""Interop check of a Selfalign guidance model against Hugging Face transformers.

Loads a round's guidance/ directory with transformers' AutoModelForTokenClassification (it must come back as
LlamaForTokenClassification, or the family's equivalent, with no missing or unexpected weights) and compares its
per-token scores with the ones the trainer's `score` command wrote for the same token ids. Exits 0 when the largest
absolute difference is within --tolerance, 1 when not, 2 on unusable input. How to run it: docs/trainer.md.
"""
import argparse
import json
import sys

import torch
from transformers import AutoModelForTokenClassification


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="the guidance model directory (a round's guidance/)")
    ap.add_argument("--scores", required=True,
                    help="the trainer's output of `score --model <guidance dir> --pairs ... --out FILE`: JSONL rows with "
                         "input_ids and token_scores (or chosen_/rejected_ prefixed)")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="largest allowed absolute difference (default: 1e-4)")
    args = ap.parse_args()

    model, info = AutoModelForTokenClassification.from_pretrained(args.model, dtype=torch.float32, output_loading_info=True)
    model.eval()  # no dropout on the head
    problems = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    if problems:
        print(f"{args.model}: transformers did not load every weight as saved: {problems}", file=sys.stderr)
        return 2
    print(f"{args.model}: loaded as {type(model).__name__}, num_labels {model.config.num_labels}")

    worst, count = 0.0, 0
    with open(args.scores, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            row = json.loads(line)
            prefixes = [p for p in ("", "chosen_", "rejected_") if p + "input_ids" in row]
            if not prefixes:
                print(f"{args.scores}:{line_no}: no input_ids (was it scored with a guidance model?)", file=sys.stderr)
                return 2
            for p in prefixes:
                ids, expected = row[p + "input_ids"], row[p + "token_scores"]
                with torch.no_grad():
                    scores = model(input_ids=torch.tensor([ids])).logits[0, :, 0]
                # The response's tokens are the last len(expected) positions; each is scored at its own position.
                diff = (scores[len(ids) - len(expected):] - torch.tensor(expected)).abs().max().item()
                worst, count = max(worst, diff), count + len(expected)
    print(f"{count} token scores, max abs difference {worst:.3e} (tolerance {args.tolerance:g})")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
