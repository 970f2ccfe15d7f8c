package io.selfalign.trainer.keysort;

import io.selfalign.trainer.model.ModelConfig;

/**
 * The KeySort policy's shape (docs/algorithm.md §8): d_model 128, 4 layers, 4 heads, FFN 512, context 20,
 * tied embeddings. It is a Llama-family decoder like every checkpoint the trainer loads, so it uses rotary
 * positions instead of §8's learned ones (the runtime has no learned-position variant, and one model
 * family keeps the benchmark on the production code path); with SwiGLU's three FFN matrices it has
 * ≈1.06M parameters instead of ≈0.8M.
 */
public final class KeySortModel {
    private KeySortModel() {}

    public static ModelConfig config() {
        return ModelConfig.builder()
                .vocabSize(KeySortVocab.SIZE)
                .hiddenSize(128)
                .intermediateSize(512)
                .layers(4)
                .heads(4)
                .maxPositions(KeySortVocab.CONTEXT)
                .tieWordEmbeddings(true)
                .bosTokenId(KeySortVocab.BOS)
                .eosTokenId(KeySortVocab.EOS)
                .padTokenId(KeySortVocab.PAD)
                .build();
    }
}
