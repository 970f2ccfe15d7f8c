package io.selfalign.trainer.round;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.selfalign.trainer.files.WorkspacePath;
import io.selfalign.trainer.train.PreferenceTrainer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one line per optimizer step — {@code step, epoch, lr, loss, rewards_chosen,
 * rewards_rejected, margin, accuracy, flagged_fraction, tau, grad_norm, loss_scale, skipped, tokens,
 * tokens_per_s, elapsed_s} — flushed as it goes.
 */
public final class StepLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter writer;

    public StepLog(Path file) throws IOException {
        this.writer = Files.newBufferedWriter(WorkspacePath.check(file), StandardCharsets.UTF_8);
    }

    public void write(PreferenceTrainer.StepMetrics m) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", m.step());
        row.put("epoch", m.epoch());
        row.put("lr", m.learningRate());
        row.put("loss", m.loss());
        row.put("rewards_chosen", m.rewardsChosen());
        row.put("rewards_rejected", m.rewardsRejected());
        row.put("margin", m.margin());
        row.put("accuracy", m.accuracy());
        row.put("flagged_fraction", m.flaggedFraction());
        row.put("tau", m.tau());
        row.put("grad_norm", m.gradNorm());
        row.put("loss_scale", m.lossScale());
        row.put("skipped", m.skipped());
        row.put("tokens", m.tokens());
        row.put("tokens_per_s", m.tokensPerSecond());
        row.put("elapsed_s", m.elapsedSeconds());
        try {
            writer.write(JSON.writeValueAsString(row));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
