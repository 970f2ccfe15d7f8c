package io.selfalign.trainer.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.selfalign.trainer.files.AtomicWrite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes {@link LoraAdapters} as PEFT's {@code save_pretrained} does, so {@code PeftModel.from_pretrained(base, dir)}
 * loads them: {@code adapter_config.json} (a {@code LoraConfig}) and {@code adapter_model.safetensors} with PEFT's
 * tensor names ({@code base_model.model.<module>.lora_A.weight} r × in, {@code ….lora_B.weight} out × r), float32.
 */
public final class PeftAdapterFiles {
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapterFiles() {
    }

    /**
     * @param baseModel the model the adapters apply to ({@code base_model_name_or_path}): the round's starting model
     */
    public static void save(LoraAdapters adapters, Path dir, String baseModel) throws IOException {
        Files.createDirectories(dir);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        adapters.parameters().forEach((name, a) -> entries.add(new SafetensorsWriter.Entry(name, a, "F32")));
        AtomicWrite.write(dir.resolve(WEIGHTS_FILE), tmp -> SafetensorsWriter.write(tmp, entries));
        AtomicWrite.write(dir.resolve(CONFIG_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config(adapters, baseModel)));
    }

    /** PEFT's LoraConfig fields for these adapters (defaults for everything this trainer does not use). */
    static ObjectNode config(LoraAdapters adapters, String baseModel) {
        ObjectNode c = JSON.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("base_model_name_or_path", baseModel);
        c.put("r", adapters.rank());
        c.put("lora_alpha", adapters.alpha());
        c.put("lora_dropout", adapters.dropout());
        var modules = c.putArray("target_modules");
        adapters.targetModules().forEach(modules::add);
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.put("init_lora_weights", true);
        c.put("use_rslora", false);
        c.put("use_dora", false);
        c.putNull("modules_to_save");
        c.putNull("layers_to_transform");
        c.putNull("layers_pattern");
        c.putObject("rank_pattern");
        c.putObject("alpha_pattern");
        c.putNull("revision");
        return c;
    }
}
