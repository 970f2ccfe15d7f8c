package io.selfalign.trainer.round;

import io.selfalign.api.round.RoundSpec;
import io.selfalign.trainer.data.InputException;
import io.selfalign.trainer.files.WorkspacePath;
import java.nio.file.Path;

/**
 * Where the spec's paths live on this machine. In a pod they are used as written. With a workspace root
 * (local mode runs the same {@code round.json} outside a pod) every path under
 * {@code spec.paths().workspace()} is resolved under that root instead. Everything the round reports
 * (checkpoint path, result) keeps the spec's own paths. A path whose real location (symbolic links
 * followed) is outside the workspace is refused.
 */
public final class RoundPaths {
    private final Path specWorkspace;
    private final Path localWorkspace;

    /**
     * @param workspaceRoot the local folder standing for the spec's workspace, or null to use paths as written
     */
    public RoundPaths(RoundSpec spec, Path workspaceRoot) {
        this(spec.paths().workspace(), workspaceRoot);
    }

    /** @param specWorkspace the workspace as the specs name it ({@code paths.workspace}) */
    public RoundPaths(String specWorkspace, Path workspaceRoot) {
        this.specWorkspace = Path.of(specWorkspace).normalize();
        this.localWorkspace = workspaceRoot == null ? null : workspaceRoot.toAbsolutePath().normalize();
    }

    /**
     * The local path of a spec path (spec paths are validated to be absolute and under the workspace).
     *
     * @throws InputException the path leads out of the workspace through a symbolic link inside it: the
     *                        spec's check is on the written path, this one is on the real one
     */
    public Path local(String specPath) {
        Path p = Path.of(specPath).normalize();
        if (!p.startsWith(specWorkspace)) return p;
        Path local = localWorkspace == null ? p : localWorkspace.resolve(specWorkspace.relativize(p).toString());
        requireInsideWorkspace(specPath, local);
        return local;
    }

    private void requireInsideWorkspace(String specPath, Path local) {
        WorkspacePath.requireInside(specPath, workspace(), local);
    }

    /** The workspace on this machine: the root standing for it, or the spec's own path. */
    public Path workspace() {
        return localWorkspace == null ? specWorkspace : localWorkspace;
    }
}
