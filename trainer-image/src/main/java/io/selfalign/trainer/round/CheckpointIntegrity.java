package io.selfalign.trainer.round;

import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundResult.FileDigest;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.files.FileManifest;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Checks a round's outputs against the manifest in its result.json: before a finished round is reported
 * again, and before a round trains on (or judges with) the model an earlier round wrote.
 */
final class CheckpointIntegrity {
    private CheckpointIntegrity() {}

    /**
     * Why a finished round's outputs cannot be reported again ({@code model/model.safetensors: 1000 bytes,
     * the manifest says 7340032}), or empty when every file matches its manifest.
     */
    static Optional<String> problemWithFinished(Path outputDir, RoundResult finished) throws IOException {
        if (finished.manifest() == null) return Optional.of("result.json has no file manifest (written by an older trainer)");
        return FileManifest.firstMismatch(outputDir, finished.manifest());
    }

    /**
     * Refuses a model directory that an earlier round wrote and that no longer matches that round's
     * manifest: training on damaged weights would carry the damage into every later round. A model
     * outside a round's output (the base model) has no manifest and is not checked; neither is one whose
     * result.json predates manifests (said on {@code log}).
     *
     * @param specModel the model's path as the spec names it, for the message
     * @throws InputException naming the field and the file that differs
     */
    static void requireIntactModel(Path modelDir, String specModel, String field, PrintStream log) {
        Path roundDir = modelDir.getParent();
        String name = String.valueOf(modelDir.getFileName());
        // A round's model and its guidance model are checked alike, each against its own files in the manifest.
        if (roundDir == null || !(RoundContract.MODEL_DIR.equals(name) || RoundContract.GUIDANCE_DIR.equals(name))) return;
        Optional<RoundResult> written = RoundOutput.at(roundDir).finishedResult();
        if (written.isEmpty()) return;
        if (written.get().manifest() == null) {
            log.println("round: warning: " + field + ": " + specModel + " is not checked (its round's result.json has no file manifest)");
            return;
        }
        String prefix = name + "/";
        List<FileDigest> modelFiles = written.get().manifest().stream().filter(d -> d.path().startsWith(prefix)).toList();
        Optional<String> problem;
        try {
            problem = FileManifest.firstMismatch(roundDir, modelFiles);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        problem.ifPresent(p -> {
            String specRoundDir = Path.of(specModel).getParent().toString();
            throw new InputException(field + ": " + specRoundDir + "/" + p + " (recorded in " + specRoundDir + "/" + RoundContract.RESULT_FILE
                    + "): the checkpoint is damaged and this round refuses to train on it; restore the file or start the run again");
        });
    }
}
