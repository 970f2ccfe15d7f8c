package io.selfalign.trainer.cli;

import io.selfalign.trainer.files.OutputLocation;
import io.selfalign.trainer.keysort.KeySortPreparer;
import io.selfalign.trainer.keysort.KeySortSizes;
import io.selfalign.trainer.keysort.KeySortTask;
import io.selfalign.trainer.keysort.SftTrainer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code keysort}: the synthetic task with a known gold preference (docs/algorithm.md §8). */
@Command(name = "keysort", mixinStandardHelpOptions = true,
        description = {"The synthetic KeySort task (docs/algorithm.md section 8): sort the prompt's keys, with a known gold reward. "
                + "Prompts are '<s> k.. k.. <sep>' (2-5 distinct keys of k04..k35); the ideal response is the keys ascending."},
        subcommands = {KeySortCommand.Prepare.class})
public final class KeySortCommand {

    @Command(name = "prepare", mixinStandardHelpOptions = true,
            description = {"Write a KeySort workspace: data/keysort/{seed,prompts,test}.jsonl (plus all-gold.jsonl and "
                    + "sft.jsonl) and the SFT base model in models/keysort-sft/ (Hugging Face layout), trained from a fresh "
                    + "random init on the teacher's imperfect demonstrations. Progress goes to stderr.",
                    "",
                    "Full: 20,000 demonstrations, 200 gold seed pairs, iteration slices of 800 / 2,000 / 3,000 prompts "
                    + "(rows 0, 800, 2,800 of prompts.jsonl), 500 test prompts; SFT = AdamW lr 1e-3, batch 64, 3 epochs, "
                    + "cosine with 5%% warm-up (5-10 minutes on 2 cores).",
                    "--quick: 4,000 demonstrations, 64 seed pairs, slices of 128, 200 test prompts (about a minute)."})
    static final class Prepare implements Callable<Integer> {
        @Option(names = "--workspace", required = true, description = "Workspace directory (created if missing).")
        Path workspace;

        @Option(names = "--quick", description = "Small sizes for a smoke run.")
        boolean quick;

        @Option(names = "--task", defaultValue = "keysort", paramLabel = "TASK",
                description = "keysort, or keyecho: the same task with a teacher that usually repeats its last key, a habit the gold "
                        + "reward penalises (data/keyecho/, models/keyecho-sft/) (default: ${DEFAULT-VALUE}).")
        String task;

        @Option(names = "--seed", defaultValue = "0", description = "Seed of the data and the model init (default: ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() throws Exception {
            OutputLocation.requireDirectory("--workspace", workspace);
            KeySortSizes sizes = quick ? KeySortSizes.QUICK : KeySortSizes.FULL;
            KeySortPreparer.prepare(workspace.toAbsolutePath(), KeySortTask.byLabel(task, "--task"), sizes, seed, SftTrainer.Options.of(seed), System.err);
            return 0;
        }
    }
}
