/**
 * The local stand-in for a Lambda schedule (the digest, the revocation sweep): runs the same
 * job the scheduled Lambda runs, every `intervalSeconds`, never two at once.
 */
export function startJobTimer(options: {
  intervalSeconds: number;
  job: () => Promise<unknown>;
  onError: (error: unknown) => void;
}): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return;
    running = options
      .job()
      .catch(options.onError)
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.intervalSeconds * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
