package io.selfalign.trainer.round;

import io.selfalign.trainer.data.PromptInput;
import io.selfalign.trainer.train.TokenizedPair;

/**
 * One training pair of the round with where it came from: a gold seed pair (iteration 0) or a judged
 * pair of sampled responses (iteration ≥ 1, with both rewards).
 *
 * @param source         {@code seed} or {@code self}
 * @param origin         line of the seed file, or row of the prompts file
 * @param chosenReward   the judge's reward of y_w (null for seed pairs)
 * @param rejectedReward the judge's reward of y_l (null for seed pairs)
 */
public record LabeledPair(String source, long origin, PromptInput prompt, String chosen, String rejected,
                          TokenizedPair tokens, Double chosenReward, Double rejectedReward) {}
