package io.selfalign.trainer.judge;

import io.selfalign.trainer.data.PromptInput;
import java.util.List;

/**
 * One prompt and its K candidate responses to be judged.
 *
 * @param prompt       the prompt as given in the data
 * @param promptTokens its token ids as the policy saw them (chat template applied)
 * @param candidates   the K sampled responses
 */
public record JudgeRequest(PromptInput prompt, long[] promptTokens, List<Candidate> candidates) {}
