package io.selfalign.trainer.data;

/** One gold-labelled pair of the seed data; {@code line} is its 1-based line in the file. */
public record SeedPreference(PromptInput prompt, String chosen, String rejected, long line) {}
