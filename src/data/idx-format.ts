// IDX files (MNIST, Fashion-MNIST): a 4-byte magic (0, 0, type 0x08 = u8, number of dimensions),
// the dimensions as big-endian u32, then the data. Images are N×H×W, labels N. Bytes only, no
// I/O: Node reads the files (idx.ts), a page fetches them.
import { UserError } from '../errors.js';

// torchvision.datasets.FashionMNIST.classes
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export function parseIdx(bytes: Uint8Array, file: string, ndim: number): IdxArray {
  if (bytes.length < 4) throw new UserError(`${file}: truncated IDX file (${bytes.length} bytes, no header)`);
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const want = 0x800 + ndim;
  if (magic !== want) {
    throw new UserError(`${file}: wrong magic number 0x${magic.toString(16).padStart(8, '0')} (an IDX file of u8 with ${ndim} dimensions has 0x${want.toString(16).padStart(8, '0')})`);
  }
  const header = 4 + 4 * ndim;
  if (bytes.length < header) throw new UserError(`${file}: truncated IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndim }, (_, k) => view.getUint32(4 + 4 * k));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) {
    const what = bytes.length < header + size ? 'truncated' : 'too long';
    throw new UserError(`${file}: ${what}: ${bytes.length} bytes, dimensions ${dims.join('×')} need ${header + size}`);
  }
  return { dims, data: bytes.subarray(header) };
}
