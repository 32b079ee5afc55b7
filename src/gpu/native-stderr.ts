// Dawn's native logger writes straight to file descriptor 2, out of JavaScript's reach: on
// lavapipe every adapter request prints two "artificially reduced … dynamic offset" warnings
// about limits nothing here uses. While `body` runs, fd 2 points at a temp file; afterwards the
// original stderr is put back on fd 2 and every captured line except the known-harmless ones is
// written to it, so a real native error still shows. Linux only (it reopens /proc/self/fd);
// elsewhere, or when stderr cannot be reopened (a socket, as Node's child_process gives its
// children), `body` runs unfiltered.
import { closeSync, lstatSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Native messages about Vulkan limits Dawn lowers and this engine never raises. */
const HARMLESS = /^Warning: maxDynamic\w+PerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/;

const STDERR = 2;

/** lstat, not exists: /proc/self/fd/N of a pipe links to "pipe:[…]", which is no path. */
function isOpen(fd: number): boolean {
  try {
    lstatSync(`/proc/self/fd/${fd}`);
    return true;
  } catch {
    return false;
  }
}

export async function withNativeStderrFiltered<T>(body: () => Promise<T>): Promise<T> {
  // With fd 0 or 1 closed the capture file would not land on fd 2.
  if (process.platform !== 'linux' || ![0, 1, 2].every(isOpen)) return body();
  let saved: number;
  try {
    saved = openSync('/proc/self/fd/2', 'a');
  } catch {
    return body();
  }
  const capture = join(tmpdir(), `aegl-gpu-stderr-${process.pid}-${Date.now()}.log`);
  closeSync(STDERR);
  // The lowest free descriptor is the one just closed: the capture file becomes fd 2.
  const fd = openSync(capture, 'w');
  if (fd !== STDERR) {
    // Another thread took descriptor 2 first: put stderr back and run unfiltered.
    closeSync(fd);
    rmSync(capture, { force: true });
    openSync(`/proc/self/fd/${saved}`, 'a');
    closeSync(saved);
    return body();
  }
  try {
    return await body();
  } finally {
    closeSync(STDERR);
    openSync(`/proc/self/fd/${saved}`, 'a');
    closeSync(saved);
    const kept = readFileSync(capture, 'utf8').split('\n').filter((line) => line && !HARMLESS.test(line));
    rmSync(capture, { force: true });
    if (kept.length) process.stderr.write(`${kept.join('\n')}\n`);
  }
}
