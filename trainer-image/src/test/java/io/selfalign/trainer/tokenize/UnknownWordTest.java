package io.selfalign.trainer.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.selfalign.trainer.keysort.KeySortFiles;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KeySort's WordLevel tokenizer has no unknown token on purpose: a word outside it is named, not a raw tokenizer error. */
class UnknownWordTest {
    @TempDir
    Path dir;

    @Test
    void aWordOutsideAVocabularyWithoutUnkIsNamed() throws Exception {
        KeySortFiles.writeTokenizer(dir);
        try (TextTokenizer tok = TextTokenizer.load(dir)) {
            assertArrayEquals(new long[] {1, 5, 2}, tok.encode("<s> k05 <sep>", false));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.encode("<s> k05 hello k06 <sep>", false));
            assertTrue(e.getMessage().startsWith("the word 'hello' cannot be tokenized"), e.getMessage());
        }
    }
}
