#!/usr/bin/env python3
"""The peer side of the side-by-side measurement: the workloads of the trainer's `bench peer` in Hugging Face
transformers and TRL, on the same checkpoint and data file, printing the same JSON line.

Tasks (the trainer's `bench peer --help` describes the same work):
  generate  sample --new-tokens tokens (T=0.7, top-k off, KV cache, EOS ignored) for batches of --batch-size prompts
  score     summed log-prob of each response (EOS appended) given its prompt, --batch-size rows a forward pass,
            with TRL's selective_log_softmax over the whole batch's logits (what DPOTrainer does)
  dpo       TRL's DPOTrainer: beta 0.1, reference log-probs computed once before training, --batch-size pairs a step
            in micro-batches of --micro-batch, --epochs epochs; the median step after the first
  round     the SPA reference pipeline without vLLM: --samples answers per prompt, each judged by the policy's
            mean response log-prob, best vs worst as a pair, one epoch of DPOTrainer, the model saved

Each process does one task; tokens counted as the trainer counts them.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time

import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast, TrainerCallback
from trl import DPOConfig, DPOTrainer
from trl.trainer.utils import selective_log_softmax


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("task", choices=["generate", "score", "dpo", "round"])
    p.add_argument("--model", required=True, help="checkpoint directory written by `bench checkpoint`")
    p.add_argument("--data", required=True, help="JSONL rows of the task, as for the trainer's `bench peer`")
    p.add_argument("--batch-size", type=int, default=32,
                   help="sequences per forward pass (generate, score, round's generation and judging), pairs per step (dpo, round)")
    p.add_argument("--micro-batch", type=int, default=16, help="pairs per forward/backward in dpo and round")
    p.add_argument("--new-tokens", type=int, default=48, help="new tokens per sequence, generate and round")
    p.add_argument("--samples", type=int, default=4, help="answers per prompt in round")
    p.add_argument("--epochs", type=int, default=2, help="epochs of dpo")
    p.add_argument("--repeats", type=int, default=3, help="timed passes of generate and score after one warm-up")
    a = p.parse_args()
    if min(a.batch_size, a.micro_batch, a.new_tokens, a.epochs, a.repeats) < 1 or a.samples < 2:
        p.error("--batch-size, --micro-batch, --new-tokens, --epochs, --repeats must be >= 1, --samples >= 2")
    if a.batch_size % min(a.micro_batch, a.batch_size):
        p.error("--micro-batch must divide --batch-size")
    rows = read_rows(a.data)
    out = {"side": "peer", "task": a.task}
    out.update(TASKS[a.task](a, rows))
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(out))


def read_rows(path):
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    if not rows:
        sys.exit(f"{path}: no rows")
    return rows


class Checkpoint:
    """The model in float32 on the CPU and its word-level tokenizer, ids exactly as the trainer encodes them."""

    def __init__(self, path):
        self.model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        self.model.eval()
        self.words = Tokenizer.from_file(os.path.join(path, "tokenizer.json"))
        self.eos = self.model.generation_config.eos_token_id
        self.pad = self.model.generation_config.pad_token_id
        self.tokenizer = PreTrainedTokenizerFast(tokenizer_file=os.path.join(path, "tokenizer.json"),
                                                 bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>")

    def encode(self, text):
        return self.words.encode(text, add_special_tokens=False).ids


def timed(repeats, run, tokens):
    """One warm-up run, then the medians of `repeats` runs: wall seconds, and the process's CPU seconds (all
    threads), which tell the work done even when the machine's cores are shared."""
    run()
    seconds, cpu = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        run()
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    wall, work = statistics.median(seconds), statistics.median(cpu)
    return {"tokens": tokens, "seconds": wall, "tokens_per_s": tokens / wall, "cpu_seconds": work, "tokens_per_cpu_s": tokens / work}


