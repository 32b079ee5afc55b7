// What the engine needs from an opened WebGPU device, and how it opens one from an adapter: the
// same in Node (Dawn, src/gpu/device.ts) and in a page (navigator.gpu). No platform imports here.

export interface AdapterSummary {
  backend: string;
  name: string;
  vendor: string;
  architecture: string;
  description: string;
  isFallback: boolean;
  /** Core WebGPU or the restricted compatibility mode (OpenGL ES). */
  featureLevel: 'core' | 'compatibility';
}

export interface OpenedGpu {
  /** The object that made the adapter (Dawn's create(), or navigator.gpu): Dawn crashes if it is garbage-collected while the device lives. */
  readonly navigatorGpu: GPU | null;
  readonly adapter: GPUAdapter | null;
  readonly device: GPUDevice;
  readonly summary: AdapterSummary;
  readonly hasTimestamps: boolean;
  /** The smallest subgroup the device may run, where it has WGSL's `subgroups` feature; 0 without it. */
  readonly subgroupMinSize: number;
}

type InfoWithExtras = GPUAdapterInfo & { isFallbackAdapter?: boolean; subgroupMinSize?: number };

export function summarize(info: GPUAdapterInfo, backend: string, featureLevel: 'core' | 'compatibility'): AdapterSummary {
  return {
    backend,
    // Browsers may leave device and description empty (Chromium's SwiftShader: vendor google, architecture swiftshader).
    name: info.device || info.description || [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unknown adapter',
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    isFallback: (info as InfoWithExtras).isFallbackAdapter ?? false,
    featureLevel,
  };
}

/** Opens the device with every limit raised to what the adapter allows, and timestamps and subgroups where it has them. */
export async function requestFullDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  const limits = adapter.limits as unknown as Record<string, number>;
  for (const key in limits) {
    const value = limits[key];
    // Raising the dynamic-offset limits only makes Dawn print warnings; nothing here uses them.
    if (typeof value === 'number' && !key.startsWith('maxDynamic')) requiredLimits[key] = value;
  }
  const wanted = ['timestamp-query', 'subgroups'] as GPUFeatureName[];
  return adapter.requestDevice({ requiredLimits, requiredFeatures: wanted.filter((f) => adapter.features.has(f)) });
}

/**
 * The engine's view of a device someone else opened (a page's, from navigator.gpu; requestFullDevice
 * gives it what the engine can use). Its adapter, when given, names it; else the device's own adapterInfo.
 */
export function describeDevice(device: GPUDevice, options: { adapter?: GPUAdapter; navigatorGpu?: GPU; backend?: string } = {}): OpenedGpu {
  const info = (options.adapter?.info ?? (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo) as InfoWithExtras | undefined;
  const featureLevel = device.features.has('core-features-and-limits' as GPUFeatureName) || !options.adapter ? 'core' : 'compatibility';
  const summary = summarize(info ?? ({ vendor: '', architecture: '', device: '', description: '' } as GPUAdapterInfo), options.backend ?? 'webgpu', featureLevel);
  const subgroupMinSize = device.features.has('subgroups' as GPUFeatureName) ? (info?.subgroupMinSize ?? 0) : 0;
  return {
    navigatorGpu: options.navigatorGpu ?? null,
    adapter: options.adapter ?? null,
    device,
    summary,
    hasTimestamps: device.features.has('timestamp-query'),
    subgroupMinSize,
  };
}
