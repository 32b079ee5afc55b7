// Loads WGSL and caches compute pipelines and bind groups.
// A kernel is specialised on its shape (never its batch) through WGSL `override` constants, so the pipeline key is
// shader + entry point + constants; a bind group is keyed by pipeline + the exact buffer ranges.
// Where the WGSL comes from is the platform's: files in Node (shader-files.ts), strings bundled
// into a page from the same shaders/*.wgsl.

let shaderSource: ((name: string) => string) | null = null;

/** Sets where shader sources come from (initEngine does, for its platform). */
export function setShaderSource(source: (name: string) => string): void {
  shaderSource = source;
}

export interface KernelSpec {
  /** File name in shaders/ without `.wgsl`. */
  shader: string;
  /** Entry point; `main` when absent. */
  entry?: string;
  /** Values for the shader's `override` declarations. */
  constants?: Record<string, number>;
}

/** A bindable range of a GPU buffer: a tensor, or a raw buffer with its used size (from byteOffset, default 0). */
export interface Bindable {
  readonly buffer: GPUBuffer;
  readonly byteLength: number;
  readonly byteOffset?: number;
}

function readShader(name: string): string {
  if (!shaderSource) throw new Error('aegl-gpu: no shader source: open the engine with initEngine() first');
  return shaderSource(name);
}

/** WGSL has no includes: a line `#include <name>` is replaced by shaders/<name>.wgsl, once. */
export function loadWgsl(name: string, included = new Set<string>()): string {
  return readShader(name).replace(/^#include <([\w-]+)>$/gm, (_, dep: string) => {
    if (included.has(dep)) return '';
    included.add(dep);
    return loadWgsl(dep, included);
  });
}

export function kernelLabel(spec: KernelSpec): string {
  const c = spec.constants;
  const args = c ? Object.keys(c).sort().map((k) => `${k}=${c[k]}`).join(',') : '';
  return `${spec.shader}.${spec.entry ?? 'main'}(${args})`;
}

/**
 * Bind groups kept for reuse. Each costs about 6 KB on lavapipe (Dawn's object and the driver's
 * descriptor set, freed only once garbage collection drops it), and AEGL's varying tail counts and
 * the pool's rotating buffers keep making new ones: a Fashion-MNIST AEGL run had cached 9,000
 * after 144 steps. A ResNet-32 AEGL step binds about 1,300 (one a dispatch), so this holds a few steps' worth.
 */
export const MAX_BIND_GROUPS = 4096;

export class KernelCache {
  private modules = new Map<string, GPUShaderModule>();
  private pipelines = new Map<string, GPUComputePipeline>();
  private bindGroups = new Map<string, GPUBindGroup>();
  /** Each pipeline's layout, asked of Dawn once: a bind group made with a cached layout takes 20–28 µs instead of 28–32 on lavapipe. */
  private layouts = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  pipelinesBuilt = 0;
  bindGroupsCreated = 0;

  constructor(private device: GPUDevice) {}

  private module(shader: string): GPUShaderModule {
    let m = this.modules.get(shader);
    if (!m) {
      m = this.device.createShaderModule({ code: loadWgsl(shader), label: shader });
      this.modules.set(shader, m);
    }
    return m;
  }

  pipeline(spec: KernelSpec, label = kernelLabel(spec)): GPUComputePipeline {
    let p = this.pipelines.get(label);
    if (!p) {
      p = this.device.createComputePipeline({
        label,
        layout: 'auto',
        compute: { module: this.module(spec.shader), entryPoint: spec.entry ?? 'main', constants: spec.constants },
      });
      this.pipelines.set(label, p);
      this.pipelinesBuilt++;
    }
    return p;
  }

  private id(buffer: GPUBuffer): number {
    let id = this.bufferIds.get(buffer);
    if (id === undefined) {
      id = this.nextBufferId++;
      this.bufferIds.set(buffer, id);
    }
    return id;
  }

  /**
   * Bindings 0..n-1 are the buffer ranges in order (storage, or uniform where the shader declares
   * it so); the engine's uniform range, if any, is binding n.
   */
  bindGroup(label: string, pipeline: GPUComputePipeline, ranges: Bindable[], uniform?: { buffer: GPUBuffer; offset: number; size: number }): GPUBindGroup {
    let key = label;
    for (const r of ranges) key += `|${this.id(r.buffer)}@${r.byteOffset ?? 0}:${r.byteLength}`;
    if (uniform) key += `|u${this.id(uniform.buffer)}@${uniform.offset}`;
    let g = this.bindGroups.get(key);
    // Least recently used first, so eviction drops what the current steps no longer bind.
    if (g) this.bindGroups.delete(key);
    else {
      const entries: GPUBindGroupEntry[] = ranges.map((r, binding) => ({
        binding,
        resource: { buffer: r.buffer, offset: r.byteOffset ?? 0, size: Math.max(4, Math.ceil(r.byteLength / 4) * 4) },
      }));
      if (uniform) entries.push({ binding: ranges.length, resource: { buffer: uniform.buffer, offset: uniform.offset, size: uniform.size } });
      let layout = this.layouts.get(pipeline);
      if (!layout) {
        layout = pipeline.getBindGroupLayout(0);
        this.layouts.set(pipeline, layout);
      }
      g = this.device.createBindGroup({ label, layout, entries });
      this.bindGroupsCreated++;
      if (this.bindGroups.size >= MAX_BIND_GROUPS) this.bindGroups.delete(this.bindGroups.keys().next().value!);
    }
    this.bindGroups.set(key, g);
    return g;
  }
}
