package io.selfalign.trainer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.files.OutputLocation;
import io.selfalign.trainer.data.Jsonl;
import io.selfalign.trainer.data.PromptInput;
import io.selfalign.trainer.guidance.GuidanceModel;
import io.selfalign.api.round.GuidanceAggregation;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.selfalign.trainer.runtime.LanguageModel;
import io.selfalign.trainer.score.ScoringBatch;
import io.selfalign.trainer.score.SequenceScorer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
                "A row whose prompt and response together exceed the model's context (max_position_embeddings) is refused",
                "(exit 78, its line named): neither is cut, since that would score a different sequence.",
                "Output rows: {\"index\", \"logp\", \"mean_logp\", \"tokens\"} or the same with chosen_/rejected_ prefixes, in input order;",
                "responses are batched by length, longest first (less padding; a --batch-size too large for memory fails at once).",
                "A guidance model (a round's guidance/, a LlamaForTokenClassification checkpoint) gives instead each response's",
                "\"token_scores\" (one per response token, EOS included), their \"guidance_mean\" and the \"input_ids\" scored",
                "(prompt then response): what tools/interop/guidance_scores.py compares with transformers."},
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
        OutputLocation.requireFile("--out", out);
        if (batchSize < 1) {
            throw new InputException("--batch-size must be >= 1, got " + batchSize);
        }
        List<ScoreRow> rows = Jsonl.readAll(pairs, ScoreCommand::parse);
        if (rows.isEmpty()) {
            throw new InputException(pairs + ": no rows");
        }
        try (LanguageModel lm = modelOptions.load()) {
            if (!noEos && lm.eosIds().isEmpty()) {
                throw new InputException(modelOptions.model + ": the model defines no EOS token id; use --no-eos");
            }
            int context = lm.model().config().maxPositions();
            List<ScoringBatch.Pair> items = new ArrayList<>();
            for (ScoreRow row : rows) {
                long[] prompt = InputException.at(pairs, row.line(), () -> lm.encodePrompt(row.prompt()));
                for (Map.Entry<String, String> response : row.responses().entrySet()) {
                    long[] tokens = InputException.at(pairs, row.line(), () -> noEos
                            ? lm.tokenizer().encode(response.getValue(), false) : lm.encodeResponse(response.getValue()));
                    // A score is log p(response | whole prompt): cutting either would score another sequence, so refuse
                    // here, before the forward pass allocates batch x length x vocabulary logits.
                    if ((long) prompt.length + tokens.length > context) {
                        throw InputException.at(pairs, row.line(), "prompt + " + response.getKey() + " are " + prompt.length + " + "
                                + tokens.length + " tokens, more than the model's context of " + context
                                + " (max_position_embeddings); shorten the row");
                    }
                    items.add(new ScoringBatch.Pair(prompt, tokens));
                }
            }
            if (lm.model().config().tokenClassifier()) {
                Jsonl.write(out, guidanceRows(lm, rows, items));
                return 0;
            }
            List<SequenceScorer.Score> scores;
            try (ProgressBar bar = Progress.bar("score", items.size(), "seq")) {
                scores = SequenceScorer.score(lm.model(), items, lm.padId(), batchSize, bar::stepTo);
            }
            List<ObjectNode> result = perResponse(rows, (o, prefix, k) -> {
                SequenceScorer.Score sc = scores.get(k);
                o.put(prefix + "logp", sc.sum());
                o.put(prefix + "mean_logp", sc.mean());
                o.put(prefix + "tokens", sc.tokens());
            });
            Jsonl.write(out, result);
        }
        return 0;
    }

    /** Per row and response: the guidance model's token scores, their mean and the ids scored, without gradients. */
    private List<ObjectNode> guidanceRows(LanguageModel lm, List<ScoreRow> rows, List<ScoringBatch.Pair> items) {
        GuidanceModel guidance = GuidanceModel.of(lm.model(), GuidanceAggregation.MEAN, lm.padId());
        return perResponse(rows, (o, prefix, k) -> {
            ScoringBatch.Pair item = items.get(k);
            float[] scores = guidance.tokenScores(item.prompt(), item.response());
            ArrayNode ids = o.putArray(prefix + "input_ids");
            for (long id : item.prompt()) ids.add(id);
            for (long id : item.response()) ids.add(id);
            ArrayNode tokenScores = o.putArray(prefix + "token_scores");
            double sum = 0;
            for (float sc : scores) {
                tokenScores.add(sc);
                sum += sc;
            }
            o.put(prefix + "guidance_mean", sum / scores.length);
        });
    }

    /** Writes one response's fields into its row's object, under the prefix of its field ("" for a lone response). */
    private interface ResponseFields {
        void write(ObjectNode row, String prefix, int item);
    }

    /** One object per row ({@code index}, then each response's fields); items are numbered across rows, in order. */
    private static List<ObjectNode> perResponse(List<ScoreRow> rows, ResponseFields fields) {
        List<ObjectNode> result = new ArrayList<>();
        int k = 0;
        for (int i = 0; i < rows.size(); i++) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("index", i);
            Set<String> names = rows.get(i).responses().keySet();
            for (String f : names) fields.write(o, names.size() == 1 ? "" : f + "_", k++);
            result.add(o);
        }
        return result;
    }

    /** A row to score: its prompt and one response, or a chosen and a rejected one (field → text, in that order). */
    private record ScoreRow(PromptInput prompt, Map<String, String> responses, long line) {}

    private static ScoreRow parse(JsonNode row, long index, long line) {
        List<String> fields = row.has("response") ? List.of("response")
                : row.has("chosen") && row.has("rejected") ? List.of("chosen", "rejected") : null;
        if (fields == null) {
            throw new IllegalArgumentException("needs \"response\", or \"chosen\" and \"rejected\"");
        }
        Map<String, String> responses = new LinkedHashMap<>();
        for (String f : fields) {
            if (!row.get(f).isTextual()) {
                throw new IllegalArgumentException("field '" + f + "' must be a string");
            }
            responses.put(f, row.get(f).asText());
        }
        return new ScoreRow(Jsonl.requirePrompt(row), responses, line);
    }
}
