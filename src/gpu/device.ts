// Opens a headless WebGPU device through Dawn's node bindings and describes it.
// Adapter choice: an explicit spec (flag), else $AEGL_ADAPTER, else Dawn's default (Vulkan).
// A spec is a backend ("vulkan", "opengles"), a substring of the adapter's name, or "backend:name".
import { create, globals } from 'webgpu';
import { describeDevice, requestFullDevice, summarize, type AdapterSummary, type OpenedGpu } from './adapter.js';
import { withNativeStderrFiltered } from './native-stderr.js';

export type { AdapterSummary, OpenedGpu };

Object.assign(globalThis, globals);

const BACKENDS = ['vulkan', 'opengles', 'metal', 'd3d12'] as const;

export class GpuUnavailableError extends Error {}

function ensureRuntimeDir(): void {
  // Mesa's drivers want a runtime directory; headless machines often have none set.
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
  if (!process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
}

interface Candidate { gpu: GPU; adapter: GPUAdapter; summary: AdapterSummary }

async function probe(backend: string): Promise<Candidate | null> {
  const featureLevel = backend === 'opengles' ? 'compatibility' : 'core';
  let gpu: GPU;
  try {
    gpu = create([`backend=${backend}`]) as unknown as GPU;
  } catch {
    return null;
  }
  const adapter = await withNativeStderrFiltered(() => gpu.requestAdapter({ featureLevel, powerPreference: 'high-performance' }));
  return adapter ? { gpu, adapter, summary: summarize(adapter.info, backend, featureLevel) } : null;
}

/** Every adapter Dawn offers on this machine, one per backend that answers. */
export async function listAdapters(): Promise<AdapterSummary[]> {
  ensureRuntimeDir();
  const found: AdapterSummary[] = [];
  for (const backend of BACKENDS) {
    const c = await probe(backend);
    if (c) found.push(c.summary);
  }
  return found;
}

function matches(s: AdapterSummary, spec: string): boolean {
  const [backend, name] = spec.includes(':') ? spec.split(':', 2) : [spec, ''];
  const lower = (x: string) => x.toLowerCase();
  if (name) return s.backend === lower(backend) && lower(s.name + ' ' + s.description).includes(lower(name));
  return s.backend === lower(spec) || lower(s.name + ' ' + s.description).includes(lower(spec));
}

async function chooseAdapter(spec: string | undefined): Promise<Candidate> {
  const backends = spec && (BACKENDS as readonly string[]).includes(spec.toLowerCase()) ? [spec.toLowerCase()] : BACKENDS;
  const seen: AdapterSummary[] = [];
  for (const backend of backends) {
    const c = await probe(backend);
    if (!c) continue;
    if (spec && !matches(c.summary, spec)) {
      seen.push(c.summary);
      continue;
    }
    // The first backend that answers, Vulkan before OpenGL ES, also on a CPU-only machine: with
    // the subgroup conv kernels (which OpenGL ES cannot run) lavapipe ran every training step
    // 1.1–1.5× faster than Dawn's OpenGL ES adapter on the same llvmpipe (bench/results).
    return c;
  }
  if (spec) {
    const list = seen.length ? seen.map((s) => `${s.backend}:${s.name}`).join(', ') : 'none';
    throw new GpuUnavailableError(`no WebGPU adapter matches "${spec}" (available: ${list})`);
  }
  throw new GpuUnavailableError(
    'no WebGPU adapter found: install a Vulkan driver (on Debian 12 run `bash tools/setup.sh`, which installs ' +
      'libvulkan1 and mesa-vulkan-drivers from bookworm-backports)',
  );
}

/** Opens the device with every limit raised to what the adapter allows. */
export async function openGpu(adapterSpec?: string): Promise<OpenedGpu> {
  ensureRuntimeDir();
  const spec = adapterSpec || process.env.AEGL_ADAPTER || undefined;
  const { gpu, adapter, summary } = await chooseAdapter(spec);
  const device = await requestFullDevice(adapter);
  return { ...describeDevice(device, { adapter, navigatorGpu: gpu }), summary };
}
