// `aegl-gpu info`: the adapter, its features and the limits the device was opened with.
import type { Engine } from './engine.js';
import { listAdapters } from './device.js';
import { shippedChoiceCount, tuningCachePath, tuningEnabled } from './tuner.js';

export async function describeEngine(e: Engine, brief: boolean): Promise<string> {
  const s = e.gpu.summary;
  const lines = [
    `adapter:  ${s.name} (${s.description || 'no description'})`,
    `backend:  ${s.backend}, feature level ${s.featureLevel}${s.isFallback ? ', software fallback' : ''}`,
    `vendor:   ${s.vendor || '-'} / ${s.architecture || '-'}`,
    `tuning:   ${tuningCachePath()}${tuningEnabled() ? '' : ' (off: AEGL_TUNE=0)'}`,
    `shipped:  ${shippedChoiceCount()} tuned kernel choices for this adapter, used until this machine's tuner confirms them`,
  ];
  if (brief) return lines.join('\n');
  lines.push(`features: ${[...e.device.features].sort().join(', ')}`);
  if (e.gpu.subgroupMinSize) lines.push(`subgroups: ${e.gpu.subgroupMinSize} lanes or more`);
  const limits = e.device.limits as unknown as Record<string, number>;
  lines.push('limits:');
  for (const key of Object.keys(Object.getPrototypeOf(limits)).concat(Object.keys(limits)).sort()) {
    if (typeof limits[key] === 'number') lines.push(`  ${key.padEnd(44)} ${limits[key]}`);
  }
  const others = await listAdapters();
  lines.push('adapters on this machine (select with --adapter or $AEGL_ADAPTER):');
  for (const a of others) lines.push(`  ${a.backend}:${a.name}  ${a.description}`);
  return lines.join('\n');
}
