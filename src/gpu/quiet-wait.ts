// Waiting for the GPU without spinning a core.
//
// Dawn's node binding settles a pending GPU promise (onSubmittedWorkDone, mapAsync) by calling
// setImmediate again on every turn of the event loop until it settles, so an awaiting process
// keeps one core busy. Where the adapter runs on the CPU (lavapipe, llvmpipe) that core is one the
// driver's threads need: on the 2-core machine, 20 conv2d kernels took 870 ms awaited the usual
// way and 490 ms awaited here. The binding looks setImmediate up on every call, so while a wait is
// in progress it polls as usual for SPIN_MS (short waits, such as a small readback, stay quick)
// and then every POLL_MS: a settled promise is noticed up to 1 ms late.

const SPIN_MS = 0.5;
const POLL_MS = 1;
const immediate = globalThis.setImmediate;
let waiting = 0;
let waitStart = 0;
const polite = ((callback: (...args: unknown[]) => void, ...args: unknown[]) =>
  performance.now() - waitStart < SPIN_MS ? immediate(callback, ...args) : setTimeout(callback, POLL_MS, ...args)) as unknown as typeof setImmediate;

/** Runs `wait` (which awaits GPU work) with setImmediate slowed to a 1 ms poll until it settles. */
export async function waitWithoutSpinning<T>(wait: () => Promise<T>): Promise<T> {
  if (waiting++ === 0) {
    waitStart = performance.now();
    globalThis.setImmediate = polite;
  }
  try {
    return await wait();
  } finally {
    if (--waiting === 0) globalThis.setImmediate = immediate;
  }
}

/** Software adapters share the CPU with this process: Mesa's lavapipe/llvmpipe, SwiftShader. */
export function runsOnCpu(summary: { name: string; description: string; isFallback: boolean }): boolean {
  return summary.isFallback || /llvmpipe|lavapipe|swiftshader|softpipe/i.test(`${summary.name} ${summary.description}`);
}
