// The engine: one device, its buffer pool and kernel caches, and the command recorder.
// Kernels are recorded into one open compute pass of one command encoder; nothing is submitted
// until the caller reads a result or calls flush(), so a training step is one submit.
import { BufferPool, sizeClass } from './buffer-pool.js';
import { describeDevice, type OpenedGpu } from './adapter.js';
import { KernelCache, kernelLabel, type Bindable, type KernelSpec } from './kernels.js';
import { runsOnCpu, waitWithoutSpinning } from './quiet-wait.js';

const UNIFORM_ARENA_BYTES = 64 * 1024;
/** Dawn's Node binding polls pending GPU promises with setImmediate (quiet-wait.ts); a page has no setImmediate to slow. */
const SPINS_ON_SET_IMMEDIATE = typeof globalThis.setImmediate === 'function';

export interface EngineStats {
  submits: number;
  dispatches: number;
  /** Dispatch count per kernel label, for tests that check which kernels a step runs. */
  dispatchesByKernel: Map<string, number>;
}

export class Engine {
  readonly pool: BufferPool;
  readonly kernels: KernelCache;
  readonly stats: EngineStats = { submits: 0, dispatches: 0, dispatchesByKernel: new Map() };
  /** Tests set this: every new tensor is filled with NaN bits first, so unwritten elements show. */
  poison = false;

  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private touched = new Set<GPUBuffer>();
  private uniformHost = new Uint8Array(UNIFORM_ARENA_BYTES);
  private uniformBuffer: GPUBuffer;
  private uniformUsed = 0;
  private readonly uniformAlign: number;
  private errors: string[] = [];
  private lostReason: string | null = null;
  private staging = new Map<number, GPUBuffer[]>();

  /** A software adapter (lavapipe, llvmpipe): it shares the CPU with this process. */
  private readonly onCpu: boolean;

  constructor(readonly gpu: OpenedGpu) {
    const device = gpu.device;
    this.onCpu = runsOnCpu(gpu.summary);
    this.pool = new BufferPool(device);
    this.kernels = new KernelCache(device);
    this.uniformAlign = device.limits.minUniformBufferOffsetAlignment;
    this.uniformBuffer = device.createBuffer({
      size: UNIFORM_ARENA_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label: 'uniform-arena',
    });
    device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
      this.errors.push(`${ev.error.constructor?.name ?? 'GPUError'}: ${ev.error.message}`);
    };
    void device.lost.then((info) => {
      if (info.reason !== 'destroyed') this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  get device(): GPUDevice {
    return this.gpu.device;
  }

  /** Throws the first asynchronous WebGPU error (validation, out of memory) or device loss. */
  checkErrors(): void {
    if (this.lostReason) throw new Error(`GPU device lost (${this.lostReason}); restart the process`);
    if (this.errors.length) {
      const first = this.errors[0];
      const more = this.errors.length > 1 ? ` (+${this.errors.length - 1} more)` : '';
      this.errors = [];
      throw new Error(`WebGPU error: ${first}${more}`);
    }
  }

  /** Timing hook (src/gpu/timer.ts): while set, every compute pass opened gets these timestamp writes. */
  passTimestamps: (() => GPUComputePassTimestampWrites) | null = null;

  /**
   * Profiling hook (bench/breakdown.ts): while set, every dispatch runs in a compute pass of its
   * own with the timestamp writes this returns for it (slower: for per-kernel shares, not totals).
   */
  dispatchProfiler: ((d: { label: string; bytes: number; workgroups: number }) => GPUComputePassTimestampWrites) | null = null;

  private openPass(): GPUComputePassEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (!this.pass) this.pass = this.encoder.beginComputePass(this.passTimestamps ? { timestampWrites: this.passTimestamps() } : undefined);
    return this.pass;
  }

  private closePass(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return this.encoder;
  }

  /** Reserves room in this submit's uniform arena; the arena is written once, at submit. */
  private uniform(data: ArrayBufferView): { buffer: GPUBuffer; offset: number; size: number } {
    const size = Math.ceil(data.byteLength / 16) * 16;
    if (this.uniformUsed + size > UNIFORM_ARENA_BYTES) this.flush();
    const offset = this.uniformUsed;
    this.uniformHost.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    this.uniformUsed = Math.ceil((offset + size) / this.uniformAlign) * this.uniformAlign;
    return { buffer: this.uniformBuffer, offset, size };
  }

  /**
   * Records one kernel. Bindings 0..n-1 are `bindings` in order (storage or uniform, as the shader
   * declares them); `uniforms`, when given, is a `var<uniform>` at binding n. Workgroup counts
   * past the per-dimension limit are the caller's to fold (see grid1d).
   */
  run(spec: KernelSpec, bindings: Bindable[], workgroups: readonly number[], uniforms?: ArrayBufferView): void {
    const label = kernelLabel(spec);
    const pipeline = this.kernels.pipeline(spec, label);
    const u = uniforms ? this.uniform(uniforms) : undefined;
    const group = this.kernels.bindGroup(label, pipeline, bindings, u);
    if (this.dispatchProfiler) {
      this.closePass();
      const bytes = bindings.reduce((sum, b) => sum + b.byteLength, 0);
      const timestampWrites = this.dispatchProfiler({ label, bytes, workgroups: workgroups.reduce((a, b) => a * b, 1) });
      // The profiler may have flushed (to resolve a full query set): closePass() gives an encoder either way.
      this.pass = this.closePass().beginComputePass({ timestampWrites });
    }
    const pass = this.openPass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
    if (this.dispatchProfiler) this.closePass();
    for (const b of bindings) this.touched.add(b.buffer);
    this.stats.dispatches++;
    this.stats.dispatchesByKernel.set(label, (this.stats.dispatchesByKernel.get(label) ?? 0) + 1);
  }

  /** Copies `bytes` (a multiple of 4) from src at srcOffset to dst at dstOffset (within each range), in recording order. */
  copy(src: Bindable, dst: Bindable, bytes = src.byteLength, srcOffset = 0, dstOffset = 0): void {
    const from = (src.byteOffset ?? 0) + srcOffset;
    const to = (dst.byteOffset ?? 0) + dstOffset;
    this.closePass().copyBufferToBuffer(src.buffer, from, dst.buffer, to, Math.ceil(bytes / 4) * 4);
    this.touched.add(src.buffer).add(dst.buffer);
  }

  /** Host → GPU. A buffer already used by recorded commands is flushed first (writes jump the queue). */
  upload(dst: Bindable, data: ArrayBufferView): void {
    if (this.touched.has(dst.buffer)) this.flush();
    const bytes = Math.ceil(data.byteLength / 4) * 4;
    if (bytes === data.byteLength) {
      this.device.queue.writeBuffer(dst.buffer, dst.byteOffset ?? 0, data.buffer, data.byteOffset, data.byteLength);
    } else {
      const padded = new Uint8Array(bytes);
      padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      this.device.queue.writeBuffer(dst.buffer, dst.byteOffset ?? 0, padded);
    }
  }

  /** Submits everything recorded so far (one command buffer). */
  flush(): void {
    if (this.encoder) {
      const encoder = this.closePass();
      if (this.uniformUsed) this.device.queue.writeBuffer(this.uniformBuffer, 0, this.uniformHost, 0, this.uniformUsed);
      this.device.queue.submit([encoder.finish()]);
      this.encoder = null;
      this.uniformUsed = 0;
      this.touched.clear();
      this.stats.submits++;
    }
    this.pool.destroyRetired();
  }

  /** GPU → host: submits pending work, then copies `bytes` of `src` back. The only await point. */
  async read(src: Bindable, bytes = src.byteLength): Promise<ArrayBuffer> {
    const size = sizeClass(bytes);
    const staging =
      this.staging.get(size)?.pop() ??
      this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'readback' });
    this.copy(src, { buffer: staging, byteLength: bytes });
    this.flush();
    try {
      await this.wait(() => staging.mapAsync(GPUMapMode.READ, 0, size));
    } catch (e) {
      this.checkErrors();
      throw e;
    }
    const out = staging.getMappedRange(0, size).slice(0, bytes);
    staging.unmap();
    const list = this.staging.get(size) ?? [];
    list.push(staging);
    this.staging.set(size, list);
    this.checkErrors();
    return out;
  }

  /** Waits for all submitted work (for timing). */
  async sync(): Promise<void> {
    this.flush();
    await this.wait(() => this.device.queue.onSubmittedWorkDone());
    this.checkErrors();
  }

  /**
   * Every await on this device's work goes through here: on a CPU adapter it waits without
   * spinning a core the driver needs (src/gpu/quiet-wait.ts); on a real GPU it awaits as usual.
   */
  wait<T>(work: () => Promise<T>): Promise<T> {
    return this.onCpu && SPINS_ON_SET_IMMEDIATE ? waitWithoutSpinning(work) : work();
  }

  destroy(): void {
    this.pool.trim();
    this.pool.destroyRetired();
    this.device.destroy();
  }
}

