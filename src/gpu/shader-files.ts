// Node's shader source: the .wgsl files of shaders/, read as the engine first builds each module.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Folder holding the .wgsl files; the same relative place from src/gpu and dist/gpu. */
export const SHADER_DIR = fileURLToPath(new URL('../../shaders/', import.meta.url));

export function readShaderFile(name: string): string {
  try {
    return readFileSync(`${SHADER_DIR}${name}.wgsl`, 'utf8');
  } catch {
    throw new Error(`kernel source missing: ${SHADER_DIR}${name}.wgsl`);
  }
}