def left_padded(prompts, pad):
    width = max(len(x) for x in prompts)
    ids = torch.full((len(prompts), width), pad, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, x in enumerate(prompts):
        ids[i, width - len(x):] = torch.tensor(x)
        mask[i, width - len(x):] = 1
    return ids, mask


def sample(ck, prompts, batch_size, new_tokens, ignore_eos):
    """Sampled continuations (T=0.7, top-k and top-p off), each cut after its first EOS unless EOS is ignored."""
    out = []
    with torch.inference_mode():
        for i in range(0, len(prompts), batch_size):
            batch = prompts[i:i + batch_size]
            ids, mask = left_padded(batch, ck.pad)
            gen = ck.model.generate(input_ids=ids, attention_mask=mask, do_sample=True, temperature=0.7, top_k=0, top_p=1.0,
                                    max_new_tokens=new_tokens, min_new_tokens=new_tokens if ignore_eos else 0,
                                    use_cache=True, pad_token_id=ck.pad)
            for row in gen[:, ids.shape[1]:].tolist():
                if not ignore_eos and ck.eos in row:
                    row = row[:row.index(ck.eos) + 1]
                out.append(row)
    return out


def response_logps(ck, pairs, batch_size):
    """Summed log-prob and token count of each response given its prompt, right-padded batches."""
    sums = []
    with torch.inference_mode():
        for i in range(0, len(pairs), batch_size):
            batch = pairs[i:i + batch_size]
            width = max(len(pr) + len(r) for pr, r in batch)
            ids = torch.full((len(batch), width), ck.pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            # Column t predicts token t+1: a response token's log-prob sits one column before it.
            response = torch.zeros((len(batch), width - 1))
            for b, (pr, r) in enumerate(batch):
                ids[b, :len(pr) + len(r)] = torch.tensor(pr + r)
                mask[b, :len(pr) + len(r)] = 1
                response[b, len(pr) - 1:len(pr) - 1 + len(r)] = 1
            logits = ck.model(input_ids=ids, attention_mask=mask).logits[:, :-1]
            logp = selective_log_softmax(logits, ids[:, 1:])
            sums.extend((logp * response).sum(dim=1).tolist())
    return sums


def generate(a, rows):
    ck = Checkpoint(a.model)
    prompts = [ck.encode(r["prompt"]) for r in rows]
    torch.manual_seed(1)
    return timed(a.repeats, lambda: sample(ck, prompts, a.batch_size, a.new_tokens, ignore_eos=True), len(prompts) * a.new_tokens)


def score(a, rows):
    ck = Checkpoint(a.model)
    pairs = [(ck.encode(r["prompt"]), ck.encode(r["response"]) + [ck.eos]) for r in rows]
    tokens = sum(len(pr) + len(r) for pr, r in pairs)
    total = []
    out = timed(a.repeats, lambda: total.append(sum(response_logps(ck, pairs, a.batch_size))), tokens)
    out["logp_total"] = total[-1]
    return out


class StepTimes(TrainerCallback):
    def __init__(self):
        self.seconds = []

    def on_step_begin(self, args, state, control, **kwargs):
        self.start = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self.seconds.append(time.perf_counter() - self.start)


def dpo_trainer(a, ck, rows, epochs, out_dir):
    """DPOTrainer as the trainer's DPO: beta 0.1, constant learning rate, no warm-up, clipping at 1, reference
    log-probs once before training from the starting policy, lengths never cut."""
    longest = max(len(ck.encode(r["prompt"])) + 1 + max(len(ck.encode(r["chosen"])), len(ck.encode(r["rejected"]))) for r in rows)
    micro = min(a.micro_batch, a.batch_size)
    config = DPOConfig(output_dir=out_dir, per_device_train_batch_size=micro, gradient_accumulation_steps=a.batch_size // micro,
                       num_train_epochs=epochs, learning_rate=1e-5, lr_scheduler_type="constant", warmup_steps=0, beta=0.1,
                       max_grad_norm=1.0, max_length=longest, precompute_ref_log_probs=True,
                       per_device_eval_batch_size=2 * micro, report_to=[], save_strategy="no", logging_strategy="no",
                       use_cpu=True, dataloader_num_workers=0, seed=1, disable_tqdm=True)
    from datasets import Dataset
    # TRL tokenizes prompt + answer as one text: a leading space keeps the boundary between two words.
    data = Dataset.from_list([{"prompt": r["prompt"], "chosen": " " + r["chosen"], "rejected": " " + r["rejected"]} for r in rows])
    times = StepTimes()
    trainer = DPOTrainer(model=ck.model, args=config, train_dataset=data, processing_class=ck.tokenizer, callbacks=[times])
    return trainer, times


def pair_tokens(ck, rows):
    """Prompt + chosen and prompt + rejected tokens of each pair, EOS after each answer (as TRL and the trainer add)."""
    return [2 * len(ck.encode(r["prompt"])) + len(ck.encode(r["chosen"])) + len(ck.encode(r["rejected"])) + 2 for r in rows]


def dpo(a, rows):
    ck = Checkpoint(a.model)
    with tempfile.TemporaryDirectory() as out_dir:
        trainer, times = dpo_trainer(a, ck, rows, a.epochs, out_dir)
        trainer.train()
    if len(times.seconds) < 2:
        sys.exit("dpo: needs at least 2 steps (the first warms up); add rows or --epochs")
    per_pair = pair_tokens(ck, rows)
    tokens = sum(per_pair[:a.batch_size])  # every pair of the bench data has the same length
    seconds = statistics.median(times.seconds[1:])
    return {"tokens": tokens, "seconds": seconds, "tokens_per_s": tokens / seconds, "steps": len(times.seconds)}


def round_(a, rows):
    start = time.perf_counter()
    ck = Checkpoint(a.model)
    prompts = [ck.encode(r["prompt"]) for r in rows]
    candidates = [p for p in prompts for _ in range(a.samples)]
    torch.manual_seed(42)
    t = time.perf_counter()
    answers = sample(ck, candidates, a.batch_size, a.new_tokens, ignore_eos=False)
    gen_seconds = time.perf_counter() - t
    generated = sum(len(x) for x in answers)

    t = time.perf_counter()
    sums = response_logps(ck, list(zip(candidates, answers)), a.batch_size)
    judge_seconds = time.perf_counter() - t
    means = [s / len(x) for s, x in zip(sums, answers)]
    pairs = []
    for i, row in enumerate(rows):
        k = range(i * a.samples, (i + 1) * a.samples)
        best, worst = max(k, key=lambda j: means[j]), min(k, key=lambda j: means[j])
        if means[best] > means[worst]:
            # Answers as text without their EOS: TRL appends it again.
            text = [ck.words.decode([x for x in answers[j] if x != ck.eos], skip_special_tokens=False) for j in (best, worst)]
            pairs.append({"prompt": row["prompt"], "chosen": text[0], "rejected": text[1]})

    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as out_dir:
        trainer, _ = dpo_trainer(a, ck, pairs, 1, out_dir)
        trainer.train()
        train_seconds = time.perf_counter() - t
        ck.model.save_pretrained(os.path.join(out_dir, "model"))
        ck.tokenizer.save_pretrained(os.path.join(out_dir, "model"))
    train_tokens = sum(pair_tokens(ck, pairs))
    judged = sum(len(c) for c in candidates) + generated
    return {"seconds": time.perf_counter() - start, "gen_tokens_per_s": generated / gen_seconds,
            "judge_tokens_per_s": judged / judge_seconds, "train_tokens_per_s": train_tokens / train_seconds,
            "pairs": len(pairs), "response_length_mean": generated / len(answers)}


TASKS = {"generate": generate, "score": score, "dpo": dpo, "round": round_}

if __name__ == "__main__":
    main()
