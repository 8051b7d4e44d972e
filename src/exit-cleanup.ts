// What must be undone even when the process exits at once (a second
// Ctrl-C, SIGTERM during a clean-up): temp files to remove, child
// processes to kill. Code that creates such things registers a
// synchronous undo here; the bin runs them right before it exits. Nothing
// here touches the process itself.

const pending = new Set<() => void>();

/** Registers `undo`; call the returned function once it is not needed. */
export function onForcedExit(undo: () => void): () => void {
  pending.add(undo);
  return () => {
    pending.delete(undo);
  };
}

/** Runs (once) every undo still registered. Never throws. */
export function runForcedExitCleanups(): void {
  const undos = [...pending];
  pending.clear();
  for (const undo of undos) {
    try {
      undo();
    } catch {
      // Best effort: the process is about to exit.
    }
  }
}
