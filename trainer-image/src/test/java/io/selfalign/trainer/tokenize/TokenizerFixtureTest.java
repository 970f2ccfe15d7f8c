package io.selfalign.trainer.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.selfalign.trainer.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenizerFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void tokenizesAndRendersLikeTransformers(String fixture) throws Exception {
        JsonNode expected = Fixtures.expected(fixture);
        try (TextTokenizer tok = TextTokenizer.load(Fixtures.dir(fixture))) {
            for (int i = 0; i < expected.get("prompts").size(); i++) {
                assertArrayEquals(Fixtures.longs(expected.get("tokenized_prompts").get(i)),
                        tok.encode(expected.get("prompts").get(i).asText(), true));
            }
            assertEquals(2, tok.tokenId("<|eos|>"));
            long[] ids = tok.encode("the cat sat on the mat", false);
            assertEquals("the cat sat on the mat", tok.decode(ids, true));
        }
        ChatTemplate template = ChatTemplate.load(Fixtures.dir(fixture)).orElseThrow();
        JsonNode example = expected.get("chat_template_example");
        List<ChatTemplate.Message> messages = List.of(new ChatTemplate.Message(
                example.get("messages").get(0).get("role").asText(), example.get("messages").get(0).get("content").asText()));
        assertEquals(example.get("rendered").asText(), template.render(messages, true));
        assertEquals("<|user|>hi<|assistant|>yo<|eos|>",
                template.render(List.of(new ChatTemplate.Message("user", "hi"), new ChatTemplate.Message("assistant", "yo")), false));
    }

    @org.junit.jupiter.api.Test
    void templateErrorsNameTheSource() {
        ChatTemplate strict = new ChatTemplate("{% if messages[0]['role'] != 'user' %}{{ raise_exception('first turn must be user') }}{% endif %}ok",
                "inline", Map.of());
        assertEquals("ok", strict.render(List.of(new ChatTemplate.Message("user", "x")), true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> strict.render(List.of(new ChatTemplate.Message("system", "x")), true));
        assertTrue(e.getMessage().contains("inline") && e.getMessage().contains("first turn must be user"), e.getMessage());
    }
}
