package io.selfalign.trainer.round;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.api.round.Loss;
import io.selfalign.api.round.RoundContract;
import io.selfalign.api.round.RoundJson;
import io.selfalign.api.round.RoundResult;
import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.files.FileManifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged checkpoints of finished rounds: a finished round whose files no longer match its
 * manifest is computed again rather than reported, and a round refuses to train on an earlier round's
 * damaged model, naming the file.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CorruptCheckpointTest {
    private static final String WEIGHTS = RoundContract.MODEL_DIR + "/model.safetensors";
    @TempDir
    static Path root;

    @BeforeAll
    static void twoFinishedRounds() throws IOException {
        RoundFixture.populate(root);
        new RoundRunner().run(RoundFixture.spec(0, Loss.DPO, 0), root);
        new RoundRunner().run(RoundFixture.spec(1, Loss.DPO, 0), root);
    }

    private static Path local(String specPath) {
        return root.resolve(Path.of(RoundFixture.WS).relativize(Path.of(specPath)).toString());
    }

    private static RoundResult stored(int k) throws IOException {
        return RoundJson.readResult(Files.readString(local(RoundFixture.iterDir(k)).resolve(RoundContract.RESULT_FILE)));
    }

    @Test
    @Order(1)
    void resultJsonListsEveryOutputFileWithSizeAndDigest() throws IOException {
        Path out = local(RoundFixture.iterDir(1));
        List<String> files = stored(1).manifest().stream().map(RoundResult.FileDigest::path).toList();
        assertTrue(files.containsAll(List.of(WEIGHTS, "model/config.json", RoundContract.PAIRS_FILE, RoundContract.METRICS_FILE)), files.toString());
        assertTrue(!files.contains(RoundContract.RESULT_FILE), "result.json cannot list itself");
        RoundResult.FileDigest weights = stored(1).manifest().stream().filter(d -> d.path().equals(WEIGHTS)).findFirst().orElseThrow();
        assertEquals(Files.size(out.resolve(WEIGHTS)), weights.size());
        assertEquals(FileManifest.sha256(out.resolve(WEIGHTS)), weights.sha256());
    }

    @Test
    @Order(2)
    void aTruncatedModelOfAFinishedRoundIsComputedAgainInsteadOfReported() throws IOException {
        Path weights = local(RoundFixture.iterDir(1)).resolve(WEIGHTS);
        long size = Files.size(weights);
        try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            ch.truncate(1000);
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        RoundRunner.Options options = new RoundRunner.Options(null, new PrintStream(log, true, StandardCharsets.UTF_8), 0, null);
        new RoundRunner().run(RoundFixture.spec(1, Loss.DPO, 0), root, options);

        assertTrue(log.toString(StandardCharsets.UTF_8).contains(RoundFixture.iterDir(1) + "/" + WEIGHTS + ": 1000 bytes, the manifest says " + size
                + "; computing iteration 1 again"), log.toString(StandardCharsets.UTF_8));
        assertEquals(size, Files.size(weights), "the recomputed round wrote a whole checkpoint");
        assertEquals(Optional.empty(), FileManifest.firstMismatch(local(RoundFixture.iterDir(1)), stored(1).manifest()));
    }

    @Test
    @Order(3)
    void flippedBytesInAnEarlierRoundsWeightsStopTheNextRoundNamingTheFile() throws IOException {
        Path weights = local(RoundFixture.iterDir(0)).resolve(WEIGHTS);
        try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = ch.size() - 600; // inside the tensor data, past the safetensors header: the file still loads
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(400);
            ch.read(b, at);
            for (int i = 0; i < 400; i++) b.put(i, (byte) ~b.get(i));
            ch.write(b.flip(), at);
        }
        RoundSpec round1 = RoundFixture.withOutputDir(RoundFixture.spec(1, Loss.DPO, 0), RoundFixture.WS + "/runs/team/demo/iter-1-again");
        InputException e = assertThrows(InputException.class, () -> new RoundRunner().run(round1, root));
        assertTrue(e.getMessage().startsWith("paths.policyModel: " + RoundFixture.iterDir(0) + "/" + WEIGHTS + ": SHA-256 "), e.getMessage());
        assertTrue(e.getMessage().contains("refuses to train on it"), e.getMessage());
        assertTrue(Files.notExists(local(RoundFixture.WS + "/runs/team/demo/iter-1-again")), "nothing trained, nothing written");
    }
}
