package io.selfalign.trainer.data;

/** One unlabeled prompt; {@code row} is its 0-based row index in the prompts file, {@code line} its 1-based line. */
public record PromptRow(PromptInput prompt, long row, long line) {}
