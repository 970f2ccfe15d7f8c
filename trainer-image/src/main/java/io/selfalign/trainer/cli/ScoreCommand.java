package io.selfalign.trainer.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.runtime.LanguageModel;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Scores responses: the summed and mean log-probability of each response given its prompt.",
                "Input rows: {\"prompt\", \"response\"} or {\"prompt\", \"chosen\", \"rejected\"}; \"messages\" may "
                        + "replace \"prompt\" (chat template applied).",
                "The response is tokenized on its own and, unless --no-eos, the EOS token is appended and counted.",
                "Output rows: {\"index\", \"logp\", \"mean_logp\", \"tokens\"} or the same with chosen_/rejected_ prefixes."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:done", "78:bad input (file, line or flag named on stderr)"})
final class ScoreCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--pairs", required = true, paramLabel = "FILE.jsonl", description = "Rows to score, one JSON object a line.")
    Path pairs;

    @Option(names = "--out", required = true, paramLabel = "FILE.jsonl", description = "Output rows (written whole, then renamed).")
    Path out;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "B", description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--no-eos", description = "Do not append and count the EOS token.")
    boolean noEos;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1) {
            throw new InputException("--batch-size must be >= 1, got " + batchSize);
        }
        List<JsonlFile.Row> rows = JsonlFile.read(pairs);
        try (LanguageModel lm = modelOptions.load()) {
            List<ScoringBatch.Pair> items = new ArrayList<>();
            List<String[]> fieldsPerRow = new ArrayList<>();
            for (JsonlFile.Row row : rows) {
                long[] prompt = ModelOptions.promptIds(row, lm);
                String[] fields = row.json().has("response") ? new String[] {"response"}
                        : row.json().has("chosen") && row.json().has("rejected") ? new String[] {"chosen", "rejected"}
                        : null;
                if (fields == null) {
                    throw row.error("needs \"response\", or \"chosen\" and \"rejected\"");
                }
                for (String f : fields) {
                    items.add(new ScoringBatch.Pair(prompt, responseIds(lm, row.text(f))));
                }
                fieldsPerRow.add(fields);
            }
            List<SequenceScorer.Score> scores = new ArrayList<>();
            try (ProgressBar bar = Progress.bar("score", items.size(), "seq")) {
                for (int start = 0; start < items.size(); start += batchSize) {
                    List<ScoringBatch.Pair> chunk = items.subList(start, Math.min(items.size(), start + batchSize));
                    scores.addAll(SequenceScorer.score(lm.model(), chunk, lm.padId(), batchSize));
                    bar.stepTo(scores.size());
                }
            }
            List<ObjectNode> result = new ArrayList<>();
            int k = 0;
            for (int i = 0; i < rows.size(); i++) {
                ObjectNode o = JsonlFile.JSON.createObjectNode();
                o.put("index", i);
                String[] fields = fieldsPerRow.get(i);
                for (String f : fields) {
                    String prefix = fields.length == 1 ? "" : f + "_";
                    SequenceScorer.Score s = scores.get(k++);
                    o.put(prefix + "logp", s.sum());
                    o.put(prefix + "mean_logp", s.mean());
                    o.put(prefix + "tokens", s.tokens());
                }
                result.add(o);
            }
            JsonlFile.write(out, result);
        }
        return 0;
    }

    private long[] responseIds(LanguageModel lm, String response) {
        long[] ids = lm.tokenizer().encode(response, false);
        if (noEos) {
            return ids;
        }
        if (lm.eosIds().isEmpty()) {
            throw new InputException(modelOptions.model + ": no EOS token id known (generation_config.json, config.json"
                    + " or tokenizer_config.json); use --no-eos");
        }
        long[] withEos = java.util.Arrays.copyOf(ids, ids.length + 1);
        withEos[ids.length] = lm.eosIds().get(0);
        return withEos;
    }
}