let current: Engine | null = null;

export interface EngineOptions {
  /** Node: which of Dawn's adapters (see openGpu in device.ts). */
  adapter?: string;
  /**
   * A device opened elsewhere (a page's, from navigator.gpu; adapter.ts's requestFullDevice gives
   * it the limits and features the engine can use), with the adapter it came from when known.
   * The caller sets the shader source (setShaderSource) and, if it wants one, a tuning store.
   */
  device?: { device: GPUDevice; adapter?: GPUAdapter; navigatorGpu?: GPU };
}

/** Opens the process-wide engine (idempotent): on the device given, else through Dawn in Node. */
export async function initEngine(options: EngineOptions = {}): Promise<Engine> {
  if (current) return current;
  if (options.device) current = new Engine(describeDevice(options.device.device, options.device));
  else {
    // Loaded only here, so a page's bundle leaves Dawn and Node's modules out.
    const node = await import('./node-platform.js');
    current = new Engine(await node.openNodeGpu(options.adapter));
  }
  return current;
}

export function engine(): Engine {
  if (!current) throw new Error('aegl-gpu: call initEngine() before using tensors');
  return current;
}

/** The open engine, or null before initEngine(): for code that may run either way. */
export function openEngine(): Engine | null {
  return current;
}

export function closeEngine(): void {
  current?.destroy();
  current = null;
}

/** Splits a 1-D workgroup count over x and y to stay under the 65,535-per-dimension limit. */
export function grid1d(workgroups: number): [number, number] {
  const max = 65535;
  if (workgroups <= max) return [Math.max(1, workgroups), 1];
  const y = Math.ceil(workgroups / max);
  return [Math.ceil(workgroups / y), y];
}

/**
 * A kernel with one invocation per value of `size`, or its `<entry>_vec4` twin (four values an
 * invocation, vec4 bindings) where `size` divides by 4: on lavapipe a vec4 load costs about two
 * scalar ones, so memory-bound kernels move about 3× the bytes per second (shaders/elementwise.wgsl).
 */
export function perValueKernel(shader: string, entry: string, size: number, workgroup: number): { spec: KernelSpec; groups: [number, number] } {
  const vec4 = size % 4 === 0;
  return { spec: { shader, entry: vec4 ? `${entry}_vec4` : entry }, groups: grid1d(Math.ceil(size / (vec4 ? 4 : 1) / workgroup)) };
}
