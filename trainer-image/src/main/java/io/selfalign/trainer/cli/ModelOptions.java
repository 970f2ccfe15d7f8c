package io.selfalign.trainer.cli;

import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.runtime.ComputeDevice;
import io.selfalign.trainer.runtime.LanguageModel;
import io.selfalign.trainer.tokenize.ChatTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** --model and --device, shared by the commands that load a checkpoint; and prompt rows → token ids. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face checkpoint directory (config.json, *.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu",
            description = "cpu computes in fp32, gpu in fp16 (default: ${DEFAULT-VALUE}).")
    String device;

    LanguageModel load() throws IOException {
        if (!Files.isDirectory(model)) {
            throw new InputException(model + ": not a directory");
        }
        return LanguageModel.load(model, ComputeDevice.parse(device));
    }

    /** A row's prompt: "prompt" (plain text) or "messages" (chat template with the generation prompt). */
    static long[] promptIds(JsonlFile.Row row, LanguageModel lm) {
        long[] ids;
        if (row.json().has("messages")) {
            var messages = row.json().get("messages");
            if (!messages.isArray() || messages.isEmpty()) {
                throw row.error("'messages' must be a non-empty array of {\"role\", \"content\"}");
            }
            List<ChatTemplate.Message> turns = new ArrayList<>();
            for (var m : messages) {
                if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                    throw row.error("each message needs string 'role' and 'content'");
                }
                turns.add(new ChatTemplate.Message(m.get("role").asText(), m.get("content").asText()));
            }
            try {
                ids = lm.encodePrompt(turns);
            } catch (IllegalArgumentException e) {
                throw row.error(e.getMessage());
            }
        } else if (row.json().has("prompt")) {
            ids = lm.encodePrompt(row.text("prompt"));
        } else {
            throw row.error("needs \"prompt\" (string) or \"messages\" (array)");
        }
        if (ids.length == 0) {
            throw row.error("the prompt is empty");
        }
        return ids;
    }
}
