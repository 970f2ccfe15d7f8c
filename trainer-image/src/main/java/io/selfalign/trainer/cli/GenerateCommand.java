package io.selfalign.trainer.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.files.OutputLocation;
import io.selfalign.trainer.data.Jsonl;
import io.selfalign.trainer.data.PreferenceData;
import io.selfalign.trainer.data.PromptRow;
import io.selfalign.trainer.generate.SamplingParams;
import io.selfalign.trainer.runtime.LanguageModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generates completions for prompts with a checkpoint.",
                "Input rows: {\"prompt\": \"...\"} or {\"messages\": [{\"role\": \"user\", \"content\": \"...\"}]} "
                        + "(chat template applied, ending with the assistant turn).",
                "Output rows: {\"index\", \"sample\", \"completion\", \"token_ids\", \"finish_reason\": \"eos\"|\"length\"}; "
                        + "token_ids end with the EOS token when the model stopped; completion is their text without it (other "
                        + "special tokens kept, so it encodes back to the ids). Pad, BOS and separator tokens are never sampled.",
                "Example: generate --model ckpt --prompts p.jsonl --out out.jsonl --temperature 0.7 --max-new-tokens 300"},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:done", "78:bad input (file, line or flag named on stderr)"})
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompts", required = true, paramLabel = "FILE.jsonl", description = "Prompt rows, one JSON object a line.")
    Path prompts;

    @Option(names = "--out", required = true, paramLabel = "FILE.jsonl", description = "Output rows (written whole, then renamed).")
    Path out;

    @Option(names = "--greedy", description = "Pick the most likely token (excludes --temperature/--top-p/--top-k).")
    boolean greedy;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature > 0 (default: 0.7).")
    Double temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling mass in (0, 1] (default: 1, off).")
    Double topP;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample among the K most likely tokens; 0 = all (default).")
    Integer topK;

    @Option(names = "--max-new-tokens", defaultValue = "256", paramLabel = "N", description = "At most N new tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "B", description = "Sequences decoded together (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--samples", defaultValue = "1", paramLabel = "K", description = "Completions per prompt (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Sampling seed; the same seed gives the same output (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (greedy && (temperature != null || topP != null || topK != null)) {
            throw new InputException("--greedy cannot be combined with --temperature, --top-p or --top-k");
        }
        OutputLocation.requireFile("--out", out);
        if (samples < 1) {
            throw new InputException("--samples must be >= 1, got " + samples);
        }
        if (temperature != null && temperature <= 0) {
            throw new InputException("--temperature must be > 0 (use --greedy), got " + temperature);
        }
        SamplingParams params = greedy ? SamplingParams.greedy(maxNewTokens, batchSize)
                : SamplingParams.sample(temperature == null ? 0.7 : temperature, topP == null ? 1.0 : topP,
                        topK == null ? 0 : topK, maxNewTokens, batchSize);
        List<PromptRow> rows = PreferenceData.readPrompts(prompts);
        try (LanguageModel lm = modelOptions.load()) {
            List<long[]> ids = new ArrayList<>();
            for (PromptRow row : rows) {
                long[] p = InputException.at(prompts, row.line(), () -> lm.encodePrompt(row.prompt()));
                for (int j = 0; j < samples; j++) {
                    ids.add(p);
                }
            }
            List<long[]> outputs;
            try (ProgressBar bar = Progress.bar("generate", ids.size(), "seq")) {
                outputs = lm.generator().generate(ids, params, seed, bar::stepTo);
            }
            List<ObjectNode> result = new ArrayList<>();
            for (int i = 0; i < outputs.size(); i++) {
                long[] tokens = outputs.get(i);
                boolean eos = tokens.length > 0 && lm.eosIds().contains(tokens[tokens.length - 1]);
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                o.put("index", i / samples);
                o.put("sample", i % samples);
                o.put("completion", lm.responseText(tokens));
                var arr = o.putArray("token_ids");
                for (long t : tokens) {
                    arr.add(t);
                }
                o.put("finish_reason", eos ? "eos" : "length");
                result.add(o);
            }
            Jsonl.write(out, result);
        }
        return 0;
    }
}
