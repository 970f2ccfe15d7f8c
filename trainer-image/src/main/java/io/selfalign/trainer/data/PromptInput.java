package io.selfalign.trainer.data;

import io.selfalign.trainer.tokenize.ChatTemplate;

import java.util.List;

/**
 * A prompt as given in the data: plain text, or a conversation that the model's chat template turns
 * into text (with the generation prompt). Exactly one of the two is set.
 */
public record PromptInput(String text, List<ChatTemplate.Message> messages) {
    public static PromptInput text(String text) {
        return new PromptInput(text, null);
    }

    public static PromptInput chat(List<ChatTemplate.Message> messages) {
        return new PromptInput(null, List.copyOf(messages));
    }

    public boolean isChat() {
        return messages != null;
    }
}
