package io.selfalign.trainer.data;

/** One turn of a conversation, as in a chat template's {@code messages}. */
public record ChatMessage(String role, String content) {}
